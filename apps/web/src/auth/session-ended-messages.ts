// What the login page says when a session ended without this person signing out here: a title
// that names the cause and a line that says what to do. Keys are the server's revocation
// reasons (events.session 'revoked', or `endedBecause` on a refused refresh); every line starts
// the same way so the cause is clear at a glance.
import { endedBecauseOf, errorReasonOf } from '../lib/api-errors.ts';
import type { SessionNotice } from './session-store.ts';

interface Ending {
  title: string;
  message: string;
}

const BY_REASON: Record<string, Ending> = {
  revoked_by_user: { title: 'Signed out from another device', message: 'Your session was ended from another device. Sign in again to continue.' },
  revoked_by_admin: {
    title: 'Signed out by an administrator',
    message: 'Your session was ended by an administrator. Sign in again to continue; if you cannot, ask your administrator why.',
  },
  logout: { title: 'Signed out in another tab', message: 'Your session was ended because you signed out in another tab or window.' },
  password_changed: { title: 'Password changed', message: 'Your session was ended because the password was changed. Sign in with the new password.' },
  two_factor_reset: { title: 'Two-factor sign-in changed', message: 'Your session was ended because two-factor sign-in was changed. Sign in again.' },
  two_factor_enabled: { title: 'Two-factor sign-in changed', message: 'Your session was ended because two-factor sign-in was changed. Sign in again.' },
  two_factor_disabled: { title: 'Two-factor sign-in changed', message: 'Your session was ended because two-factor sign-in was changed. Sign in again.' },
  passkey_removed: { title: 'Passkey removed', message: 'Your session was ended because the passkey it was opened with was removed. Sign in again.' },
  reported_not_me: {
    title: 'Sign-in reported as not yours',
    message: 'Your session was ended because a sign-in was reported as not yours. Use the link in the mail to choose a new password, then sign in.',
  },
  refresh_token_reuse: {
    title: 'Signed out for your safety',
    message:
      'Your session was ended for your safety: it was used from two places at once. Sign in again. If you did not use another browser or copy this one, change your password after signing in.',
  },
  step_up_failures: {
    title: 'Too many wrong passwords',
    message: 'Your session was ended after too many wrong passwords were given to confirm it. Sign in again.',
  },
  idle_timeout: { title: 'Signed out after inactivity', message: 'Your session was ended after a period without use. Sign in again.' },
  expired: { title: 'Session expired', message: 'Your session was ended because it reached its maximum length. Sign in again.' },
  user_disabled: { title: 'Account disabled', message: 'Your session was ended because this account was disabled. Ask an administrator to enable it.' },
  account_disabled: { title: 'Account disabled', message: 'Your session was ended because this account was disabled. Ask an administrator to enable it.' },
};

const GENERIC: Ending = { title: 'Signed out', message: 'Your session was ended. Sign in again to continue.' };

function ending(reason: string | undefined): Ending {
  return (reason !== undefined && Object.hasOwn(BY_REASON, reason) ? BY_REASON[reason] : undefined) ?? GENERIC;
}

export function sessionEndedMessage(reason: string | undefined): string {
  return ending(reason).message;
}

export function sessionEndedTitle(reason: string | undefined): string {
  return ending(reason).title;
}

/** Whether the server named a cause this page can explain. */
export function isKnownEnding(reason: string | undefined): boolean {
  return reason !== undefined && Object.hasOwn(BY_REASON, reason);
}

/** Why a refused refresh says the session ended, as a revocation reason (undefined: it does not say). */
export function endingOf(error: unknown): string | undefined {
  const reason = errorReasonOf(error);
  if (reason === 'REFRESH_REUSED') return 'refresh_token_reuse';
  if (reason === 'ACCOUNT_DISABLED') return 'account_disabled';
  return endedBecauseOf(error);
}

/** The login page's notice for a session the server ended. */
export function endedNotice(reason: string | undefined): SessionNotice {
  return { kind: 'ended', title: sessionEndedTitle(reason), message: sessionEndedMessage(reason) };
}
