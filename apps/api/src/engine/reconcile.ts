// The daily reconciliation: what the broker says against what the app recorded. Crashed
// intents are recovered first; then every broker order of the window must be an intent of
// ours with the same fills, every filled intent must have its trade, and the broker's
// positions must equal the `positions` rows of the live account. Filled orders of our intents
// that are missing a trade are recorded (they are recognised by their broker order id); every
// other difference is a critical `engine.reconciliation_mismatch` event listing it.
import Decimal from 'decimal.js';
import { eventBy, type Actor } from '../security/actor.ts';
import { recordOutcome, recoverIntents, type LiveOrderDeps } from './orders.ts';

/** Orders of the last day (a trading day with margin on both sides). */
export const RECONCILE_WINDOW_MS = 24 * 60 * 60 * 1000;

export type Mismatch =
  | { kind: 'order_unknown'; orderId: string; symbol: string; side: string; quantity: string; status: string }
  | { kind: 'fill_differs'; intentId: string; orderId: string; symbol: string; recorded: string; broker: string }
  | { kind: 'status_differs'; intentId: string; orderId: string; symbol: string; recorded: string; broker: string }
  | { kind: 'intent_unresolved'; intentId: string; symbol: string; status: string }
  | { kind: 'position_differs'; symbol: string; recorded: string; broker: string };

export interface ReconcileReport {
  ok: boolean;
  at: Date;
  ordersChecked: number;
  /** Intents whose fills were recorded by this reconciliation. */
  recorded: string[];
  mismatches: Mismatch[];
}

function fmt(d: Decimal.Value): string {
  return new Decimal(d).toFixed();
}

export async function reconcile(deps: LiveOrderDeps, actor: Actor): Promise<ReconcileReport> {
  const { prisma } = deps;
  const at = deps.now?.() ?? new Date();
  // Crash leftovers first: a `sending` intent is adopted (or not) before orders are compared.
  await recoverIntents(deps);
  const broker = await deps.liveBroker();
  const orders = await broker.orders({ from: new Date(at.getTime() - RECONCILE_WINDOW_MS), to: at });
  const snapshot = await broker.snapshot();
  const mismatches: Mismatch[] = [];
  const recorded: string[] = [];

  const intents = await prisma.orderIntent.findMany({ where: { brokerOrderId: { in: orders.map((o) => o.orderId) } } });
  const byOrder = new Map(intents.map((i) => [i.brokerOrderId!, i]));
  const trades = await prisma.liveTrade.findMany({ where: { intentId: { in: intents.map((i) => i.id) } }, select: { intentId: true, quantity: true } });
  const tradeOf = new Map(trades.map((t) => [t.intentId!, t]));

  for (const o of orders) {
    const intent = byOrder.get(o.orderId);
    if (!intent) {
      mismatches.push({ kind: 'order_unknown', orderId: o.orderId, symbol: o.symbol, side: o.side, quantity: fmt(o.quantity), status: o.status });
      continue;
    }
    const trade = tradeOf.get(intent.id);
    if (o.status !== 'working' && o.filledQuantity.gt(0) && !trade) {
      // Ours, ended at the broker, never recorded (the tracker died): recognised and recorded.
      await recordOutcome(deps, intent, o, null);
      recorded.push(intent.id);
      continue;
    }
    if (o.status !== 'working' && ['sending', 'working'].includes(intent.status) && o.filledQuantity.isZero()) {
      await recordOutcome(deps, intent, o, null);
      recorded.push(intent.id);
      continue;
    }
    if (trade && !o.filledQuantity.eq(trade.quantity.toString())) {
      mismatches.push({ kind: 'fill_differs', intentId: intent.id, orderId: o.orderId, symbol: o.symbol, recorded: fmt(trade.quantity.toString()), broker: fmt(o.filledQuantity) });
    }
    if (o.status !== 'working' && intent.status !== o.status) {
      mismatches.push({ kind: 'status_differs', intentId: intent.id, orderId: o.orderId, symbol: o.symbol, recorded: intent.status, broker: o.status });
    }
  }

  // Intents nobody could resolve (several candidate orders after a crash).
  for (const i of await prisma.orderIntent.findMany({ where: { mode: 'live', status: 'unknown' }, select: { id: true, symbol: true, status: true } })) {
    mismatches.push({ kind: 'intent_unresolved', intentId: i.id, symbol: i.symbol, status: i.status });
  }

  const rows = await prisma.position.findMany({ where: { accountHash: broker.accountHash, isPaper: false }, select: { symbol: true, quantity: true } });
  const ours = new Map(rows.map((r) => [r.symbol, new Decimal(r.quantity.toString())]));
  const theirs = new Map(snapshot.positions.map((p) => [p.symbol, p.quantity]));
  for (const symbol of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    const a = ours.get(symbol) ?? new Decimal(0);
    const b = theirs.get(symbol) ?? new Decimal(0);
    if (!a.eq(b)) mismatches.push({ kind: 'position_differs', symbol, recorded: fmt(a), broker: fmt(b) });
  }

  const report: ReconcileReport = { ok: mismatches.length === 0, at, ordersChecked: orders.length, recorded, mismatches };
  await deps.events.record(
    eventBy(actor, {
      type: report.ok ? 'engine.reconciled' : 'engine.reconciliation_mismatch',
      severity: report.ok ? 'info' : 'critical',
      ...(actor.kind === 'user' ? { userId: actor.userId, username: actor.username } : {}),
      details: { ordersChecked: orders.length, recorded: recorded.slice(0, 50), mismatches: mismatches.slice(0, 50), more: Math.max(0, mismatches.length - 50) },
    }),
  );
  return report;
}
