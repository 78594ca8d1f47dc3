import { afterEach, describe, expect, it } from 'vitest';
import { patchSignedInUser } from '../pages/settings/security/two-factor/signed-in-user-patch.ts';
import { dismissSessionNotice, getSessionState, setSessionState, subscribeSessionState, type SessionUser } from './session-store.ts';

const user: SessionUser = { id: 'u1', username: 'alice', role: 'trader', email: null, twoFactorEnabled: false, mustChangePassword: false };

afterEach(() => setSessionState({ status: 'restoring' }));

describe('session store', () => {
  it('starts by restoring and tells every subscriber about a change', () => {
    expect(getSessionState()).toEqual({ status: 'restoring' });
    const heard: string[] = [];
    const stopA = subscribeSessionState(() => heard.push(`a:${getSessionState().status}`));
    const stopB = subscribeSessionState(() => heard.push(`b:${getSessionState().status}`));
    setSessionState({ status: 'signedIn', user });
    expect(heard).toEqual(['a:signedIn', 'b:signedIn']);
    stopA();
    stopB();
  });

  it('stays quiet when handed the state it already has, and after unsubscribing', () => {
    const same = { status: 'signedOut', notice: null } as const;
    setSessionState(same);
    let calls = 0;
    const stop = subscribeSessionState(() => (calls += 1));
    setSessionState(same);
    expect(calls).toBe(0);
    stop();
    setSessionState({ status: 'signedIn', user });
    expect(calls).toBe(0);
  });

  it('lets a listener unsubscribe itself while being told', () => {
    let calls = 0;
    const stop = subscribeSessionState(() => {
      calls += 1;
      stop();
    });
    setSessionState({ status: 'signedIn', user });
    setSessionState({ status: 'restoring' });
    expect(calls).toBe(1);
  });

  it('dismisses the login notice only when there is one', () => {
    setSessionState({ status: 'signedOut', notice: { kind: 'ended', message: 'Your session was ended.' } });
    dismissSessionNotice();
    expect(getSessionState()).toEqual({ status: 'signedOut', notice: null });

    setSessionState({ status: 'signedIn', user });
    let calls = 0;
    const stop = subscribeSessionState(() => (calls += 1));
    dismissSessionNotice();
    expect(getSessionState()).toEqual({ status: 'signedIn', user });
    expect(calls).toBe(0);
    stop();
  });

  it('patches the signed-in user after a two-factor change, and nothing when signed out', () => {
    setSessionState({ status: 'signedIn', user });
    patchSignedInUser({ twoFactorEnabled: true });
    expect(getSessionState()).toEqual({ status: 'signedIn', user: { ...user, twoFactorEnabled: true } });

    setSessionState({ status: 'signedOut', notice: null });
    patchSignedInUser({ mustChangePassword: true });
    expect(getSessionState()).toEqual({ status: 'signedOut', notice: null });
  });
});
