import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorReason } from '@jutsu/shared';

/** Carried as the cause of a TRPCError: a stable reason and safe extra data for the client. */
export class ReasonCause extends Error {
  constructor(
    readonly reason: ErrorReason,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
    this.name = 'ReasonCause';
  }
}

export function appError(code: TRPC_ERROR_CODE_KEY, reason: ErrorReason, message: string, extra?: Record<string, unknown>): TRPCError {
  return new TRPCError({ code, message, cause: new ReasonCause(reason, extra) });
}
