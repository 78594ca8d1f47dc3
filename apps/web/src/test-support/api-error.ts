// Errors shaped exactly as the tRPC client builds them from the API's JSON answer, so the
// mapping code is tested against what it really receives (no hand-made look-alikes).
import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@jutsu/api/router';

/** The client error for an API refusal: error.data is what the API's errorFormatter sends. */
export function apiError(message: string, data: Record<string, unknown>): TRPCClientError<AppRouter> {
  return TRPCClientError.from<AppRouter>({ error: { message, code: -32600, data } });
}

/** A refusal with a stable reason and its HTTP status, as the API sends it. */
export function refusal(reason: string, httpStatus: number, message = `refused: ${reason}`, extra: Record<string, unknown> = {}): TRPCClientError<AppRouter> {
  return apiError(message, { reason, httpStatus, ...extra });
}

/** What the client raises when the request never got an answer (fetch failed). */
export function networkError(): TRPCClientError<AppRouter> {
  return TRPCClientError.from<AppRouter>(new TypeError('Failed to fetch'));
}
