// The scheduler: jobs persisted in scheduler_jobs, each run on one replica only.
//
// The database is the only truth: every replica ticks every job, and a tick takes the job's
// try-lock (`scheduler.<id>`), reads the row again and acts only when the persisted next_run_at
// is due, moving it forward before running. So of several replicas exactly one runs a given
// slot, a replica that was down finds the slot it missed in the row (run once within the job's
// grace window, else recorded as missed), and enabling, disabling or moving a job on one
// replica holds on all of them. croner is only the driver that calls tick(); tests call tick()
// with their own clock.
import { tryAdvisoryLock, withXactLock, type Prisma, type PrismaClient, type SqlDriver } from '@jutsu/db';
import { CONFIG_SCHEMA, ENGINE_RUN_JOB, type LivePublish, type SchedulerJobStatus, type SchedulerJobView, type SchedulerRefusal, type TradeSlot, MARKET_TIME_ZONE, parseConfigValue } from '@jutsu/shared';
import { Cron } from 'croner';
import type { Logger } from '../logger.ts';
import { actorLabel, systemActor, type Actor } from '../security/actor.ts';
import type { Worker, WorkerContext } from '../workers.ts';
import { assertSchedule, nextRunAfter, nextTradeSlotRun, type Schedule } from './schedules.ts';

export interface JobRunResult {
  /** One line for the Schedules screen ("3 orders placed"). */
  summary?: string;
  /** The job had nothing to do (e.g. Schwab not connected): recorded as skipped, not ok. */
  skipped?: boolean;
}

export interface JobDefinition {
  /** Also the advisory lock `scheduler.<id>` and the system actor's job name. */
  id: string;
  label: string;
  /** A cron expression in America/New_York, or a function giving the next run after `now`. */
  schedule: Schedule;
  /** What the Schedules screen shows for a function schedule (stored in scheduler_jobs.schedule). */
  describe?: string | (() => string);
  /** A slot missed by at most this much (a restart, a long previous run) still runs once. */
  graceMs: number;
  /** Runs only on New York trading days (the market calendar). */
  tradingDaysOnly?: boolean;
  /** Reloads what the schedule depends on (the trade slot) before each tick computes a time. */
  prepare?: () => Promise<void>;
  run: (actor: Actor) => Promise<JobRunResult | void>;
}

/** What scheduler_jobs.state holds (JSON, never anything executable). */
interface JobState {
  durationMs?: number;
  summary?: string | null;
  trigger?: 'schedule' | 'manual';
  actor?: string;
  startedAt?: string;
  /** The scheduled times recorded as missed, newest last (at most MAX_MISSED). */
  missed?: Array<{ scheduledAt: string; recordedAt: string }>;
}

const MAX_MISSED = 20;
const MAX_ERROR = 300;

export class SchedulerError extends Error {
  constructor(
    readonly code: SchedulerRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'SchedulerError';
  }
}

export type TickOutcome =
  | { outcome: 'ran'; status: SchedulerJobStatus; nextRunAt: Date | null }
  | { outcome: 'missed' | 'not_due' | 'disabled'; nextRunAt: Date | null }
  /** Another holder (a replica, or this process) has the job's lock right now. */
  | { outcome: 'busy' };

export interface SchedulerDeps {
  prisma: PrismaClient;
  sql: SqlDriver;
  logger: Logger;
  /** Live events (scheduler.changed); optional for tests that do not watch them. */
  publish?: (event: LivePublish) => Promise<unknown>;
  clock?: () => Date;
}

export interface SchedulerOptions {
  jobs: JobDefinition[];
  /**
   * Jobs other capabilities contribute (services.ts passes the engine run, the end-of-day
   * snapshot and the reconciliation here): the same as `jobs`, kept apart so the composition
   * root shows where each comes from.
   */
  extraJobs?: JobDefinition[];
  /**
   * How often the driver looks at the cached next-run times (croner pattern; every second by
   * default). null: no driver, only tick() and trigger() (tests with their own clock).
   */
  driverPattern?: string | null;
  /** How often a job's row is read even when nothing is due (changes made on other replicas). */
  refreshMs?: number;
}

/** An error's message only, on one line, cut short, with anything token-like blanked. */
export function safeErrorText(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : 'failed';
  const text = raw
    .replace(/\s+/g, ' ')
    .replace(/\b(bearer|basic)\s+\S+/gi, '$1 [redacted]')
    .replace(/[A-Za-z0-9+/_=-]{32,}/g, '[redacted]')
    .trim();
  return (text || 'failed').slice(0, MAX_ERROR);
}

function asState(value: Prisma.JsonValue | null | undefined): JobState {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JobState) : {};
}

type JobRow = Awaited<ReturnType<PrismaClient['schedulerJob']['findUnique']>> & object;

export class Scheduler {
  private readonly defs = new Map<string, JobDefinition>();
  private readonly clock: () => Date;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Per job: the next run this process last read, and when it read it (the driver's cache). */
  private readonly cache = new Map<string, { nextRunAt: Date | null; readAt: number; ticking: boolean }>();
  private driver: Cron | undefined;
  private readonly failing = new Set<string>();
  private stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: SchedulerOptions,
  ) {
    this.clock = deps.clock ?? (() => new Date());
    for (const def of [...opts.jobs, ...(opts.extraJobs ?? [])]) {
      if (this.defs.has(def.id)) throw new Error(`scheduled job ${def.id} is registered twice`);
      systemActor(def.id); // the id is a plain identifier (lock name, actor name)
      assertSchedule(def.schedule);
      this.defs.set(def.id, def);
    }
  }

  get jobIds(): string[] {
    return [...this.defs.keys()];
  }

  private def(id: string): JobDefinition {
    const def = this.defs.get(id);
    if (!def) throw new SchedulerError('SCHEDULER_JOB_UNKNOWN', 'No such scheduled job.');
    return def;
  }

  private describe(def: JobDefinition): string {
    if (typeof def.schedule === 'string') return def.schedule;
    const d = typeof def.describe === 'function' ? def.describe() : def.describe;
    return d ?? 'custom';
  }

  private next(def: JobDefinition, now: Date): Date | null {
    return nextRunAfter(def.schedule, now, def.tradingDaysOnly === true);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  private async publish(jobId?: string): Promise<void> {
    if (!this.deps.publish) return;
    await this.deps.publish({ type: 'scheduler.changed', payload: { ...(jobId ? { jobId } : {}), at: this.clock().toISOString() } }).catch((err: unknown) => {
      this.deps.logger.warn({ err, job: jobId }, 'could not publish scheduler.changed');
    });
  }

  /**
   * Brings the job's row in line with its definition (call under the job's lock): inserted
   * when missing (enabled), schedule text updated, next_run_at computed when unset or when the
   * schedule changed and the stored time is still ahead. A stored time in the past stays: it
   * is a slot this replica set missed, for the caller to run or record.
   */
  private async syncRow(def: JobDefinition, now: Date): Promise<JobRow> {
    await def.prepare?.();
    const text = this.describe(def);
    const { prisma } = this.deps;
    const row = await prisma.schedulerJob.findUnique({ where: { id: def.id } });
    if (!row) {
      await prisma.schedulerJob.createMany({ data: [{ id: def.id, schedule: text, enabled: true, nextRunAt: this.next(def, now), updatedAt: now }], skipDuplicates: true });
      return (await prisma.schedulerJob.findUnique({ where: { id: def.id } }))!;
    }
    const changed = row.schedule !== text;
    const stale = row.nextRunAt === null || (changed && row.nextRunAt.getTime() > now.getTime());
    if (!changed && !stale) return row;
    return prisma.schedulerJob.update({
      where: { id: def.id },
      data: { schedule: text, ...(stale ? { nextRunAt: this.next(def, now) } : {}), updatedAt: now },
    });
  }

  /**
   * One look at a job at `now`: on the replica that gets the lock, a due slot is run (or, past
   * its grace window, recorded as missed) and next_run_at moves on; everyone else skips.
   */
  tick(id: string, now: Date = this.clock()): Promise<TickOutcome> {
    const def = this.def(id);
    return this.track(
      tryAdvisoryLock(this.deps.sql, `scheduler.${id}`, async (): Promise<TickOutcome> => {
        const row = await this.syncRow(def, now);
        const due = row.nextRunAt;
        if (!due || due.getTime() > now.getTime()) return { outcome: 'not_due', nextRunAt: due };
        const next = this.next(def, now);
        if (!row.enabled) {
          // A disabled job's slots pass silently; enabling it again starts from the next one.
          await this.deps.prisma.schedulerJob.update({ where: { id }, data: { nextRunAt: next, updatedAt: now } });
          return { outcome: 'disabled', nextRunAt: next };
        }
        if (now.getTime() - due.getTime() > def.graceMs) {
          const state = asState(row.state);
          const missed = [...(state.missed ?? []), { scheduledAt: due.toISOString(), recordedAt: now.toISOString() }].slice(-MAX_MISSED);
          await this.deps.prisma.schedulerJob.update({
            where: { id },
            data: { nextRunAt: next, lastStatus: 'missed', lastError: null, state: { ...state, missed } as Prisma.InputJsonValue, updatedAt: now },
          });
          this.deps.logger.warn({ job: id, scheduledAt: due }, 'scheduled run missed');
          await this.publish(id);
          return { outcome: 'missed', nextRunAt: next };
        }
        const status = await this.execute(def, row, now, 'schedule', systemActor(id), next);
        return { outcome: 'ran', status, nextRunAt: next };
      }).then((r) => (r.acquired ? r.result : { outcome: 'busy' as const })),
    );
  }

  /**
   * Runs the job and records the outcome (call under the job's lock). A scheduled run moves
   * next_run_at before starting, so a crash mid-run does not run the slot again at restart.
   */
  private async execute(def: JobDefinition, row: JobRow, startedAt: Date, trigger: 'schedule' | 'manual', actor: Actor, next?: Date | null): Promise<SchedulerJobStatus> {
    const { prisma, logger } = this.deps;
    const state = asState(row.state);
    await prisma.schedulerJob.update({
      where: { id: def.id },
      data: { ...(next !== undefined ? { nextRunAt: next } : {}), state: { ...state, startedAt: startedAt.toISOString() } as Prisma.InputJsonValue, updatedAt: startedAt },
    });
    const t0 = performance.now();
    let status: SchedulerJobStatus;
    let error: string | null = null;
    let summary: string | null = null;
    try {
      const result = await def.run(actor);
      status = result?.skipped ? 'skipped' : 'ok';
      summary = result?.summary ? result.summary.replace(/\s+/g, ' ').slice(0, 200) : null;
    } catch (err) {
      status = 'error';
      error = safeErrorText(err);
      logger.warn({ err, job: def.id }, 'scheduled job failed');
    }
    const durationMs = Math.max(0, Math.round(performance.now() - t0));
    const { startedAt: _running, ...rest } = state;
    await prisma.schedulerJob.update({
      where: { id: def.id },
      data: {
        lastRunAt: startedAt,
        lastStatus: status,
        lastError: error,
        state: { ...rest, durationMs, summary, trigger, actor: actorLabel(actor) } as Prisma.InputJsonValue,
        updatedAt: this.clock(),
      },
    });
    // Tabs hear of a person's run and of failures; routine runs (a sync every minute) show at
    // the screen's next poll instead of an event per run.
    if (trigger === 'manual' || status === 'error') await this.publish(def.id);
    return status;
  }

  /**
   * Runs a job now, whatever its schedule or switch (an admin asked), on this replica. Resolves
   * once the run has started; `finished` resolves with its status. A job running anywhere is
   * refused with SCHEDULER_JOB_BUSY.
   */
  async trigger(id: string, actor: Actor): Promise<{ startedAt: Date; finished: Promise<SchedulerJobStatus> }> {
    const def = this.def(id);
    if (this.stopped) throw new SchedulerError('SCHEDULER_JOB_BUSY', 'The server is shutting down.');
    let onStart!: (at: Date) => void;
    const started = new Promise<Date>((resolve) => (onStart = resolve));
    const run = this.track(
      tryAdvisoryLock(this.deps.sql, `scheduler.${id}`, async () => {
        const now = this.clock();
        const row = await this.syncRow(def, now);
        onStart(now);
        return this.execute(def, row, now, 'manual', actor);
      }),
    );
    const first = await Promise.race([started.then((at) => ({ startedAt: at })), run.then((r) => (r.acquired ? null : ('busy' as const)))]);
    if (first === 'busy') throw new SchedulerError('SCHEDULER_JOB_BUSY', 'This job is running now; try again when it has finished.');
    // `run` resolved first only if it was acquired, and then `started` had already resolved.
    const startedAt = first?.startedAt ?? (await started);
    const finished = run.then((r) => {
      if (!r.acquired) throw new SchedulerError('SCHEDULER_JOB_BUSY', 'busy');
      return r.result;
    });
    finished.catch(() => undefined);
    return { startedAt, finished };
  }

  /** Turns a job on or off for every replica (each tick reads the switch from the row). */
  async setEnabled(id: string, enabled: boolean, actor: Actor): Promise<SchedulerJobView> {
    const def = this.def(id);
    const now = this.clock();
    await def.prepare?.();
    const { prisma } = this.deps;
    await prisma.schedulerJob.createMany({ data: [{ id, schedule: this.describe(def), enabled, nextRunAt: this.next(def, now), updatedAt: now }], skipDuplicates: true });
    // Switched on again: slots that passed while it was off are not "missed", it starts afresh.
    await prisma.schedulerJob.update({ where: { id }, data: { enabled, ...(enabled ? { nextRunAt: this.next(def, now) } : {}), updatedAt: now } });
    this.deps.logger.info({ job: id, enabled, by: actorLabel(actor) }, 'scheduled job switched');
    this.cache.delete(id);
    await this.publish(id);
    return (await this.jobs()).find((j) => j.id === id)!;
  }

  /**
   * Moves the strategy run: the `schedule.trade_slot` override and its history row in one
   * transaction under the configuration lock (the same shape config.set writes: the old value
   * in force, the override dropped when the new value is the default), then the engine-run
   * job's next time. Another replica picks the slot up at its next tick of the job.
   */
  async setTradeSlot(slot: TradeSlot, reason: string, actor: Actor): Promise<{ slot: TradeSlot; nextRunAt: Date | null }> {
    const key = 'schedule.trade_slot';
    const parsed = parseConfigValue(key, slot);
    if (!parsed.ok) throw new Error(parsed.message); // the router's input schema refuses first
    const userId = actor.kind === 'user' ? actor.userId : null;
    const fallback = CONFIG_SCHEMA[key].default;
    const changed = await withXactLock(this.deps.prisma, 'engine.config', async (tx) => {
      const stored = await tx.configOverride.findUnique({ where: { key } });
      const current = stored ? parseConfigValue(key, stored.value) : undefined;
      const old = current?.ok ? (current.value as string) : fallback;
      if (old === slot) return false;
      if (slot === fallback) await tx.configOverride.deleteMany({ where: { key } });
      else {
        const data = { value: slot, updatedById: userId, updatedAt: new Date() };
        await tx.configOverride.upsert({ where: { key }, create: { key, ...data }, update: data });
      }
      await tx.configHistory.create({ data: { key, oldValue: old, newValue: slot, changedById: userId, reason } });
      return true;
    });
    let nextRunAt: Date | null = null;
    if (this.defs.has(ENGINE_RUN_JOB)) {
      const def = this.def(ENGINE_RUN_JOB);
      // Under the job's lock so a tick cannot write a time from the old slot after this one;
      // if the run is under way, its replica's next tick moves the time instead.
      const r = await tryAdvisoryLock(this.deps.sql, `scheduler.${ENGINE_RUN_JOB}`, () => this.syncRow(def, this.clock()));
      nextRunAt = r.acquired ? r.result.nextRunAt : ((await this.deps.prisma.schedulerJob.findUnique({ where: { id: ENGINE_RUN_JOB } }))?.nextRunAt ?? null);
      this.cache.delete(ENGINE_RUN_JOB);
    }
    if (changed) await this.publish(ENGINE_RUN_JOB);
    return { slot, nextRunAt };
  }

  /** Every registered job as the Schedules screen shows it (rows not written yet read as defaults). */
  async jobs(): Promise<SchedulerJobView[]> {
    const rows = await this.deps.prisma.schedulerJob.findMany({ where: { id: { in: this.jobIds } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return [...this.defs.values()].map((def) => {
      const row = byId.get(def.id);
      const state = asState(row?.state);
      const lastMissed = state.missed?.at(-1)?.scheduledAt;
      return {
        id: def.id,
        label: def.label,
        enabled: row?.enabled ?? true,
        schedule: row?.schedule ?? this.describe(def),
        tradingDaysOnly: def.tradingDaysOnly === true,
        nextRunAt: row?.nextRunAt ?? null,
        lastRunAt: row?.lastRunAt ?? null,
        durationMs: typeof state.durationMs === 'number' ? state.durationMs : null,
        lastStatus: (row?.lastStatus as SchedulerJobStatus | null | undefined) ?? null,
        lastError: row?.lastError ?? null,
        lastSummary: typeof state.summary === 'string' ? state.summary : null,
        lastMissedAt: lastMissed ? new Date(lastMissed) : null,
      };
    });
  }

  /**
   * Every job once now (rows written, missed slots run or recorded; not awaited, so a run due
   * at start does not hold up the server's start), then the driver: croner wakes every second,
   * and a job is ticked when its cached next run is due or its cache is older than refreshMs
   * (so changes made on another replica are seen within that time).
   */
  start(ctx?: WorkerContext): void {
    this.stopped = false;
    const now = this.clock();
    for (const id of this.jobIds) void this.track(this.driverTick(id, now, ctx));
    if (this.opts.driverPattern === null) return;
    const refreshMs = this.opts.refreshMs ?? 60_000;
    this.driver = new Cron(this.opts.driverPattern ?? '* * * * * *', { timezone: MARKET_TIME_ZONE, protect: true }, () => {
      if (this.stopped || ctx?.stopping.aborted) return;
      const at = this.clock();
      for (const id of this.jobIds) {
        const c = this.cache.get(id);
        if (c?.ticking) continue;
        const due = c?.nextRunAt && c.nextRunAt.getTime() <= at.getTime();
        if (!c || due || at.getTime() - c.readAt >= refreshMs) void this.driverTick(id, at, ctx);
      }
    });
  }

  /**
   * Drops what this process remembers of a job's next run (all jobs without an id), so the
   * driver reads the row at its next wake-up: called when another replica changed a job.
   */
  forget(id?: string): void {
    if (id === undefined) this.cache.clear();
    else this.cache.delete(id);
  }

  /** Resolves when nothing this scheduler started is still running. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async driverTick(id: string, now: Date, ctx?: WorkerContext): Promise<void> {
    const entry = this.cache.get(id) ?? { nextRunAt: null, readAt: 0, ticking: false };
    entry.ticking = true;
    this.cache.set(id, entry);
    try {
      const r = await this.tick(id, now);
      if (r.outcome === 'busy') {
        // Running elsewhere: look again at the next refresh.
        const row = await this.deps.prisma.schedulerJob.findUnique({ where: { id }, select: { nextRunAt: true } });
        entry.nextRunAt = row?.nextRunAt && row.nextRunAt.getTime() > now.getTime() ? row.nextRunAt : null;
      } else {
        entry.nextRunAt = r.nextRunAt;
      }
      entry.readAt = this.clock().getTime();
      if (r.outcome === 'ran') this.health(id, r.status === 'error' ? new Error(`scheduled job ${id} failed`) : null, ctx);
    } catch (err) {
      // The database was unreachable or similar: try again at the next refresh.
      entry.readAt = this.clock().getTime();
      this.deps.logger.warn({ err, job: id }, 'scheduler tick failed');
      this.health(id, err, ctx);
    } finally {
      entry.ticking = false;
    }
  }

  /** Degraded while some job's last scheduled run (or tick) failed; healthy when none has. */
  private health(id: string, err: unknown, ctx?: WorkerContext): void {
    if (err) {
      this.failing.add(id);
      ctx?.degraded(err);
    } else if (this.failing.delete(id) && this.failing.size === 0) {
      ctx?.healthy();
    }
  }

  /** Stops the driver and waits for runs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.driver?.stop();
    this.driver = undefined;
    await this.idle();
  }

  /** The scheduler as a worker of the registry (/readyz shows it). */
  worker(): Worker {
    return { name: 'scheduler', required: false, start: (ctx) => this.start(ctx), stop: () => this.stop() };
  }
}

/** The trade slot in force, as the engine-run job's schedule reads it (reloaded before each tick). */
export class TradeSlotSetting {
  current: TradeSlot = CONFIG_SCHEMA['schedule.trade_slot'].default;

  constructor(private readonly prisma: Pick<PrismaClient, 'configOverride'>) {}

  async load(): Promise<TradeSlot> {
    const row = await this.prisma.configOverride.findUnique({ where: { key: 'schedule.trade_slot' } });
    const parsed = row ? parseConfigValue('schedule.trade_slot', row.value) : undefined;
    this.current = parsed?.ok ? (parsed.value as TradeSlot) : CONFIG_SCHEMA['schedule.trade_slot'].default;
    return this.current;
  }
}

/**
 * The strategy run at the trade slot, trading days only. `run` is the engine's run (services.ts
 * passes it in; this module does not know the engine).
 */
export function engineRunJob(slot: TradeSlotSetting, run: JobDefinition['run'], graceMs = 10 * 60_000): JobDefinition {
  return {
    id: ENGINE_RUN_JOB,
    label: 'Strategy run',
    schedule: (now) => nextTradeSlotRun(now, slot.current),
    describe: () => `trading days at ${slot.current} New York (half days: before the 13:00 close)`,
    graceMs,
    tradingDaysOnly: true,
    prepare: async () => {
      await slot.load();
    },
    run,
  };
}
