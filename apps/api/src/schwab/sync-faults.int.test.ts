// A sync while the fake Schwab fails part-way: a 500 after the first accounts were read, a call
// that hangs until the client's timeout, a token refresh that hangs, and a refused token (401,
// then invalid_grant). Each is a typed result and an event, never a throw, and none leaves a
// row half-written: the database is exactly as before, although Schwab's state had changed.
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keyring } from '../security/keyring.ts';
import type { SecurityEvents, StoredSecurityEvent } from '../security/security-events.ts';
import { FakeSchwab } from './fake/server.ts';
import { runSync, type SyncDeps } from './sync.ts';
import { storeIssuedTokens, testDeps, TestClock } from './testing.ts';
import { TOKEN_ROW_ID } from './token-broker.ts';

const keyring = Keyring.parse(`s1:${Buffer.alloc(32, 5).toString('base64')}`);
const actor = { kind: 'system', name: 'system:schwab.sync' } as const;

describe('Schwab sync under faults', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let deps: SyncDeps;
  const clock = new TestClock();
  const alerted: StoredSecurityEvent[] = [];
  let margin: string;
  let cash: string;

  /** Every row a sync writes, in full. */
  const snapshot = async () => ({
    accounts: await db.prisma.brokerageAccount.findMany({ orderBy: { accountHash: 'asc' } }),
    positions: await db.prisma.position.findMany({ orderBy: [{ accountHash: 'asc' }, { symbol: 'asc' }] }),
    trades: await db.prisma.liveTrade.findMany({ orderBy: { id: 'asc' } }),
    bars: await db.prisma.marketData.count(),
    lastBar: await db.prisma.marketData.findFirst({ orderBy: { ts: 'desc' } }),
    state: await db.prisma.systemState.findMany({ where: { key: { startsWith: 'schwab.' }, NOT: { key: 'schwab.sync' } }, orderBy: { key: 'asc' } }),
  });
  const failures = async () =>
    (await db.prisma.securityEvent.findMany({ where: { type: 'schwab.sync_failed' }, orderBy: { id: 'asc' } })).map((e) => (e.details as { error: string }).error);

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = new FakeSchwab({ now: () => clock.ms });
    await fake.start();
    deps = { ...testDeps({ db, keyring, fake, clock }), client: { sleep: async () => undefined, random: () => 0, timeoutMs: 400 } };
    // As in the server: every critical event goes to the alert outbox.
    (deps.events as SecurityEvents).onEvent((e) => {
      if (e.severity === 'critical') alerted.push(e);
    });
    // The token endpoint too gives up quickly (the broker's OAuth settings are this object).
    Object.assign(deps.oauth!, { timeoutMs: 400 });
    await storeIssuedTokens(deps, fake, clock);
    expect(await runSync(deps, actor)).toMatchObject({ ok: true, accounts: 2 });
    [margin, cash] = fake.accountList().map((a) => a.hashValue) as [string, string];
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });
  beforeEach(async () => {
    fake.clearFaults();
    // Schwab moves on between syncs: a fill that a half-written sync would show in part.
    await deps.broker.withClient((c) =>
      c.placeOrder(margin, {
        session: 'NORMAL',
        duration: 'DAY',
        orderType: 'MARKET',
        orderStrategyType: 'SINGLE',
        orderLegCollection: [{ instruction: 'BUY', quantity: '1', instrument: { symbol: 'SPY', assetType: 'EQUITY' } }],
      }),
    );
    clock.advance(60_000);
  });

  it('a 500 on the second account, after the first was read, writes nothing', async () => {
    const before = await snapshot();
    const calls = fake.counters.api;
    fake.failNext('server_error', 20, { path: `/trader/v1/accounts/${cash}/orders` });
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_UNAVAILABLE' });
    expect(fake.counters.api - calls).toBeGreaterThan(4); // accounts and the first account's orders were read
    expect(await snapshot()).toEqual(before);
    expect((await failures()).at(-1)).toBe('SCHWAB_UNAVAILABLE');
  });

  it('a call that hangs times out into a typed failure and writes nothing', async () => {
    const before = await snapshot();
    const started = Date.now();
    // Every attempt at the bars hangs; the quotes before them were read.
    fake.failNext('hang', 20, { path: '/marketdata/v1/pricehistory' });
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await snapshot()).toEqual(before);
    expect((await failures()).at(-1)).toBe('SCHWAB_UNAVAILABLE');
  });

  it('a token refresh that hangs fails the sync, records why, and keeps the login', async () => {
    await storeIssuedTokens(deps, fake, clock, 60_000); // under five minutes left: the sync refreshes first
    const before = await snapshot();
    fake.failNext('hang', 1, { scope: 'token' });
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_UNAVAILABLE' });
    expect(await snapshot()).toEqual(before);
    const row = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    expect([row.lastError, row.reauthRequiredAt]).toEqual(['SCHWAB_UNAVAILABLE', null]);
    expect(await db.prisma.securityEvent.count({ where: { type: 'schwab.refresh_failed', severity: 'warning' } })).toBe(1);
    // Not a lost login: the next sync refreshes and completes.
    expect(await runSync(deps, actor)).toMatchObject({ ok: true });
  });

  it('a refused token mid-sync (401, then invalid_grant on the refresh) asks for a new login, alerts, and writes nothing', async () => {
    const before = await snapshot();
    fake.failNext('unauthorized', 1, { path: '/marketdata/v1/quotes' });
    fake.failNext('unauthorized', 1, { scope: 'token' });
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_REAUTH_REQUIRED' });
    expect(await snapshot()).toEqual(before);
    expect((await failures()).at(-1)).toBe('SCHWAB_REAUTH_REQUIRED');
    const reauth = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'schwab.reauth_required' } });
    expect(reauth.severity).toBe('critical');
    expect(alerted.map((e) => e.type)).toContain('schwab.reauth_required');
    expect((await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } })).reauthRequiredAt).not.toBeNull();
    // Nothing is tried at Schwab again until a new login.
    const calls = { ...fake.counters.token, api: fake.counters.api };
    expect(await runSync(deps, actor)).toEqual({ ok: false, error: 'SCHWAB_REAUTH_REQUIRED' });
    expect({ ...fake.counters.token, api: fake.counters.api }).toEqual(calls);
    expect(await snapshot()).toEqual(before);
    // A new login, and the sync catches up with everything Schwab did meanwhile.
    await storeIssuedTokens(deps, fake, clock);
    expect(await runSync(deps, actor)).toMatchObject({ ok: true, accounts: 2 });
    const after = await snapshot();
    expect(after.trades.length).toBe(fake.ordersOf(margin).length); // every fill at Schwab, once each
    expect(new Set(after.trades.map((t) => t.orderId)).size).toBe(after.trades.length);
  });
});
