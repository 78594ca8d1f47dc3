// What the browser's passkey prompt (navigator.credentials via @simplewebauthn/browser) can
// answer besides a credential, in words a person can act on. Shared by the login page, the
// Passkeys settings and the passkey step-up. API refusals are not handled here: callers map
// those by their stable reason.
import { WebAuthnAbortService, WebAuthnError } from '@simplewebauthn/browser';
import { TRPCClientError } from '@trpc/client';

export type PasskeyCeremony = 'sign-in' | 'registration' | 'confirmation';

export type BrowserPasskeyOutcome =
  /** Cancelled by this page (another prompt replaced it, or the screen was left): say nothing. */
  | { kind: 'aborted' }
  | { kind: 'problem'; message: string };

const NOTHING_HAPPENED: Record<PasskeyCeremony, string> = {
  'sign-in': 'No passkey was used: the prompt was closed or timed out. Try again, or sign in with your password.',
  registration: 'No passkey was added: the prompt was closed or timed out.',
  confirmation: 'No passkey was used: the prompt was closed or timed out. Try again, or use your password.',
};

/**
 * The browser's side of a failed passkey prompt; undefined when the error came from the API
 * (or the network), which the caller explains.
 */
export function browserPasskeyOutcome(error: unknown, ceremony: PasskeyCeremony): BrowserPasskeyOutcome | undefined {
  if (error instanceof TRPCClientError || !(error instanceof Error)) return undefined;
  const code = error instanceof WebAuthnError ? error.code : undefined;
  if (code === 'ERROR_CEREMONY_ABORTED' || error.name === 'AbortError') return { kind: 'aborted' };
  // Closed, cancelled, timed out, or no passkey for this site on the device: browsers do not
  // tell these apart (on purpose), so neither can we.
  if (error.name === 'NotAllowedError') return { kind: 'problem', message: NOTHING_HAPPENED[ceremony] };
  switch (code) {
    case 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED':
      return { kind: 'problem', message: 'This device or password manager already holds a passkey for this account. Use that one, or add a passkey on another device.' };
    case 'ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT':
      return { kind: 'problem', message: 'This authenticator cannot check that it is you (no PIN, fingerprint or face unlock), which passkeys here require.' };
    case 'ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG':
    case 'ERROR_MALFORMED_PUBKEYCREDPARAMS':
      return { kind: 'problem', message: 'This authenticator does not support the kind of key this site needs. Use another one.' };
    case 'ERROR_INVALID_DOMAIN':
    case 'ERROR_INVALID_RP_ID':
      return {
        kind: 'problem',
        message: 'Passkeys do not work at this address. Open the dashboard at the address it is configured for (PUBLIC_URL), or ask the administrator.',
      };
    default:
      break;
  }
  if (error.name === 'SecurityError') return { kind: 'problem', message: 'The browser refused the passkey prompt on this page (it needs https or localhost).' };
  if (/not supported/i.test(error.message)) return { kind: 'problem', message: 'This browser cannot use passkeys.' };
  return { kind: 'problem', message: 'The browser could not complete the passkey prompt. Try again.' };
}

/** Cancels the page's pending passkey prompt, if any (there is at most one per page). */
export function cancelPasskeyPrompt(): void {
  WebAuthnAbortService.cancelCeremony();
}
