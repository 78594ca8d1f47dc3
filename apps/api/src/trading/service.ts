// Manual orders (the order ticket). A preview prices the ticket at the quote (ask for buys,
// bid for sells; the limit for limit orders) and lists what the guards say; a place repeats
// the checks, writes the order intent under the client's idempotency key and sends it through
// the same at-most-once path as the engine (live) or the injected paper path. The same key
// twice, sequential or concurrent, names one intent and so one order.
//
// Guards here: a halted engine, a fractional live quantity, buying power and the daily notional
// refuse; market hours, quote age, position weight, the engine's maximum order and paused
// entries only warn (a person placing a manual order decides; Schwab queues a day order placed
// outside the session for the next open). The market-hours check is the exchange's calendar
// (holidays and half days), the same one the engine's guard uses.
import Decimal from 'decimal.js';
import { Prisma, type OrderIntent, type PrismaClient } from '@jutsu/db';
import type { EngineMode, TradingOrderRow, TradingPlaceInput, TradingPreviewInput, TradingPreviewOutput, TradingRefusal } from '@jutsu/shared';
import { isMarketOpen, newYorkDate, newYorkMidnight, WORKING_INTENT_STATUSES } from '@jutsu/shared';
import { readEffectiveConfig } from '../engine-config/effective.ts';
import type { Broker, BrokerQuote } from '../engine/broker.ts';
import { cancelLiveIntent, LiveOrderError, sendLiveIntent, trackLiveOrder, type LiveBroker, type LiveOrderDeps } from '../engine/orders.ts';
import { readEngineState } from '../engine/state-store.ts';
import type { UserActor } from '../security/actor.ts';
import { safeErrorText } from '../schwab/token-broker.ts';

export interface PaperExecution {
  /** The paper account (quotes, buying power, positions). */
  broker: () => Promise<Broker & { readonly accountHash: string }>;
  /** Fills a paper intent (the engine's paper path). */
  execute: (intentId: string) => Promise<unknown>;
}

export interface TradingDeps {
  prisma: PrismaClient;
  orders: LiveOrderDeps;
  /** The paper path; without it paper tickets are refused with PAPER_UNAVAILABLE. */
  paper?: PaperExecution | undefined;
  /** Keeps a background order follow-up (the composition root waits for them at shutdown). */
  background?: (work: Promise<unknown>) => void;
  now?: () => Date;
}

export class TradingError extends Error {
  override readonly name = 'TradingError';
  constructor(
    readonly code: TradingRefusal,
    message: string,
    readonly kind: 'refused' | 'conflict' | 'not_found' | 'unavailable' = 'refused',
  ) {
    super(message);
  }
}

const HALTED = ['halted', 'halted_auth'];
const NOT_COUNTED = ['rejected', 'expired'];

async function brokerFor(deps: TradingDeps, mode: EngineMode): Promise<LiveBroker> {
  if (mode === 'live') {
    try {
      return await deps.orders.liveBroker();
    } catch (err) {
      throw new TradingError('SCHWAB_NOT_CONNECTED', `Schwab is not available (${safeErrorText(err)})`, 'unavailable');
    }
  }
  if (!deps.paper) throw new TradingError('PAPER_UNAVAILABLE', 'Paper orders are not available', 'unavailable');
  return deps.paper.broker();
}

interface Priced {
  mode: EngineMode;
  broker: LiveBroker;
  price: Decimal;
  cost: Decimal;
  buyingPower: Decimal | null;
  warnings: { code: string; message: string }[];
  refusal: { code: TradingRefusal; message: string } | null;
}

/** Prices a ticket and runs the checks; nothing is written. */
async function price(deps: TradingDeps, input: TradingPreviewInput, mode: EngineMode, state: string): Promise<Priced> {
  const at = deps.now?.() ?? new Date();
  const broker = await brokerFor(deps, mode);
  const config = await readEffectiveConfig(deps.prisma);
  let quote: BrokerQuote | undefined;
  let snapshot;
  try {
    [quote] = (await broker.quotes([input.symbol])).filter((q) => q.symbol === input.symbol);
    snapshot = await broker.snapshot();
  } catch (err) {
    throw new TradingError('SCHWAB_NOT_CONNECTED', `The broker did not answer (${safeErrorText(err)})`, 'unavailable');
  }
  if (!quote) throw new TradingError('NO_QUOTE', `No quote for ${input.symbol}`);
  const quantity = new Decimal(input.quantity);
  const buy = input.side === 'BUY';
  const quoted = (buy ? quote.ask : quote.bid) ?? quote.last;
  const p = input.orderType === 'LIMIT' && input.limitPrice ? new Decimal(input.limitPrice) : quoted;
  const cost = quantity.times(p).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const warnings: Priced['warnings'] = [];
  const refusals: { code: TradingRefusal; message: string }[] = [];

  if (HALTED.includes(state)) refusals.push({ code: 'ENGINE_HALTED', message: 'The engine is halted: no orders until an admin resumes it.' });
  if (mode === 'live' && !quantity.isInteger()) refusals.push({ code: 'WHOLE_SHARES_ONLY', message: 'Schwab takes whole shares for stock orders.' });
  if (buy && cost.gt(snapshot.buyingPower)) refusals.push({ code: 'INSUFFICIENT_BUYING_POWER', message: `The order needs $${cost.toFixed(2)}; buying power is $${snapshot.buyingPower.toFixed(2)}.` });

  const since = newYorkMidnight(newYorkDate(at));
  const today = await deps.prisma.orderIntent.findMany({ where: { mode, createdAt: { gte: since }, status: { notIn: NOT_COUNTED } }, select: { quantity: true, intendedPrice: true } });
  const spent = today.reduce((s, i) => s.plus(new Decimal(i.quantity.toString()).times(i.intendedPrice.toString())), new Decimal(0));
  const maxDaily = new Decimal(String(config['guards.max_daily_notional_usd']));
  if (spent.plus(cost).gt(maxDaily)) {
    refusals.push({ code: 'DAILY_NOTIONAL_EXCEEDED', message: `Today's orders would reach $${spent.plus(cost).toFixed(2)}, above the daily limit of $${maxDaily.toFixed(2)}.` });
  }

  if (!isMarketOpen(at)) {
    warnings.push({ code: 'MARKET_CLOSED', message: 'The market is closed: a day order waits for the next session.' });
  }
  const ageS = (at.getTime() - quote.asOf.getTime()) / 1000;
  if (ageS > Number(config['guards.max_quote_age_seconds'])) warnings.push({ code: 'STALE_DATA', message: `The quote is ${Math.round(ageS)} s old.` });
  const held = snapshot.positions.find((x) => x.symbol === input.symbol);
  if (!buy && (!held || held.quantity.lt(quantity))) warnings.push({ code: 'SELL_MORE_THAN_HELD', message: `You hold ${held?.quantity.toFixed() ?? '0'} ${input.symbol}.` });
  if (buy && snapshot.liquidationValue.gt(0)) {
    const after = (held?.marketValue ?? new Decimal(0)).plus(cost).div(snapshot.liquidationValue).times(100);
    const max = new Decimal(String(config['guards.max_position_weight_pct']));
    if (after.gt(max)) warnings.push({ code: 'POSITION_WEIGHT_EXCEEDED', message: `${input.symbol} would be ${after.toFixed(1)} % of the account (limit ${max.toFixed()} %).` });
  }
  const maxOrder = new Decimal(String(config['strategy.max_order_usd']));
  if (cost.gt(maxOrder)) warnings.push({ code: 'ABOVE_ENGINE_MAXIMUM', message: `Larger than the engine's maximum order ($${maxOrder.toFixed(2)}).` });
  if (state === 'paused_entries' && buy) warnings.push({ code: 'ENTRIES_PAUSED', message: 'The engine has paused new entries.' });

  return { mode, broker, price: p, cost, buyingPower: snapshot.buyingPower, warnings, refusal: refusals[0] ?? null };
}

export async function previewOrder(deps: TradingDeps, input: TradingPreviewInput): Promise<TradingPreviewOutput> {
  const engine = await readEngineState(deps.prisma);
  const r = await price(deps, input, engine.mode, engine.state);
  const bp = r.buyingPower;
  return {
    mode: r.mode,
    symbol: input.symbol,
    side: input.side,
    quantity: new Decimal(input.quantity).toFixed(),
    price: r.price.toFixed(),
    estimatedCost: r.cost.toFixed(2),
    buyingPower: bp?.toFixed(2) ?? null,
    buyingPowerAfter: bp ? (input.side === 'BUY' ? bp.minus(r.cost) : bp.plus(r.cost)).toFixed(2) : null,
    warnings: r.warnings,
    refusal: r.refusal?.code ?? null,
  };
}

export function orderRow(i: OrderIntent): TradingOrderRow {
  return {
    intentId: i.id,
    source: i.source,
    mode: i.mode === 'live' ? 'live' : 'paper',
    symbol: i.symbol,
    side: i.side,
    quantity: i.quantity.toString(),
    orderType: i.orderType,
    limitPrice: i.limitPrice?.toString() ?? null,
    intendedPrice: i.intendedPrice.toString(),
    status: i.status as TradingOrderRow['status'],
    brokerOrderId: i.brokerOrderId,
    filledQuantity: i.filledQuantity.toString(),
    averageFillPrice: i.averageFillPrice?.toString() ?? null,
    error: i.error,
    createdAt: i.createdAt,
    sentAt: i.sentAt,
  };
}

/** Whether a stored intent is this very ticket (a retry), not a different order under the same key. */
function sameTicket(i: OrderIntent, input: TradingPlaceInput, actor: UserActor): boolean {
  return (
    i.source === 'manual' &&
    i.createdById === actor.userId &&
    i.mode === input.mode &&
    i.symbol === input.symbol &&
    i.side === input.side &&
    i.orderType === input.orderType &&
    new Decimal(i.quantity.toString()).eq(input.quantity) &&
    (i.limitPrice === null ? input.limitPrice === undefined : input.limitPrice !== undefined && new Decimal(i.limitPrice.toString()).eq(input.limitPrice))
  );
}

async function dispatch(deps: TradingDeps, intent: OrderIntent): Promise<OrderIntent> {
  if (intent.mode === 'live') {
    const sent = await sendLiveIntent(deps.orders, intent.id, { track: false });
    if (sent.sent && sent.brokerOrderId) {
      // Followed in the background: the ticket answers once the broker has the order.
      const follow = trackLiveOrder(deps.orders, intent.id).catch((err: unknown) => deps.orders.logger.warn({ err, intentId: intent.id }, 'following a manual order failed'));
      deps.background?.(follow);
    }
  } else if (intent.status === 'pending') {
    await deps.paper!.execute(intent.id);
  }
  return deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: intent.id } });
}

/** trading.place: one intent per idempotency key, sent at most once. */
export async function placeOrder(deps: TradingDeps, actor: UserActor, input: TradingPlaceInput): Promise<TradingOrderRow> {
  const engine = await readEngineState(deps.prisma);
  if (input.mode === 'live' && engine.mode !== 'live') throw new TradingError('NOT_LIVE_MODE', 'The engine is in paper mode: live orders are refused.');
  if (input.mode === 'paper' && engine.mode !== 'paper') throw new TradingError('MODE_CHANGED', 'The engine is live now: confirm the ticket again as a live order.');
  if (input.mode === 'paper' && !deps.paper) throw new TradingError('PAPER_UNAVAILABLE', 'Paper orders are not available', 'unavailable');

  const existing = await deps.prisma.orderIntent.findUnique({ where: { id: input.idempotencyKey } });
  if (existing) {
    if (!sameTicket(existing, input, actor)) throw new TradingError('IDEMPOTENCY_CONFLICT', 'This idempotency key belongs to another order.', 'conflict');
    return orderRow(await dispatch(deps, existing));
  }

  const r = await price(deps, input, engine.mode, engine.state);
  if (r.refusal) throw new TradingError(r.refusal.code, r.refusal.message);
  let intent: OrderIntent;
  try {
    intent = await deps.prisma.orderIntent.create({
      data: {
        id: input.idempotencyKey,
        source: 'manual',
        mode: input.mode,
        accountHash: r.broker.accountHash,
        symbol: input.symbol,
        side: input.side,
        quantity: input.quantity,
        orderType: input.orderType,
        limitPrice: input.limitPrice ?? null,
        intendedPrice: r.price.toFixed(),
        createdById: actor.userId,
      },
    });
  } catch (err) {
    // The same key a moment ago (a concurrent retry): that intent is this ticket, or a conflict.
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    const other = await deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: input.idempotencyKey } });
    if (!sameTicket(other, input, actor)) throw new TradingError('IDEMPOTENCY_CONFLICT', 'This idempotency key belongs to another order.', 'conflict');
    intent = other;
  }
  return orderRow(await dispatch(deps, intent));
}

/** trading.cancel: cancels a working live order at the broker. */
export async function cancelOrder(deps: TradingDeps, intentId: string): Promise<TradingOrderRow> {
  try {
    await cancelLiveIntent(deps.orders, intentId);
  } catch (err) {
    if (err instanceof LiveOrderError) throw new TradingError(err.code, err.message, err.code === 'ORDER_NOT_FOUND' ? 'not_found' : 'refused');
    throw err;
  }
  return orderRow(await deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: intentId } }));
}

/** trading.orders: intents not yet done, newest first. */
export async function workingOrders(deps: Pick<TradingDeps, 'prisma'>): Promise<TradingOrderRow[]> {
  const rows = await deps.prisma.orderIntent.findMany({ where: { status: { in: [...WORKING_INTENT_STATUSES] } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 200 });
  return rows.map(orderRow);
}
