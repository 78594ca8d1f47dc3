// The scheduler against a real database, as replicas see it: two Scheduler instances over the
// same database (on PostgreSQL each with its own connections) tick the same job; a switch
// flipped on one holds on the other; slots missed while "down" run once within their grace or
// are recorded as missed; a manual run refuses while the job runs; the trade slot moves the
// strategy run and leaves a history row. Time is an injected clock; nothing sleeps.
import { openDatabase, type Database } from '@jutsu/db';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { ENGINE_RUN_JOB } from '@jutsu/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { systemActor, type Actor } from '../security/actor.ts';
import { engineRunJob, Scheduler, SchedulerError, TradeSlotSetting, type JobDefinition } from './scheduler.ts';

const logger = createLogger({ level: 'silent' });
const admin: Actor = { kind: 'user', userId: '00000000-0000-4000-8000-000000000001', username: 'ada', ip: '127.0.0.1', userAgent: 'test' };

let db: TestDatabase;
let second: Database;
const extra: Database[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // A second replica: its own pool on PostgreSQL; PGlite is one embedded session per process.
  second = db.url ? await openDatabase({ url: db.url }) : db;
  if (second !== db) extra.push(second);
});
afterAll(async () => {
  for (const d of extra) await d.close();
  await db?.destroy();
});
beforeEach(async () => {
  await db.prisma.schedulerJob.deleteMany();
  await db.prisma.configOverride.deleteMany();
});

/** A controllable clock and a job that counts its runs and can be held open. */
function fixture(start: string) {
  const clock = { now: new Date(start) };
  const runs: Actor[] = [];
  let gate: Promise<void> | undefined;
  let release = () => {};
  let started = () => {};
  let running = new Promise<void>((r) => (started = r));
  const job = (over: Partial<JobDefinition> = {}): JobDefinition => ({
    id: 'count',
    label: 'Counter',
    schedule: '*/5 * * * *',
    graceMs: 5 * 60_000,
    run: async (actor) => {
      runs.push(actor);
      started();
      if (gate) await gate;
      return { summary: `run ${runs.length}` };
    },
    ...over,
  });
  return {
    clock,
    runs,
    job,
    hold() {
      gate = new Promise<void>((r) => (release = r));
      running = new Promise<void>((r) => (started = r));
    },
    release: () => release(),
    running: () => running,
    replica(d: Database, defs: JobDefinition[]) {
      return new Scheduler({ prisma: d.prisma, sql: d.sql, logger, clock: () => clock.now }, { jobs: defs, driverPattern: null });
    },
  };
}

const row = (id = 'count') => db.prisma.schedulerJob.findUniqueOrThrow({ where: { id } });

describe('scheduler across replicas', () => {
  it('runs a due slot on one replica only when both tick it at once', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const a = f.replica(db, [f.job()]);
    const b = f.replica(second, [f.job()]);
    await a.tick('count'); // writes the row: next slot 14:05
    expect((await row()).nextRunAt).toEqual(new Date('2026-03-10T14:05:00Z'));
    f.clock.now = new Date('2026-03-10T14:05:00.200Z');
    const outcomes = await Promise.all([a.tick('count'), b.tick('count'), a.tick('count'), b.tick('count')]);
    expect(f.runs).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'ran')).toHaveLength(1);
    expect(outcomes.every((o) => ['ran', 'busy', 'not_due'].includes(o.outcome))).toBe(true);
    const r = await row();
    expect(r).toMatchObject({ lastStatus: 'ok', lastError: null, lastRunAt: new Date('2026-03-10T14:05:00.200Z'), nextRunAt: new Date('2026-03-10T14:10:00Z') });
    expect(r.state).toMatchObject({ summary: 'run 1', trigger: 'schedule', actor: 'system:count' });
    expect(typeof (r.state as { durationMs: unknown }).durationMs).toBe('number');
  });

  it('skips the tick of the replica that finds the job running on the other', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const a = f.replica(db, [f.job()]);
    const b = f.replica(second, [f.job()]);
    await a.tick('count');
    f.clock.now = new Date('2026-03-10T14:05:01Z');
    f.hold();
    const first = a.tick('count');
    await f.running();
    expect(await b.tick('count')).toEqual({ outcome: 'busy' });
    f.release();
    expect(await first).toMatchObject({ outcome: 'ran', status: 'ok' });
    expect(await b.tick('count')).toMatchObject({ outcome: 'not_due' });
    expect(f.runs).toHaveLength(1);
  });

  it('a job disabled on one replica is skipped by the other, and starts afresh when enabled', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const a = f.replica(db, [f.job()]);
    const b = f.replica(second, [f.job()]);
    await a.tick('count');
    await a.setEnabled('count', false, admin);
    f.clock.now = new Date('2026-03-10T14:05:00Z');
    expect(await b.tick('count')).toEqual({ outcome: 'disabled', nextRunAt: new Date('2026-03-10T14:10:00Z') });
    expect(f.runs).toHaveLength(0);
    expect(await row()).toMatchObject({ enabled: false, lastStatus: null, lastRunAt: null });
    // An hour later it is switched on again: the hour is not "missed", the next slot is ahead.
    f.clock.now = new Date('2026-03-10T15:02:00Z');
    const view = await b.setEnabled('count', true, admin);
    expect(view).toMatchObject({ enabled: true, nextRunAt: new Date('2026-03-10T15:05:00Z') });
    expect(await a.tick('count')).toMatchObject({ outcome: 'not_due' });
    expect((await row()).lastStatus).toBeNull();
  });

  it('keeps a stored switch when the server starts again', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const a = f.replica(db, [f.job()]);
    await a.tick('count');
    await a.setEnabled('count', false, admin);
    const restarted = f.replica(second, [f.job()]);
    restarted.start();
    await restarted.idle();
    await restarted.stop();
    expect((await row()).enabled).toBe(false);
  });

  it('runs a slot missed within its grace exactly once when two replicas start together', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    await f.replica(db, [f.job()]).tick('count'); // next 14:05
    // "Down" from 14:03 to 14:08: the 14:05 slot passed 3 minutes ago, inside the 5-minute grace.
    f.clock.now = new Date('2026-03-10T14:08:00Z');
    const a = f.replica(db, [f.job()]);
    const b = f.replica(second, [f.job()]);
    a.start();
    b.start();
    await Promise.all([a.idle(), b.idle()]);
    expect(f.runs).toHaveLength(1);
    expect(await row()).toMatchObject({ lastStatus: 'ok', lastRunAt: new Date('2026-03-10T14:08:00Z'), nextRunAt: new Date('2026-03-10T14:10:00Z') });
    // Starting again changes nothing: the slot is done.
    const c = f.replica(second, [f.job()]);
    c.start();
    await c.idle();
    expect(f.runs).toHaveLength(1);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('records a slot missed beyond its grace once, without running it', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    await f.replica(db, [f.job()]).tick('count');
    f.clock.now = new Date('2026-03-10T15:01:00Z');
    const a = f.replica(db, [f.job()]);
    const b = f.replica(second, [f.job()]);
    a.start();
    b.start();
    await Promise.all([a.idle(), b.idle()]);
    expect(f.runs).toHaveLength(0);
    const r = await row();
    expect(r).toMatchObject({ lastStatus: 'missed', lastRunAt: null, nextRunAt: new Date('2026-03-10T15:05:00Z') });
    expect((r.state as { missed: unknown[] }).missed).toEqual([{ scheduledAt: '2026-03-10T14:05:00.000Z', recordedAt: '2026-03-10T15:01:00.000Z' }]);
    expect((await a.jobs())[0]).toMatchObject({ lastStatus: 'missed', lastMissedAt: new Date('2026-03-10T14:05:00Z') });
    // The next slot runs normally.
    f.clock.now = new Date('2026-03-10T15:05:00Z');
    expect(await b.tick('count')).toMatchObject({ outcome: 'ran', status: 'ok' });
    expect(f.runs).toHaveLength(1);
  });

  it('records a failure with its message only, cut short and without token-like text', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const secret = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8';
    const failing = f.job({
      run: () => {
        const err = new Error(`upstream said no\n  Authorization: Bearer ${secret} ${'x'.repeat(600)}`);
        err.stack = `${secret}\n at somewhere`;
        throw err;
      },
    });
    const a = f.replica(db, [failing]);
    await a.tick('count');
    f.clock.now = new Date('2026-03-10T14:05:00Z');
    expect(await a.tick('count')).toMatchObject({ outcome: 'ran', status: 'error' });
    const r = await row();
    expect(r.lastStatus).toBe('error');
    expect(r.lastError!.startsWith('upstream said no Authorization: Bearer [redacted]')).toBe(true);
    expect(r.lastError!.length).toBeLessThanOrEqual(300);
    expect(JSON.stringify(r)).not.toContain(secret);
  });
});

describe('trigger', () => {
  it('runs now as the person, leaves the schedule alone, and refuses while the job runs anywhere', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const a = f.replica(db, [f.job()]);
    const b = f.replica(second, [f.job()]);
    await a.tick('count');
    f.hold();
    const { startedAt, finished } = await a.trigger('count', admin);
    expect(startedAt).toEqual(new Date('2026-03-10T14:02:00Z'));
    await f.running();
    for (const s of [a, b]) {
      const err = await s.trigger('count', admin).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SchedulerError);
      expect((err as SchedulerError).code).toBe('SCHEDULER_JOB_BUSY');
    }
    f.release();
    expect(await finished).toBe('ok');
    expect(f.runs).toEqual([admin]);
    expect(await row()).toMatchObject({ lastStatus: 'ok', nextRunAt: new Date('2026-03-10T14:05:00Z'), state: expect.objectContaining({ trigger: 'manual', actor: 'user:ada' }) });
  });

  it('refuses an unknown job with a typed error and writes nothing', async () => {
    const f = fixture('2026-03-10T14:02:00Z');
    const a = f.replica(db, [f.job()]);
    const calls: Array<() => Promise<unknown>> = [() => a.trigger('nope', admin), () => a.setEnabled('nope', false, admin), () => a.tick('nope')];
    for (const call of calls) {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect((err as SchedulerError).code).toBe('SCHEDULER_JOB_UNKNOWN');
    }
    expect(await db.prisma.schedulerJob.count()).toBe(0);
  });
});

describe('trading days and the trade slot', () => {
  function engine(f: ReturnType<typeof fixture>, d: Database) {
    return f.replica(d, [engineRunJob(new TradeSlotSetting(d.prisma), async (actor) => (f.runs.push(actor), { summary: 'ran' }))]);
  }

  it('skips a weekend and a holiday (Martin Luther King Jr. Day)', async () => {
    // Friday 16 January 2026, 16:30 New York: the next trading day is Tuesday the 20th.
    const f = fixture('2026-01-16T21:30:00Z');
    const a = engine(f, db);
    expect(await a.tick(ENGINE_RUN_JOB)).toMatchObject({ outcome: 'not_due', nextRunAt: new Date('2026-01-20T20:45:00Z') });
    for (const at of ['2026-01-17T20:45:00Z', '2026-01-18T20:45:00Z', '2026-01-19T20:45:00Z']) {
      f.clock.now = new Date(at);
      expect(await a.tick(ENGINE_RUN_JOB)).toMatchObject({ outcome: 'not_due' });
    }
    f.clock.now = new Date('2026-01-20T20:45:00Z');
    expect(await a.tick(ENGINE_RUN_JOB)).toMatchObject({ outcome: 'ran', status: 'ok', nextRunAt: new Date('2026-01-21T20:45:00Z') });
    expect(f.runs).toEqual([systemActor(ENGINE_RUN_JOB)]);
  });

  it('setTradeSlot writes the override and a history row, and moves the next run on every replica', async () => {
    const f = fixture('2026-03-10T13:00:00Z'); // Tuesday 09:00 New York (EDT)
    const a = engine(f, db);
    const b = engine(f, second);
    await a.tick(ENGINE_RUN_JOB);
    expect((await row(ENGINE_RUN_JOB)).nextRunAt).toEqual(new Date('2026-03-10T19:45:00Z')); // default 15:45
    const before = await db.prisma.configHistory.count({ where: { key: 'schedule.trade_slot' } });

    const res = await b.setTradeSlot('09:45', 'run before the open auction settles', admin);
    expect(res).toEqual({ slot: '09:45', nextRunAt: new Date('2026-03-10T13:45:00Z') });
    expect(await db.prisma.configOverride.findUnique({ where: { key: 'schedule.trade_slot' } })).toMatchObject({ value: '09:45', updatedById: admin.kind === 'user' ? admin.userId : null });
    const hist = await db.prisma.configHistory.findMany({ where: { key: 'schedule.trade_slot' }, orderBy: { id: 'asc' } });
    expect(hist).toHaveLength(before + 1);
    expect(hist.at(-1)).toMatchObject({ oldValue: '15:45', newValue: '09:45', reason: 'run before the open auction settles', changedById: (admin as { userId: string }).userId });
    expect(await row(ENGINE_RUN_JOB)).toMatchObject({ schedule: expect.stringContaining('09:45'), nextRunAt: new Date('2026-03-10T13:45:00Z') });

    // The other replica runs at the new slot (its tick reloads the slot from the database).
    f.clock.now = new Date('2026-03-10T13:45:00Z');
    expect(await a.tick(ENGINE_RUN_JOB)).toMatchObject({ outcome: 'ran', nextRunAt: new Date('2026-03-11T13:45:00Z') });

    // The same slot again changes nothing; back to the default drops the override.
    await a.setTradeSlot('09:45', 'no change', admin);
    expect(await db.prisma.configHistory.count({ where: { key: 'schedule.trade_slot' } })).toBe(before + 1);
    await a.setTradeSlot('15:45', 'back to the close', admin);
    expect(await db.prisma.configOverride.findUnique({ where: { key: 'schedule.trade_slot' } })).toBeNull();
    expect((await db.prisma.configHistory.findMany({ where: { key: 'schedule.trade_slot' }, orderBy: { id: 'asc' } })).at(-1)).toMatchObject({ oldValue: '09:45', newValue: '15:45' });
  });

  it('a slot changed by someone else (config.set) is picked up at the next tick', async () => {
    const f = fixture('2026-03-10T13:00:00Z');
    const a = engine(f, db);
    await a.tick(ENGINE_RUN_JOB);
    await db.prisma.configOverride.create({ data: { key: 'schedule.trade_slot', value: '15:55' } });
    expect(await a.tick(ENGINE_RUN_JOB)).toMatchObject({ outcome: 'not_due', nextRunAt: new Date('2026-03-10T19:55:00Z') });
  });
});
