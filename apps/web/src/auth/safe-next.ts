// Where to go after signing in. `next` comes from the address bar, so anyone can craft it:
// only a path on this site is followed, never another origin (an open redirect would let a
// phishing link bounce through our login page with our name on it).
export const AFTER_SIGN_IN = '/status';

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
