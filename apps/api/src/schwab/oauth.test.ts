import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchwabClient } from './client.ts';
import { SchwabError } from './errors.ts';
import { FakeSchwab } from './fake/server.ts';
import { buildAuthorizeRequest, callbackParams, exchangeCode, refreshTokens, type SchwabOAuthConfig } from './oauth.ts';

const DAY = 86_400_000;

let now: number;
let fake: FakeSchwab;
let config: SchwabOAuthConfig;

beforeEach(async () => {
  now = Date.parse('2026-03-10T15:00:00Z');
  fake = new FakeSchwab({ now: () => now });
  await fake.start();
  config = {
    baseUrl: fake.baseUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    redirectUri: fake.redirectUri,
    allowInsecureHttp: true,
  };
});
afterEach(() => fake.close());

/** Opens the authorize URL, clicks Allow (posts the page's form) and returns the redirect. */
async function allow(url: URL): Promise<string> {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!);
  const res = await fetch(new URL('/v1/oauth/authorize', url), { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

async function login() {
  const request = await buildAuthorizeRequest(config);
  const callback = await allow(request.url);
  return exchangeCode(config, { url: callback, expectedState: request.state, codeVerifier: request.codeVerifier });
}

async function failure(promise: Promise<unknown>): Promise<SchwabError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SchwabError);
  return err as SchwabError;
}

describe('Schwab OAuth helpers (oauth4webapi) against the fake', () => {
  it('builds an authorize URL with state and an S256 challenge', async () => {
    const { url, state, codeVerifier } = await buildAuthorizeRequest(config);
    expect(url.pathname).toBe('/v1/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe(fake.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(fake.redirectUri);
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).not.toBe(codeVerifier);
    expect(state).not.toBe((await buildAuthorizeRequest(config)).state);
  });

  it('does the authorization-code + PKCE exchange (code ending %40 decoded once) and the tokens work', async () => {
    const request = await buildAuthorizeRequest(config);
    const callback = await allow(request.url);
    expect(callback).toMatch(/code=[^&]+%40&/);
    const tokens = await exchangeCode(config, { url: callback, expectedState: request.state, codeVerifier: request.codeVerifier });
    expect(tokens.expiresInSeconds).toBe(1800);
    expect(tokens.refreshToken.length).toBeGreaterThan(20);
    expect(fake.counters.token).toMatchObject({ authorization_code: 1, refused: 0 });
    const client = new SchwabClient({ baseUrl: fake.baseUrl, allowInsecureHttp: true, getAccessToken: async () => tokens.accessToken });
    expect(await client.accountNumbers()).toHaveLength(2);
  });

  it('takes the callback as a URL object or a bare query string, decoding it once', async () => {
    const request = await buildAuthorizeRequest(config);
    const callback = new URL(await allow(request.url));
    // Decoding zero times would send "%40" on, which the fake refuses.
    const tokens = await exchangeCode(config, { url: callback.search.slice(1), expectedState: request.state, codeVerifier: request.codeVerifier });
    expect(tokens.accessToken).toBeTruthy();
    const again = await buildAuthorizeRequest(config);
    const second = new URL(await allow(again.url));
    expect((await exchangeCode(config, { url: second, expectedState: again.state, codeVerifier: again.codeVerifier })).accessToken).toBeTruthy();
  });

  it('decodes callback parameters exactly once', () => {
    expect(callbackParams('https://app.example/cb?code=C0.abc%40&state=s%2F1').get('code')).toBe('C0.abc@');
    expect(callbackParams('code=C0.abc%2540&state=s').get('code')).toBe('C0.abc%40');
    expect(callbackParams(new URL('https://app.example/cb?code=x%40&state=s#frag')).get('state')).toBe('s');
  });

  it('refuses a callback with the wrong state before any token request', async () => {
    const request = await buildAuthorizeRequest(config);
    const callback = await allow(request.url);
    const err = await failure(exchangeCode(config, { url: callback, expectedState: 'other', codeVerifier: request.codeVerifier }));
    expect(err.code).toBe('SCHWAB_CALLBACK_INVALID');
    expect(fake.counters.token.authorization_code).toBe(0);
  });

  it('reports a denial in the callback', async () => {
    const err = await failure(
      exchangeCode(config, { url: `${fake.redirectUri}?error=access_denied&state=s1`, expectedState: 's1', codeVerifier: 'x'.repeat(43) }),
    );
    expect(err.code).toBe('SCHWAB_CALLBACK_INVALID');
  });

  it('a wrong verifier or a replayed code is refused, and the error holds no code or token', async () => {
    const request = await buildAuthorizeRequest(config);
    const callback = await allow(request.url);
    const wrong = await failure(exchangeCode(config, { url: callback, expectedState: request.state, codeVerifier: 'v'.repeat(43) }));
    expect(wrong.code).toBe('SCHWAB_REFUSED');
    expect(wrong.message).toContain('invalid_grant');
    expect(wrong.message).not.toContain(new URL(callback).searchParams.get('code')!);
    const replay = await failure(exchangeCode(config, { url: callback, expectedState: request.state, codeVerifier: request.codeVerifier }));
    expect(replay.code).toBe('SCHWAB_REFUSED');
  });

  it('a wrong client secret is refused', async () => {
    const request = await buildAuthorizeRequest(config);
    const callback = await allow(request.url);
    const err = await failure(
      exchangeCode({ ...config, clientSecret: 'nope' }, { url: callback, expectedState: request.state, codeVerifier: request.codeVerifier }),
    );
    expect(err.details.status).toBe(401);
    expect(err.message).not.toContain('nope');
  });

  it('refreshes with rotation: the old refresh token then needs a new login', async () => {
    const first = await login();
    const second = await refreshTokens(config, first.refreshToken);
    expect(second.refreshToken).not.toBeNull();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await failure(refreshTokens(config, first.refreshToken))).code).toBe('SCHWAB_REAUTH_REQUIRED');
    expect(fake.counters.token.refresh_token).toBe(2);
  });

  it('refresh after the 7-day deadline asks for a new login', async () => {
    const tokens = await login();
    now += 7 * DAY + 1;
    const err = await failure(refreshTokens(config, tokens.refreshToken));
    expect(err.code).toBe('SCHWAB_REAUTH_REQUIRED');
    expect(err.message).toContain('refresh_token_authentication_error');
    expect(err.message).not.toContain(tokens.refreshToken);
  });

  it('maps a rate-limited or failing token endpoint to typed errors', async () => {
    const tokens = await login();
    fake.failNext('rate_limit', 1, { scope: 'token', retryAfterSeconds: 4 });
    const limited = await failure(refreshTokens(config, tokens.refreshToken));
    expect(limited.code).toBe('SCHWAB_RATE_LIMITED');
    expect(limited.details.retryAfterMs).toBe(4_000);
    fake.failNext('server_error', 1, { scope: 'token' });
    expect((await failure(refreshTokens(config, tokens.refreshToken))).code).toBe('SCHWAB_UNAVAILABLE');
    fake.failNext('hang', 1, { scope: 'token' });
    const hung = await failure(refreshTokens({ ...config, timeoutMs: 150 }, tokens.refreshToken));
    expect(hung.details.timedOut).toBe(true);
    // The refresh token survived all of that.
    expect((await refreshTokens(config, tokens.refreshToken)).accessToken).toBeTruthy();
  });

  it('refuses non-https Schwab URLs unless explicitly allowed for this machine', async () => {
    await expect(buildAuthorizeRequest({ ...config, allowInsecureHttp: false })).rejects.toThrow(/https/);
    await expect(refreshTokens({ ...config, baseUrl: 'http://schwab.example', allowInsecureHttp: true }, 'r')).rejects.toThrow(/https/);
  });
});
