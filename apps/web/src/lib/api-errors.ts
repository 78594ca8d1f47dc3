// Turning API failures into something a person can act on. Server messages are already safe
// (DESIGN §4), but network failures carry browser jargon, so those get our own wording.
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
