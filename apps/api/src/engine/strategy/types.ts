// What a strategy sees and what it answers (docs/architecture.md, "Engine: runs"). A strategy
// is pure: positions, balances, quotes and the effective configuration in, order intents out.
// It never talks to a broker or the database, so a dry run and a real run ask it the same
// question, and its decisions are tested with hand-computed numbers.
import type Decimal from 'decimal.js';
import type { EffectiveConfig } from '@jutsu/shared';
import type { BrokerQuote, OrderSide } from '../broker.ts';

export interface StrategyPosition {
  symbol: string;
  /** Whole or fractional shares held (negative would be short; the rebalancer never shorts). */
  quantity: Decimal;
  /** Value as the broker last reported it; used only when there is no quote. */
  marketValue: Decimal;
}

export interface StrategyBalances {
  /** Net liquidation value: what the target weights are percentages of. */
  liquidationValue: Decimal;
  cash: Decimal;
  buyingPower: Decimal;
}

export interface StrategyInput {
  positions: readonly StrategyPosition[];
  balances: StrategyBalances;
  /** Quotes by symbol: every held or targeted symbol the strategy may trade. */
  quotes: ReadonlyMap<string, BrokerQuote>;
  config: EffectiveConfig;
}

export interface StrategyIntent {
  symbol: string;
  side: OrderSide;
  /** Whole shares, always > 0. */
  quantity: Decimal;
  /** The price the order is expected to fill at (ask for a buy, bid for a sell, else last). */
  intendedPrice: Decimal;
  /** Why, in words a person reads on the Engine screen. */
  reason: string;
}

export interface StrategyOutput {
  /** Sells first, then buys, in the order they are to be placed. */
  intents: StrategyIntent[];
  /** What was considered and skipped, and why. */
  notes: string[];
}

export interface Strategy {
  /** Recorded on every trade the strategy causes (live_trades.strategy). */
  readonly name: string;
  decide(input: StrategyInput): StrategyOutput;
}
