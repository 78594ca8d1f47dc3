// Snapshots against the fake Schwab server over real HTTP and a real database: the close is
// written once however often (or however concurrently) it runs, stamped at 13:00 on a half
// day; missed days are rebuilt from the broker's bars; a day that cannot be rebuilt is
// recorded with why and shown by the performance read as a gap with that reason.
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from '../dashboard/service.ts';
import { createLogger } from '../logger.ts';
import { systemActor } from '../security/actor.ts';
import { Keyring } from '../security/keyring.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { dayOf } from '../schwab/fake/market.ts';
import { runSync, type SyncDeps } from '../schwab/sync.ts';
import { storeIssuedTokens, testDeps, TestClock } from '../schwab/testing.ts';
import { backfill, GAP_KEY_PREFIX, takeEndOfDaySnapshot, type SnapshotDeps } from './service.ts';
import { isEndOfDayMinute, nextEndOfDay, nextIntradayPoint } from './wiring.ts';

const keyring = Keyring.parse(`n1:${Buffer.alloc(32, 5).toString('base64')}`);
const actor = systemActor('snapshots.test');
const syncActor = { kind: 'system', name: 'system:schwab.sync' } as const;

describe('performance snapshots', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let schwab: SyncDeps;
  let deps: SnapshotDeps;
  const published: string[] = [];
  // Monday 2026-03-09, 16:10 New York (EDT since the day before).
  const clock = new TestClock(Date.parse('2026-03-09T20:10:00Z'));

  const rows = () => db.prisma.performanceSnapshot.findMany({ orderBy: [{ takenAt: 'asc' }, { accountHash: 'asc' }] });

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = new FakeSchwab({ now: () => clock.ms });
    await fake.start();
    schwab = testDeps({ db, keyring, fake, clock });
    await storeIssuedTokens(schwab, fake, clock);
    expect((await runSync(schwab, syncActor)).ok).toBe(true);
    deps = { prisma: db.prisma, schwab, logger: createLogger({ level: 'silent' }), now: clock.now, publish: (e) => void published.push(e.snapshotId) };
  }, 240_000); // a loaded machine: the first sync writes two years of bars
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  it('takes the close once: a second run writes nothing and changes nothing', async () => {
    const first = await takeEndOfDaySnapshot(deps, actor, { date: '2026-03-09' });
    expect(first).toEqual({ ok: true, date: '2026-03-09', written: 2, accounts: 2 });
    const before = await rows();
    expect(before.map((r) => r.takenAt.toISOString())).toEqual(['2026-03-09T20:00:00.000Z', '2026-03-09T20:00:00.000Z']);
    const accounts = await db.prisma.brokerageAccount.findMany({ orderBy: { accountHash: 'asc' } });
    expect(before.map((r) => r.equity.toString())).toEqual(accounts.map((a) => a.liquidationValue!.toString()));
    expect(published).toHaveLength(1);
    const second = await takeEndOfDaySnapshot(deps, actor, { date: '2026-03-09' });
    expect(second).toMatchObject({ ok: true, written: 0 });
    expect(await rows()).toEqual(before);
    expect(published).toHaveLength(1);
  });

  it('writes one row per account when two runs race', async () => {
    await db.prisma.performanceSnapshot.deleteMany();
    await Promise.all([takeEndOfDaySnapshot(deps, actor, { date: '2026-03-09' }), takeEndOfDaySnapshot(deps, actor, { date: '2026-03-09' }), takeEndOfDaySnapshot(deps, actor, { date: '2026-03-09' })]);
    expect(await rows()).toHaveLength(2);
  });

  it('runs at 16:15 New York, 13:15 on a half day, never on a holiday or weekend', () => {
    expect(isEndOfDayMinute(new Date('2026-03-09T20:15:00Z'))).toBe(true); // EDT
    expect(isEndOfDayMinute(new Date('2026-03-06T21:15:00Z'))).toBe(true); // EST, the Friday before
    expect(isEndOfDayMinute(new Date('2026-03-09T20:16:00Z'))).toBe(false);
    expect(isEndOfDayMinute(new Date('2026-11-27T18:15:00Z'))).toBe(true); // day after Thanksgiving
    expect(isEndOfDayMinute(new Date('2026-11-27T21:15:00Z'))).toBe(false);
    expect(isEndOfDayMinute(new Date('2026-11-26T21:15:00Z'))).toBe(false); // Thanksgiving
    expect(isEndOfDayMinute(new Date('2026-03-07T21:15:00Z'))).toBe(false); // Saturday
    // The scheduler's next times: Wednesday before Thanksgiving → the half day after it; a Friday evening → Monday.
    expect(nextEndOfDay(new Date('2026-11-25T22:00:00Z')).toISOString()).toBe('2026-11-27T18:15:00.000Z');
    expect(nextEndOfDay(new Date('2026-03-06T21:15:00Z')).toISOString()).toBe('2026-03-09T20:15:00.000Z');
    expect(nextIntradayPoint(new Date('2026-03-06T21:01:00Z')).toISOString()).toBe('2026-03-09T13:30:00.000Z');
    expect(nextIntradayPoint(new Date('2026-03-09T14:02:00Z')).toISOString()).toBe('2026-03-09T14:05:00.000Z');
  });

  it('does not take balances of another day as the close, and records why', async () => {
    const res = await takeEndOfDaySnapshot(deps, actor, { date: '2026-03-10' });
    expect(res).toEqual({ ok: false, date: '2026-03-10', reason: 'stale_balances' });
    expect(await db.prisma.performanceSnapshot.count({ where: { takenAt: { gt: new Date('2026-03-10T00:00:00Z') } } })).toBe(0);
    const gap = await db.prisma.systemState.findUniqueOrThrow({ where: { key: `${GAP_KEY_PREFIX}2026-03-10` } });
    expect(gap.value).toMatchObject({ reason: 'stale_balances', actor: 'system:snapshots.test' });
  });

  it('records the days it cannot fill with the reason, and the performance read shows them as gaps', async () => {
    clock.ms = Date.parse('2026-03-12T14:00:00Z'); // Thursday morning: Tuesday and Wednesday were missed
    fake.failNext('server_error', 500);
    const res = await backfill(deps, actor);
    fake.clearFaults();
    expect(res).toEqual({ filled: [], gaps: [{ date: '2026-03-10', reason: 'schwab_unavailable' }, { date: '2026-03-11', reason: 'schwab_unavailable' }] });
    expect(await rows()).toHaveLength(2);
    const perf = await performance(db.prisma, { spec: { from: '2026-03-02', to: '2026-03-12' } }, clock.now());
    expect(perf.gaps).toEqual([
      { from: '2026-03-10', to: '2026-03-10', reason: 'unfilled', detail: 'Schwab unavailable' },
      { from: '2026-03-11', to: '2026-03-11', reason: 'unfilled', detail: 'Schwab unavailable' },
    ]);
  });

  it("fills missed days from the broker's daily bars, and the gaps go", async () => {
    const res = await backfill(deps, actor);
    expect(res).toEqual({ filled: ['2026-03-10', '2026-03-11'], gaps: [] });
    // Each day valued independently here: today's holdings and cash at that day's fake close.
    const accounts = await db.prisma.brokerageAccount.findMany();
    const positions = await db.prisma.position.findMany();
    for (const date of ['2026-03-10', '2026-03-11']) {
      const day = dayOf(Date.parse(`${date}T12:00:00Z`));
      for (const a of accounts) {
        const expected = positions
          .filter((p) => p.accountHash === a.accountHash)
          .reduce((s, p) => s.plus(new Decimal(p.quantity.toString()).times(fake.market.bars(p.symbol, day, day)[0]!.close).div(100)), new Decimal(a.cash!.toString()));
        const row = await db.prisma.performanceSnapshot.findFirstOrThrow({ where: { accountHash: a.accountHash, takenAt: new Date(`${date}T20:00:00Z`) } });
        expect(row.equity.toString()).toBe(expected.toFixed());
      }
    }
    expect(await db.prisma.systemState.count({ where: { key: { startsWith: GAP_KEY_PREFIX } } })).toBe(0);
    const perf = await performance(db.prisma, { spec: { from: '2026-03-02', to: '2026-03-12' } }, clock.now());
    expect(perf.gaps).toEqual([]);
    expect(perf.series.map((p) => p.date)).toEqual(['2026-03-09', '2026-03-10', '2026-03-11']);
    // Nothing left to do: a second backfill fills nothing.
    expect(await backfill(deps, actor)).toEqual({ filled: [], gaps: [] });
  });

  it('stamps a half day at 13:00 New York', async () => {
    clock.ms = Date.parse('2026-11-27T18:16:00Z');
    await storeIssuedTokens(schwab, fake, clock);
    expect((await runSync(schwab, syncActor)).ok).toBe(true);
    const res = await takeEndOfDaySnapshot(deps, actor, { date: '2026-11-27' });
    expect(res).toMatchObject({ ok: true, written: 2 });
    expect(await db.prisma.performanceSnapshot.count({ where: { takenAt: new Date('2026-11-27T18:00:00Z') } })).toBe(2);
  });
});
