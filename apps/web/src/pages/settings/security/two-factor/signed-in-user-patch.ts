// A two-factor change also changes what this tab knows about the signed-in user: whether a
// second factor is on (the password rules depend on it) and whether a new password is now
// required (turning 2FA off with a password too short for one factor). The layout reads
// mustChangePassword and shows the forced password change in place of every screen.
import { getSessionState, setSessionState, type SessionUser } from '../../../../auth/session-store.ts';

export function patchSignedInUser(patch: Partial<Pick<SessionUser, 'twoFactorEnabled' | 'mustChangePassword'>>): void {
  const state = getSessionState();
  if (state.status !== 'signedIn') return;
  setSessionState({ status: 'signedIn', user: { ...state.user, ...patch } });
}
