import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { EngineRefusal, ErrorReason } from '@jutsu/shared';

/** Every stable reason a refusal carries: the general ones and the engine's typed refusals. */
export type Reason = ErrorReason | EngineRefusal;

/** Carried as the cause of a TRPCError: a stable reason and safe extra data for the client. */
export class ReasonCause extends Error {
  constructor(
    readonly reason: Reason,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
    this.name = 'ReasonCause';
  }
}

export function appError(code: TRPC_ERROR_CODE_KEY, reason: Reason, message: string, extra?: Record<string, unknown>): TRPCError {
  return new TRPCError({ code, message, cause: new ReasonCause(reason, extra) });
}
