// Where to go after signing in. `next` comes from the address bar, so anyone can craft it:
// only a path on this site is followed, never another origin (an open redirect would let a
// phishing link bounce through our login page with our name on it).
import { NAV_ITEMS } from '../layout/navigation.ts';

export const AFTER_SIGN_IN = '/overview';

/** Names for signed-in screens that are not navigation entries of their own. */
const EXTRA_PAGE_NAMES: Record<string, string> = { '/settings/security': 'Security settings', '/schwab/callback': 'Schwab' };

/** Screens that are pointless to return to, or whose address holds a secret (/not-me/<token>). */
function isReturnable(pathname: string): boolean {
  return !(pathname === '/login' || pathname === '/not-me' || pathname.startsWith('/not-me/'));
}

export function safeNextPath(raw: string | null, origin: string = window.location.origin): string {
  if (!raw) return AFTER_SIGN_IN;
  // "//host" and "/\host" are read by browsers as another host; browsers also drop tabs and
  // newlines inside URLs, so "/\t/host" would become "//host". Refuse all of these outright.
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || /[\s\\\p{Cc}]/u.test(raw)) return AFTER_SIGN_IN;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return AFTER_SIGN_IN;
  }
  if (url.origin !== origin || !isReturnable(url.pathname)) return AFTER_SIGN_IN;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The login address that brings the person back to `path` afterwards (when that is safe to remember). */
export function loginPathReturningTo(path: string): string {
  const pathname = path.split(/[?#]/, 1)[0] ?? '/';
  return isReturnable(pathname) && path !== '/' ? `/login?next=${encodeURIComponent(path)}` : '/login';
}

/**
 * The name of the screen a login address returns to ("Trades"), for "Sign in to open Trades";
 * null when there is no `next`, it is not safe to follow, or the screen has no name.
 */
export function returnPageName(raw: string | null, origin: string = window.location.origin): string | null {
  if (!raw) return null;
  const path = safeNextPath(raw, origin);
  if (path === AFTER_SIGN_IN && raw !== AFTER_SIGN_IN) return null;
  const pathname = path.split(/[?#]/, 1)[0] ?? '';
  if (Object.hasOwn(EXTRA_PAGE_NAMES, pathname)) return EXTRA_PAGE_NAMES[pathname]!;
  const entry = NAV_ITEMS.filter((item) => item.roles !== undefined && (pathname === item.to || pathname.startsWith(`${item.to}/`))).sort((a, b) => b.to.length - a.to.length)[0];
  return entry?.label ?? null;
}
