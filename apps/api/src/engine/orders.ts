// Live orders: an order intent (a row whose id is the idempotency id, written before anything
// is sent) goes to the broker at most once, across retries, restarts and replicas.
//
// - Sending: under the `engine.orders` lock the intent is read again; only a `pending` one is
//   claimed (`sending`, `sent_at`, committed before the HTTP call), placed, and its broker
//   order id stored (`working`). The lock is held from the claim until the id is stored, so
//   whoever holds it next knows a `sending` intent without an id belongs to a sender that died
//   or whose placement answer was lost.
// - Tracking: the order is polled until it is filled, cancelled, rejected or expired, or the
//   fill timeout passes (then it is cancelled). A fill further than the slippage guard from the
//   intended price cancels what is left. Fills become one `live_trades` row per intent
//   (`intent_id` is unique: the database refuses a second).
// - Recovery (at start, before each run, periodically): a `sending` intent without an id is
//   looked up at the broker, never re-sent: Schwab orders carry no client id, so an order
//   matches when its symbol, side and quantity are the intent's and it was entered between
//   `sent_at − RECOVERY_SKEW_MS` and `sent_at + RECOVERY_GRACE_MS`, and no other intent claims
//   or could claim it. One match: adopted and tracked. Several: `unknown` and a critical event
//   (a person decides). None, once `RECOVERY_GRACE_MS` has passed since `sent_at`: `expired`
//   with NOT_SENT (the order never reached the broker; a later run makes a new intent).
import Decimal from 'decimal.js';
import { Prisma, type OrderIntent, type PrismaClient } from '@jutsu/db';
import type { LivePublish } from '@jutsu/shared';
import { readEffectiveConfig } from '../engine-config/effective.ts';
import type { Logger } from '../logger.ts';
import { eventBy, systemActor, type Actor } from '../security/actor.ts';
import { isSchwabError } from '../schwab/errors.ts';
import type { AdvisoryLock, EventSink } from '../schwab/settings.ts';
import { SchwabConnectionError, safeErrorText } from '../schwab/token-broker.ts';
import type { Worker } from '../workers.ts';
import type { Broker, BrokerOrder } from './broker.ts';
import { readEngineState } from './state-store.ts';

/** Schwab's clock against ours: an order entered a little "before" we sent it still matches. */
export const RECOVERY_SKEW_MS = 60_000;
/** After this, a `sending` intent the broker does not know was never placed. */
export const RECOVERY_GRACE_MS = 2 * 60_000;
/** Schwab answers at most 60 days of orders per request. */
const MAX_WINDOW_MS = 59 * 24 * 60 * 60 * 1000;
const CANCEL_CONFIRM_POLLS = 20;

export const TERMINAL_STATUSES = ['filled', 'cancelled', 'rejected', 'expired'] as const;
const OPEN_STATUSES = ['sending', 'working', 'unknown'];

export type LiveBroker = Broker & { readonly accountHash: string };

export interface LiveOrderDeps {
  prisma: PrismaClient;
  /** The named advisory lock across processes (packages/db LOCKS). */
  lock: AdvisoryLock;
  /** The broker of the live account (SchwabBroker.forLiveAccount in production). */
  liveBroker: () => Promise<LiveBroker>;
  events: EventSink;
  publish: (event: LivePublish) => Promise<unknown>;
  logger: Logger;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Between polls of a working order. */
  pollIntervalMs?: number;
  /** Test seam: runs after the broker accepted an order and before its id is stored. */
  afterPlace?: (intentId: string, orderId: string) => void | Promise<void>;
}

/** A refusal of an order operation, with the code the UI shows. */
export class LiveOrderError extends Error {
  override readonly name = 'LiveOrderError';
  constructor(
    readonly code: 'ORDER_NOT_FOUND' | 'ORDER_NOT_CANCELABLE' | 'NOT_LIVE_MODE',
    message: string,
  ) {
    super(message);
  }
}

export interface OrderOutcome {
  intentId: string;
  status: string;
  brokerOrderId: string | null;
  /** Whether this call placed the order (false: someone else did, or it was refused before sending). */
  sent: boolean;
  error: string | null;
}

const ORDERS_ACTOR = systemActor('engine.orders');

function now(deps: Pick<LiveOrderDeps, 'now'>): Date {
  return deps.now?.() ?? new Date();
}

function sleep(deps: LiveOrderDeps, ms: number): Promise<void> {
  return deps.sleep ? deps.sleep(ms) : new Promise((r) => setTimeout(r, ms));
}

function outcome(i: Pick<OrderIntent, 'id' | 'status' | 'brokerOrderId' | 'error'>, sent: boolean): OrderOutcome {
  return { intentId: i.id, status: i.status, brokerOrderId: i.brokerOrderId, sent, error: i.error };
}

async function publishSafely(deps: LiveOrderDeps, event: LivePublish): Promise<void> {
  try {
    await deps.publish(event);
  } catch (err) {
    deps.logger.warn({ err, type: event.type }, 'could not publish a live event');
  }
}

/** Signed slippage of a fill against the intended price in basis points; positive is worse for us. */
export function slippageBps(side: string, intended: Decimal.Value, fill: Decimal.Value): Decimal {
  const i = new Decimal(intended);
  if (i.lte(0)) return new Decimal(0);
  const diff = new Decimal(fill).minus(i);
  return (side.toUpperCase() === 'BUY' ? diff : diff.neg()).div(i).times(10_000).toDecimalPlaces(2);
}

/** Refusals that prove the order never reached (or was refused by) the broker. */
function definitelyNotPlaced(err: unknown): boolean {
  if (err instanceof SchwabConnectionError) return true;
  return (
    isSchwabError(err, 'SCHWAB_REFUSED') ||
    isSchwabError(err, 'SCHWAB_INVALID_REQUEST') ||
    isSchwabError(err, 'SCHWAB_UNAUTHORIZED') ||
    isSchwabError(err, 'SCHWAB_RATE_LIMITED') ||
    isSchwabError(err, 'SCHWAB_REAUTH_REQUIRED')
  );
}

async function finishUnsent(deps: LiveOrderDeps, intent: OrderIntent, status: 'rejected' | 'cancelled', error: string): Promise<OrderOutcome> {
  const at = now(deps);
  await deps.prisma.orderIntent.updateMany({ where: { id: intent.id, status: { in: ['pending', 'sending'] }, brokerOrderId: null }, data: { status, error, updatedAt: at } });
  const fresh = await deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: intent.id } });
  return outcome(fresh, false);
}

/** Claims a pending intent and places it; the caller holds `engine.orders`. */
async function claimAndPlace(deps: LiveOrderDeps, intentId: string): Promise<OrderOutcome> {
  const { prisma } = deps;
  const intent = await prisma.orderIntent.findUnique({ where: { id: intentId } });
  if (!intent) throw new LiveOrderError('ORDER_NOT_FOUND', 'No such order');
  if (intent.status !== 'pending') return outcome(intent, false); // already sent (or refused): never again
  const engine = await readEngineState(prisma);
  if (intent.mode !== 'live' || engine.mode !== 'live') return finishUnsent(deps, intent, 'rejected', 'NOT_LIVE_MODE');
  if (engine.state === 'halted' || engine.state === 'halted_auth') return finishUnsent(deps, intent, 'cancelled', 'ENGINE_HALTED');
  let broker: LiveBroker;
  try {
    broker = await deps.liveBroker();
  } catch (err) {
    return finishUnsent(deps, intent, 'rejected', safeErrorText(err));
  }
  if (broker.accountHash !== intent.accountHash) return finishUnsent(deps, intent, 'rejected', 'ACCOUNT_MISMATCH');
  const sentAt = now(deps);
  // Committed before the HTTP call: a crash from here on leaves a trace recovery can follow.
  const claimed = await prisma.orderIntent.updateMany({ where: { id: intentId, status: 'pending' }, data: { status: 'sending', sentAt, updatedAt: sentAt } });
  if (claimed.count !== 1) return outcome(await prisma.orderIntent.findUniqueOrThrow({ where: { id: intentId } }), false);
  let orderId: string;
  try {
    ({ orderId } = await broker.place({
      intentId,
      symbol: intent.symbol,
      side: intent.side === 'SELL' ? 'SELL' : 'BUY',
      quantity: new Decimal(intent.quantity.toString()),
      type: intent.orderType === 'LIMIT' ? 'LIMIT' : 'MARKET',
      limitPrice: intent.limitPrice === null ? null : new Decimal(intent.limitPrice.toString()),
    }));
  } catch (err) {
    const code = safeErrorText(err);
    if (definitelyNotPlaced(err)) {
      deps.logger.warn({ intentId, error: code }, 'order refused before reaching the market');
      return finishUnsent(deps, intent, 'rejected', code);
    }
    // A timeout or a lost answer: the order may exist. Left `sending` for recovery to look up.
    deps.logger.warn({ intentId, error: code }, 'order placement answer lost; recovery will look it up');
    await prisma.orderIntent.updateMany({ where: { id: intentId, status: 'sending' }, data: { error: code, updatedAt: now(deps) } });
    return outcome(await prisma.orderIntent.findUniqueOrThrow({ where: { id: intentId } }), true);
  }
  await deps.afterPlace?.(intentId, orderId);
  const updated = await prisma.orderIntent.update({ where: { id: intentId }, data: { brokerOrderId: orderId, status: 'working', error: null, updatedAt: now(deps) } });
  return outcome(updated, true);
}

/**
 * Sends one live intent (at most once, whoever calls) and, unless `track` is false, follows
 * it until it is done. Answers what happened to it.
 */
export async function sendLiveIntent(deps: LiveOrderDeps, intentId: string, opts: { track?: boolean } = {}): Promise<OrderOutcome> {
  const placed = await deps.lock('engine.orders', () => claimAndPlace(deps, intentId));
  if (!placed.sent || placed.brokerOrderId === null) return placed;
  if (opts.track === false) return placed;
  const done = await trackLiveOrder(deps, intentId);
  return { ...done, sent: true };
}

async function limits(deps: LiveOrderDeps): Promise<{ timeoutMs: number; maxSlippageBps: number }> {
  const config = await readEffectiveConfig(deps.prisma);
  // The schema bounds both (5–3600 s, 1–1000 bps); the effective reader already applied it.
  return { timeoutMs: Number(config['orders.fill_timeout_seconds']) * 1000, maxSlippageBps: Number(config['guards.max_slippage_bps']) };
}

/** Cancels what is left of an order and waits (a little) for the broker to confirm. */
async function cancelAndRead(deps: LiveOrderDeps, broker: Broker, orderId: string): Promise<BrokerOrder> {
  try {
    await broker.cancel(orderId);
  } catch (err) {
    // Refused: usually because it just filled or ended; the read below says which.
    if (!isSchwabError(err, 'SCHWAB_REFUSED')) throw err;
  }
  let order = await broker.order(orderId);
  for (let i = 0; order.status === 'working' && i < CANCEL_CONFIRM_POLLS; i++) {
    await sleep(deps, deps.pollIntervalMs ?? 1_000);
    order = await broker.order(orderId);
  }
  return order;
}

/**
 * Polls a working intent's order until it ends or the fill timeout passes; records the
 * outcome. Safe to run more than once for the same intent (recording is idempotent).
 */
export async function trackLiveOrder(deps: LiveOrderDeps, intentId: string): Promise<OrderOutcome> {
  let intent = await deps.prisma.orderIntent.findUnique({ where: { id: intentId } });
  if (!intent) throw new LiveOrderError('ORDER_NOT_FOUND', 'No such order');
  if (!intent.brokerOrderId || !OPEN_STATUSES.includes(intent.status)) return outcome(intent, false);
  const orderId = intent.brokerOrderId;
  const { timeoutMs, maxSlippageBps } = await limits(deps);
  const broker = await deps.liveBroker();
  const deadline = (intent.sentAt ?? now(deps)).getTime() + timeoutMs;
  let failures = 0;
  for (;;) {
    let order: BrokerOrder;
    try {
      order = await broker.order(orderId);
      failures = 0;
    } catch (err) {
      // A broker that keeps failing: leave the order working; recovery finishes it later.
      if (++failures >= 5 && now(deps).getTime() > deadline) {
        deps.logger.warn({ intentId, error: safeErrorText(err) }, 'order status unavailable; left for recovery');
        return outcome(intent, false);
      }
      await sleep(deps, deps.pollIntervalMs ?? 1_000);
      continue;
    }
    if (order.status !== 'working') return recordOutcome(deps, intent, order, null, maxSlippageBps);
    if (order.filledQuantity.gt(0) && order.averageFillPrice && slippageBps(intent.side, intent.intendedPrice.toString(), order.averageFillPrice).gt(maxSlippageBps)) {
      const final = await cancelAndRead(deps, broker, orderId);
      return recordOutcome(deps, intent, final, 'SLIPPAGE_EXCEEDED', maxSlippageBps);
    }
    if (now(deps).getTime() >= deadline) {
      const final = await cancelAndRead(deps, broker, orderId);
      return recordOutcome(deps, intent, final, final.status === 'filled' ? null : 'FILL_TIMEOUT', maxSlippageBps);
    }
    await sleep(deps, deps.pollIntervalMs ?? 1_000);
    intent = (await deps.prisma.orderIntent.findUnique({ where: { id: intentId } })) ?? intent;
    if (!OPEN_STATUSES.includes(intent.status)) return outcome(intent, false); // finished elsewhere (cancel, kill switch)
  }
}

function strategyOf(intent: OrderIntent): string {
  return intent.source === 'manual' ? 'manual' : 'rebalancer';
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/**
 * Writes the end of an order: the intent's status and fills, and its trade (if anything
 * filled). Idempotent: a second call (another replica, recovery, reconciliation) changes
 * nothing. `refusal` is the guard that ended it (SLIPPAGE_EXCEEDED, FILL_TIMEOUT, …).
 */
export async function recordOutcome(deps: LiveOrderDeps, intent: OrderIntent, order: BrokerOrder, refusal: string | null, maxSlippageBps?: number): Promise<OrderOutcome> {
  if (order.status === 'working') return outcome(intent, false);
  const max = maxSlippageBps ?? (await limits(deps)).maxSlippageBps;
  const filled = order.filledQuantity;
  const avg = order.averageFillPrice;
  const slip = avg && filled.gt(0) ? slippageBps(intent.side, intent.intendedPrice.toString(), avg) : null;
  const slipped = slip !== null && slip.gt(max);
  const error = refusal ?? (slipped ? 'SLIPPAGE_EXCEEDED' : null);
  const at = now(deps);
  let tradeWritten = false;
  let changed = false;
  for (let attempt = 0; ; attempt++) {
    try {
      ({ tradeWritten, changed } = await deps.prisma.$transaction(async (tx) => {
        const res = await tx.orderIntent.updateMany({
          where: { id: intent.id, status: { in: OPEN_STATUSES } },
          data: {
            status: order.status,
            brokerOrderId: order.orderId,
            filledQuantity: filled.toFixed(),
            averageFillPrice: avg ? avg.toFixed() : null,
            // A reason set before the end (a person's or the kill switch's cancel) is kept.
            ...(error ? { error } : {}),
            updatedAt: at,
          },
        });
        let written = false;
        if (filled.gt(0) && avg) {
          const byIntent = await tx.liveTrade.findUnique({ where: { intentId: intent.id }, select: { id: true } });
          if (!byIntent) {
            const details = {
              source: 'engine.order',
              intentSource: intent.source,
              mode: 'live',
              orderType: intent.orderType,
              intendedPrice: intent.intendedPrice.toString(),
              slippageBps: slip?.toFixed() ?? null,
              ...(error ? { refusal: error } : {}),
            };
            const data = {
              accountHash: intent.accountHash,
              symbol: intent.symbol,
              side: intent.side.toLowerCase(),
              quantity: filled.toFixed(),
              price: avg.toFixed(),
              strategy: strategyOf(intent),
              status: order.status === 'filled' ? 'filled' : 'partially_filled',
              isPaper: false,
              intentId: intent.id,
              intendedPrice: intent.intendedPrice,
            };
            // The Schwab sync may have recorded this order already (by its order id): claim it.
            const byOrder = await tx.liveTrade.findUnique({ where: { orderId: order.orderId }, select: { id: true, details: true, intentId: true } });
            if (byOrder && byOrder.intentId === null) {
              const merged = { ...(byOrder.details as Record<string, unknown> | null), ...details };
              await tx.liveTrade.update({ where: { id: byOrder.id }, data: { ...data, details: merged } });
            } else if (!byOrder) {
              await tx.liveTrade.create({ data: { ...data, orderId: order.orderId, executedAt: at, details } });
            }
            written = true;
          }
        }
        return { tradeWritten: written, changed: res.count === 1 };
      }));
      break;
    } catch (err) {
      // A sync or another replica wrote the same row a moment ago: read again and retry.
      if (!isUniqueViolation(err) || attempt >= 2) throw err;
    }
  }
  if (tradeWritten) await publishSafely(deps, { type: 'trades.changed', payload: { at: at.toISOString() } });
  if (changed && error === 'SLIPPAGE_EXCEEDED') {
    await deps.events.record(
      eventBy(ORDERS_ACTOR, {
        type: 'engine.slippage_exceeded',
        severity: 'warning',
        details: { intentId: intent.id, orderId: order.orderId, symbol: intent.symbol, slippageBps: slip?.toFixed() ?? null, maxBps: max, status: order.status },
      }),
    );
  }
  const fresh = await deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: intent.id } });
  return outcome(fresh, false);
}

export interface RecoveryReport {
  adopted: string[];
  unknown: string[];
  expired: string[];
  recorded: string[];
  /** Adopted orders still working, now followed in the background. */
  resumed: string[];
}

function sameQuantity(a: Decimal, b: Prisma.Decimal): boolean {
  return a.eq(b.toString());
}

/** The matching rule of the module comment, for every `sending` intent without an id. Caller holds the lock. */
async function recoverLocked(deps: LiveOrderDeps, broker: LiveBroker | null): Promise<RecoveryReport & { toTrack: string[] }> {
  const { prisma } = deps;
  const report: RecoveryReport & { toTrack: string[] } = { adopted: [], unknown: [], expired: [], recorded: [], resumed: [], toTrack: [] };
  const t = now(deps);
  const stuck = await prisma.orderIntent.findMany({ where: { mode: 'live', status: 'sending', brokerOrderId: null }, orderBy: { sentAt: 'asc' } });
  const { timeoutMs, maxSlippageBps } = await limits(deps);
  // Working orders whose tracker must be gone (its process died): well past the fill timeout.
  const stale = await prisma.orderIntent.findMany({
    where: { mode: 'live', status: { in: ['sending', 'working'] }, brokerOrderId: { not: null }, sentAt: { lt: new Date(t.getTime() - timeoutMs - RECOVERY_GRACE_MS) } },
  });
  if (stuck.length === 0 && stale.length === 0) return report;
  if (!broker) return report;
  if (stuck.length) {
    const earliest = Math.min(...stuck.map((i) => (i.sentAt ?? i.createdAt).getTime()));
    const from = new Date(Math.max(earliest - RECOVERY_SKEW_MS, t.getTime() - MAX_WINDOW_MS));
    const orders = await broker.orders({ from, to: t });
    const claimed = new Set(
      (await prisma.orderIntent.findMany({ where: { brokerOrderId: { in: orders.map((o) => o.orderId) } }, select: { brokerOrderId: true } })).map((r) => r.brokerOrderId),
    );
    const matches = (i: OrderIntent, o: BrokerOrder) => {
      const sent = (i.sentAt ?? i.createdAt).getTime();
      return (
        !claimed.has(o.orderId) &&
        o.symbol === i.symbol &&
        o.side === i.side &&
        sameQuantity(o.quantity, i.quantity) &&
        o.enteredAt.getTime() >= sent - RECOVERY_SKEW_MS &&
        o.enteredAt.getTime() <= sent + RECOVERY_GRACE_MS
      );
    };
    for (const intent of stuck) {
      const candidates = orders.filter((o) => matches(intent, o));
      // Unique both ways: one order for this intent, and no other stuck intent could be it either.
      const rivals = candidates.length === 1 ? stuck.filter((other) => other.id !== intent.id && matches(other, candidates[0]!)) : [];
      if (candidates.length === 1 && rivals.length === 0) {
        const order = candidates[0]!;
        await prisma.orderIntent.update({ where: { id: intent.id }, data: { brokerOrderId: order.orderId, status: 'working', error: null, updatedAt: now(deps) } });
        claimed.add(order.orderId);
        report.adopted.push(intent.id);
        const adopted = await prisma.orderIntent.findUniqueOrThrow({ where: { id: intent.id } });
        const current = await broker.order(order.orderId);
        if (current.status !== 'working') {
          await recordOutcome(deps, adopted, current, null, maxSlippageBps);
          report.recorded.push(intent.id);
        } else report.toTrack.push(intent.id);
      } else if (candidates.length > 0) {
        await prisma.orderIntent.updateMany({ where: { id: intent.id, status: 'sending', brokerOrderId: null }, data: { status: 'unknown', error: 'AMBIGUOUS_AT_BROKER', updatedAt: now(deps) } });
        report.unknown.push(intent.id);
        await deps.events.record(
          eventBy(ORDERS_ACTOR, {
            type: 'engine.order_unknown',
            severity: 'critical',
            details: { intentId: intent.id, symbol: intent.symbol, side: intent.side, quantity: intent.quantity.toString(), candidates: candidates.map((o) => o.orderId).slice(0, 20), rivals: rivals.map((r) => r.id).slice(0, 20) },
          }),
        );
      } else if (t.getTime() - (intent.sentAt ?? intent.createdAt).getTime() > RECOVERY_GRACE_MS) {
        await prisma.orderIntent.updateMany({ where: { id: intent.id, status: 'sending', brokerOrderId: null }, data: { status: 'expired', error: 'NOT_SENT', updatedAt: now(deps) } });
        report.expired.push(intent.id);
      }
    }
  }
  for (const intent of stale) {
    let order = await broker.order(intent.brokerOrderId!);
    let refusal: string | null = null;
    if (order.status === 'working') {
      order = await cancelAndRead(deps, broker, intent.brokerOrderId!);
      refusal = order.status === 'filled' ? null : 'FILL_TIMEOUT';
    }
    if (order.status !== 'working') {
      await recordOutcome(deps, intent, order, refusal, maxSlippageBps);
      report.recorded.push(intent.id);
    }
  }
  return report;
}

async function brokerOrNull(deps: LiveOrderDeps): Promise<LiveBroker | null> {
  try {
    return await deps.liveBroker();
  } catch (err) {
    deps.logger.warn({ error: safeErrorText(err) }, 'live broker unavailable for order recovery');
    return null;
  }
}

/**
 * Resolves intents a crash or a lost answer left behind (see the module comment). Adopted
 * orders still working are followed in the background unless `track` is false.
 */
export async function recoverIntents(deps: LiveOrderDeps, opts: { track?: boolean } = {}): Promise<RecoveryReport> {
  const { toTrack, ...report } = await deps.lock('engine.orders', async () => recoverLocked(deps, await brokerOrNull(deps)));
  for (const id of toTrack) {
    report.resumed.push(id);
    if (opts.track !== false) {
      void trackLiveOrder(deps, id).catch((err: unknown) => deps.logger.warn({ err, intentId: id }, 'tracking a recovered order failed'));
    }
  }
  return report;
}

/** A person cancels one working live order (trading.cancel). */
export async function cancelLiveIntent(deps: LiveOrderDeps, intentId: string): Promise<OrderOutcome> {
  return deps.lock('engine.orders', async () => {
    const intent = await deps.prisma.orderIntent.findUnique({ where: { id: intentId } });
    if (!intent || intent.mode !== 'live') throw new LiveOrderError('ORDER_NOT_FOUND', 'No such live order');
    if (intent.status === 'pending') return finishUnsent(deps, intent, 'cancelled', 'CANCELLED_BY_USER');
    if (!intent.brokerOrderId || !['working', 'sending'].includes(intent.status)) throw new LiveOrderError('ORDER_NOT_CANCELABLE', 'This order is not working');
    const broker = await deps.liveBroker();
    // Said first: the tracker may see the cancellation before this call records it.
    await deps.prisma.orderIntent.updateMany({ where: { id: intentId, status: { in: OPEN_STATUSES } }, data: { error: 'CANCELLED_BY_USER', updatedAt: now(deps) } });
    const order = await cancelAndRead(deps, broker, intent.brokerOrderId);
    if (order.status === 'working') throw new LiveOrderError('ORDER_NOT_CANCELABLE', 'The broker has not confirmed the cancellation yet');
    return recordOutcome(deps, intent, order, order.status === 'cancelled' ? 'CANCELLED_BY_USER' : null);
  });
}

export interface CancelAllReport {
  /** Broker order ids cancelled. */
  cancelled: string[];
  /** Broker order ids that could not be cancelled (with the reason). */
  failed: { orderId: string; error: string }[];
  /** Intents that were never sent and now never will be. */
  withdrawn: string[];
}

/**
 * The kill switch's part at the broker: every pending live intent is withdrawn, crashed ones
 * are looked up first, then every working order of the live account is cancelled (orders
 * placed outside the app too) and our intents' outcomes are recorded.
 */
export async function cancelAllWorkingOrders(deps: LiveOrderDeps, actor: Actor): Promise<CancelAllReport> {
  const report: CancelAllReport = { cancelled: [], failed: [], withdrawn: [] };
  await deps.lock('engine.orders', async () => {
    const pending = await deps.prisma.orderIntent.findMany({ where: { mode: 'live', status: 'pending' }, select: { id: true } });
    if (pending.length) {
      await deps.prisma.orderIntent.updateMany({ where: { id: { in: pending.map((p) => p.id) }, status: 'pending' }, data: { status: 'cancelled', error: 'ENGINE_HALTED', updatedAt: now(deps) } });
      report.withdrawn.push(...pending.map((p) => p.id));
    }
    const broker = await brokerOrNull(deps);
    if (!broker) return;
    await recoverLocked(deps, broker);
    const t = now(deps);
    const working = (await broker.orders({ from: new Date(t.getTime() - MAX_WINDOW_MS), to: t })).filter((o) => o.status === 'working');
    await deps.prisma.orderIntent.updateMany({
      where: { mode: 'live', status: { in: OPEN_STATUSES }, brokerOrderId: { in: working.map((o) => o.orderId) } },
      data: { error: 'ENGINE_HALTED', updatedAt: now(deps) },
    });
    for (const o of working) {
      try {
        const final = await cancelAndRead(deps, broker, o.orderId);
        if (final.status === 'working') report.failed.push({ orderId: o.orderId, error: 'CANCEL_UNCONFIRMED' });
        else report.cancelled.push(o.orderId);
        const intent = await deps.prisma.orderIntent.findUnique({ where: { brokerOrderId: o.orderId } });
        if (intent && final.status !== 'working') await recordOutcome(deps, intent, final, final.status === 'cancelled' ? 'ENGINE_HALTED' : null);
      } catch (err) {
        report.failed.push({ orderId: o.orderId, error: safeErrorText(err) });
      }
    }
  });
  await deps.events.record(
    eventBy(actor, {
      type: 'engine.orders_cancelled',
      severity: report.failed.length ? 'critical' : 'warning',
      ...(actor.kind === 'user' ? { userId: actor.userId, username: actor.username } : {}),
      details: { cancelled: report.cancelled.slice(0, 50), failed: report.failed.slice(0, 50), withdrawn: report.withdrawn.length },
    }),
  );
  return report;
}

/** Recovery at start and every minute while live intents are open (one replica at a time thanks to the lock). */
export function orderRecoveryWorker(deps: LiveOrderDeps, everyMs = 60_000): Worker {
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;
  const tick = async () => {
    const open = await deps.prisma.orderIntent.count({ where: { mode: 'live', status: { in: ['sending', 'working'] } } });
    if (open > 0) await recoverIntents(deps);
  };
  return {
    name: 'engine-order-recovery',
    required: false,
    start(ctx) {
      const run = () => {
        if (ctx.stopping.aborted || inFlight) return;
        inFlight = tick()
          .then(() => ctx.healthy())
          .catch((err: unknown) => {
            deps.logger.warn({ err }, 'order recovery failed');
            ctx.degraded(err);
          })
          .finally(() => (inFlight = undefined));
      };
      run();
      timer = setInterval(run, everyMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
