// Why a passkey sign-in did not go through. The passkey-specific refusals get their own words
// (a removed or unknown passkey, an expired request); the rest (rate limit, disabled account,
// no connection) read as on the password form.
import { errorReasonOf } from '../../../lib/api-errors.ts';
import { browserPasskeyOutcome } from '../../../components/reauth/passkey-prompt.ts';
import { describeSignInError, type SignInProblem } from '../sign-in-errors.ts';

/** null: the attempt was cancelled by this page, nothing to report. */
export function describePasskeySignInError(error: unknown): SignInProblem | null {
  const browser = browserPasskeyOutcome(error, 'sign-in');
  if (browser?.kind === 'aborted') return null;
  if (browser) return { title: 'Passkey sign-in failed', message: browser.message };
  switch (errorReasonOf(error)) {
    case 'PASSKEY_INVALID':
      return {
        title: 'Passkey not accepted',
        message: 'This passkey is not registered here, or it was removed from its account. Use another passkey, or sign in with your password.',
      };
    case 'CHALLENGE_INVALID':
      return { title: 'Passkey sign-in expired', message: 'The sign-in request expired or was already used. Try again.' };
    default:
      return describeSignInError(error);
  }
}
