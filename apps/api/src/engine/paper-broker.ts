// The paper broker: a simulated account kept in the database, so it survives restarts and is
// the same on every replica. The account is a brokerage_accounts row with is_paper (hash
// `paper-default`) whose cash starts at paper.starting_cash_usd; holdings are `positions` rows
// with is_paper. An order fills at once at the quote, made worse by paper.slippage_bps (a buy
// at the ask, a sell at the bid, the last price when the quote has neither), unless that fill
// is further from the intended price than guards.max_slippage_bps (then it is cancelled).
// Cash, position, the intent's outcome and the live_trades row are written in one transaction
// under the engine.orders lock, and only while the intent is still pending: a retry, a second
// replica or a resumed run can never fill one intent twice.
import Decimal from 'decimal.js';
import { xactLock, type OrderIntent, type Prisma, type PrismaClient } from '@jutsu/db';
import { newYorkDate, type EffectiveConfig } from '@jutsu/shared';
import { readEffectiveConfig } from '../engine-config/effective.ts';
import { QUOTES_KEY } from '../schwab/sync.ts';
import type { Broker, BrokerOrder, BrokerOrderStatus, BrokerQuote, BrokerSnapshot, OrderRequest } from './broker.ts';
import { checkSlippage, slippageBps } from './guards.ts';

export const PAPER_ACCOUNT_HASH = 'paper-default';
/** The paper account's value when its New York day began (its day P&L is measured from it). */
export const PAPER_DAY_OPEN_KEY_PREFIX = 'engine.paper.day_open.';
const PAPER_ORDER_PREFIX = 'paper-';

export interface QuoteSource {
  /** Quotes for the symbols it knows; a symbol it does not know is simply absent. */
  quotes(symbols: readonly string[]): Promise<BrokerQuote[]>;
}

const dec = (v: { toString(): string }) => new Decimal(v.toString());

/**
 * The quotes the Schwab sync stored last (system_state `schwab.quotes`): every quote keeps the
 * time Schwab gave it, so the stale-data guard sees how old it really is. A bid or ask of 0
 * (none) is treated as missing.
 */
export function storedQuoteSource(prisma: Pick<PrismaClient, 'systemState'>): QuoteSource {
  return {
    async quotes(symbols) {
      const row = await prisma.systemState.findUnique({ where: { key: QUOTES_KEY } });
      const all = (row?.value ?? {}) as Record<string, { last?: string; bid?: string; ask?: string; at?: string } | undefined>;
      const out: BrokerQuote[] = [];
      for (const symbol of symbols) {
        const q = Object.hasOwn(all, symbol) ? all[symbol] : undefined;
        if (!q?.last || !q.at) continue;
        const positive = (v: string | undefined) => (v !== undefined && new Decimal(v).gt(0) ? new Decimal(v) : null);
        out.push({ symbol, last: new Decimal(q.last), bid: positive(q.bid), ask: positive(q.ask), asOf: new Date(q.at) });
      }
      return out;
    },
  };
}

type PaperConfig = Pick<EffectiveConfig, 'paper.slippage_bps' | 'paper.starting_cash_usd' | 'guards.max_slippage_bps'>;

export interface PaperBrokerDeps {
  prisma: PrismaClient;
  quoteSource: QuoteSource;
  now(): Date;
  /** Read at each call, so a configuration change applies from the next order. */
  config?(): Promise<PaperConfig>;
  accountHash?: string;
}

/** What the paper broker records beside a fill (the Broker interface has no room for it). */
export interface PaperPlaceMeta {
  strategy?: string | null;
}

function statusOf(s: string): BrokerOrderStatus {
  return s === 'filled' || s === 'cancelled' || s === 'rejected' || s === 'expired' ? s : 'working';
}

export class PaperBroker implements Broker {
  readonly mode = 'paper' as const;
  readonly accountHash: string;

  constructor(private readonly deps: PaperBrokerDeps) {
    this.accountHash = deps.accountHash ?? PAPER_ACCOUNT_HASH;
  }

  private config(): Promise<PaperConfig> {
    return this.deps.config ? this.deps.config() : readEffectiveConfig(this.deps.prisma);
  }

  /** Creates the paper account with its starting cash the first time it is needed. */
  async ensureAccount(): Promise<void> {
    const existing = await this.deps.prisma.brokerageAccount.findUnique({ where: { accountHash: this.accountHash }, select: { id: true } });
    if (existing) return;
    const cash = (await this.config())['paper.starting_cash_usd'];
    await this.deps.prisma.brokerageAccount.createMany({
      data: [{ accountHash: this.accountHash, numberLast4: '0000', nickname: 'Paper', isPaper: true, cash, buyingPower: cash, liquidationValue: cash, longMarketValue: '0', balancesAt: this.deps.now(), lastSyncedAt: this.deps.now() }],
      skipDuplicates: true,
    });
  }

  async snapshot(): Promise<BrokerSnapshot> {
    await this.ensureAccount();
    const { prisma } = this.deps;
    const now = this.deps.now();
    const [account, rows] = await Promise.all([
      prisma.brokerageAccount.findUniqueOrThrow({ where: { accountHash: this.accountHash } }),
      prisma.position.findMany({ where: { accountHash: this.accountHash, isPaper: true }, orderBy: { symbol: 'asc' } }),
    ]);
    const quotes = new Map((await this.quotes(rows.map((r) => r.symbol))).map((q) => [q.symbol, q]));
    const positions = rows.map((r) => {
      const quantity = dec(r.quantity);
      const q = quotes.get(r.symbol);
      return { symbol: r.symbol, quantity, averagePrice: dec(r.averagePrice), marketValue: q ? quantity.times(q.last) : dec(r.marketValue) };
    });
    const cash = dec(account.cash ?? 0);
    const liquidationValue = positions.reduce((s, p) => s.plus(p.marketValue), cash);
    return { accountHash: this.accountHash, liquidationValue, cash, buyingPower: cash, positions, asOf: now, dayPnl: await this.dayPnl(liquidationValue, now) };
  }

  /**
   * Day P&L against the value the account had at its first look of the New York day (paper
   * has no deposits, so the difference is all P&L). The first snapshot of a day records it.
   */
  private async dayPnl(value: Decimal, now: Date): Promise<Decimal> {
    const key = `${PAPER_DAY_OPEN_KEY_PREFIX}${this.accountHash}`;
    const today = newYorkDate(now);
    const row = await this.deps.prisma.systemState.findUnique({ where: { key } });
    const open = row?.value as { date?: string; value?: string } | undefined;
    if (open?.date === today && open.value !== undefined) return value.minus(open.value);
    const fresh = { date: today, value: value.toString() };
    await this.deps.prisma.systemState.upsert({ where: { key }, create: { key, value: fresh }, update: { value: fresh, updatedAt: now } });
    return new Decimal(0);
  }

  quotes(symbols: readonly string[]): Promise<BrokerQuote[]> {
    return symbols.length ? this.deps.quoteSource.quotes(symbols) : Promise.resolve([]);
  }

  /**
   * Fills (or cancels, or rejects) the intent named by `order.intentId` at once. The intent
   * row must exist (it is the idempotency id): placing one that is no longer pending answers
   * the order it already became, and changes nothing.
   */
  async place(order: OrderRequest, meta: PaperPlaceMeta = {}): Promise<{ orderId: string }> {
    const { prisma } = this.deps;
    const orderId = `${PAPER_ORDER_PREFIX}${order.intentId}`;
    const intent = await prisma.orderIntent.findUnique({ where: { id: order.intentId } });
    if (!intent) throw new Error('paper order without an intent');
    if (intent.mode !== 'paper' || intent.accountHash !== this.accountHash || intent.symbol !== order.symbol || intent.side !== order.side || !dec(intent.quantity).eq(order.quantity)) {
      throw new Error('paper order does not match its intent');
    }
    if (intent.status !== 'pending') return { orderId: intent.brokerOrderId ?? orderId };
    await this.ensureAccount();
    const config = await this.config();
    const [quote] = await this.quotes([order.symbol]);
    const now = this.deps.now();
    await prisma.$transaction(
      async (tx) => {
        await xactLock(tx, 'engine.orders');
        const current = await tx.orderIntent.findUnique({ where: { id: intent.id }, select: { status: true } });
        if (current?.status !== 'pending') return; // filled meanwhile by another process
        const outcome = await this.decide(tx, intent, quote, config);
        const done = await tx.orderIntent.updateMany({
          where: { id: intent.id, status: 'pending' },
          data: {
            status: outcome.status,
            brokerOrderId: orderId,
            sentAt: now,
            updatedAt: now,
            filledQuantity: outcome.status === 'filled' ? intent.quantity : 0,
            averageFillPrice: outcome.status === 'filled' ? outcome.price.toString() : null,
            error: outcome.status === 'filled' ? null : outcome.error,
          },
        });
        if (done.count !== 1 || outcome.status !== 'filled') return;
        await this.book(tx, intent, outcome.price, outcome.slippage, quote!, orderId, meta.strategy ?? null, now);
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
    return { orderId };
  }

  /** The fill price, or why there is none. */
  private async decide(
    tx: Prisma.TransactionClient,
    intent: OrderIntent,
    quote: BrokerQuote | undefined,
    config: PaperConfig,
  ): Promise<{ status: 'filled'; price: Decimal; slippage: Decimal } | { status: 'cancelled' | 'rejected'; error: string }> {
    if (!quote || quote.last.lte(0)) return { status: 'rejected', error: `STALE_DATA: no quote for ${intent.symbol}` };
    const bps = new Decimal(config['paper.slippage_bps']).div(10_000);
    const side = intent.side === 'SELL' ? 'SELL' : 'BUY';
    const base = side === 'BUY' ? (quote.ask ?? quote.last) : (quote.bid ?? quote.last);
    const price = (side === 'BUY' ? base.times(bps.plus(1)) : base.times(new Decimal(1).minus(bps))).toDecimalPlaces(8);
    const intended = dec(intent.intendedPrice);
    const guard = checkSlippage({ side, intendedPrice: intended, fillPrice: price, maxBps: config['guards.max_slippage_bps'] });
    if (guard) return { status: 'cancelled', error: `${guard.code}: ${guard.message}` };
    const quantity = dec(intent.quantity);
    if (side === 'BUY') {
      const account = await tx.brokerageAccount.findUniqueOrThrow({ where: { accountHash: this.accountHash }, select: { cash: true } });
      const cost = quantity.times(price);
      if (cost.gt(dec(account.cash ?? 0))) return { status: 'rejected', error: `INSUFFICIENT_BUYING_POWER: $${cost.toFixed(2)} needed, $${dec(account.cash ?? 0).toFixed(2)} in cash` };
    } else {
      const pos = await tx.position.findUnique({ where: { accountHash_symbol: { accountHash: this.accountHash, symbol: intent.symbol } }, select: { quantity: true } });
      if (!pos || dec(pos.quantity).lt(quantity)) return { status: 'rejected', error: `INSUFFICIENT_BUYING_POWER: the paper account holds ${pos ? dec(pos.quantity).toString() : '0'} ${intent.symbol}, no short sales` };
    }
    return { status: 'filled', price, slippage: slippageBps(side, intended, price) };
  }

  /** Cash, position, balances and the trade of one fill. */
  private async book(tx: Prisma.TransactionClient, intent: OrderIntent, price: Decimal, slippage: Decimal, quote: BrokerQuote, orderId: string, strategy: string | null, now: Date): Promise<void> {
    const quantity = dec(intent.quantity);
    const value = quantity.times(price);
    const buy = intent.side === 'BUY';
    const where = { accountHash_symbol: { accountHash: this.accountHash, symbol: intent.symbol } };
    const pos = await tx.position.findUnique({ where });
    let realized: Decimal | null = null;
    if (buy) {
      const oldQty = pos ? dec(pos.quantity) : new Decimal(0);
      const newQty = oldQty.plus(quantity);
      const avg = (pos ? oldQty.times(dec(pos.averagePrice)) : new Decimal(0)).plus(value).div(newQty).toDecimalPlaces(8);
      const data = { quantity: newQty.toString(), averagePrice: avg.toString(), marketValue: newQty.times(price).toString(), unrealizedPnl: newQty.times(price.minus(avg)).toDecimalPlaces(8).toString(), updatedAt: now };
      await tx.position.upsert({ where, create: { accountHash: this.accountHash, symbol: intent.symbol, isPaper: true, ...data }, update: data });
    } else {
      const avg = dec(pos!.averagePrice);
      const left = dec(pos!.quantity).minus(quantity);
      realized = price.minus(avg).times(quantity).toDecimalPlaces(8);
      if (left.isZero()) await tx.position.delete({ where });
      else await tx.position.update({ where, data: { quantity: left.toString(), marketValue: left.times(price).toString(), unrealizedPnl: left.times(price.minus(avg)).toDecimalPlaces(8).toString(), updatedAt: now } });
    }
    const account = await tx.brokerageAccount.findUniqueOrThrow({ where: { accountHash: this.accountHash }, select: { cash: true } });
    const cash = buy ? dec(account.cash ?? 0).minus(value) : dec(account.cash ?? 0).plus(value);
    const held = await tx.position.findMany({ where: { accountHash: this.accountHash, isPaper: true }, select: { marketValue: true } });
    const longValue = held.reduce((s, p) => s.plus(dec(p.marketValue)), new Decimal(0));
    await tx.brokerageAccount.update({
      where: { accountHash: this.accountHash },
      data: { cash: cash.toString(), buyingPower: cash.toString(), longMarketValue: longValue.toString(), liquidationValue: cash.plus(longValue).toString(), balancesAt: now, lastSyncedAt: now },
    });
    await tx.liveTrade.create({
      data: {
        accountHash: this.accountHash,
        symbol: intent.symbol,
        side: buy ? 'buy' : 'sell',
        quantity: quantity.toString(),
        price: price.toString(),
        strategy,
        orderId,
        status: 'filled',
        isPaper: true,
        realizedPnl: realized?.toString() ?? null,
        executedAt: now,
        intentId: intent.id,
        intendedPrice: intent.intendedPrice,
        details: {
          source: 'paper',
          runId: intent.runId,
          slippageBps: slippage.toDecimalPlaces(4).toString(),
          quote: { last: quote.last.toString(), bid: quote.bid?.toString() ?? null, ask: quote.ask?.toString() ?? null, at: quote.asOf.toISOString() },
        },
      },
    });
  }

  async order(orderId: string): Promise<BrokerOrder> {
    const intent = await this.deps.prisma.orderIntent.findUnique({ where: { brokerOrderId: orderId } });
    if (!intent) throw new Error('unknown paper order');
    return toBrokerOrder(intent);
  }

  /** Paper orders never stay working: there is nothing to cancel. */
  async cancel(orderId: string): Promise<void> {
    await this.order(orderId);
  }

  async orders(range: { from: Date; to: Date }): Promise<BrokerOrder[]> {
    const rows = await this.deps.prisma.orderIntent.findMany({
      where: { mode: 'paper', accountHash: this.accountHash, brokerOrderId: { startsWith: PAPER_ORDER_PREFIX }, sentAt: { gte: range.from, lt: range.to } },
      orderBy: { sentAt: 'asc' },
    });
    return rows.map(toBrokerOrder);
  }
}

function toBrokerOrder(i: OrderIntent): BrokerOrder {
  return {
    orderId: i.brokerOrderId!,
    symbol: i.symbol,
    side: i.side === 'SELL' ? 'SELL' : 'BUY',
    quantity: dec(i.quantity),
    filledQuantity: dec(i.filledQuantity),
    averageFillPrice: i.averageFillPrice === null ? null : dec(i.averageFillPrice),
    status: statusOf(i.status),
    enteredAt: i.sentAt ?? i.createdAt,
  };
}
