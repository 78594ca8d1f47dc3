// One strategy run (docs/architecture.md, "Engine: runs"). In order:
//  1. take the engine.run advisory lock without waiting (busy → RUN_IN_PROGRESS, nothing written);
//  2. read the engine state and the effective configuration (a change applies from the next run);
//  3. write the engine_runs row, then the run guards: engine running, market open, fresh data,
//     the daily loss limit (which trips the kill switch);
//  4. ask the strategy, screen its intents (entries paused, position weight, daily notional);
//  5. create every order_intents row (pending) in one transaction, and only then execute
//     each through executeIntent, re-reading the engine state before each one (a kill switch
//     thrown meanwhile stops the rest);
//  6. record intents, refusals and outcomes on the run row; publish live events; a live run
//     is also a security event.
// A dry run (engine.preview) evaluates the same guards and strategy, writes its run row with
// dry_run = true, and creates and places nothing (nor does it trip the kill switch).
// Re-running a run id that did not finish (a crash after its intents were created) executes
// only its still-pending intents; a new run first abandons pending intents of earlier runs,
// because it decides afresh from the current positions.
import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { tryAdvisoryLock, type HeldLock, type OrderIntent, type Prisma, type PrismaClient, type SqlDriver } from '@jutsu/db';
import { EXITS_ALLOWED, newYorkDate, newYorkMidnight, type EffectiveConfig, type EngineMode, type EngineRefusal, type EngineState } from '@jutsu/shared';
import { readEffectiveConfig } from '../engine-config/effective.ts';
import type { LiveBus } from '../http/live-bus.ts';
import type { Logger } from '../logger.ts';
import { actorLabel, eventBy, systemActor, type Actor } from '../security/actor.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import type { Broker, BrokerQuote, BrokerSnapshot } from './broker.ts';
import { executeIntent, refusalOf, type IntentStatus } from './execute.ts';
import { checkDailyLoss, checkEngineState, checkFreshness, checkMarketOpen, checkOrdersSettled, screenIntents, type Refusal } from './guards.ts';
import { readEngineState } from './state-store.ts';
import { rebalancer } from './strategy/rebalancer.ts';
import type { Strategy, StrategyIntent } from './strategy/types.ts';

export type RunTrigger = 'schedule' | 'manual';

export interface RunOptions {
  trigger: RunTrigger;
  dryRun: boolean;
  /** Re-run this run (after a crash): only its still-pending intents are executed. */
  runId?: string;
}

export interface RunnerDeps {
  prisma: PrismaClient;
  /** The advisory lock's connection (one session per run, across replicas). */
  sql: SqlDriver;
  /** The broker of a mode: the paper broker, or the Schwab broker for live. */
  brokerFor(mode: EngineMode): Broker | Promise<Broker>;
  /** The kill switch (engine/state.ts): halts the engine and cancels working orders. */
  tripKillSwitch(actor: Actor, reason: string): Promise<unknown>;
  securityEvents: Pick<SecurityEvents, 'record'>;
  liveBus: Pick<LiveBus, 'publish'>;
  now(): Date;
  strategy?: Strategy;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Live mode: sends a pending intent and follows it to its outcome (engine/orders.ts). */
  sendLive?: (intentId: string) => Promise<unknown>;
  /** Tests only (ENGINE_MARKET_ALWAYS_OPEN, refused in production): skip the market-hours guard. */
  marketAlwaysOpen?: boolean;
  /** Tests: runs right after the intents are committed and before any is executed. */
  afterIntentsCreated?(runId: string): Promise<void>;
}

export type RunStatus = 'running' | 'completed' | 'refused' | 'failed' | 'preview';

/** One intent as the run row records it (the Engine screen lists these). */
export interface RunIntentRecord {
  /** The order_intents id; null for an intent refused before creation or only previewed. */
  intentId: string | null;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  intendedPrice: string;
  reason: string;
  status: IntentStatus | 'preview' | 'refused';
  refusal: EngineRefusal | null;
  message: string | null;
  filledQuantity: string | null;
  averageFillPrice: string | null;
}

export interface RunResult {
  /** Null only when no run was started (RUN_IN_PROGRESS). */
  runId: string | null;
  mode: EngineMode | null;
  dryRun: boolean;
  status: RunStatus;
  refusal: EngineRefusal | null;
  detail: string | null;
  intents: RunIntentRecord[];
  notes: string[];
}

/** The actor of the daily loss guard when it throws the kill switch. */
export const LOSS_GUARD_ACTOR = systemActor('engine.loss-guard');
const DETAIL_MAX = 2_000;

export async function runEngine(deps: RunnerDeps, actor: Actor, opts: RunOptions): Promise<RunResult> {
  const r = await tryAdvisoryLock(deps.sql, 'engine.run', (lock) => run(deps, actor, opts, lock));
  if (r.acquired) return r.result;
  return { runId: null, mode: null, dryRun: opts.dryRun, status: 'refused', refusal: 'RUN_IN_PROGRESS', detail: 'another run is in progress', intents: [], notes: [] };
}

function recordOf(i: StrategyIntent, status: RunIntentRecord['status'], refusal: Refusal | null = null): RunIntentRecord {
  return {
    intentId: null,
    symbol: i.symbol,
    side: i.side,
    quantity: i.quantity.toString(),
    intendedPrice: i.intendedPrice.toString(),
    reason: i.reason,
    status,
    refusal: refusal?.code ?? null,
    message: refusal?.message ?? null,
    filledQuantity: null,
    averageFillPrice: null,
  };
}

function recordOfRow(row: OrderIntent, reason: string): RunIntentRecord {
  return {
    intentId: row.id,
    symbol: row.symbol,
    side: row.side === 'SELL' ? 'SELL' : 'BUY',
    quantity: row.quantity.toString(),
    intendedPrice: row.intendedPrice.toString(),
    reason,
    status: row.status as IntentStatus,
    refusal: refusalOf(row.error),
    message: row.error,
    filledQuantity: row.filledQuantity.toString(),
    averageFillPrice: row.averageFillPrice?.toString() ?? null,
  };
}

/** Intents that may still change positions at the broker: a new decision waits for them. */
const UNSETTLED_STATUSES = ['sending', 'sent', 'working', 'unknown'] as const;

/** Notional of this mode's orders placed since New York's midnight (fills at their price, open orders at the intended price). */
async function notionalToday(prisma: PrismaClient, mode: EngineMode, now: Date): Promise<Decimal> {
  const rows = await prisma.orderIntent.findMany({
    where: { mode, createdAt: { gte: newYorkMidnight(newYorkDate(now)) }, OR: [{ status: { in: ['sending', 'sent', 'working', 'unknown'] } }, { filledQuantity: { gt: 0 } }] },
    select: { status: true, quantity: true, intendedPrice: true, filledQuantity: true, averageFillPrice: true },
  });
  let sum = new Decimal(0);
  for (const r of rows) {
    const filled = new Decimal(r.filledQuantity.toString());
    if (filled.gt(0) && r.averageFillPrice !== null) sum = sum.plus(filled.times(r.averageFillPrice.toString()));
    else sum = sum.plus(new Decimal(r.quantity.toString()).times(r.intendedPrice.toString()));
  }
  return sum;
}

class Run {
  readonly notes: string[] = [];
  intents: RunIntentRecord[] = [];
  refusal: Refusal | null = null;

  constructor(
    readonly deps: RunnerDeps,
    readonly id: string,
    readonly mode: EngineMode,
    readonly dryRun: boolean,
  ) {}

  async save(status: RunStatus): Promise<void> {
    const detail = [this.refusal?.message, ...this.notes].filter(Boolean).join('\n').slice(0, DETAIL_MAX) || null;
    await this.deps.prisma.engineRun.update({
      where: { id: this.id },
      data: {
        status,
        refusal: this.refusal?.code ?? null,
        detail,
        intents: this.intents as unknown as Prisma.InputJsonValue,
        ...(status === 'running' ? {} : { finishedAt: this.deps.now() }),
      },
    });
  }

  result(status: RunStatus): RunResult {
    return { runId: this.id, mode: this.mode, dryRun: this.dryRun, status, refusal: this.refusal?.code ?? null, detail: this.refusal?.message ?? null, intents: this.intents, notes: this.notes };
  }
}

async function run(deps: RunnerDeps, actor: Actor, opts: RunOptions, lock: HeldLock | null): Promise<RunResult> {
  const { prisma } = deps;
  const strategy = deps.strategy ?? rebalancer;
  const [engine, config] = await Promise.all([readEngineState(prisma), readEffectiveConfig(prisma)]);

  let runId = opts.runId ?? randomUUID();
  let mode = engine.mode;
  const existing = opts.runId ? await prisma.engineRun.findUnique({ where: { id: opts.runId } }) : null;
  if (existing) {
    // A finished run, or a preview, is answered as it was recorded: nothing runs twice.
    if (existing.dryRun || (existing.status !== 'running' && existing.status !== 'failed')) return recordedResult(existing);
    mode = existing.mode === 'live' ? 'live' : 'paper';
    runId = existing.id;
  } else {
    await prisma.engineRun.create({ data: { id: runId, trigger: opts.trigger, mode, dryRun: opts.dryRun, actor: actorLabel(actor), startedAt: deps.now() } });
  }
  const r = new Run(deps, runId, mode, opts.dryRun);
  try {
    return await evaluate(deps, r, actor, opts, engine.state, config, strategy, lock, existing !== null);
  } catch (err) {
    deps.logger?.error({ err, runId }, 'engine run failed');
    r.notes.push(`the run failed: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}`);
    await r.save('failed');
    await finished(deps, actor, r, 'failed');
    return r.result('failed');
  }
}

function recordedResult(row: { id: string; mode: string; dryRun: boolean; status: string; refusal: string | null; detail: string | null; intents: unknown }): RunResult {
  return {
    runId: row.id,
    mode: row.mode === 'live' ? 'live' : 'paper',
    dryRun: row.dryRun,
    status: row.status as RunStatus,
    refusal: row.refusal as EngineRefusal | null,
    detail: row.detail,
    intents: (row.intents ?? []) as RunIntentRecord[],
    notes: [],
  };
}

async function evaluate(
  deps: RunnerDeps,
  r: Run,
  actor: Actor,
  opts: RunOptions,
  state: EngineState,
  config: EffectiveConfig,
  strategy: Strategy,
  lock: HeldLock | null,
  resuming: boolean,
): Promise<RunResult> {
  const { prisma } = deps;
  const now = deps.now();
  const refuse = async (refusal: Refusal): Promise<RunResult> => {
    r.refusal = refusal;
    await r.save('refused');
    await finished(deps, actor, r, 'refused');
    return r.result('refused');
  };

  // Run guards. A dry run records the first refusal the real run would meet, and goes on.
  const stateRefusal = checkEngineState(state);
  if (stateRefusal && !opts.dryRun) return refuse(stateRefusal);
  if (stateRefusal) r.notes.push(`a run now would be refused: ${stateRefusal.message}`);
  const closed = deps.marketAlwaysOpen ? null : checkMarketOpen(now);
  if (closed && !opts.dryRun) return refuse(closed);
  r.refusal = opts.dryRun ? (stateRefusal ?? closed) : null;

  const broker = await deps.brokerFor(r.mode);
  const snapshot = await broker.snapshot();
  const targets = Object.keys(config['strategy.targets']);
  const symbols = [...new Set([...targets, ...snapshot.positions.map((p) => p.symbol)])].sort();
  const quotes = new Map((await broker.quotes(symbols)).map((q) => [q.symbol, q] as [string, BrokerQuote]));
  const stale = checkFreshness({ now, positionsAsOf: snapshot.asOf, quotes, symbols, config });
  if (stale && !opts.dryRun) return refuse(stale);
  r.refusal ??= stale;
  const loss = checkDailyLoss({ liquidationValue: snapshot.liquidationValue, dayPnl: snapshot.dayPnl, config });
  if (loss && !opts.dryRun) {
    await tripKillSwitch(deps, r, loss);
    return refuse(loss);
  }
  r.refusal ??= loss;
  if (snapshot.dayPnl === null) r.notes.push('the broker gave no day P&L: the daily loss limit was not evaluated');

  const earlier = resuming ? await prisma.orderIntent.findMany({ where: { runId: r.id } }) : [];
  if (earlier.length === 0) {
    const unsettled = checkOrdersSettled(
      await prisma.orderIntent.count({ where: { mode: r.mode, status: { in: [...UNSETTLED_STATUSES] } } }),
    );
    if (unsettled && !opts.dryRun) return refuse(unsettled);
    r.refusal ??= unsettled;
    const decided = strategy.decide({ positions: snapshot.positions, balances: snapshot, quotes, config });
    r.notes.push(...decided.notes);
    const screened = screenIntents({
      intents: decided.intents,
      // A preview while the engine is stopped shows what a running engine would place.
      state: opts.dryRun && !EXITS_ALLOWED.includes(state) ? 'running' : state,
      notionalToday: await notionalToday(prisma, r.mode, now),
      positionValues: positionValues(snapshot, quotes),
      liquidationValue: snapshot.liquidationValue,
      config,
    });
    const refusedRecords = screened.refused.map((x) => recordOf(x.intent, 'refused', x.refusal));
    if (opts.dryRun) {
      r.intents = [...screened.allowed.map((i) => recordOf(i, 'preview')), ...refusedRecords];
      await r.save('preview');
      await finished(deps, actor, r, 'preview');
      return r.result('preview');
    }
    const created = await createIntents(deps, r, snapshot.accountHash, screened.allowed);
    r.intents = [...created.map((row, n) => recordOfRow(row, screened.allowed[n]!.reason)), ...refusedRecords];
  } else {
    // Resuming: the intents exist already; their reasons are on the run row.
    const recorded = new Map(((await prisma.engineRun.findUniqueOrThrow({ where: { id: r.id } })).intents as unknown as RunIntentRecord[]).map((i) => [i.intentId ?? `refused:${i.symbol}`, i]));
    earlier.sort((a, b) => (a.side === b.side ? (a.symbol < b.symbol ? -1 : 1) : a.side === 'SELL' ? -1 : 1));
    r.intents = [...earlier.map((row) => recordOfRow(row, recorded.get(row.id)?.reason ?? '')), ...[...recorded.values()].filter((i) => i.intentId === null)];
    r.notes.push('resumed: only intents still pending are executed');
  }
  await r.save('running');
  if (!resuming) await deps.afterIntentsCreated?.(r.id);

  let filled = 0;
  for (const rec of r.intents) {
    if (rec.intentId === null || rec.status !== 'pending') continue;
    if (lock?.signal.aborted) throw new Error('the run lost its lock');
    // A kill switch or a pause thrown meanwhile (any replica) applies to the rest of the run.
    const current = (await readEngineState(prisma)).state;
    const stop = !EXITS_ALLOWED.includes(current) ? checkEngineState(current) : current !== 'running' && rec.side === 'BUY' ? ({ code: 'ENTRIES_PAUSED', message: 'entries were paused during the run' } as Refusal) : null;
    const row = await prisma.orderIntent.findUniqueOrThrow({ where: { id: rec.intentId } });
    if (stop) {
      await prisma.orderIntent.updateMany({ where: { id: row.id, status: 'pending' }, data: { status: 'cancelled', error: `${stop.code}: ${stop.message}`, updatedAt: deps.now() } });
      Object.assign(rec, { status: 'cancelled', refusal: stop.code, message: stop.message });
      continue;
    }
    const out = await executeIntent({ prisma, broker, strategy: strategy.name, config, now: deps.now, ...(deps.sendLive ? { sendLive: deps.sendLive } : {}) }, row);
    Object.assign(rec, {
      status: out.status,
      refusal: out.refusal,
      message: out.error,
      filledQuantity: out.filledQuantity.toString(),
      averageFillPrice: out.averageFillPrice?.toString() ?? null,
    });
    if (out.filledQuantity.gt(0)) filled++;
    await r.save('running');
  }
  await r.save('completed');
  await finished(deps, actor, r, 'completed', filled);
  return r.result('completed');
}

function positionValues(snapshot: BrokerSnapshot, quotes: ReadonlyMap<string, BrokerQuote>): Map<string, Decimal> {
  return new Map(snapshot.positions.map((p) => [p.symbol, quotes.has(p.symbol) ? p.quantity.times(quotes.get(p.symbol)!.last) : p.marketValue]));
}

/** Every intent of the run, pending, in one transaction; earlier runs' unsent intents are abandoned. */
async function createIntents(deps: RunnerDeps, r: Run, accountHash: string, intents: readonly StrategyIntent[]): Promise<OrderIntent[]> {
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    await tx.orderIntent.updateMany({
      where: { source: 'engine', status: 'pending', runId: { not: r.id } },
      data: { status: 'cancelled', error: 'abandoned: its run did not finish, a later run decided afresh', updatedAt: now },
    });
    const rows: OrderIntent[] = [];
    for (const i of intents) {
      rows.push(
        await tx.orderIntent.create({
          data: {
            id: randomUUID(),
            runId: r.id,
            source: 'engine',
            mode: r.mode,
            accountHash,
            symbol: i.symbol,
            side: i.side,
            quantity: i.quantity.toString(),
            orderType: 'MARKET',
            intendedPrice: i.intendedPrice.toString(),
            status: 'pending',
            createdAt: now,
            updatedAt: now,
          },
        }),
      );
    }
    return rows;
  });
}

async function tripKillSwitch(deps: RunnerDeps, r: Run, loss: Refusal): Promise<void> {
  const reason = `daily loss limit: ${loss.message} (run ${r.id})`;
  try {
    await deps.tripKillSwitch(LOSS_GUARD_ACTOR, reason);
  } catch (err) {
    // The run is refused regardless; a kill switch that did not trip is an emergency.
    deps.logger?.error({ err, runId: r.id }, 'the daily loss guard could not trip the kill switch');
    r.notes.push('the kill switch could not be tripped');
    await deps.securityEvents
      .record(eventBy(LOSS_GUARD_ACTOR, { type: 'engine.kill_switch_failed', severity: 'critical', details: { runId: r.id, reason: reason.slice(0, 300) } }))
      .catch((e: unknown) => deps.logger?.error({ err: e }, 'could not record the failed kill switch'));
  }
}

/** Live events and, for a live run, a security event. Their failure never fails the run. */
async function finished(deps: RunnerDeps, actor: Actor, r: Run, status: RunStatus, filled = 0): Promise<void> {
  const at = deps.now().toISOString();
  const placed = r.intents.filter((i) => i.intentId !== null).length;
  const tasks: Promise<unknown>[] = [
    deps.liveBus.publish({ type: 'engine.run_finished', payload: { runId: r.id, status, mode: r.mode, dryRun: r.dryRun, refusal: r.refusal?.code ?? null, intents: placed, filled, at } }),
  ];
  if (filled > 0) {
    tasks.push(deps.liveBus.publish({ type: 'trades.changed', payload: { at } }));
    tasks.push(deps.liveBus.publish({ type: 'positions.changed', payload: { at } }));
    tasks.push(deps.liveBus.publish({ type: 'balances.changed', payload: { at } }));
  }
  if (r.mode === 'live' && !r.dryRun) {
    // Orders the run decided on that were refused or cancelled unsent (the broker wants a new
    // Schwab login, a halt during the run): the run completed, but not as usual.
    const unsent = r.intents.filter((i) => i.intentId !== null && (i.status === 'rejected' || i.status === 'cancelled')).length;
    tasks.push(
      deps.securityEvents.record(
        eventBy(actor, {
          type: 'engine.run',
          severity: status === 'completed' && unsent === 0 ? 'info' : 'warning',
          ...(actor.kind === 'user' ? { userId: actor.userId, username: actor.username } : {}),
          details: { runId: r.id, status, refusal: r.refusal?.code ?? null, intents: placed, filled, unsent },
        }),
      ),
    );
  }
  for (const res of await Promise.allSettled(tasks)) {
    if (res.status === 'rejected') deps.logger?.warn({ err: res.reason as unknown, runId: r.id }, 'could not publish the run outcome');
  }
}

// ---- reading runs ---------------------------------------------------------------------------

export interface RunView {
  id: string;
  trigger: RunTrigger;
  mode: EngineMode;
  status: RunStatus;
  dryRun: boolean;
  refusal: EngineRefusal | null;
  detail: string | null;
  actor: string;
  startedAt: Date;
  finishedAt: Date | null;
  intents: RunIntentRecord[];
}

/**
 * The newest runs with their intents. An intent's outcome is read from order_intents (it may
 * change after the run, e.g. a live order reconciled later); the run row keeps the reason and
 * the refused intents.
 */
export async function listRuns(prisma: PrismaClient, opts: { limit: number; includeDryRuns: boolean; ids?: string[] }): Promise<RunView[]> {
  const runs = await prisma.engineRun.findMany({
    where: { ...(opts.includeDryRuns ? {} : { dryRun: false }), ...(opts.ids ? { id: { in: opts.ids } } : {}) },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: opts.limit,
  });
  const rows = runs.length ? await prisma.orderIntent.findMany({ where: { runId: { in: runs.map((r) => r.id) } } }) : [];
  const byId = new Map(rows.map((i) => [i.id, i]));
  return runs.map((run) => ({
    id: run.id,
    trigger: run.trigger === 'schedule' ? 'schedule' : 'manual',
    mode: run.mode === 'live' ? 'live' : 'paper',
    status: run.status as RunStatus,
    dryRun: run.dryRun,
    refusal: run.refusal as EngineRefusal | null,
    detail: run.detail,
    actor: run.actor,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    intents: ((run.intents ?? []) as unknown as RunIntentRecord[]).map((rec) => {
      const row = rec.intentId ? byId.get(rec.intentId) : undefined;
      return row ? recordOfRow(row, rec.reason) : rec;
    }),
  }));
}
