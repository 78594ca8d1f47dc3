// The live broker: the Broker interface over the Schwab client, with every access token from
// the token broker (a 401 refreshes once). It trades one account: the first linked, non-paper
// brokerage account (by when it was linked). Answers are mapped to exact decimals; orders the
// engine does not understand (several legs, options) come back with what can be read of them.
import Decimal from 'decimal.js';
import type { PrismaClient } from '@jutsu/db';
import type { SchwabOrder, SchwabOrderRequest } from '@jutsu/shared';
import type { SchwabClient, SchwabClientOptions } from '../schwab/client.ts';
import { SchwabError } from '../schwab/errors.ts';
import { averageFillPrice } from '../schwab/sync.ts';
import { SchwabConnectionError, type TokenBroker } from '../schwab/token-broker.ts';
import type { Broker, BrokerOrder, BrokerOrderStatus, BrokerPosition, BrokerQuote, BrokerSnapshot, OrderRequest } from './broker.ts';

export type ClientSource = Pick<TokenBroker, 'withClient'>;
export type ClientOptions = Omit<SchwabClientOptions, 'baseUrl' | 'getAccessToken'>;

/** The account live mode trades: the first non-paper account linked, or null when none is. */
export async function liveAccount(prisma: Pick<PrismaClient, 'brokerageAccount'>): Promise<{ accountHash: string; numberLast4: string } | null> {
  return prisma.brokerageAccount.findFirst({
    where: { isPaper: false },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { accountHash: true, numberLast4: true },
  });
}

export function brokerOrderStatus(status: SchwabOrder['status']): BrokerOrderStatus {
  switch (status) {
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
    case 'REPLACED':
      return 'cancelled';
    case 'REJECTED':
      return 'rejected';
    case 'EXPIRED':
      return 'expired';
    default:
      // Accepted, queued, pending cancel, awaiting review…: still able to fill.
      return 'working';
  }
}

export function toBrokerOrder(o: SchwabOrder): BrokerOrder {
  const leg = o.orderLegCollection[0];
  const fill = averageFillPrice(o);
  const instruction = leg?.instruction ?? '';
  return {
    orderId: o.orderId,
    symbol: leg?.instrument.symbol ?? '',
    side: instruction === 'SELL' || instruction === 'SELL_SHORT' ? 'SELL' : 'BUY',
    quantity: new Decimal(o.quantity),
    filledQuantity: fill ? new Decimal(fill.quantity) : new Decimal(o.filledQuantity),
    averageFillPrice: fill ? new Decimal(fill.price) : null,
    status: brokerOrderStatus(o.status),
    enteredAt: new Date(o.enteredTime.replace(/\+0000$/, 'Z')),
  };
}

/** What is sent for an order request: one equity leg, a day order in the regular session. */
export function schwabOrderRequest(order: OrderRequest): SchwabOrderRequest {
  // Schwab takes whole shares for equities; fractions are refused before anything is sent.
  if (!order.quantity.isInteger() || order.quantity.lte(0)) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Equity orders are whole shares');
  if (order.type === 'LIMIT' && (order.limitPrice === null || order.limitPrice.lte(0))) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'A limit order needs a limit price');
  return {
    session: 'NORMAL',
    duration: 'DAY',
    orderType: order.type,
    ...(order.type === 'LIMIT' && order.limitPrice ? { price: order.limitPrice.toFixed() } : {}),
    orderStrategyType: 'SINGLE',
    orderLegCollection: [{ instruction: order.side, quantity: order.quantity.toFixed(), instrument: { symbol: order.symbol, assetType: 'EQUITY' } }],
  };
}

export class SchwabBroker implements Broker {
  readonly mode = 'live' as const;

  constructor(
    private readonly tokens: ClientSource,
    readonly accountHash: string,
    private readonly options: ClientOptions = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The broker of the live account; refuses when Schwab has never been synced/linked. */
  static async forLiveAccount(d: { prisma: Pick<PrismaClient, 'brokerageAccount'>; tokens: ClientSource; options?: ClientOptions; now?: () => Date }): Promise<SchwabBroker> {
    const account = await liveAccount(d.prisma);
    if (!account) throw new SchwabConnectionError('SCHWAB_NOT_CONNECTED');
    return new SchwabBroker(d.tokens, account.accountHash, d.options, d.now);
  }

  private call<T>(fn: (client: SchwabClient) => Promise<T>): Promise<T> {
    return this.tokens.withClient(fn, this.options);
  }

  async snapshot(): Promise<BrokerSnapshot> {
    const asOf = this.now();
    const { securitiesAccount: a } = await this.call((c) => c.account(this.accountHash));
    const b = a.currentBalances;
    const positions: (BrokerPosition & { dayPnl: Decimal | null })[] = a.positions
      .map((p) => ({
        symbol: p.instrument.symbol,
        quantity: new Decimal(p.longQuantity).minus(p.shortQuantity),
        averagePrice: new Decimal(p.averagePrice),
        marketValue: new Decimal(p.marketValue),
        dayPnl: p.currentDayProfitLoss === undefined ? null : new Decimal(p.currentDayProfitLoss),
      }))
      .filter((p) => !p.quantity.isZero());
    const known = positions.filter((p) => p.dayPnl !== null);
    return {
      accountHash: this.accountHash,
      liquidationValue: new Decimal(b.liquidationValue),
      cash: new Decimal(b.cashBalance ?? 0),
      buyingPower: new Decimal(b.buyingPower ?? b.cashBalance ?? 0),
      positions: positions.map(({ dayPnl: _ignored, ...p }) => p),
      asOf,
      dayPnl: known.length === positions.length ? known.reduce((s, p) => s.plus(p.dayPnl!), new Decimal(0)) : null,
    };
  }

  async quotes(symbols: readonly string[]): Promise<BrokerQuote[]> {
    if (symbols.length === 0) return [];
    const answer = await this.call((c) => c.quotes(symbols));
    return Object.values(answer).map((q) => ({
      symbol: q.symbol,
      last: new Decimal(q.quote.lastPrice),
      bid: new Decimal(q.quote.bidPrice).gt(0) ? new Decimal(q.quote.bidPrice) : null,
      ask: new Decimal(q.quote.askPrice).gt(0) ? new Decimal(q.quote.askPrice) : null,
      asOf: new Date(Number(q.quote.quoteTime)),
    }));
  }

  async place(order: OrderRequest): Promise<{ orderId: string }> {
    const request = schwabOrderRequest(order);
    // Never retried here: a POST that may have reached Schwab is resolved by recovery, not resent.
    return this.call((c) => c.placeOrder(this.accountHash, request));
  }

  async order(orderId: string): Promise<BrokerOrder> {
    return toBrokerOrder(await this.call((c) => c.order(this.accountHash, orderId)));
  }

  async cancel(orderId: string): Promise<void> {
    await this.call((c) => c.cancelOrder(this.accountHash, orderId));
  }

  async orders(range: { from: Date; to: Date }): Promise<BrokerOrder[]> {
    return (await this.call((c) => c.orders(this.accountHash, range))).map(toBrokerOrder);
  }
}
