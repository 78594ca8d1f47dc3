// Turning API failures into something a person can act on. Server messages are already safe
// (docs/architecture.md §3), but network failures carry browser jargon, so those get our own wording.
import { ERROR_REASONS, type ErrorReason } from '@jutsu/shared';
import { TRPCClientError } from '@trpc/client';

/** HTTP status of a tRPC error, when the server sent one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data === 'object' && data !== null && 'httpStatus' in data && typeof data.httpStatus === 'number') return data.httpStatus;
  return undefined;
}

export function describeApiError(error: unknown): string {
  const status = httpStatusOf(error);
  if (status === undefined) return 'The server could not be reached. Check your connection and try again.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return 'The server had a problem answering. Try again in a moment.';
  return error instanceof Error && error.message ? error.message : 'The request was refused.';
}

/** Retry only what may succeed later: network failures and 5xx, never a refusal (4xx). */
export function shouldRetryQuery(failureCount: number, error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined && status < 500) return false;
  return failureCount < 2;
}

/** The server's error payload (see the API's errorFormatter): a stable reason plus safe extras. */
interface ApiErrorData {
  reason?: ErrorReason;
  retryAfter?: number;
  problems?: string[];
  /** On a refused refresh: why the session ended (a revocation reason such as revoked_by_admin). */
  endedBecause?: string;
}

function apiErrorData(error: unknown): ApiErrorData {
  if (!(error instanceof TRPCClientError)) return {};
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null) return {};
  const out: ApiErrorData = {};
  if ('reason' in data && typeof data.reason === 'string' && (ERROR_REASONS as readonly string[]).includes(data.reason)) out.reason = data.reason as ErrorReason;
  if ('retryAfter' in data && typeof data.retryAfter === 'number' && Number.isFinite(data.retryAfter)) out.retryAfter = Math.max(0, Math.ceil(data.retryAfter));
  if ('endedBecause' in data && typeof data.endedBecause === 'string' && /^[a-z_]{1,40}$/.test(data.endedBecause)) out.endedBecause = data.endedBecause;
  if ('problems' in data && Array.isArray(data.problems)) out.problems = data.problems.filter((p): p is string => typeof p === 'string');
  return out;
}

/** The stable reason in error.data.reason, when the API gave one. */
export function errorReasonOf(error: unknown): ErrorReason | undefined {
  return apiErrorData(error).reason;
}

/** Seconds until a rate-limited call may be repeated (RATE_LIMITED carries it). */
export function retryAfterOf(error: unknown): number | undefined {
  return apiErrorData(error).retryAfter;
}

/** What the password policy found wrong (WEAK_PASSWORD carries it). */
export function passwordProblemsOf(error: unknown): string[] {
  return apiErrorData(error).problems ?? [];
}

/** Why the server ended the session, when a refused refresh says so. */
export function endedBecauseOf(error: unknown): string | undefined {
  return apiErrorData(error).endedBecause;
}
