import { SCHWAB_REAUTH_ERRORS } from '@jutsu/shared';
import * as oauth from 'oauth4webapi';
import { checkSchwabBaseUrl, SchwabError } from './errors.ts';
import { parseRetryAfter } from './retry.ts';

/*
 * Pure helpers around oauth4webapi for Schwab's authorization-code + PKCE flow. Storing the
 * state and verifier, encrypting tokens and deciding when to refresh belong to the caller.
 */

export interface SchwabOAuthConfig {
  /** e.g. https://api.schwabapi.com */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The callback registered at Schwab, character for character. */
  redirectUri: string;
  /** http to a loopback host, for tests, e2e and the local demo only. */
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
}

export interface SchwabTokens {
  accessToken: string;
  /** null when a refresh answer carries none: the current refresh token stays in use. */
  refreshToken: string | null;
  expiresInSeconds: number;
  scope: string | null;
}

export interface AuthorizeRequest {
  url: URL;
  /** Keep server-side, bound to the user's session, until the callback. */
  state: string;
  codeVerifier: string;
}

function endpoints(config: SchwabOAuthConfig): { as: oauth.AuthorizationServer; client: oauth.Client; auth: oauth.ClientAuth } {
  const base = checkSchwabBaseUrl(config.baseUrl, config.allowInsecureHttp);
  const root = base.href.replace(/\/$/, '');
  return {
    as: {
      issuer: root,
      authorization_endpoint: `${root}/v1/oauth/authorize`,
      token_endpoint: `${root}/v1/oauth/token`,
      code_challenge_methods_supported: ['S256'],
    },
    client: { client_id: config.clientId },
    auth: oauth.ClientSecretBasic(config.clientSecret),
  };
}

function requestOptions(config: SchwabOAuthConfig) {
  return {
    signal: AbortSignal.timeout(config.timeoutMs ?? 15_000),
    [oauth.allowInsecureRequests]: config.allowInsecureHttp === true,
    [oauth.customFetch]: withoutIdToken,
  };
}

/**
 * Schwab's token answers carry an `id_token` whose issuer and signing keys it does not
 * publish; we never use it, and oauth4webapi would otherwise try to validate its claims. It is
 * dropped before processing so an unannounced change there cannot break logins.
 */
async function withoutIdToken(url: string, init: oauth.CustomFetchOptions<'POST', URLSearchParams>): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    return res;
  }
  if (body === null || typeof body !== 'object' || !('id_token' in body)) return res;
  const { id_token: _dropped, ...rest } = body as Record<string, unknown>;
  return new Response(JSON.stringify(rest), { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** The URL to send the owner to, with a fresh state and an S256 PKCE challenge. */
export async function buildAuthorizeRequest(config: SchwabOAuthConfig): Promise<AuthorizeRequest> {
  const { as } = endpoints(config);
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', config.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url, state, codeVerifier };
}

/**
 * Exchanges the code from the callback. `callback` is the callback URL as received (or its raw
 * query string): it is decoded exactly once here, so Schwab's `…%40` becomes `…@` and is sent
 * form-encoded again. Never pass an already-decoded value (e.g. Express's `req.query.code`).
 */
export async function exchangeCode(
  config: SchwabOAuthConfig,
  callback: { url: string | URL; expectedState: string; codeVerifier: string },
): Promise<SchwabTokens & { refreshToken: string }> {
  const { as, client, auth } = endpoints(config);
  const params = callbackParams(callback.url);
  let validated: URLSearchParams;
  try {
    validated = oauth.validateAuthResponse(as, client, params, callback.expectedState);
  } catch (err) {
    const reason = err instanceof oauth.AuthorizationResponseError ? 'Schwab refused the authorization' : 'Authorization callback is not valid';
    throw new SchwabError('SCHWAB_CALLBACK_INVALID', reason);
  }
  const tokens = await tokenCall('code', () =>
    oauth
      .authorizationCodeGrantRequest(as, client, auth, validated, config.redirectUri, callback.codeVerifier, requestOptions(config))
      .then(checkStatus)
      .then((res) => oauth.processAuthorizationCodeResponse(as, client, res)),
  );
  if (!tokens.refreshToken) throw new SchwabError('SCHWAB_BAD_RESPONSE', 'Schwab token answer has no refresh token');
  return { ...tokens, refreshToken: tokens.refreshToken };
}

/** The callback's query parameters, percent-decoded exactly once ("…%40" → "…@", "%2540" → "%40"). */
export function callbackParams(url: string | URL): URLSearchParams {
  const raw = typeof url === 'string' ? url : url.href;
  const query = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : raw;
  return new URLSearchParams(query.split('#')[0]);
}

/** Uses the refresh token; SCHWAB_REAUTH_REQUIRED means it is expired or revoked. */
export async function refreshTokens(config: SchwabOAuthConfig, refreshToken: string): Promise<SchwabTokens> {
  const { as, client, auth } = endpoints(config);
  return tokenCall('refresh', () =>
    oauth
      .refreshTokenGrantRequest(as, client, auth, refreshToken, requestOptions(config))
      .then(checkStatus)
      .then((res) => oauth.processRefreshTokenResponse(as, client, res)),
  );
}

/** 429 and 5xx are not OAuth answers: report them before oauth4webapi reads the body. */
function checkStatus(res: Response): Response {
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
    throw new SchwabError('SCHWAB_RATE_LIMITED', 'Schwab rate limit reached for the token endpoint', {
      status: 429,
      ...(retryAfterMs === null ? {} : { retryAfterMs }),
    });
  }
  if (res.status >= 500) throw new SchwabError('SCHWAB_UNAVAILABLE', `Schwab token endpoint failed (${res.status})`, { status: res.status });
  return res;
}

/**
 * `grant` decides what a refusal means: on refresh, Schwab's expired/revoked answers mean the
 * owner must log in again; on a code exchange every refusal just ends that login attempt.
 */
async function tokenCall(grant: 'code' | 'refresh', call: () => Promise<oauth.TokenEndpointResponse>): Promise<SchwabTokens> {
  let res: oauth.TokenEndpointResponse;
  try {
    res = await call();
  } catch (err) {
    if (err instanceof SchwabError) throw err;
    if (err instanceof oauth.ResponseBodyError) {
      // Schwab's own error code is safe to name; its description and our tokens are not repeated.
      const reauth = grant === 'refresh' && (SCHWAB_REAUTH_ERRORS as readonly string[]).includes(err.error);
      throw new SchwabError(
        reauth ? 'SCHWAB_REAUTH_REQUIRED' : 'SCHWAB_REFUSED',
        `Schwab token endpoint refused the request (${/^[a-z_]{1,64}$/.test(err.error) ? err.error : 'error'})`,
        { status: err.status },
      );
    }
    // fetch itself fails with a plain TypeError (oauth4webapi's own argument errors carry a code).
    if (err instanceof DOMException || (err instanceof TypeError && !('code' in err))) {
      const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
      throw new SchwabError('SCHWAB_UNAVAILABLE', timedOut ? 'Schwab token endpoint did not answer in time' : 'Schwab token endpoint unreachable', {
        timedOut,
      });
    }
    throw new SchwabError('SCHWAB_BAD_RESPONSE', 'Schwab token answer is not valid');
  }
  return {
    accessToken: res.access_token,
    refreshToken: res.refresh_token ?? null,
    expiresInSeconds: res.expires_in ?? 1800,
    scope: res.scope ?? null,
  };
}
