// A live strategy run while the fake Schwab fails: the account read answers 500 or hangs, the
// token is refused between deciding and placing, an order placement answers 500, or Schwab
// places the order and the answer never arrives. Each run ends (no throw) with typed outcomes
// and events, writes no half of anything, and however often the run is retried and recovery
// runs, no intent reaches Schwab more than once.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import type { LivePublish } from '@jutsu/shared';
import { createLogger } from '../logger.ts';
import { systemActor } from '../security/actor.ts';
import { Keyring } from '../security/keyring.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { connectSchwab, liveTestDeps, setConfig, setEngine, type LiveTestDeps } from './live-testing.ts';
import { recoverIntents, RECOVERY_GRACE_MS, sendLiveIntent } from './orders.ts';
import { runEngine, type RunnerDeps } from './runner.ts';
import { SchwabBroker } from './schwab-broker.ts';

const keyring = Keyring.parse(`r1:${Buffer.alloc(32, 9).toString('base64')}`);
const ACTOR = systemActor('engine.run');
const logger = createLogger({ level: 'silent' });

describe('live runs under Schwab faults', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let t: LiveTestDeps;
  let hash: string;
  let deps: RunnerDeps;
  const published: LivePublish[] = [];

  const counts = async () => ({
    intents: await db.prisma.orderIntent.count(),
    trades: await db.prisma.liveTrade.count(),
    positions: await db.prisma.position.count(),
    accounts: await db.prisma.brokerageAccount.count(),
  });

  /** Every order at Schwab belongs to at most one intent, and no intent has more than one. */
  async function expectOneOrderPerIntent(): Promise<void> {
    const orders = fake.ordersOf(hash).map((o) => String(o.orderId));
    const intents = await db.prisma.orderIntent.findMany({ where: { brokerOrderId: { not: null } } });
    const ids = intents.map((i) => i.brokerOrderId!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => orders.includes(id))).toBe(true);
    expect(fake.counters.orders.placed).toBe(orders.length);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 300_000);
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(async () => {
    await db.sql.exec(
      'DELETE FROM live_trades; DELETE FROM order_intents; DELETE FROM engine_runs; DELETE FROM security_events; DELETE FROM positions; DELETE FROM brokerage_accounts; DELETE FROM schwab_tokens; DELETE FROM config_overrides; DELETE FROM system_state;',
    );
    published.length = 0;
    fake = new FakeSchwab();
    await fake.start();
    t = liveTestDeps(db, keyring, fake);
    // Short client timeouts: a hang costs a second, not a minute.
    const options = { sleep: async () => undefined, random: () => 0, timeoutMs: 400 };
    t.orders.liveBroker = () => SchwabBroker.forLiveAccount({ prisma: db.prisma, tokens: t.schwab.broker, options });
    hash = await connectSchwab(t.schwab, fake);
    await setEngine(db, 'live');
    // Targets the fake account does not hold yet, orders large enough to reach them in one run.
    await setConfig(db, 'strategy.targets', { SPY: '20', QQQ: '10' });
    await setConfig(db, 'strategy.max_order_usd', '1000000');
    await setConfig(db, 'guards.max_position_weight_pct', '100');
    await setConfig(db, 'guards.max_daily_notional_usd', '10000000');
    deps = {
      prisma: db.prisma,
      sql: db.sql,
      brokerFor: () => t.orders.liveBroker(),
      tripKillSwitch: async () => undefined,
      securityEvents: t.orders.events as SecurityEvents,
      liveBus: {
        publish: async (e: LivePublish) => {
          published.push(e);
          return String(published.length);
        },
      },
      now: () => new Date(),
      logger,
      marketAlwaysOpen: true,
      sendLive: (intentId) => sendLiveIntent(t.orders, intentId, { track: true }),
    };
  });
  afterEach(async () => {
    await fake.close();
  });

  const runEvents = async () =>
    (await db.prisma.securityEvent.findMany({ where: { type: 'engine.run' }, orderBy: { id: 'asc' } })).map((e) => [e.severity, (e.details as { status: string }).status]);

  it.each(['server_error', 'hang'] as const)('the account read fails (%s): the run fails with an event and creates nothing; its retry places each intent once', async (kind) => {
    const before = await counts();
    fake.failNext(kind, 4, { path: `/trader/v1/accounts/${hash}`, method: 'GET' }); // every attempt of the one read
    const failed = await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(failed).toMatchObject({ status: 'failed', mode: 'live', intents: [] });
    expect(failed.notes.join('\n')).toMatch(kind === 'hang' ? /did not answer .* in time/ : /Schwab failed \(500\)/);
    expect(await counts()).toEqual(before);
    expect(fake.counters.orders.placed).toBe(0);
    expect(await runEvents()).toEqual([['warning', 'failed']]);
    expect(published.map((e) => e.type)).toContain('engine.run_finished');

    // Schwab is back: the same run is retried and completes, one order per intent.
    const retried = await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: failed.runId! });
    expect(retried).toMatchObject({ runId: failed.runId, status: 'completed' });
    expect(retried.intents.map((i) => [i.symbol, i.status])).toEqual([
      ['SPY', 'filled'],
      ['QQQ', 'filled'],
    ]);
    expect(fake.counters.orders.placed).toBe(2);
    // Everything it decided was placed: the retry is logged as business as usual.
    expect(await runEvents()).toEqual([['warning', 'failed'], ['info', 'completed']]);
    await expectOneOrderPerIntent();
    expect(await db.prisma.liveTrade.count()).toBe(2);
    // A retry of a finished run is answered from its record.
    await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: failed.runId! });
    expect(fake.counters.orders.placed).toBe(2);
  });

  it('the token is refused between deciding and placing: every intent is rejected unsent, the login is marked, critical event', async () => {
    deps.afterIntentsCreated = async () => fake.revokeAllTokens();
    const before = await counts();
    const run = await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(run.status).toBe('completed');
    expect(run.intents.map((i) => [i.symbol, i.status, i.message])).toEqual([
      ['SPY', 'rejected', 'SCHWAB_REAUTH_REQUIRED'],
      ['QQQ', 'rejected', 'SCHWAB_REAUTH_REQUIRED'],
    ]);
    expect(fake.counters.orders.placed).toBe(0);
    expect(await counts()).toEqual({ ...before, intents: before.intents + 2 });
    expect(await db.prisma.securityEvent.count({ where: { type: 'schwab.reauth_required', severity: 'critical' } })).toBe(1);
    // Completed, but nothing it decided was placed: a warning in the security log, not info.
    expect(await runEvents()).toEqual([['warning', 'completed']]);
    const [ev] = await db.prisma.securityEvent.findMany({ where: { type: 'engine.run' } });
    expect(ev!.details).toMatchObject({ status: 'completed', intents: 2, filled: 0, unsent: 2 });
    // Retrying the run, and recovery, send nothing.
    await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: run.runId! });
    await recoverIntents(t.orders);
    expect(fake.counters.orders.placed).toBe(0);
  });

  it('a placement answered 500 is left for recovery, never re-sent, and expires as not sent', async () => {
    fake.failNext('server_error', 1, { path: `/trader/v1/accounts/${hash}/orders`, method: 'POST' });
    const run = await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(run.status).toBe('completed');
    expect(run.intents.map((i) => [i.symbol, i.status, i.message])).toEqual([
      ['SPY', 'sending', 'SCHWAB_UNAVAILABLE'],
      ['QQQ', 'filled', null],
    ]);
    expect(fake.counters.orders.placed).toBe(1);
    expect(await db.prisma.liveTrade.count()).toBe(1);
    await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: run.runId! });
    expect(await recoverIntents({ ...t.orders, now: () => new Date(Date.now() + RECOVERY_GRACE_MS + 5_000) })).toMatchObject({ expired: [run.intents[0]!.intentId] });
    expect(await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: run.intents[0]!.intentId! } })).toMatchObject({ status: 'expired', error: 'NOT_SENT' });
    expect(fake.counters.orders.placed).toBe(1);
    await expectOneOrderPerIntent();
  });

  it('Schwab places the order but the answer never comes: the retry sends nothing, recovery adopts the one order and records the fill', async () => {
    fake.failNext('lost_answer', 1, { path: `/trader/v1/accounts/${hash}/orders`, method: 'POST' });
    const run = await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false });
    expect(run.status).toBe('completed');
    expect(run.intents.map((i) => [i.symbol, i.status, i.message])).toEqual([
      ['SPY', 'sending', 'SCHWAB_UNAVAILABLE'],
      ['QQQ', 'filled', null],
    ]);
    expect(fake.counters.orders.placed).toBe(2); // the SPY order exists at Schwab
    const spy = run.intents[0]!.intentId!;
    // The retried run, and a direct resend of the intent, place nothing.
    await runEngine(deps, ACTOR, { trigger: 'schedule', dryRun: false, runId: run.runId! });
    expect(await sendLiveIntent(t.orders, spy)).toMatchObject({ sent: false, status: 'sending' });
    expect(fake.counters.orders.placed).toBe(2);
    expect(await recoverIntents(t.orders)).toMatchObject({ adopted: [spy], recorded: [spy] });
    const intent = await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: spy } });
    expect(intent.status).toBe('filled');
    expect(await db.prisma.liveTrade.count({ where: { intentId: spy } })).toBe(1);
    expect(await db.prisma.liveTrade.count()).toBe(2);
    await expectOneOrderPerIntent();
    expect(fake.ordersOf(hash).map((o) => String(o.orderId)).sort()).toEqual(
      (await db.prisma.orderIntent.findMany({ where: { runId: run.runId! } })).map((i) => i.brokerOrderId).sort(),
    );
  });
});
