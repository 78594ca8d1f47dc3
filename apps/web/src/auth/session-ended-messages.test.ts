import { describe, expect, it } from 'vitest';
import { networkError, refusal } from '../test-support/api-error.ts';
import { endedNotice, endingOf, isKnownEnding, sessionEndedMessage, sessionEndedTitle } from './session-ended-messages.ts';

describe('sessionEndedMessage', () => {
  it('names the cause the server gave', () => {
    expect(sessionEndedMessage('password_changed')).toBe('Your session was ended because the password was changed. Sign in with the new password.');
    expect(sessionEndedMessage('refresh_token_reuse')).toMatch(/used from two places at once/);
  });

  it('says which of the four endings happened and what to do', () => {
    expect([sessionEndedTitle('refresh_token_reuse'), sessionEndedMessage('refresh_token_reuse')]).toEqual([
      'Signed out for your safety',
      expect.stringMatching(/change your password/),
    ]);
    expect([sessionEndedTitle('revoked_by_admin'), sessionEndedMessage('revoked_by_admin')]).toEqual([
      'Signed out by an administrator',
      expect.stringMatching(/ended by an administrator.*ask your administrator/),
    ]);
    expect([sessionEndedTitle('password_changed'), sessionEndedMessage('password_changed')]).toEqual(['Password changed', expect.stringMatching(/Sign in with the new password/)]);
    for (const reason of ['user_disabled', 'account_disabled']) {
      expect([sessionEndedTitle(reason), sessionEndedMessage(reason)]).toEqual(['Account disabled', expect.stringMatching(/disabled\. Ask an administrator/)]);
    }
    for (const reason of ['idle_timeout', 'expired', 'step_up_failures', 'passkey_removed', 'reported_not_me', 'logout', 'revoked_by_user']) {
      expect(isKnownEnding(reason)).toBe(true);
      expect(sessionEndedTitle(reason)).not.toBe('Signed out');
    }
  });

  it('falls back to a generic line for an unknown, missing or inherited key', () => {
    const generic = 'Your session was ended. Sign in again to continue.';
    expect(sessionEndedMessage(undefined)).toBe(generic);
    expect(sessionEndedMessage('something_new')).toBe(generic);
    expect(sessionEndedTitle('something_new')).toBe('Signed out');
    expect(isKnownEnding('something_new')).toBe(false);
    // Object.prototype members are not reasons.
    expect(sessionEndedMessage('toString')).toBe(generic);
    expect(sessionEndedMessage('__proto__')).toBe(generic);
    expect(isKnownEnding('constructor')).toBe(false);
  });
});

describe('every reason the API ends a session with', () => {
  it('has its own words', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../../../api/src/', import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
    const reasons = new Set<string>();
    for (const file of files(root)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\.revoke\([^;]*?,\s*'([a-z_]+)'\)/g)) reasons.add(m[1]!);
    }
    // The scan must find the well-known ones, or it proves nothing.
    expect([...reasons]).toEqual(expect.arrayContaining(['revoked_by_admin', 'password_changed', 'refresh_token_reuse', 'user_disabled']));
    expect([...reasons].filter((r) => !isKnownEnding(r))).toEqual([]);
  });
});

describe('endingOf a refused refresh', () => {
  it('reads reuse, a disabled account and the revocation reason the server sent', () => {
    expect(endingOf(refusal('REFRESH_REUSED', 401))).toBe('refresh_token_reuse');
    expect(endingOf(refusal('ACCOUNT_DISABLED', 401))).toBe('account_disabled');
    expect(endingOf(refusal('SESSION_REVOKED', 401, 'ended', { endedBecause: 'revoked_by_admin' }))).toBe('revoked_by_admin');
    expect(endedNotice(endingOf(refusal('SESSION_REVOKED', 401, 'ended', { endedBecause: 'password_changed' })))).toEqual({
      kind: 'ended',
      title: 'Password changed',
      message: 'Your session was ended because the password was changed. Sign in with the new password.',
    });
  });

  it('says nothing it was not told, and ignores a malformed reason', () => {
    expect(endingOf(refusal('SESSION_REVOKED', 401))).toBeUndefined();
    expect(endingOf(refusal('SESSION_REVOKED', 401, 'ended', { endedBecause: '<script>' }))).toBeUndefined();
    expect(endingOf(refusal('SESSION_REVOKED', 401, 'ended', { endedBecause: 42 }))).toBeUndefined();
    expect(endingOf(networkError())).toBeUndefined();
    expect(endedNotice(undefined)).toEqual({ kind: 'ended', title: 'Signed out', message: 'Your session was ended. Sign in again to continue.' });
  });
});
