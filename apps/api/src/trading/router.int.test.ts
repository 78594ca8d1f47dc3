// trading.* over real HTTP with a real database and the fake Schwab: a live ticket places one
// order per idempotency key (sequential or concurrent), its fill is recorded; every refusal
// (role, stale sign-in, mode, malformed or oversized input, a limit order without a price)
// is a typed error that changes nothing, at the broker or in the database.
import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Role, TradingPlaceInput } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { eventually, startHarness, type Harness } from '../testing/harness.ts';
import { connectSchwab, setEngine } from '../engine/live-testing.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';

describe('trading router', () => {
  let h: Harness;
  let fake: FakeSchwab;
  let hash: string;
  const open: TestBrowser[] = [];
  let seq = 0;

  async function user(role: Role) {
    const username = `${role}${++seq}`;
    const u = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    return { id: u.id, b };
  }

  async function quote(symbol: string) {
    const [q] = await (await h.services.liveOrders.liveBroker()).quotes([symbol]);
    return q!;
  }

  const ticket = (over: Partial<TradingPlaceInput> = {}): TradingPlaceInput => ({
    symbol: 'AAPL',
    side: 'BUY',
    quantity: '2',
    orderType: 'MARKET',
    mode: 'live',
    idempotencyKey: randomUUID(),
    ...over,
  });

  const state = async () => ({
    intents: await h.services.prisma.orderIntent.count(),
    placed: fake.counters.orders.placed,
    trades: await h.services.prisma.liveTrade.count(),
  });

  beforeAll(async () => {
    fake = new FakeSchwab();
    await fake.start();
    h = await startHarness({
      LOGIN_RATE_LIMIT: '1000',
      SCHWAB_CLIENT_ID: fake.clientId,
      SCHWAB_CLIENT_SECRET: fake.clientSecret,
      SCHWAB_BASE_URL: fake.baseUrl,
      SCHWAB_CALLBACK_URL: fake.redirectUri,
    });
    hash = await connectSchwab(h.services.schwab.deps, fake, { sync: false });
  }, 180_000);
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
    await fake?.close();
  });
  beforeEach(async () => {
    await setEngine(h.db, 'live');
  });

  it('previews a ticket: cost at the ask, buying power after, warnings', async () => {
    const { b } = await user('trader');
    const q = await quote('AAPL');
    const preview = await b.client.trading.preview.mutate({ symbol: 'AAPL', side: 'BUY', quantity: '3', orderType: 'MARKET' });
    expect(preview.mode).toBe('live');
    expect(preview.price).toBe(q.ask!.toFixed());
    expect(preview.estimatedCost).toBe(q.ask!.times(3).toFixed(2));
    expect(new Decimal(preview.buyingPower!).minus(preview.estimatedCost).toFixed(2)).toBe(preview.buyingPowerAfter);
    expect(preview.refusal).toBeNull();
    const sell = await b.client.trading.preview.mutate({ symbol: 'AAPL', side: 'SELL', quantity: '1000', orderType: 'MARKET' });
    expect(sell.price).toBe(q.bid!.toFixed());
    expect(sell.warnings.map((w) => w.code)).toContain('SELL_MORE_THAN_HELD');
    const tooBig = await b.client.trading.preview.mutate({ symbol: 'AAPL', side: 'BUY', quantity: '100000', orderType: 'MARKET' });
    expect(tooBig.refusal).toBe('INSUFFICIENT_BUYING_POWER');
  });

  it('places a live order once per idempotency key, sequential and concurrent, and records its fill', async () => {
    const { b } = await user('trader');
    const before = fake.counters.orders.placed;
    const input = ticket();
    const first = await b.client.trading.place.mutate(input);
    expect(first).toMatchObject({ intentId: input.idempotencyKey, mode: 'live', source: 'manual', symbol: 'AAPL' });
    expect(first.brokerOrderId).not.toBeNull();
    const again = await b.client.trading.place.mutate(input);
    expect(again.brokerOrderId).toBe(first.brokerOrderId);
    expect(fake.counters.orders.placed).toBe(before + 1);
    await eventually(async () => expect(await h.services.prisma.liveTrade.count({ where: { intentId: input.idempotencyKey } })).toBe(1), 30_000);
    const trade = await h.services.prisma.liveTrade.findUniqueOrThrow({ where: { intentId: input.idempotencyKey } });
    expect(trade).toMatchObject({ strategy: 'manual', isPaper: false, orderId: first.brokerOrderId });
    expect((trade.details as { slippageBps: string | null }).slippageBps).not.toBeNull();

    const concurrent = ticket({ symbol: 'MSFT', quantity: '1' });
    const results = await Promise.all(Array.from({ length: 5 }, () => b.client.trading.place.mutate(concurrent)));
    expect(new Set(results.map((r) => r.brokerOrderId)).size).toBe(1);
    expect(fake.counters.orders.placed).toBe(before + 2);
    await eventually(async () => expect(await h.services.prisma.liveTrade.count({ where: { intentId: concurrent.idempotencyKey } })).toBe(1), 30_000);
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'trading.order_placed' } })).toBeGreaterThanOrEqual(7);
  });

  it('refuses a different order under a key already used, and changes nothing', async () => {
    const { b } = await user('trader');
    const input = ticket({ quantity: '1' });
    await b.client.trading.place.mutate(input);
    await eventually(async () => expect(await h.services.prisma.liveTrade.count({ where: { intentId: input.idempotencyKey } })).toBe(1), 30_000);
    const before = await state();
    const err = await failure(b.client.trading.place.mutate({ ...input, quantity: '5' }));
    expect([err.data?.code, reasonOf(err)]).toEqual(['CONFLICT', 'IDEMPOTENCY_CONFLICT']);
    const other = await user('trader');
    const stolen = await failure(other.b.client.trading.place.mutate(input));
    expect(reasonOf(stolen)).toBe('IDEMPOTENCY_CONFLICT');
    expect(await state()).toEqual(before);
  });

  it('lets a viewer list working orders and refuses every order action', async () => {
    const { b } = await user('viewer');
    expect(Array.isArray(await b.client.trading.orders.query())).toBe(true);
    const before = await state();
    for (const call of [
      () => b.client.trading.place.mutate(ticket()),
      () => b.client.trading.preview.mutate({ symbol: 'AAPL', side: 'BUY', quantity: '1', orderType: 'MARKET' }),
      () => b.client.trading.cancel.mutate({ intentId: randomUUID() }),
    ]) {
      expect((await failure(call())).data?.code).toBe('FORBIDDEN');
    }
    expect(await state()).toEqual(before);
  });

  it('needs a sign-in within 5 minutes to place', async () => {
    const { id, b } = await user('trader');
    await h.services.prisma.session.updateMany({ where: { userId: id }, data: { authTime: new Date(Date.now() - 6 * 60_000) } });
    const before = await state();
    expect(reasonOf(await failure(b.client.trading.place.mutate(ticket())))).toBe('REAUTH_REQUIRED');
    expect(await state()).toEqual(before);
  });

  it('refuses a ticket confirmed for the other mode, and live orders in paper mode', async () => {
    const { b } = await user('trader');
    const before = await state();
    expect(reasonOf(await failure(b.client.trading.place.mutate(ticket({ mode: 'paper' }))))).toBe('MODE_CHANGED');
    await setEngine(h.db, 'paper');
    const err = await failure(b.client.trading.place.mutate(ticket()));
    expect([err.data?.code, reasonOf(err)]).toEqual(['PRECONDITION_FAILED', 'NOT_LIVE_MODE']);
    // A paper ticket takes the paper path, never the broker: with no stored quote for it, it is refused.
    expect(reasonOf(await failure(b.client.trading.place.mutate(ticket({ mode: 'paper' }))))).toBe('NO_QUOTE');
    await setEngine(h.db, 'live', 'halted');
    expect(reasonOf(await failure(b.client.trading.place.mutate(ticket())))).toBe('ENGINE_HALTED');
    expect(await state()).toEqual(before);
  });

  it('refuses malformed, oversized and fractional tickets and a limit order without a price', async () => {
    const before = await state();
    const bad: unknown[] = [
      ticket({ quantity: '0' }),
      ticket({ quantity: '-1' }),
      ticket({ quantity: '1e3' }),
      ticket({ quantity: '1.123456789' }),
      ticket({ quantity: '1000001' }),
      ticket({ quantity: '9'.repeat(40) }),
      ticket({ quantity: 2 as unknown as string }),
      ticket({ symbol: 'aapl' }),
      ticket({ symbol: 'AAPL; DROP TABLE' }),
      ticket({ symbol: 'A'.repeat(5000) }),
      ticket({ orderType: 'LIMIT' }),
      ticket({ orderType: 'MARKET', limitPrice: '10' }),
      ticket({ orderType: 'LIMIT', limitPrice: '0' }),
      ticket({ orderType: 'LIMIT', limitPrice: '1.23456' }),
      ticket({ side: 'SHORT' as 'BUY' }),
      ticket({ idempotencyKey: 'not-a-uuid' }),
      { ...ticket(), accountHash: hash },
    ];
    let b = (await user('trader')).b;
    for (const [i, input] of bad.entries()) {
      // place is in the "sensitive" bucket (10 a minute per person): a new trader every few tickets.
      if (i > 0 && i % 8 === 0) b = (await user('trader')).b;
      const err = await failure(b.client.trading.place.mutate(input as TradingPlaceInput));
      expect([JSON.stringify(input).slice(0, 80), err.data?.code]).toEqual([JSON.stringify(input).slice(0, 80), 'BAD_REQUEST']);
    }
    const fractional = await failure(b.client.trading.place.mutate(ticket({ quantity: '0.5' })));
    expect(reasonOf(fractional)).toBe('WHOLE_SHARES_ONLY');
    expect(await state()).toEqual(before);
  });

  it('cancels a working live order at the broker and lists working orders', async () => {
    const { b } = await user('trader');
    const q = await quote('AAPL');
    const low = q.last.times('0.5').toDecimalPlaces(2).toFixed();
    const input = ticket({ orderType: 'LIMIT', limitPrice: low, quantity: '1' });
    const placed = await b.client.trading.place.mutate(input);
    expect(placed.status).toBe('working');
    const viewer = await user('viewer');
    expect((await viewer.b.client.trading.orders.query()).map((o) => o.intentId)).toContain(input.idempotencyKey);
    const cancelled = await b.client.trading.cancel.mutate({ intentId: input.idempotencyKey });
    expect(cancelled).toMatchObject({ status: 'cancelled', error: 'CANCELLED_BY_USER' });
    expect(fake.ordersOf(hash).find((o) => String(o.orderId) === placed.brokerOrderId)!.status).toBe('CANCELED');
    expect((await viewer.b.client.trading.orders.query()).map((o) => o.intentId)).not.toContain(input.idempotencyKey);
    const again = await failure(b.client.trading.cancel.mutate({ intentId: input.idempotencyKey }));
    expect(reasonOf(again)).toBe('ORDER_NOT_CANCELABLE');
    expect(reasonOf(await failure(b.client.trading.cancel.mutate({ intentId: randomUUID() })))).toBe('ORDER_NOT_FOUND');
  });
});
