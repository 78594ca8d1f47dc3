import { describe, expect, it } from 'vitest';
import { confirmationText, confirmationTitle, lastAdminReason, needsConfirmation, needsRecentSignIn, outcomeText, type UserAction, type UserSummary } from './user-actions.ts';

const summary = (overrides: Partial<UserSummary> = {}): UserSummary => ({
  id: 'u1',
  username: 'bob',
  email: null,
  role: 'trader',
  disabledAt: null,
  lockedAt: null,
  lockedReason: null,
  twoFactorEnabled: true,
  passkeys: 0,
  activeSessions: 2,
  mustChangePassword: false,
  lastLoginAt: null,
  lastLoginIp: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

describe('which actions ask first', () => {
  it('confirms everything that takes something away, not enable or unlock', () => {
    const user = summary();
    expect(needsConfirmation({ kind: 'disable', user })).toBe(true);
    expect(needsConfirmation({ kind: 'revokeSessions', user })).toBe(true);
    expect(needsConfirmation({ kind: 'resetTwoFactor', user })).toBe(true);
    expect(needsConfirmation({ kind: 'setRole', user, role: 'viewer' })).toBe(true);
    expect(needsConfirmation({ kind: 'enable', user })).toBe(false);
    expect(needsConfirmation({ kind: 'unlock', user })).toBe(false);
  });

  it('expects a recent sign-in for a role change and a two-factor reset only', () => {
    expect(['setRole', 'resetTwoFactor', 'disable', 'enable', 'unlock', 'revokeSessions'].filter((k) => needsRecentSignIn(k as UserAction['kind']))).toEqual([
      'setRole',
      'resetTwoFactor',
    ]);
  });
});

describe('confirmation wording', () => {
  it('uses the right article for the new role', () => {
    expect(confirmationTitle({ kind: 'setRole', user: summary(), role: 'admin' })).toBe('Make bob an admin?');
    expect(confirmationTitle({ kind: 'setRole', user: summary(), role: 'viewer' })).toBe('Make bob a viewer?');
  });

  it('warns that raising to admin alerts the owner', () => {
    const lines = confirmationText({ kind: 'setRole', user: summary(), role: 'admin' }, false);
    expect(lines[0]).toMatch(/^Trader → Admin\. /);
    expect(lines).toContain('Raising an account to admin is a critical security event: the owner is alerted.');
  });

  it('tells an admin lowering themselves that they lose the admin screens and their pending invitations', () => {
    const lines = confirmationText({ kind: 'setRole', user: summary({ role: 'admin' }), role: 'viewer' }, true);
    expect(lines).toContain('Invitations you created that are still pending will be revoked.');
    expect(lines).toContain('This is your own account: you lose access to the admin screens at once.');
  });

  it('says when disabling or signing out your own account signs you out too', () => {
    expect(confirmationText({ kind: 'disable', user: summary() }, true)).toContain('This is your own account: you will be signed out now.');
    expect(confirmationText({ kind: 'disable', user: summary() }, false)).toHaveLength(1);
    expect(confirmationText({ kind: 'revokeSessions', user: summary() }, false)[0]).toMatch(/They can sign in again with their password/);
    expect(confirmationText({ kind: 'revokeSessions', user: summary() }, true)[0]).toMatch(/You can sign in again with your password/);
  });
});

describe('outcomeText', () => {
  it('counts the sessions the server ended', () => {
    expect(outcomeText({ kind: 'disable', user: summary() }, { sessionsRevoked: 1 })).toBe('bob is disabled; 1 session ended.');
    expect(outcomeText({ kind: 'revokeSessions', user: summary() }, { revoked: 3 })).toBe('bob was signed out of 3 sessions.');
    expect(outcomeText({ kind: 'resetTwoFactor', user: summary() }, { sessionsRevoked: 0 })).toBe('Two-factor sign-in of bob was reset; 0 sessions ended.');
  });

  it('says 0 rather than trusting a count that is not a number', () => {
    expect(outcomeText({ kind: 'disable', user: summary() }, { sessionsRevoked: '5' })).toBe('bob is disabled; 0 sessions ended.');
    expect(outcomeText({ kind: 'revokeSessions', user: summary() }, null)).toBe('bob was signed out of 0 sessions.');
  });

  it('names the new role', () => {
    expect(outcomeText({ kind: 'setRole', user: summary(), role: 'admin' }, { ok: true })).toBe('bob is now an admin.');
  });
});

describe('the only active admin', () => {
  it('is not offered for disabling or demotion, with the reason', () => {
    const root = summary({ id: 'a1', role: 'admin' });
    const viewer = summary({ id: 'v1', role: 'viewer' });
    const disabledAdmin = summary({ id: 'a2', role: 'admin', disabledAt: new Date('2026-02-01T00:00:00Z') });
    expect(lastAdminReason(root, [root, viewer, disabledAdmin])).toMatch(/only active admin.*make another account an admin first/);
    // Anyone else, or once a second active admin exists: offered (the server still checks).
    expect(lastAdminReason(viewer, [root, viewer])).toBeNull();
    expect(lastAdminReason(disabledAdmin, [root, disabledAdmin])).toBeNull();
    const second = summary({ id: 'a3', role: 'admin' });
    expect(lastAdminReason(root, [root, second])).toBeNull();
  });
});
