// The engine's guards: pure checks that answer a typed refusal (ENGINE_REFUSALS) or null.
// Run guards stop the whole run (engine not running, market closed, stale data, the daily
// loss limit); intent guards drop one intent and let the others through (entries paused,
// daily notional, position weight); the slippage guard is asked at fill time. Nothing here
// reads a clock, a database or a broker: the runner passes what they said.
import Decimal from 'decimal.js';
import { EXITS_ALLOWED, marketStatus, type EffectiveConfig, type EngineRefusal, type EngineState } from '@jutsu/shared';
import type { BrokerQuote, OrderSide } from './broker.ts';
import type { StrategyIntent } from './strategy/types.ts';

export interface Refusal {
  code: EngineRefusal;
  /** Shown to the person as it is: no secrets, no internals. */
  message: string;
}

const refuse = (code: EngineRefusal, message: string): Refusal => ({ code, message });

/** The engine trades (exits at least) only while running or with entries paused. */
export function checkEngineState(state: EngineState): Refusal | null {
  return EXITS_ALLOWED.includes(state) ? null : refuse('ENGINE_NOT_RUNNING', `the engine is ${state}`);
}

/**
 * No decision while earlier orders of this mode are unsettled (being sent, working, or lost in
 * a crash and not yet looked up): the positions the strategy reads do not include them yet, so
 * a new intent for the same target would be double exposure even with one order per intent.
 */
export function checkOrdersSettled(unsettled: number): Refusal | null {
  return unsettled === 0 ? null : refuse('ORDERS_UNSETTLED', `${unsettled} earlier order(s) are not settled yet`);
}

/** Never outside the exchange's regular session (New York calendar, holidays and half days). */
export function checkMarketOpen(now: Date): Refusal | null {
  const s = marketStatus(now);
  return s.open ? null : refuse('MARKET_CLOSED', s.reason);
}

export interface FreshnessInput {
  now: Date;
  /** When positions and balances were read. */
  positionsAsOf: Date;
  quotes: ReadonlyMap<string, BrokerQuote>;
  /** Every symbol the run may trade or value: each needs a fresh quote. */
  symbols: readonly string[];
  config: Pick<EffectiveConfig, 'guards.max_quote_age_seconds' | 'guards.max_positions_age_seconds'>;
}

/** Never on stale data: positions or any quote the run needs older than the configured limits, or missing. */
export function checkFreshness(i: FreshnessInput): Refusal | null {
  const posAge = (i.now.getTime() - i.positionsAsOf.getTime()) / 1000;
  const posMax = i.config['guards.max_positions_age_seconds'];
  if (posAge > posMax) return refuse('STALE_DATA', `positions and balances are ${Math.floor(posAge)} s old (limit ${posMax} s)`);
  const quoteMax = i.config['guards.max_quote_age_seconds'];
  for (const symbol of i.symbols) {
    const q = i.quotes.get(symbol);
    if (!q) return refuse('STALE_DATA', `no quote for ${symbol}`);
    const age = (i.now.getTime() - q.asOf.getTime()) / 1000;
    if (age > quoteMax) return refuse('STALE_DATA', `the quote for ${symbol} is ${Math.floor(age)} s old (limit ${quoteMax} s)`);
  }
  return null;
}

export interface DailyLossInput {
  liquidationValue: Decimal;
  /** The account's P&L since the day's open; null when the broker does not say. */
  dayPnl: Decimal | null;
  config: Pick<EffectiveConfig, 'guards.daily_loss_limit_pct'>;
}

/**
 * A day P&L at or below minus the limit's share of the opening value (current value minus the
 * day's P&L). The runner trips the kill switch when this answers.
 */
export function checkDailyLoss(i: DailyLossInput): Refusal | null {
  if (i.dayPnl === null) return null;
  const opening = i.liquidationValue.minus(i.dayPnl);
  if (opening.lte(0)) return null;
  const limit = new Decimal(i.config['guards.daily_loss_limit_pct']);
  const floor = opening.times(limit).div(100).neg();
  if (i.dayPnl.gt(floor)) return null;
  const lossPct = i.dayPnl.neg().div(opening).times(100);
  return refuse('DAILY_LOSS_LIMIT', `the day's loss of $${i.dayPnl.neg().toFixed(2)} is ${lossPct.toFixed(2)} % of the opening value (limit ${limit.toString()} %)`);
}

export interface IntentScreenInput {
  intents: readonly StrategyIntent[];
  state: EngineState;
  /** Notional of the orders already placed today (New York day), in this mode. */
  notionalToday: Decimal;
  /** Value of each held symbol now (quantity × last). */
  positionValues: ReadonlyMap<string, Decimal>;
  liquidationValue: Decimal;
  config: Pick<EffectiveConfig, 'guards.max_daily_notional_usd' | 'guards.max_position_weight_pct'>;
}

export interface ScreenedIntents {
  allowed: StrategyIntent[];
  refused: { intent: StrategyIntent; refusal: Refusal }[];
}

/**
 * Intent guards, in order: with entries paused only sells pass; a buy may not take a position
 * above the maximum weight; the day's notional (earlier orders plus the ones allowed before
 * this one in the run) may not pass the limit. A refused intent does not count toward the notional.
 */
export function screenIntents(i: IntentScreenInput): ScreenedIntents {
  const out: ScreenedIntents = { allowed: [], refused: [] };
  const maxNotional = new Decimal(i.config['guards.max_daily_notional_usd']);
  const maxWeight = new Decimal(i.config['guards.max_position_weight_pct']);
  let notional = i.notionalToday;
  for (const intent of i.intents) {
    const value = intent.quantity.times(intent.intendedPrice);
    if (intent.side === 'BUY' && i.state !== 'running') {
      out.refused.push({ intent, refusal: refuse('ENTRIES_PAUSED', `entries are paused: the buy of ${intent.symbol} is not placed`) });
      continue;
    }
    if (intent.side === 'BUY') {
      const after = (i.positionValues.get(intent.symbol) ?? new Decimal(0)).plus(value);
      const weight = i.liquidationValue.gt(0) ? after.div(i.liquidationValue).times(100) : new Decimal(Infinity);
      if (weight.gt(maxWeight)) {
        out.refused.push({ intent, refusal: refuse('POSITION_WEIGHT_EXCEEDED', `${intent.symbol} would be ${weight.toFixed(2)} % of the account (limit ${maxWeight.toString()} %)`) });
        continue;
      }
    }
    if (notional.plus(value).gt(maxNotional)) {
      out.refused.push({
        intent,
        refusal: refuse('DAILY_NOTIONAL_EXCEEDED', `$${value.toFixed(2)} more would take today's orders to $${notional.plus(value).toFixed(2)} (limit $${maxNotional.toString()})`),
      });
      continue;
    }
    notional = notional.plus(value);
    out.allowed.push(intent);
  }
  return out;
}

/** Adverse slippage of a fill in basis points of the intended price (negative when better). */
export function slippageBps(side: OrderSide, intendedPrice: Decimal, fillPrice: Decimal): Decimal {
  const diff = side === 'BUY' ? fillPrice.minus(intendedPrice) : intendedPrice.minus(fillPrice);
  return diff.div(intendedPrice).times(10_000);
}

/** A fill further than the limit from its intended price, against the order, is cancelled. */
export function checkSlippage(i: { side: OrderSide; intendedPrice: Decimal; fillPrice: Decimal; maxBps: number }): Refusal | null {
  const bps = slippageBps(i.side, i.intendedPrice, i.fillPrice);
  if (bps.lte(i.maxBps)) return null;
  return refuse('SLIPPAGE_EXCEEDED', `a fill at ${i.fillPrice.toString()} is ${bps.toFixed(1)} bps from the intended ${i.intendedPrice.toString()} (limit ${i.maxBps} bps)`);
}
