import { describe, expect, it } from 'vitest';
import { AFTER_SIGN_IN, loginPathReturningTo, returnPageName, safeNextPath } from './safe-next.ts';

const ORIGIN = 'https://dash.example.com';

describe('safeNextPath', () => {
  it('follows a path on this site, keeping query and hash', () => {
    expect(safeNextPath('/admin/users?tab=locked#top', ORIGIN)).toBe('/admin/users?tab=locked#top');
  });

  it('goes to the default screen when there is nothing to follow', () => {
    expect(safeNextPath(null, ORIGIN)).toBe(AFTER_SIGN_IN);
    expect(safeNextPath('', ORIGIN)).toBe(AFTER_SIGN_IN);
  });

  it.each([
    'https://evil.example/phish',
    '//evil.example/phish',
    '/\\evil.example/phish',
    '/\t/evil.example',
    '/\n/evil.example',
    '/ok\\..\\x',
    'javascript:alert(1)',
    'admin/users',
  ])('refuses %j (another host, or read as one by some browser)', (raw) => {
    expect(safeNextPath(raw, ORIGIN)).toBe(AFTER_SIGN_IN);
  });

  it('keeps an encoded newline encoded, so it stays a path on this site', () => {
    expect(safeNextPath('/%0a/evil', ORIGIN)).toBe('/%0a/evil');
  });

  it('does not return to the login page or to a not-me link (its address holds a secret)', () => {
    expect(safeNextPath('/login?next=/x', ORIGIN)).toBe(AFTER_SIGN_IN);
    expect(safeNextPath('/not-me/secret-token', ORIGIN)).toBe(AFTER_SIGN_IN);
    expect(safeNextPath('/not-me', ORIGIN)).toBe(AFTER_SIGN_IN);
    expect(safeNextPath('/not-mentioned', ORIGIN)).toBe('/not-mentioned');
  });
});

describe('loginPathReturningTo', () => {
  it('remembers a returnable path, encoded', () => {
    expect(loginPathReturningTo('/admin/users?tab=a&b=c')).toBe('/login?next=%2Fadmin%2Fusers%3Ftab%3Da%26b%3Dc');
    expect(safeNextPath(decodeURIComponent('%2Fadmin%2Fusers%3Ftab%3Da%26b%3Dc'), ORIGIN)).toBe('/admin/users?tab=a&b=c');
  });

  it('remembers nothing for the root, the login page or a not-me link', () => {
    expect(loginPathReturningTo('/')).toBe('/login');
    expect(loginPathReturningTo('/login?next=/x')).toBe('/login');
    expect(loginPathReturningTo('/not-me/secret-token')).toBe('/login');
  });
});

describe('returnPageName', () => {
  it('names the screen the sign-in returns to', () => {
    expect(returnPageName('/trades?symbol=AAPL', ORIGIN)).toBe('Trades');
    expect(returnPageName('/admin/security-log?group=admin', ORIGIN)).toBe('Security log');
    expect(returnPageName('/settings/security', ORIGIN)).toBe('Security settings');
    expect(returnPageName('/settings/status', ORIGIN)).toBe('Server status');
    expect(returnPageName('/overview', ORIGIN)).toBe('Overview');
  });

  it('names nothing for another site, an unsafe path or no path', () => {
    for (const raw of ['//evil.example', 'https://evil.example', '//evil.example/trades', 'https://evil.example/trades', '/\\evil.example', 'javascript:alert(1)', '/login', null, '']) {
      expect(returnPageName(raw, ORIGIN)).toBeNull();
    }
    expect(returnPageName('/no-such-screen', ORIGIN)).toBeNull();
  });
});
