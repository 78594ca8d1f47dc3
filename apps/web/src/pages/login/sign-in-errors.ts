// Why a sign-in step was refused, in words a person can act on. The API's messages are safe
// to show (docs/architecture.md §3); the ones we write ourselves say what to do next.
import { TRPCClientError } from '@trpc/client';
import { describeApiError, errorReasonOf, httpStatusOf, retryAfterOf } from '../../lib/api-errors.ts';

export interface SignInProblem {
  title: string;
  message: string;
  /** Set when the server asked us to wait: the form stays disabled that long. */
  retryAfterSeconds?: number;
  /** The second-factor challenge is no longer valid: the person has to start again. */
  restart?: boolean;
}

function serverMessage(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}

/** Tries left on this second-factor challenge (CODE_INVALID / CODE_REPLAYED carry data.attemptsLeft). */
export function attemptsLeftOf(error: unknown): number | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null || !('attemptsLeft' in data)) return undefined;
  const n = data.attemptsLeft;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** A refused code: how many tries remain, or start over when none do (the server ended the challenge). */
function refusedCode(error: unknown, title: string, fallback: string): SignInProblem {
  const message = serverMessage(error, fallback);
  const left = attemptsLeftOf(error);
  if (left === 0) return { title, message, restart: true };
  if (left === undefined) return { title, message };
  return { title, message: `${message} ${left === 1 ? '1 try left.' : `${left} tries left.`}` };
}

export function describeSignInError(error: unknown): SignInProblem {
  switch (errorReasonOf(error)) {
    case 'INVALID_CREDENTIALS':
      return { title: 'Sign-in failed', message: 'Incorrect username or password.' };
    case 'ACCOUNT_LOCKED':
      return { title: 'Account locked', message: serverMessage(error, 'This account is locked. An administrator can unlock it.') };
    case 'ACCOUNT_DISABLED':
      return { title: 'Account disabled', message: serverMessage(error, 'This account is disabled. Ask an administrator.') };
    case 'RATE_LIMITED':
      return { title: 'Too many attempts', message: 'Too many sign-in attempts.', retryAfterSeconds: retryAfterOf(error) ?? 60 };
    case 'CODE_INVALID':
      return refusedCode(error, 'Code not accepted', 'That code is not correct, or it was already used.');
    case 'CODE_REPLAYED':
      return refusedCode(error, 'Code already used', 'That code was already used. Wait for the next one.');
    case 'CHALLENGE_INVALID':
      return { title: 'Sign-in expired', message: 'This sign-in took too long or was already used. Start again with your password.', restart: true };
    default:
      // Not from the API at all: a step this client cannot take (its message is ours).
      if (!(error instanceof TRPCClientError) && error instanceof Error) return { title: 'Sign-in not possible', message: error.message };
      // A 429 without a reason comes from the proxy in front of the API, not from the API.
      if (httpStatusOf(error) === 429) return { title: 'Too many requests', message: 'Too many requests. Wait a moment and try again.' };
      return { title: 'Sign-in failed', message: describeApiError(error) };
  }
}
