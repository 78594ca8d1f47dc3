// The refresh cookie (and the device cookie) never leave /api/auth, cannot be read by
// script, and are never sent cross-site. Cookies belong to the HTTP side: routers read and
// set them here; services only see and return their values.
import type { AuthedContext, Context } from '../trpc/context.ts';
import { DEVICE_COOKIE_MAX_AGE } from './new-device.ts';
import type { SignedIn, SignInOutcome } from './sign-in.ts';

export const REFRESH_COOKIE = '__Secure-jutsu_refresh';
export const DEVICE_COOKIE = '__Secure-jutsu_device';
export const AUTH_COOKIE_PATH = '/api/auth';

export function readCookie(ctx: Context, name: string): string | undefined {
  const header = ctx.req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{16,128}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export function setCookie(ctx: Context, name: string, value: string, maxAgeSeconds: number): void {
  ctx.res?.cookie(name, value, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: AUTH_COOKIE_PATH,
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)) * 1000,
  });
}

export function clearCookie(ctx: Context, name: string): void {
  ctx.res?.clearCookie(name, { httpOnly: true, secure: true, sameSite: 'strict', path: AUTH_COOKIE_PATH });
}

/** The browser's device id for completeSignIn (undefined: a new one is made). */
export function deviceIdFrom(ctx: Context): string | undefined {
  return readCookie(ctx, DEVICE_COOKIE);
}

/** Turns a completed sign-in into the response: both cookies, the audit note, the body. */
export function respondSignedIn(ctx: Context | AuthedContext, outcome: SignInOutcome): SignedIn {
  setCookie(ctx, REFRESH_COOKIE, outcome.refreshToken, (outcome.refreshExpiresAt.getTime() - Date.now()) / 1000);
  setCookie(ctx, DEVICE_COOKIE, outcome.device.id, DEVICE_COOKIE_MAX_AGE);
  const user = outcome.body.user;
  ctx.audit.userId = user.id;
  ctx.audit.username = user.username;
  ctx.audit.details = { ...ctx.audit.details, method: outcome.amr.join('+'), sessionId: outcome.sessionId };
  return outcome.body;
}
