/**
 * Typed failures of calls to Schwab. Messages are fixed phrases plus a status or path at most:
 * never a response body, header value or token, so they are safe to log and to show.
 */
export const SCHWAB_ERROR_CODES = [
  'SCHWAB_BAD_RESPONSE',
  'SCHWAB_RATE_LIMITED',
  'SCHWAB_UNAUTHORIZED',
  'SCHWAB_UNAVAILABLE',
  'SCHWAB_REFUSED',
  'SCHWAB_INVALID_REQUEST',
  /** The refresh token is expired or revoked (or a login failed for good): the owner must log in again. */
  'SCHWAB_REAUTH_REQUIRED',
  /** The authorization callback is unusable: wrong state, an error from Schwab, no code. */
  'SCHWAB_CALLBACK_INVALID',
] as const;
export type SchwabErrorCode = (typeof SCHWAB_ERROR_CODES)[number];

export class SchwabError extends Error {
  override readonly name = 'SchwabError';
  constructor(
    readonly code: SchwabErrorCode,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; timedOut?: boolean } = {},
  ) {
    super(message);
  }
}

export function isSchwabError(err: unknown, code?: SchwabErrorCode): err is SchwabError {
  return err instanceof SchwabError && (code === undefined || err.code === code);
}

/**
 * Schwab is reached over https only. Plain http is allowed solely when the caller opts in
 * (tests, e2e, the local demo) and the host is this machine, so a token never crosses a network
 * in clear text even if the option is set by mistake.
 */
export function checkSchwabBaseUrl(baseUrl: string, allowInsecureHttp = false): URL {
  const url = new URL(baseUrl);
  if (url.protocol === 'https:') return url;
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol === 'http:' && allowInsecureHttp && loopback) return url;
  throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Schwab base URL must use https');
}
