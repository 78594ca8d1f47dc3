// The demo's seeding against the simulated broker over real HTTP and a real database: what
// the dashboard then shows agrees with the broker's own figures, the connection went through
// the login flow (tokens stored encrypted only), and a database with data is never seeded.
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { overview, performance, positions, trades } from '../dashboard/service.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { Keyring } from '../security/keyring.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';
import type { SyncDeps } from '../schwab/sync.ts';
import { dumpAllTables, encodings, fakeAccessTokens, fakeRefreshTokens, testDeps, TestClock } from '../schwab/testing.ts';
import { DEMO_USERNAME, DemoSeedError, seedDemo, type DemoSeedResult } from './seed.ts';

const keyring = Keyring.parse(`d1:${Buffer.alloc(32, 9).toString('base64')}`);

describe('demo seeding', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let deps: SyncDeps;
  let seeded: DemoSeedResult;
  // Wednesday 2026-03-11, noon in New York: a trading day, so "today" has a previous close.
  const clock = new TestClock(Date.parse('2026-03-11T16:00:00Z'));

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = new FakeSchwab({ now: () => clock.ms, redirectUri: 'https://localhost:8080/schwab/callback' });
    await fake.start();
    deps = testDeps({ db, keyring, fake, clock });
    deps = { ...deps, oauth: { ...deps.oauth!, redirectUri: fake.redirectUri } };
    seeded = await seedDemo(deps);
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  it('creates an admin whose printed password signs in, and connects through the login flow', async () => {
    expect(seeded.username).toBe(DEMO_USERNAME);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { username: DEMO_USERNAME } });
    expect(user.role).toBe('admin');
    expect((await verifyPassword(user.passwordHash, seeded.password)).ok).toBe(true);
    expect((await verifyPassword(user.passwordHash, `${seeded.password}x`)).ok).toBe(false);
    // A real login: the state was consumed and its verifier wiped; the fake saw one code exchange.
    const states = await db.prisma.oAuthState.findMany();
    expect(states).toHaveLength(1);
    expect(states[0]!.consumedAt).not.toBeNull();
    expect(states[0]!.codeVerifier).toBeNull();
    expect(fake.counters.token.authorization_code).toBe(1);
    expect((await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: 'primary' } })).connectedById).toBe(user.id);
    // Nothing the broker issued sits anywhere in the database in clear.
    const dump = await dumpAllTables(db);
    for (const secret of [...fakeRefreshTokens(fake), ...fakeAccessTokens(fake), seeded.password]) {
      for (const form of encodings(secret)) expect(dump).not.toContain(form);
    }
  });

  it("shows the broker's figures on the overview", async () => {
    const now = clock.now();
    const o = await overview(db.prisma, { now });
    const raw = await deps.broker.withClient((c) => c.accounts(), deps.client);
    const expected = raw.reduce((s, a) => s.plus(a.securitiesAccount.currentBalances.liquidationValue), new Decimal(0));
    expect(o.balancesSource).toBe('balances');
    expect(new Decimal(o.netLiquidation!).eq(expected)).toBe(true);
    expect(o.accounts.map((a) => a.numberLast4).sort()).toEqual(['4321', '8765']);
    expect(o.positionCount).toBe(3);
    // Day P&L against the seeded last close equals the broker's own per-position day P&L.
    const synced = await db.prisma.position.findMany();
    const brokerDay = synced.reduce((s, p) => s.plus(p.dayPnl!.toString()), new Decimal(0));
    expect(brokerDay.isZero()).toBe(false);
    expect(o.dayPnl).not.toBeNull();
    expect(new Decimal(o.dayPnl!).eq(brokerDay)).toBe(true);
    const p = await positions(db.sql, { now });
    expect(p.positions.map((x) => x.symbol).sort()).toEqual(['AAPL', 'MSFT', 'VTI']);
  });

  it('has a year of daily history without gaps, and trades with realized P&L', async () => {
    const perf = await performance(db.prisma, { spec: { range: '1y' }, benchmark: 'SPY' }, clock.now());
    expect(seeded.snapshots).toBeGreaterThan(2 * 250);
    expect(perf.series.length).toBeGreaterThan(250);
    expect(perf.gaps).toEqual([]);
    expect(perf.benchmark?.series.length).toBeGreaterThan(250);
    expect(perf.metrics.closedTrades).toBeGreaterThan(5);
    const page = await trades(db.sql, { limit: 200 });
    expect(page.items.length).toBe(seeded.trades);
    expect(page.items.some((t) => t.symbol === 'SPY' && t.side === 'SELL' && t.realizedPnl !== null)).toBe(true);
  });

  it('refuses to seed a database that already has data, changing nothing', async () => {
    const before = await db.prisma.performanceSnapshot.count();
    await expect(seedDemo(deps)).rejects.toBeInstanceOf(DemoSeedError);
    expect(await db.prisma.user.count()).toBe(1);
    expect(await db.prisma.performanceSnapshot.count()).toBe(before);
  });
});

describe('demo flag', () => {
  it('is off by default and refused in production', () => {
    expect(loadConfig({}, { persistDevSecrets: false }).DEMO).toBe(false);
    expect(loadConfig({ DEMO: 'true' }, { persistDevSecrets: false }).DEMO).toBe(true);
    const production = { NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz012345', ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, PUBLIC_URL: 'https://example.org' };
    expect(() => loadConfig(production)).not.toThrow();
    expect(() => loadConfig({ ...production, DEMO: 'true' })).toThrow(/DEMO=true is not allowed in production/);
  });
});
