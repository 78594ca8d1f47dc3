// Why a two-factor change was refused, in words a person can act on.
import { describeApiError, errorReasonOf, retryAfterOf } from '../../../../lib/api-errors.ts';

export interface TwoFactorProblem {
  message: string;
  /** The pending setup is gone (expired or replaced): only starting again helps. */
  restartSetup?: boolean;
}

export function describeTwoFactorError(error: unknown): TwoFactorProblem {
  switch (errorReasonOf(error)) {
    case 'RATE_LIMITED': {
      const wait = retryAfterOf(error);
      return { message: `Too many attempts. ${wait ? `Try again in ${wait} s.` : 'Wait a moment and try again.'}` };
    }
    case 'TWO_FACTOR_SETUP_REQUIRED':
      return { message: 'This setup has expired or was replaced. Start again to get a new QR code.', restartSetup: true };
    default:
      // CODE_INVALID, CODE_REPLAYED, INVALID_CREDENTIALS, ...: the API's own messages are safe and specific.
      return { message: describeApiError(error) };
  }
}

/** A 6-digit code as typed ("123 456", "123-456"), or null when it is not one. */
export function totpDigits(raw: string): string | null {
  const digits = raw.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}
