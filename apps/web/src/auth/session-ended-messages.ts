// What the login page says when a session ended without this person signing out here.
// Keys are the server's revocation reasons (events.session 'revoked'); every message starts
// the same way so the cause is clear at a glance.
const BY_REASON: Record<string, string> = {
  revoked_by_user: 'Your session was ended from another device. Sign in again to continue.',
  revoked_by_admin: 'Your session was ended by an administrator. Sign in again to continue.',
  logout: 'Your session was ended because you signed out in another tab or window.',
  password_changed: 'Your session was ended because the password was changed. Sign in with the new password.',
  two_factor_reset: 'Your session was ended because two-factor sign-in was changed. Sign in again.',
  two_factor_enabled: 'Your session was ended because two-factor sign-in was changed. Sign in again.',
  two_factor_disabled: 'Your session was ended because two-factor sign-in was changed. Sign in again.',
  passkey_removed: 'Your session was ended because the passkey it was opened with was removed. Sign in again.',
  reported_not_me: 'Your session was ended because a sign-in was reported as not yours. Sign in and choose a new password.',
  refresh_token_reuse: 'Your session was ended for your safety: it was used from two places at once. Sign in again.',
  idle_timeout: 'Your session was ended after a period without use. Sign in again.',
  user_disabled: 'Your session was ended because this account was disabled. Ask an administrator.',
  account_disabled: 'Your session was ended because this account was disabled. Ask an administrator.',
};

const GENERIC = 'Your session was ended. Sign in again to continue.';

export function sessionEndedMessage(reason: string | undefined): string {
  return (reason !== undefined && Object.hasOwn(BY_REASON, reason) ? BY_REASON[reason] : undefined) ?? GENERIC;
}
