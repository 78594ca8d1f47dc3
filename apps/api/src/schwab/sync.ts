// Pulls the brokerage state from Schwab into the database: accounts (hash and last four
// digits only), balances, positions, filled orders as trades (idempotent by Schwab's order
// id), quotes for what is held, and daily bars for SPY and QQQ. Everything is fetched first
// and written afterwards in one transaction, so a failure leaves no half-written rows; every
// failure is a typed result and a `schwab.sync_failed` event, never a crash.
import { Prisma } from '@jutsu/db';
import type { SchwabAccount, SchwabOrder, SchwabSyncOutput, SchwabTransaction } from '@jutsu/shared';
import { SCHWAB_SYNC_ERRORS } from '@jutsu/shared';
import type { SchwabClientOptions } from './client.ts';
import { SYNC_STATE_KEY } from './connection.ts';
import { isSchwabError } from './errors.ts';
import { actorDetails, publishSafely, type SchwabActor, type SchwabDeps } from './settings.ts';
import { SchwabConnectionError, safeErrorText, type TokenBroker } from './token-broker.ts';

export const BAR_SYMBOLS = ['SPY', 'QQQ'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How far back orders are read on every sync (Schwab allows 60 days per request). */
const ORDER_WINDOW_MS = 30 * DAY_MS;
/** Trade activity reaches further back: fills whose orders are outside the order window. */
const TRANSACTION_WINDOW_MS = 90 * DAY_MS;
/** First sync: this much history of daily bars; later ones re-read from the last stored bar. */
const FIRST_BARS_MS = 2 * 365 * DAY_MS;
const RECENT_BARS_MS = 5 * DAY_MS;

export const SYNC_LOCK = 'schwab.sync';
export const BALANCES_KEY_PREFIX = 'schwab.balances.';
export const QUOTES_KEY = 'schwab.quotes';

export type SyncErrorCode = (typeof SCHWAB_SYNC_ERRORS)[number];

export interface SyncDeps extends SchwabDeps {
  broker: TokenBroker;
  /** Client knobs (tests shorten waits); the broker supplies the token and base URL. */
  client?: Omit<SchwabClientOptions, 'baseUrl' | 'getAccessToken'>;
}

interface Fetched {
  accounts: { hash: string; last4: string; type: string; account: SchwabAccount['securitiesAccount']; orders: SchwabOrder[]; transactions: SchwabTransaction[] }[];
  quotes: Record<string, { last: string; bid: string; ask: string; close: string; at: string }>;
  bars: { symbol: string; start: Date; candles: { ts: Date; open: string; high: string; low: string; close: string; volume: string }[] }[];
}

function errorCode(err: unknown): SyncErrorCode {
  const code = err instanceof SchwabConnectionError ? err.code : isSchwabError(err) ? err.code : null;
  if (code === 'SCHWAB_NOT_CONFIGURED') return 'SCHWAB_NOT_CONNECTED';
  if (code === 'SCHWAB_UNAUTHORIZED' || code === 'SCHWAB_INVALID_REQUEST' || code === 'SCHWAB_CALLBACK_INVALID') return 'SCHWAB_REFUSED';
  return code && (SCHWAB_SYNC_ERRORS as readonly string[]).includes(code) ? (code as SyncErrorCode) : 'SYNC_FAILED';
}

/** The volume-weighted fill price of an order, exactly, or null when it has none. */
export function averageFillPrice(order: SchwabOrder): { quantity: string; price: string } | null {
  const legs = (order.orderActivityCollection ?? []).flatMap((a) => a.executionLegs);
  let qty = new Prisma.Decimal(0);
  let value = new Prisma.Decimal(0);
  for (const leg of legs) {
    qty = qty.plus(leg.quantity);
    value = value.plus(new Prisma.Decimal(leg.quantity).times(leg.price));
  }
  if (qty.gt(0)) return { quantity: qty.toString(), price: value.div(qty).toDecimalPlaces(8).toString() };
  if (new Prisma.Decimal(order.filledQuantity).gt(0) && order.price !== undefined) return { quantity: order.filledQuantity, price: order.price };
  return null;
}

/** A TRADE activity as a trade: one equity item with an order id, side from the cash direction. */
export function tradeFromTransaction(t: SchwabTransaction) {
  if (t.type !== 'TRADE' || t.orderId === undefined) return null;
  const item = t.transferItems.find((i) => i.instrument.symbol && i.price !== undefined && i.instrument.assetType !== 'CURRENCY');
  if (!item?.instrument.symbol || item.price === undefined) return null;
  const quantity = new Prisma.Decimal(item.amount).abs();
  if (quantity.isZero()) return null;
  return {
    orderId: t.orderId,
    symbol: item.instrument.symbol,
    side: new Prisma.Decimal(t.netAmount).isNegative() ? 'buy' : 'sell',
    quantity: quantity.toString(),
    price: item.price,
    status: 'filled',
    executedAt: new Date(t.time),
    details: { source: 'schwab.transaction', activityId: t.activityId },
  };
}

async function fetchAll(deps: SyncDeps, now: Date): Promise<Fetched> {
  return deps.broker.withClient(async (client) => {
    const numbers = await client.accountNumbers();
    const hashOf = new Map(numbers.map((n) => [n.accountNumber, n.hashValue]));
    const accounts: Fetched['accounts'] = [];
    for (const { securitiesAccount: a } of await client.accounts()) {
      const hash = hashOf.get(a.accountNumber);
      if (!hash) continue; // not one of the linked accounts
      const orders = await client.orders(hash, { from: new Date(now.getTime() - ORDER_WINDOW_MS), to: now });
      const transactions = await client.transactions(hash, { start: new Date(now.getTime() - TRANSACTION_WINDOW_MS), end: now, types: ['TRADE'] });
      accounts.push({ hash, last4: a.accountNumber.slice(-4), type: a.type, account: a, orders, transactions });
    }
    const held = [...new Set(accounts.flatMap((a) => a.account.positions.map((p) => p.instrument.symbol)))].filter((s) => /^[A-Z][A-Z0-9./]{0,9}$/.test(s));
    const quotes: Fetched['quotes'] = {};
    if (held.length) {
      for (const [symbol, q] of Object.entries(await client.quotes(held))) {
        quotes[symbol] = { last: q.quote.lastPrice, bid: q.quote.bidPrice, ask: q.quote.askPrice, close: q.quote.closePrice, at: new Date(q.quote.quoteTime).toISOString() };
      }
    }
    const bars: Fetched['bars'] = [];
    for (const symbol of BAR_SYMBOLS) {
      const last = await deps.prisma.marketData.findFirst({ where: { symbol, timeframe: '1d' }, orderBy: { ts: 'desc' }, select: { ts: true } });
      // The last few days are read again: the latest bar may still have been moving (or be
      // stamped later today than `now`).
      const start = last ? new Date(Math.min(last.ts.getTime(), now.getTime() - RECENT_BARS_MS)) : new Date(now.getTime() - FIRST_BARS_MS);
      const history = await client.priceHistory(symbol, { start, end: now });
      bars.push({
        symbol,
        start,
        candles: history.candles.map((c) => ({ ts: new Date(c.datetime), open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })),
      });
    }
    return { accounts, quotes, bars };
  }, deps.client);
}

/**
 * One sync. Runs alone (a lock across processes); `actor` is the admin who asked or
 * `system:schwab.sync` for the timer. Answers counts, or the typed reason it failed.
 */
export async function runSync(deps: SyncDeps, actor: SchwabActor): Promise<SchwabSyncOutput> {
  const who = actorDetails(actor);
  try {
    return await deps.lock(SYNC_LOCK, async () => {
      const now = deps.now?.() ?? new Date();
      const fetched = await fetchAll(deps, now);
      const counts = await write(deps, fetched, now);
      await publishSafely(deps, { topic: 'dashboard', type: 'balances.changed' });
      await publishSafely(deps, { topic: 'dashboard', type: 'positions.changed' });
      if (counts.newTrades > 0) await publishSafely(deps, { topic: 'dashboard', type: 'trade.recorded' });
      await publishSafely(deps, { topic: 'schwab', type: 'schwab.status_changed' });
      return { ok: true as const, accounts: fetched.accounts.length, positions: counts.positions, trades: counts.trades, bars: counts.bars, at: now };
    });
  } catch (err) {
    const error = errorCode(err);
    deps.logger.warn({ error, detail: safeErrorText(err), actor: who.details.actor }, 'Schwab sync failed');
    try {
      await saveSyncState(deps, { lastError: error });
      await deps.events.record({ type: 'schwab.sync_failed', severity: 'warning', userId: who.userId, details: { ...who.details, error } });
      await publishSafely(deps, { topic: 'schwab', type: 'schwab.status_changed' });
    } catch (e) {
      deps.logger.error({ err: e }, 'could not record a failed Schwab sync');
    }
    return { ok: false, error };
  }
}

async function saveSyncState(deps: SchwabDeps, change: { lastSyncAt?: string; lastError: string | null }, tx: Prisma.TransactionClient = deps.prisma): Promise<void> {
  const old = await tx.systemState.findUnique({ where: { key: SYNC_STATE_KEY } });
  const value = { lastSyncAt: null, ...(old?.value as object | undefined), ...change };
  await tx.systemState.upsert({ where: { key: SYNC_STATE_KEY }, create: { key: SYNC_STATE_KEY, value }, update: { value, updatedAt: new Date() } });
}

async function write(deps: SyncDeps, f: Fetched, now: Date): Promise<{ positions: number; trades: number; newTrades: number; bars: number }> {
  return deps.prisma.$transaction(
    async (tx) => {
      let positions = 0;
      let trades = 0;
      let newTrades = 0;
      for (const a of f.accounts) {
        const b = a.account.currentBalances;
        // The balances the dashboard's overview reads (exact decimals, as Schwab sent them).
        const balanceColumns = {
          liquidationValue: b.liquidationValue,
          cash: b.cashBalance ?? null,
          buyingPower: b.buyingPower ?? null,
          longMarketValue: b.longMarketValue ?? null,
          balancesAt: now,
        };
        await tx.brokerageAccount.upsert({
          where: { accountHash: a.hash },
          create: { accountHash: a.hash, numberLast4: a.last4, lastSyncedAt: now, ...balanceColumns },
          update: { numberLast4: a.last4, lastSyncedAt: now, ...balanceColumns },
        });
        const held = a.account.positions.filter((p) => new Prisma.Decimal(p.longQuantity).minus(p.shortQuantity).toString() !== '0');
        for (const p of held) {
          const quantity = new Prisma.Decimal(p.longQuantity).minus(p.shortQuantity);
          const data = {
            quantity,
            averagePrice: p.averagePrice,
            marketValue: p.marketValue,
            unrealizedPnl: p.longOpenProfitLoss ?? '0',
            dayPnl: p.currentDayProfitLoss ?? null,
            assetType: p.instrument.assetType,
            updatedAt: now,
          };
          await tx.position.upsert({ where: { accountHash_symbol: { accountHash: a.hash, symbol: p.instrument.symbol } }, create: { accountHash: a.hash, symbol: p.instrument.symbol, ...data }, update: data });
        }
        positions += held.length;
        await tx.position.deleteMany({ where: { accountHash: a.hash, isPaper: false, symbol: { notIn: held.map((p) => p.instrument.symbol) } } });
        const balances = { cash: b.cashBalance ?? null, buyingPower: b.buyingPower ?? null, liquidationValue: b.liquidationValue, equity: b.equity ?? null, longMarketValue: b.longMarketValue ?? null, accountType: a.type, at: now.toISOString() };
        const key = `${BALANCES_KEY_PREFIX}${a.hash}`;
        await tx.systemState.upsert({ where: { key }, create: { key, value: balances }, update: { value: balances, updatedAt: now } });
        for (const order of a.orders) {
          const fill = averageFillPrice(order);
          const leg = order.orderLegCollection[0];
          if (!fill || !leg) continue;
          const data = {
            accountHash: a.hash,
            symbol: leg.instrument.symbol,
            side: leg.instruction.toLowerCase(),
            quantity: fill.quantity,
            price: fill.price,
            status: order.status === 'FILLED' ? 'filled' : 'partially_filled',
            executedAt: new Date(order.closeTime ?? order.enteredTime),
            details: { source: 'schwab', orderType: order.orderType, schwabStatus: order.status },
          };
          const existing = await tx.liveTrade.findUnique({ where: { orderId: order.orderId }, select: { id: true, details: true } });
          // Details the engine wrote when it recorded its own fill (intent, slippage) are kept.
          if (existing) await tx.liveTrade.update({ where: { orderId: order.orderId }, data: { ...data, details: { ...(existing.details as object | null), ...data.details } } });
          else {
            await tx.liveTrade.create({ data: { ...data, orderId: order.orderId } });
            newTrades++;
          }
          trades++;
        }
        // Trade activity whose order is no longer in the order window (or was never seen):
        // recorded once, under the same order id, so it can never count a fill twice.
        const seenOrders = new Set(a.orders.map((o) => o.orderId));
        for (const t of a.transactions) {
          const trade = tradeFromTransaction(t);
          if (!trade || seenOrders.has(trade.orderId)) continue;
          seenOrders.add(trade.orderId);
          trades++;
          const exists = await tx.liveTrade.findUnique({ where: { orderId: trade.orderId }, select: { id: true } });
          if (exists) continue;
          await tx.liveTrade.create({ data: { accountHash: a.hash, ...trade } });
          newTrades++;
        }
      }
      if (Object.keys(f.quotes).length) {
        const value = { ...f.quotes };
        await tx.systemState.upsert({ where: { key: QUOTES_KEY }, create: { key: QUOTES_KEY, value }, update: { value, updatedAt: now } });
      }
      let bars = 0;
      for (const s of f.bars) {
        // Bars from `start` on are replaced as one.
        await tx.marketData.deleteMany({ where: { symbol: s.symbol, timeframe: '1d', ts: { gte: s.start } } });
        const rows = s.candles.filter((c) => c.ts >= s.start).map((c) => ({ symbol: s.symbol, timeframe: '1d', ...c }));
        if (rows.length) await tx.marketData.createMany({ data: rows, skipDuplicates: true });
        bars += rows.length;
      }
      await saveSyncState(deps, { lastSyncAt: now.toISOString(), lastError: null }, tx);
      return { positions, trades, newTrades, bars };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}
