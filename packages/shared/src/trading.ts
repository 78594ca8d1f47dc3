// trading.*: manual orders (the order ticket). A preview estimates the cost and warns; a place
// names the mode the person confirmed and carries an idempotency key made by the client, so a
// double click, a retry or a replay places one order. Quantities and prices are decimal
// strings, never floats.
import { z } from 'zod';
import { engineModeSchema, ENGINE_REFUSALS } from './engine.ts';

/** Upper-case ticker as Schwab spells equities (BRK.B, BF/B). */
export const tradingSymbolSchema = z.string().regex(/^[A-Z][A-Z0-9./]{0,9}$/, 'an upper-case ticker, e.g. SPY');

/** The largest quantity one ticket may carry: far beyond any real order, far below overflow. */
export const MAX_ORDER_QUANTITY = '1000000';

/** A positive decimal with at most 8 fractional digits and at most MAX_ORDER_QUANTITY. */
export const orderQuantitySchema = z
  .string()
  .max(20)
  .regex(/^\d{1,7}(\.\d{1,8})?$/, 'a positive number of shares, at most 8 decimals')
  .refine((v) => /[1-9]/.test(v), 'more than zero')
  .refine((v) => {
    const [int = '0'] = v.split('.');
    return Number(int) < Number(MAX_ORDER_QUANTITY) || /^1000000(\.0+)?$/.test(v);
  }, `at most ${MAX_ORDER_QUANTITY} shares`);

/** A limit price: positive, at most 4 decimals (sub-penny only below $1 at Schwab). */
export const limitPriceSchema = z
  .string()
  .max(16)
  .regex(/^\d{1,9}(\.\d{1,4})?$/, 'a positive price, at most 4 decimals')
  .refine((v) => /[1-9]/.test(v), 'more than zero');

export const orderSideSchema = z.enum(['BUY', 'SELL']);
export const orderTypeSchema = z.enum(['MARKET', 'LIMIT']);

const ticket = z
  .object({
    symbol: tradingSymbolSchema,
    side: orderSideSchema,
    quantity: orderQuantitySchema,
    orderType: orderTypeSchema,
    limitPrice: limitPriceSchema.optional(),
  })
  .strict();

function limitRules<T extends { orderType: 'MARKET' | 'LIMIT'; limitPrice?: string | undefined }>(v: T, ctx: z.RefinementCtx): void {
  if (v.orderType === 'LIMIT' && v.limitPrice === undefined) ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'a limit order needs a limit price' });
  if (v.orderType === 'MARKET' && v.limitPrice !== undefined) ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'a market order has no limit price' });
}

export const tradingPreviewInput = ticket.superRefine(limitRules);
export type TradingPreviewInput = z.infer<typeof tradingPreviewInput>;

export const tradingPlaceInput = ticket
  .extend({
    /** The mode the person confirmed on the ticket; refused if the engine is in the other one. */
    mode: engineModeSchema,
    /** Made by the client once per ticket: the order intent's id. */
    idempotencyKey: z.uuid(),
  })
  .strict()
  .superRefine(limitRules);
export type TradingPlaceInput = z.infer<typeof tradingPlaceInput>;

export const tradingCancelInput = z.object({ intentId: z.uuid() }).strict();

/** Refusals of manual orders beyond the engine's own (ENGINE_REFUSALS). */
export const TRADING_REFUSALS = [
  ...ENGINE_REFUSALS,
  /** The engine is halted (kill switch or Schwab login): no orders at all. */
  'ENGINE_HALTED',
  /** The ticket was confirmed for paper but the engine is live now. */
  'MODE_CHANGED',
  /** Schwab takes whole shares for equity orders. */
  'WHOLE_SHARES_ONLY',
  /** This idempotency key already names a different order. */
  'IDEMPOTENCY_CONFLICT',
  /** No quote for the symbol. */
  'NO_QUOTE',
  /** Paper orders are not wired in this build. */
  'PAPER_UNAVAILABLE',
  /** The order is no longer working (filled, cancelled, or not yet at the broker). */
  'ORDER_NOT_CANCELABLE',
] as const;
export type TradingRefusal = (typeof TRADING_REFUSALS)[number];

export const tradingWarning = z.object({ code: z.string(), message: z.string() });

export const tradingPreviewOutput = z.object({
  mode: engineModeSchema,
  symbol: z.string(),
  side: orderSideSchema,
  quantity: z.string(),
  /** The quote price used: ask for buys, bid for sells (limit price when a limit order is worse). */
  price: z.string(),
  estimatedCost: z.string(),
  buyingPower: z.string().nullable(),
  buyingPowerAfter: z.string().nullable(),
  warnings: z.array(tradingWarning),
  /** A refusal place would give now, if any. */
  refusal: z.string().nullable(),
});
export type TradingPreviewOutput = z.infer<typeof tradingPreviewOutput>;

export const INTENT_STATUSES = ['pending', 'sending', 'working', 'filled', 'cancelled', 'rejected', 'expired', 'unknown'] as const;
export const WORKING_INTENT_STATUSES = ['pending', 'sending', 'working'] as const;

export const tradingOrderRow = z.object({
  intentId: z.string(),
  source: z.string(),
  mode: engineModeSchema,
  symbol: z.string(),
  side: z.string(),
  quantity: z.string(),
  orderType: z.string(),
  limitPrice: z.string().nullable(),
  intendedPrice: z.string(),
  status: z.enum(INTENT_STATUSES),
  brokerOrderId: z.string().nullable(),
  filledQuantity: z.string(),
  averageFillPrice: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  sentAt: z.date().nullable(),
});
export type TradingOrderRow = z.infer<typeof tradingOrderRow>;
