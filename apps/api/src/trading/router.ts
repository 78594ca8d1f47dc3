// trading.*: manual orders. Traders and admins preview, place (signed in within 5 minutes)
// and cancel; viewers see the working orders. The work is in trading/service.ts.
import { TRPCError } from '@trpc/server';
import type { ErrorReason } from '@jutsu/shared';
import { tradingCancelInput, tradingOrderRow, tradingPlaceInput, tradingPreviewInput, tradingPreviewOutput } from '@jutsu/shared';
import { z } from 'zod';
import { userActor } from '../security/actor.ts';
import { ReasonCause } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { cancelOrder, placeOrder, previewOrder, TradingError, workingOrders } from './service.ts';

const CODES = { refused: 'PRECONDITION_FAILED', conflict: 'CONFLICT', not_found: 'NOT_FOUND', unavailable: 'SERVICE_UNAVAILABLE' } as const;

/** A typed refusal for the client: tRPC code plus the stable reason the ticket shows. */
function refusal(err: unknown): never {
  if (err instanceof TradingError) {
    // Trading refusals extend the shared reasons; the client reads them from `reason` alike.
    throw new TRPCError({ code: CODES[err.kind], message: err.message, cause: new ReasonCause(err.code as ErrorReason) });
  }
  throw err;
}

export const tradingRouter = router({
  preview: roleProcedure('trader')
    .meta({ rateLimit: 'api', audit: false })
    .input(tradingPreviewInput)
    .output(tradingPreviewOutput)
    .mutation(({ ctx, input }) => previewOrder(ctx.services.trading, input).catch(refusal)),

  place: roleProcedure('trader')
    .meta({ rateLimit: 'sensitive', audit: 'trading.order_placed', recentAuthMinutes: 5 })
    .input(tradingPlaceInput)
    .output(tradingOrderRow)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { intentId: input.idempotencyKey, mode: input.mode, symbol: input.symbol, side: input.side, quantity: input.quantity, orderType: input.orderType };
      const row = await placeOrder(ctx.services.trading, userActor(ctx), input).catch(refusal);
      ctx.audit.details = { ...ctx.audit.details, status: row.status, brokerOrderId: row.brokerOrderId };
      return row;
    }),

  cancel: roleProcedure('trader')
    .meta({ rateLimit: 'sensitive', audit: 'trading.order_cancelled' })
    .input(tradingCancelInput)
    .output(tradingOrderRow)
    .mutation(({ ctx, input }) => {
      ctx.audit.details = { intentId: input.intentId };
      return cancelOrder(ctx.services.trading, input.intentId).catch(refusal);
    }),

  orders: roleProcedure('viewer')
    .meta({ rateLimit: 'api', audit: false })
    .output(z.array(tradingOrderRow))
    .query(({ ctx }) => workingOrders(ctx.services.trading)),
});
