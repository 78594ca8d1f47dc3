// The refresh cookie (and the device cookie) never leave /api/auth, cannot be read by
// script, and are never sent cross-site.
import type { Context } from '../trpc/context.ts';

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
