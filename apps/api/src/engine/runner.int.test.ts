// Strategy runs in paper mode end to end, on a real database: the quotes are the ones the
// Schwab sync stores, the paper account lives in its tables, and the clock is injected so
// market hours are decided by the calendar, not by when the test runs.
import Decimal from 'decimal.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type PrismaClient } from '@jutsu/db';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '@jutsu/db/testing';
import type { EngineMode, EngineState } from '@jutsu/shared';
import { LiveBus } from '../http/live-bus.ts';
import { createLogger } from '../logger.ts';
import { QUOTES_KEY } from '../schwab/sync.ts';
import { systemActor, type Actor } from '../security/actor.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { PAPER_ACCOUNT_HASH, PaperBroker, storedQuoteSource } from './paper-broker.ts';
import { LOSS_GUARD_ACTOR, listRuns, runEngine, type RunnerDeps } from './runner.ts';
import { ENGINE_MODE_KEY, ENGINE_STATE_KEY } from './state-store.ts';

const logger = createLogger({ level: 'silent' });
const ACTOR = systemActor('engine.run');
/** Tuesday 10 March 2026, 11:00 in New York (EDT). */
const OPEN = new Date('2026-03-10T15:00:00Z');

// One database for the file (creating one is slow on a loaded machine); each test starts from
// empty engine, paper-account and trade tables.
let shared: TestDatabase;
beforeAll(async () => {
  shared = await createTestDatabase();
}, 300_000);
afterAll(async () => {
  await shared?.destroy();
});
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const TABLES = ['engine_runs', 'order_intents', 'live_trades', 'positions', 'brokerage_accounts', 'system_state', 'config_overrides', 'live_events'];

interface World {
  db: TestDatabase;
  prisma: PrismaClient;
  clock: { now: Date };
  trips: { actor: Actor; reason: string }[];
  deps: RunnerDeps;
  depsOn(db: Database): RunnerDeps;
  quotes(q: Record<string, [last: string, bid: string, ask: string]>, at?: Date): Promise<void>;
  engine(state: EngineState, mode?: EngineMode): Promise<void>;
  config(values: Record<string, unknown>): Promise<void>;
}

async function world(): Promise<World> {
  const db = shared;
  await db.sql.exec(`TRUNCATE ${TABLES.join(', ')}`);
  const clock = { now: OPEN };
  const trips: World['trips'] = [];
  const depsOn = (d: Database): RunnerDeps => {
    const paper = new PaperBroker({ prisma: d.prisma, quoteSource: storedQuoteSource(d.prisma), now: () => clock.now });
    return {
      prisma: d.prisma,
      sql: d.sql,
      brokerFor: (mode) => (mode === 'paper' ? paper : Promise.reject(new Error('no live broker in this test'))),
      tripKillSwitch: async (actor, reason) => {
        trips.push({ actor, reason });
      },
      securityEvents: new SecurityEvents(d.prisma, { secretKey: 'k'.repeat(64), logger }),
      liveBus: new LiveBus(d.sql, logger),
      now: () => clock.now,
      logger,
    };
  };
  const w: World = {
    db,
    prisma: db.prisma,
    clock,
    trips,
    deps: depsOn(db),
    depsOn,
    async quotes(q, at = clock.now) {
      const value = Object.fromEntries(Object.entries(q).map(([s, [last, bid, ask]]) => [s, { last, bid, ask, close: last, at: at.toISOString() }]));
      await db.prisma.systemState.upsert({ where: { key: QUOTES_KEY }, create: { key: QUOTES_KEY, value }, update: { value } });
    },
    async engine(state, mode = 'paper') {
      for (const [key, value] of [
        [ENGINE_STATE_KEY, { state, since: clock.now.toISOString(), reason: 'test', changedBy: 'user:test' }],
        [ENGINE_MODE_KEY, { mode }],
      ] as const) {
        await db.prisma.systemState.upsert({ where: { key }, create: { key, value }, update: { value } });
      }
    },
    async config(values) {
      for (const [key, value] of Object.entries(values)) {
        await db.prisma.configOverride.upsert({ where: { key }, create: { key, value: value as never }, update: { value: value as never } });
      }
    },
  };
  await w.engine('running');
  await w.quotes({ SPY: ['500', '499.90', '500.10'], QQQ: ['400', '399.80', '400.20'] });
  return w;
}

/** Orders large enough to reach the targets in one run. */
const WIDE = { 'strategy.max_order_usd': '1000000', 'guards.max_position_weight_pct': '100', 'guards.max_daily_notional_usd': '10000000' };

async function counts(prisma: PrismaClient) {
  const [intents, trades, runs] = await Promise.all([prisma.orderIntent.count(), prisma.liveTrade.count(), prisma.engineRun.count()]);
  return { intents, trades, runs };
}

async function paperCash(prisma: PrismaClient): Promise<string> {
  const a = await prisma.brokerageAccount.findUniqueOrThrow({ where: { accountHash: PAPER_ACCOUNT_HASH } });
  return new Decimal(a.cash!.toString()).toString();
}

describe('engine runs (paper)', { timeout: 240_000 }, () => {
  it('buys toward the targets, records paper trades against their intents, and a second run right after does nothing', async () => {
    const w = await world();
    await w.config(WIDE);
    const r = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(r).toMatchObject({ status: 'completed', mode: 'paper', refusal: null });
    // 60,000 / 500.10 → 119 SPY; 30,000 / 400.20 → 74 QQQ; filled at the ask + 5 bps.
    expect(r.intents.map((i) => [i.symbol, i.side, i.quantity, i.status, i.averageFillPrice])).toEqual([
      ['SPY', 'BUY', '119', 'filled', '500.35005'],
      ['QQQ', 'BUY', '74', 'filled', '400.4001'],
    ]);
    const trades = await w.prisma.liveTrade.findMany({ orderBy: { symbol: 'asc' } });
    expect(trades.map((t) => [t.symbol, t.side, t.quantity.toString(), t.price.toString(), t.isPaper, t.strategy, t.status, t.intendedPrice?.toString()])).toEqual([
      ['QQQ', 'buy', '74', '400.4001', true, 'rebalancer', 'filled', '400.2'],
      ['SPY', 'buy', '119', '500.35005', true, 'rebalancer', 'filled', '500.1'],
    ]);
    const intents = await w.prisma.orderIntent.findMany();
    expect(new Set(trades.map((t) => t.intentId))).toEqual(new Set(intents.map((i) => i.id)));
    expect(intents.every((i) => i.mode === 'paper' && i.runId === r.runId && i.source === 'engine')).toBe(true);
    // 100,000 − 119 × 500.35005 − 74 × 400.4001, exactly.
    expect(await paperCash(w.prisma)).toBe('10828.73665');
    const positions = await w.prisma.position.findMany({ where: { isPaper: true }, orderBy: { symbol: 'asc' } });
    expect(positions.map((p) => [p.symbol, p.quantity.toString(), p.accountHash])).toEqual([
      ['QQQ', '74', PAPER_ACCOUNT_HASH],
      ['SPY', '119', PAPER_ACCOUNT_HASH],
    ]);
    const events = await w.db.sql.query<{ type: string; payload: { status?: string; filled?: number } }>('SELECT type, payload FROM live_events ORDER BY id');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['engine.run_finished', 'trades.changed']));
    expect(events.find((e) => e.type === 'engine.run_finished')?.payload).toMatchObject({ status: 'completed', filled: 2 });

    w.clock.now = new Date(OPEN.getTime() + 60_000);
    const again = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(again).toMatchObject({ status: 'completed', intents: [] });
    expect(again.notes.join('\n')).toMatch(/SPY: weight 59.5\d % is within 5 pp/);
    expect(await counts(w.prisma)).toEqual({ intents: 2, trades: 2, runs: 2 });
  });

  it('the test-only open market lifts the market-hours guard and nothing else', async () => {
    const w = await world();
    await w.config(WIDE);
    w.clock.now = new Date('2026-03-14T15:00:00Z'); // a Saturday
    await w.quotes({ SPY: ['500', '499.90', '500.10'], QQQ: ['400', '399.80', '400.20'] });
    const open = { ...w.deps, marketAlwaysOpen: true };
    const r = await runEngine(open, ACTOR, { trigger: 'manual', dryRun: false });
    expect(r).toMatchObject({ status: 'completed', refusal: null });
    expect(r.intents.map((i) => i.status)).toEqual(['filled', 'filled']);
    // Stale quotes are still refused.
    w.clock.now = new Date(w.clock.now.getTime() + 3_600_000);
    expect(await runEngine(open, ACTOR, { trigger: 'manual', dryRun: false })).toMatchObject({ status: 'refused', refusal: 'STALE_DATA' });
  });

  it('market closed, stale data and the daily loss limit each stop a run with their reason', async () => {
    const w = await world();
    await w.config(WIDE);

    w.clock.now = new Date('2026-03-14T15:00:00Z'); // a Saturday
    const closed = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(closed).toMatchObject({ status: 'refused', refusal: 'MARKET_CLOSED' });
    expect(closed.detail).toMatch(/weekend/);

    w.clock.now = OPEN;
    await w.quotes({ SPY: ['500', '499.90', '500.10'], QQQ: ['400', '399.80', '400.20'] }, new Date(OPEN.getTime() - 121_000));
    const stale = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(stale).toMatchObject({ status: 'refused', refusal: 'STALE_DATA' });
    expect(stale.detail).toMatch(/the quote for QQQ is 121 s old/);
    await w.quotes({ SPY: ['500', '499.90', '500.10'] });
    expect(await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false })).toMatchObject({ refusal: 'STALE_DATA', detail: 'no quote for QQQ' });
    expect(await counts(w.prisma)).toMatchObject({ intents: 0, trades: 0 });

    // The day opened at 100,000 (the first look of the day). Buy, then the market falls ~9 %.
    await w.quotes({ SPY: ['500', '499.90', '500.10'], QQQ: ['400', '399.80', '400.20'] });
    expect(await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false })).toMatchObject({ status: 'completed' });
    w.clock.now = new Date(OPEN.getTime() + 30 * 60_000);
    await w.quotes({ SPY: ['450', '449.90', '450.10'], QQQ: ['360', '359.90', '360.10'] });
    const loss = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(loss).toMatchObject({ status: 'refused', refusal: 'DAILY_LOSS_LIMIT' });
    // 10,828.73665 + 119 × 450 + 74 × 360 = 91,018.73665: −8,981.26 = 8.98 % of 100,000.
    expect(loss.detail).toMatch(/loss of \$8981.26 is 8.98 %/);
    expect(w.trips).toHaveLength(1);
    expect(w.trips[0]!.actor).toEqual(LOSS_GUARD_ACTOR);
    expect(w.trips[0]!.reason).toContain(loss.runId!);
    expect(await counts(w.prisma)).toMatchObject({ intents: 2, trades: 2 });
    const rows = await listRuns(w.prisma, { limit: 50, includeDryRuns: true });
    expect(rows.map((x) => String(x.refusal)).sort()).toEqual(['DAILY_LOSS_LIMIT', 'MARKET_CLOSED', 'STALE_DATA', 'STALE_DATA', 'null']);
  });

  it('a kill switch that cannot be tripped still refuses the run and raises a critical event', async () => {
    const w = await world();
    await w.config(WIDE);
    await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    await w.quotes({ SPY: ['400', '399.90', '400.10'], QQQ: ['300', '299.90', '300.10'] });
    const deps: RunnerDeps = { ...w.deps, tripKillSwitch: () => Promise.reject(new Error('down')) };
    expect(await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false })).toMatchObject({ status: 'refused', refusal: 'DAILY_LOSS_LIMIT' });
    const ev = await w.prisma.securityEvent.findMany({ where: { type: 'engine.kill_switch_failed' } });
    expect(ev.map((e) => e.severity)).toEqual(['critical']);
  });

  it('refuses a run while the engine is not running (ENGINE_NOT_RUNNING), writing only the run row', async () => {
    const w = await world();
    for (const state of ['stopped', 'halted', 'halted_auth'] as const) {
      await w.engine(state);
      expect(await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false })).toMatchObject({ status: 'refused', refusal: 'ENGINE_NOT_RUNNING' });
    }
    expect(await counts(w.prisma)).toEqual({ intents: 0, trades: 0, runs: 3 });
  });

  it('a live run is a security event (here refused: the market is closed), a paper run is not', async () => {
    const w = await world();
    w.clock.now = new Date('2026-03-14T15:00:00Z');
    await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(await w.prisma.securityEvent.count({ where: { type: 'engine.run' } })).toBe(0);
    await w.engine('running', 'live');
    const r = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(r).toMatchObject({ mode: 'live', refusal: 'MARKET_CLOSED' });
    const [ev] = await w.prisma.securityEvent.findMany({ where: { type: 'engine.run' } });
    expect(ev).toMatchObject({ severity: 'warning', details: { runId: r.runId, status: 'refused', refusal: 'MARKET_CLOSED', actor: 'system:engine.run' } });
  });

  it('with entries paused places only the sells', async () => {
    const w = await world();
    await w.config(WIDE);
    await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    // New targets: QQQ 29.6 % → 10 % (sell), SPY 59.5 % → 80 % (buy).
    await w.config({ 'strategy.targets': { SPY: '80', QQQ: '10' } });
    await w.engine('paused_entries');
    const r = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(r.status).toBe('completed');
    expect(r.intents.map((i) => [i.symbol, i.side, i.status, i.refusal])).toEqual([
      ['QQQ', 'SELL', 'filled', null],
      ['SPY', 'BUY', 'refused', 'ENTRIES_PAUSED'],
    ]);
    const runIntents = await w.prisma.orderIntent.findMany({ where: { runId: r.runId } });
    expect(runIntents.map((i) => i.side)).toEqual(['SELL']);
    const sells = await w.prisma.liveTrade.findMany({ where: { side: 'sell' } });
    expect(sells).toHaveLength(1);
    expect(sells[0]!.realizedPnl).not.toBeNull();
  });

  it('a dry run shows the intents and the refusal a run would meet, and creates and places nothing', async () => {
    const w = await world();
    await w.engine('stopped');
    w.clock.now = new Date('2026-03-10T21:00:00Z'); // after the close
    const r = await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: true });
    expect(r).toMatchObject({ status: 'preview', dryRun: true, refusal: 'ENGINE_NOT_RUNNING' });
    expect(r.intents.map((i) => [i.symbol, i.side, i.quantity, i.status])).toEqual([
      ['SPY', 'BUY', '19', 'preview'],
      ['QQQ', 'BUY', '24', 'preview'],
    ]);
    const [row] = await w.prisma.engineRun.findMany();
    expect(row).toMatchObject({ dryRun: true, status: 'preview' });
    expect(await counts(w.prisma)).toEqual({ intents: 0, trades: 0, runs: 1 });
    expect(w.trips).toEqual([]);
  });

  it('cancels a paper fill beyond the slippage guard (paper slippage above the limit)', async () => {
    const w = await world();
    await w.config({ 'paper.slippage_bps': 60, 'guards.max_slippage_bps': 50 });
    const r = await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false });
    expect(r.intents.map((i) => [i.symbol, i.status, i.refusal])).toEqual([
      ['SPY', 'cancelled', 'SLIPPAGE_EXCEEDED'],
      ['QQQ', 'cancelled', 'SLIPPAGE_EXCEEDED'],
    ]);
    expect(await w.prisma.liveTrade.count()).toBe(0);
    expect(await paperCash(w.prisma)).toBe('100000');
    // At the limit it fills.
    await w.config({ 'paper.slippage_bps': 50 });
    const ok = await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false });
    expect(ok.intents.map((i) => i.status)).toEqual(['filled', 'filled']);
  });

  it('refuses intents beyond the daily notional and the position weight, counting earlier fills of the day', async () => {
    const w = await world();
    // Defaults: max order 10,000; SPY 19 × 500.10 = 9,501.90 and QQQ 24 × 400.20 = 9,604.80.
    await w.config({ 'guards.max_daily_notional_usd': '15000' });
    const r = await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false });
    expect(r.intents.map((i) => [i.symbol, i.status, i.refusal])).toEqual([
      ['SPY', 'filled', null],
      ['QQQ', 'refused', 'DAILY_NOTIONAL_EXCEEDED'],
    ]);
    await w.config({ 'guards.max_daily_notional_usd': '20000', 'guards.max_position_weight_pct': '15' });
    // SPY would be 38 × 500 = 19,000 of ~100,000: above 15 %. QQQ fits: 9,501.90 + 9,604.80 ≤ 20,000.
    const r2 = await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false });
    expect(r2.intents.map((i) => [i.symbol, i.status, i.refusal])).toEqual([
      ['QQQ', 'filled', null],
      ['SPY', 'refused', 'POSITION_WEIGHT_EXCEEDED'],
    ]);
  });

  it('a crash between creating the intents and executing them, then a re-run of the run, fills each intent once', async () => {
    const w = await world();
    await w.config(WIDE);
    const crashing: RunnerDeps = {
      ...w.deps,
      afterIntentsCreated: () => Promise.reject(new Error('process killed')),
    };
    const crashed = await runEngine(crashing, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(crashed.status).toBe('failed');
    expect(await w.prisma.orderIntent.findMany({ select: { status: true } })).toEqual([{ status: 'pending' }, { status: 'pending' }]);
    expect(await w.prisma.liveTrade.count()).toBe(0);

    const resumed = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: crashed.runId! });
    expect(resumed).toMatchObject({ runId: crashed.runId, status: 'completed' });
    expect(resumed.intents.map((i) => i.status)).toEqual(['filled', 'filled']);
    // Again: a finished run is answered as recorded; nothing is sent twice.
    const third = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: crashed.runId! });
    expect(third.status).toBe('completed');
    expect(await counts(w.prisma)).toEqual({ intents: 2, trades: 2, runs: 1 });
    const trades = await w.prisma.liveTrade.groupBy({ by: ['intentId'], _count: { _all: true } });
    expect(trades.every((t) => t._count._all === 1)).toBe(true);
  });

  it('a new run abandons the unsent intents of a run that crashed instead of sending them later', async () => {
    const w = await world();
    await w.config(WIDE);
    const crashed = await runEngine({ ...w.deps, afterIntentsCreated: () => Promise.reject(new Error('killed')) }, ACTOR, { trigger: 'schedule', dryRun: false });
    const fresh = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(fresh.intents.map((i) => i.status)).toEqual(['filled', 'filled']);
    const old = await w.prisma.orderIntent.findMany({ where: { runId: crashed.runId } });
    expect(old.map((i) => i.status)).toEqual(['cancelled', 'cancelled']);
    // The crashed run re-run later sends nothing.
    await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: crashed.runId! });
    expect(await w.prisma.liveTrade.count()).toBe(2);
  });

  it('an order still working (or lost in a crash) at the broker stops the next run until it settles: no double exposure', async () => {
    const w = await world();
    await w.config(WIDE);
    w.clock.now = OPEN;
    const first = await runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(first.status).toBe('completed');
    // The market moves so a fresh decision would buy again; one earlier order is still open.
    const [open] = await w.prisma.orderIntent.findMany({ where: { runId: first.runId! }, orderBy: { symbol: 'asc' } });
    for (const status of ['working', 'sending', 'unknown'] as const) {
      await w.prisma.orderIntent.update({ where: { id: open!.id }, data: { status } });
      const { intents, trades } = await counts(w.prisma);
      const next = await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false });
      expect(next).toMatchObject({ status: 'refused', refusal: 'ORDERS_UNSETTLED' });
      expect(await counts(w.prisma)).toMatchObject({ intents, trades });
      // A preview says so too, and still shows what it would decide.
      expect(await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: true })).toMatchObject({ status: 'preview', refusal: 'ORDERS_UNSETTLED' });
    }
    await w.prisma.orderIntent.update({ where: { id: open!.id }, data: { status: 'filled' } });
    expect(await runEngine(w.deps, ACTOR, { trigger: 'manual', dryRun: false })).toMatchObject({ status: 'completed', refusal: null });
  });

  it('two runs at once (two connection pools on one database): one run places, one set of intents, one fill per intent', async () => {
    const w = await world();
    await w.config(WIDE);
    let other: Database = w.db;
    if (testDatabaseKind() === 'postgres') {
      const second = await openDatabase({ url: w.db.url! });
      cleanups.push(() => second.close());
      other = second;
    }
    const b = w.depsOn(other);
    // A is inside its run (intents created, nothing sent) when B tries: B is turned away.
    let bResult: Awaited<ReturnType<typeof runEngine>> | undefined;
    const a = await runEngine({ ...w.deps, afterIntentsCreated: async () => void (bResult = await runEngine(b, ACTOR, { trigger: 'manual', dryRun: false })) }, ACTOR, {
      trigger: 'schedule',
      dryRun: false,
    });
    expect(bResult).toMatchObject({ runId: null, status: 'refused', refusal: 'RUN_IN_PROGRESS' });
    expect(a.status).toBe('completed');

    // And racing freely, in either order, after new targets: still one set of intents.
    await w.config({ 'strategy.targets': { SPY: '30', QQQ: '60' } });
    const both = await Promise.all([runEngine(w.deps, ACTOR, { trigger: 'schedule', dryRun: false }), runEngine(b, ACTOR, { trigger: 'manual', dryRun: false })]);
    const placing = both.filter((x) => x.intents.some((i) => i.intentId !== null));
    expect(placing).toHaveLength(1);
    const intents = await w.prisma.orderIntent.findMany();
    const trades = await w.prisma.liveTrade.findMany();
    expect(intents).toHaveLength(4);
    expect(trades).toHaveLength(4);
    expect(new Set(trades.map((t) => t.intentId)).size).toBe(4);
  });
});
