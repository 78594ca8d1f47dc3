// The one way an order intent reaches a broker. The runner (and manual orders) create the
// order_intents row first, with status `pending`: its id is the idempotency id. Then they
// call executeIntent, which takes the intent to a final outcome and records it on the row
// (and a live_trades row for a fill).
//
// Paper: the paper broker fills, cancels or rejects at once, writing the outcome, cash,
// position and trade in one transaction that only acts on a still-pending intent.
//
// Live: the same contract, kept by the Schwab order flow (engine/orders.ts). It is plugged in
// as `sendLive(intentId)`: claim the pending intent (`sending`, committed before the request
// leaves), place it through the live broker, store the broker's order id, poll until filled,
// cancelled, rejected or the fill timeout (cancelling then), apply the slippage guard, and
// record the fill in live_trades with intent_id and intended_price. An intent already past
// `pending` is never sent again: crash recovery finds it at the broker, not by sending.
import Decimal from 'decimal.js';
import { ENGINE_REFUSALS, type EffectiveConfig, type EngineRefusal } from '@jutsu/shared';
import type { OrderIntent, PrismaClient } from '@jutsu/db';
import type { Broker } from './broker.ts';
import { PaperBroker } from './paper-broker.ts';

export interface ExecuteDeps {
  prisma: PrismaClient;
  /** The broker of the intent's mode (brokerFor(intent.mode)). */
  broker: Broker;
  /** Recorded on the trade (live_trades.strategy): the strategy's name, or "manual". */
  strategy: string | null;
  /** The run's effective configuration (fill timeout, slippage limit). */
  config: EffectiveConfig;
  now(): Date;
  /** Live mode only: sends a pending intent and follows it to its outcome (see above). */
  sendLive?: (intentId: string) => Promise<unknown>;
}

export type IntentStatus = 'pending' | 'sending' | 'sent' | 'working' | 'filled' | 'cancelled' | 'rejected' | 'expired' | 'unknown';

export interface IntentOutcome {
  intentId: string;
  status: IntentStatus;
  brokerOrderId: string | null;
  filledQuantity: Decimal;
  averageFillPrice: Decimal | null;
  /** The typed reason of a cancel or reject (SLIPPAGE_EXCEEDED, INSUFFICIENT_BUYING_POWER, …). */
  refusal: EngineRefusal | null;
  error: string | null;
}

export class ExecuteError extends Error {}

/** The typed refusal at the start of an intent's error text (`CODE: message`), if any. */
export function refusalOf(error: string | null): EngineRefusal | null {
  const code = error?.split(':', 1)[0];
  return code && (ENGINE_REFUSALS as readonly string[]).includes(code) ? (code as EngineRefusal) : null;
}

function outcomeOf(row: OrderIntent): IntentOutcome {
  return {
    intentId: row.id,
    status: row.status as IntentStatus,
    brokerOrderId: row.brokerOrderId,
    filledQuantity: new Decimal(row.filledQuantity.toString()),
    averageFillPrice: row.averageFillPrice === null ? null : new Decimal(row.averageFillPrice.toString()),
    refusal: refusalOf(row.error),
    error: row.error,
  };
}

export async function executeIntent(deps: ExecuteDeps, intent: OrderIntent): Promise<IntentOutcome> {
  if (intent.mode !== deps.broker.mode) throw new ExecuteError(`a ${intent.mode} intent cannot go to the ${deps.broker.mode} broker`);
  // Only a pending intent is ever sent; anything else is answered as it stands.
  if (intent.status !== 'pending') return outcomeOf(intent);
  return deps.broker.mode === 'paper' ? executePaper(deps, intent) : executeLive(deps, intent);
}

async function executePaper(deps: ExecuteDeps, intent: OrderIntent): Promise<IntentOutcome> {
  if (!(deps.broker instanceof PaperBroker)) throw new ExecuteError('paper intents need the paper broker');
  await deps.broker.place(
    {
      intentId: intent.id,
      symbol: intent.symbol,
      side: intent.side === 'SELL' ? 'SELL' : 'BUY',
      quantity: new Decimal(intent.quantity.toString()),
      type: intent.orderType === 'LIMIT' ? 'LIMIT' : 'MARKET',
      limitPrice: intent.limitPrice === null ? null : new Decimal(intent.limitPrice.toString()),
    },
    { strategy: deps.strategy },
  );
  return outcomeOf(await deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: intent.id } }));
}

async function executeLive(deps: ExecuteDeps, intent: OrderIntent): Promise<IntentOutcome> {
  if (!deps.sendLive) throw new ExecuteError('live order placement is not available');
  await deps.sendLive(intent.id);
  return outcomeOf(await deps.prisma.orderIntent.findUniqueOrThrow({ where: { id: intent.id } }));
}
