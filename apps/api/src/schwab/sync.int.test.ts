// Sync against the fake Schwab over real HTTP with a real database: exact amounts, account
// numbers reduced to hash + last four, positions that are sold disappear, trades recorded
// once by order id, a 429 waited out, and a failure that writes nothing and is reported.
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../security/keyring.ts';
import { FakeSchwab } from './fake/server.ts';
import type { SchwabLiveEvent } from './settings.ts';
import { Prisma } from '@jutsu/db';
import { BALANCES_KEY_PREFIX, runSync, type SyncDeps } from './sync.ts';
import { storeIssuedTokens, testDeps, TestClock } from './testing.ts';

const keyring = Keyring.parse(`s1:${Buffer.alloc(32, 3).toString('base64')}`);
const actor = { kind: 'system', name: 'system:schwab.sync' } as const;

describe('Schwab sync', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let deps: SyncDeps;
  const published: SchwabLiveEvent[] = [];
  const sleeps: number[] = [];
  const clock = new TestClock();

  const snapshot = async () => ({
    accounts: await db.prisma.brokerageAccount.findMany({ orderBy: { accountHash: 'asc' } }),
    positions: await db.prisma.position.findMany({ orderBy: [{ accountHash: 'asc' }, { symbol: 'asc' }] }),
    trades: await db.prisma.liveTrade.findMany({ orderBy: { id: 'asc' } }),
    bars: await db.prisma.marketData.count(),
    state: await db.prisma.systemState.findMany({ where: { key: { startsWith: 'schwab.balances.' } }, orderBy: { key: 'asc' } }),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = new FakeSchwab({ now: () => clock.ms });
    await fake.start();
    deps = { ...testDeps({ db, keyring, fake, clock, published }), client: { sleep: async (ms) => void sleeps.push(ms), random: () => 0 } };
    await storeIssuedTokens(deps, fake, clock);
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  it('stores accounts as hash and last four, exact balances and positions, quotes and daily bars', async () => {
    const result = await runSync(deps, actor);
    expect(result).toMatchObject({ ok: true, accounts: 2, positions: 3, trades: 0 });
    const s = await snapshot();
    expect(s.accounts.map((a) => a.numberLast4).sort()).toEqual(['4321', '8765']);
    expect(s.accounts.map((a) => a.accountHash).sort()).toEqual(fake.accountList().map((a) => a.hashValue).sort());
    expect(JSON.stringify(await db.sql.query('SELECT * FROM brokerage_accounts'))).not.toMatch(/10004321|20008765/);
    expect(s.positions.map((p) => [p.symbol, p.quantity.toString()]).sort()).toEqual([
      ['AAPL', '50'],
      ['MSFT', '20'],
      ['VTI', '30'],
    ]);
    // Amounts as Schwab wrote them: the stored balance is the text of the fake's JSON number.
    const margin = fake.accountList().find((a) => a.accountNumber.endsWith('4321'))!;
    const raw = await deps.broker.withClient((c) => c.account(margin.hashValue));
    const stored = (await db.prisma.systemState.findUniqueOrThrow({ where: { key: `${BALANCES_KEY_PREFIX}${margin.hashValue}` } })).value as Record<string, string>;
    expect(stored.liquidationValue).toBe(raw.securitiesAccount.currentBalances.liquidationValue);
    expect(stored.cash).toBe('100000');
    expect(stored.buyingPower).toBe('200000');
    expect(Object.keys(stored).sort()).toEqual(['accountType', 'at', 'buyingPower', 'cash', 'equity', 'liquidationValue', 'longMarketValue']);
    // The same balances where the dashboard's overview reads them.
    const row = await db.prisma.brokerageAccount.findUniqueOrThrow({ where: { accountHash: margin.hashValue } });
    expect(row.liquidationValue?.toString()).toBe(new Prisma.Decimal(raw.securitiesAccount.currentBalances.liquidationValue).toString());
    expect(row.buyingPower?.toString()).toBe('200000');
    expect(row.balancesAt).not.toBeNull();
    const aapl = s.positions.find((p) => p.symbol === 'AAPL')!;
    expect(aapl.marketValue.toString()).toBe(raw.securitiesAccount.positions.find((p) => p.instrument.symbol === 'AAPL')!.marketValue);
    const quotes = (await db.prisma.systemState.findUniqueOrThrow({ where: { key: 'schwab.quotes' } })).value as Record<string, { last: string }>;
    expect(Object.keys(quotes).sort()).toEqual(['AAPL', 'MSFT', 'VTI']);
    for (const symbol of ['SPY', 'QQQ']) expect(await db.prisma.marketData.count({ where: { symbol, timeframe: '1d' } })).toBeGreaterThan(400);
    expect(published.map((e) => e.type)).toEqual(expect.arrayContaining(['balances.changed', 'positions.changed', 'schwab.status_changed']));
  });

  it('records fills once by order id and removes positions no longer held', async () => {
    const margin = fake.accountList().find((a) => a.accountNumber.endsWith('4321'))!;
    const order = (instruction: 'BUY' | 'SELL', symbol: string, quantity: string) => ({
      session: 'NORMAL' as const,
      duration: 'DAY' as const,
      orderType: 'MARKET' as const,
      orderStrategyType: 'SINGLE' as const,
      orderLegCollection: [{ instruction, quantity, instrument: { symbol, assetType: 'EQUITY' as const } }],
    });
    const sold = await deps.broker.withClient((c) => c.placeOrder(margin.hashValue, order('SELL', 'MSFT', '20')));
    const bought = await deps.broker.withClient((c) => c.placeOrder(margin.hashValue, order('BUY', 'SPY', '3')));
    published.length = 0;
    const first = await runSync(deps, actor);
    expect(first).toMatchObject({ ok: true, trades: 2 });
    expect(published.map((e) => e.type)).toContain('trade.recorded');
    const s = await snapshot();
    expect(s.positions.map((p) => p.symbol).sort()).toEqual(['AAPL', 'SPY', 'VTI']);
    expect(s.trades.map((t) => [t.orderId, t.side, t.symbol, t.quantity.toString(), t.status])).toEqual(
      expect.arrayContaining([
        [sold.orderId, 'sell', 'MSFT', '20', 'filled'],
        [bought.orderId, 'buy', 'SPY', '3', 'filled'],
      ]),
    );
    const fill = await deps.broker.withClient((c) => c.order(margin.hashValue, bought.orderId));
    expect(s.trades.find((t) => t.orderId === bought.orderId)!.price.toString()).toBe(fill.orderActivityCollection![0]!.executionLegs[0]!.price);
    published.length = 0;
    expect(await runSync(deps, actor)).toMatchObject({ ok: true, trades: 2 });
    expect((await snapshot()).trades).toEqual(s.trades);
    expect(published.map((e) => e.type)).not.toContain('trade.recorded');
  });

  it('records trade activity whose order left the order window, once, under the same order id', async () => {
    const before = await db.prisma.liveTrade.findMany({ orderBy: { orderId: 'asc' } });
    expect(before.length).toBe(2);
    // Forget them, and let 35 days pass: the orders are out of the 30-day window now.
    await db.prisma.liveTrade.deleteMany();
    clock.advance(35 * 24 * 60 * 60 * 1000);
    await storeIssuedTokens(deps, fake, clock);
    expect(await runSync(deps, actor)).toMatchObject({ ok: true, trades: 2 });
    const after = await db.prisma.liveTrade.findMany({ orderBy: { orderId: 'asc' } });
    expect(after.map((t) => [t.orderId, t.side, t.symbol, t.quantity.toString(), t.price.toString(), t.executedAt.toISOString()])).toEqual(
      before.map((t) => [t.orderId, t.side, t.symbol, t.quantity.toString(), t.price.toString(), t.executedAt.toISOString()]),
    );
    expect(after.map((t) => (t.details as { source: string }).source)).toEqual(['schwab.transaction', 'schwab.transaction']);
    expect(await runSync(deps, actor)).toMatchObject({ ok: true, trades: 2 });
    expect(await db.prisma.liveTrade.count()).toBe(2);
  });

  it('waits out a 429 for its Retry-After and completes', async () => {
    sleeps.length = 0;
    fake.failNext('rate_limit', 1, { retryAfterSeconds: 2 });
    expect(await runSync(deps, actor)).toMatchObject({ ok: true });
    expect(sleeps).toContain(2000);
  });

  it('reports a failure as a typed result and an event, and writes nothing', async () => {
    const margin = fake.accountList().find((a) => a.accountNumber.endsWith('4321'))!;
    await deps.broker.withClient((c) =>
      c.placeOrder(margin.hashValue, {
        session: 'NORMAL',
        duration: 'DAY',
        orderType: 'MARKET',
        orderStrategyType: 'SINGLE',
        orderLegCollection: [{ instruction: 'SELL', quantity: '50', instrument: { symbol: 'AAPL', assetType: 'EQUITY' } }],
      }),
    );
    const before = await snapshot();
    fake.failNext('server_error', 50);
    expect(await runSync(deps, { kind: 'user', userId: '0190a5b2-0000-7000-8000-000000000001' })).toEqual({ ok: false, error: 'SCHWAB_UNAVAILABLE' });
    fake.clearFaults();
    fake.failNext('bad_response', 1);
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_BAD_RESPONSE' });
    expect(await snapshot()).toEqual(before); // AAPL was sold at Schwab, but nothing half-synced
    const events = await db.prisma.securityEvent.findMany({ where: { type: 'schwab.sync_failed' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.severity, (e.details as { error: string }).error])).toEqual([
      ['warning', 'SCHWAB_UNAVAILABLE'],
      ['warning', 'SCHWAB_BAD_RESPONSE'],
    ]);
    const state = (await db.prisma.systemState.findUniqueOrThrow({ where: { key: 'schwab.sync' } })).value as { lastError: string };
    expect(state.lastError).toBe('SCHWAB_BAD_RESPONSE');
    // Recovers on the next run.
    expect(await runSync(deps, actor)).toMatchObject({ ok: true });
    expect((await snapshot()).positions.map((p) => p.symbol)).not.toContain('AAPL');
  });

  it('answers not connected without tokens', async () => {
    await db.prisma.schwabToken.deleteMany();
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_NOT_CONNECTED' });
  });
});
