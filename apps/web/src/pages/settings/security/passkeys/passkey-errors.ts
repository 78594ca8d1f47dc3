// Why a change to the account's passkeys did not happen, in words a person can act on.
import type { AppRouter } from '@jutsu/api/router';
import { passkeyNameSchema } from '@jutsu/shared';
import type { inferRouterOutputs } from '@trpc/server';
import { browserPasskeyOutcome } from '../../../../components/reauth/passkey-prompt.ts';
import { StepUpCancelled } from '../../../../components/reauth/use-step-up.tsx';
import { describeApiError, errorReasonOf, retryAfterOf } from '../../../../lib/api-errors.ts';

export type PasskeyListItem = inferRouterOutputs<AppRouter>['passkey']['list'][number];

export { PASSKEY_NAME_MAX } from '@jutsu/shared';

/** What is wrong with a name before it is sent: the server's own schema, in friendlier words. */
export function passkeyNameProblem(name: string): string | null {
  if (!name.trim()) return 'Give the passkey a name you will recognise, e.g. “Work laptop”.';
  const parsed = passkeyNameSchema.safeParse(name);
  return parsed.success ? null : `${parsed.error.issues[0]?.message ?? 'Not a usable name'}.`;
}

/** null: nothing to report (the person cancelled the password prompt, or the page cancelled the passkey prompt). */
export function describePasskeyChangeError(error: unknown, action: 'add' | 'rename' | 'remove'): string | null {
  if (error instanceof StepUpCancelled) return null;
  const browser = browserPasskeyOutcome(error, 'registration');
  if (browser) return browser.kind === 'aborted' ? null : browser.message;
  switch (errorReasonOf(error)) {
    case 'PASSKEY_EXISTS':
      return 'This passkey is already registered here. Each passkey can be added once.';
    case 'PASSKEY_INVALID':
      return 'The passkey could not be verified, so it was not added. Try again.';
    case 'CHALLENGE_INVALID':
      return 'The request expired before the passkey was created. Try again.';
    case 'PASSKEY_NOT_FOUND':
      return 'That passkey no longer exists: it was removed, perhaps in another tab. The list is up to date now.';
    case 'RATE_LIMITED':
      return `Too many changes in a short time. Try again in ${retryAfterOf(error) ?? 60} s.`;
    case 'REAUTH_REQUIRED':
      return `Confirm it is you to ${action} a passkey, then try again.`;
    default:
      // PASSKEY_LIMIT, LAST_SIGN_IN_METHOD and the like: the server's message says what to do.
      return describeApiError(error);
  }
}
