// What the engine and manual orders see of a broker (docs/architecture.md, "Engine"). Two
// implementations: the Schwab broker (live orders through the token broker and the Schwab
// client) and the paper broker (fills at the quote with a slippage model, state in the
// database). The engine never knows which one it talks to beyond `mode`.
import type Decimal from 'decimal.js';
import type { EngineMode } from '@jutsu/shared';

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT';

export interface BrokerPosition {
  symbol: string;
  quantity: Decimal;
  averagePrice: Decimal;
  marketValue: Decimal;
}

export interface BrokerSnapshot {
  accountHash: string;
  /** Net liquidation value, cash and buying power as last read. */
  liquidationValue: Decimal;
  cash: Decimal;
  buyingPower: Decimal;
  positions: BrokerPosition[];
  /** When the balances and positions were read (the stale-data guard compares this). */
  asOf: Date;
  /** Day P&L of the account in dollars (the daily loss guard reads it), when known. */
  dayPnl: Decimal | null;
}

export interface BrokerQuote {
  symbol: string;
  last: Decimal;
  bid: Decimal | null;
  ask: Decimal | null;
  asOf: Date;
}

export interface OrderRequest {
  /** The intent id: the idempotency id the broker call is made for. */
  intentId: string;
  symbol: string;
  side: OrderSide;
  quantity: Decimal;
  type: OrderType;
  limitPrice: Decimal | null;
}

export type BrokerOrderStatus = 'working' | 'filled' | 'cancelled' | 'rejected' | 'expired';

export interface BrokerOrder {
  orderId: string;
  symbol: string;
  side: OrderSide;
  quantity: Decimal;
  filledQuantity: Decimal;
  /** Volume-weighted fill price, null until something filled. */
  averageFillPrice: Decimal | null;
  status: BrokerOrderStatus;
  enteredAt: Date;
}

export interface Broker {
  readonly mode: EngineMode;
  snapshot(): Promise<BrokerSnapshot>;
  quotes(symbols: readonly string[]): Promise<BrokerQuote[]>;
  place(order: OrderRequest): Promise<{ orderId: string }>;
  order(orderId: string): Promise<BrokerOrder>;
  cancel(orderId: string): Promise<void>;
  /** Orders entered in a window (reconciliation and crash recovery look intents up here). */
  orders(range: { from: Date; to: Date }): Promise<BrokerOrder[]>;
}
