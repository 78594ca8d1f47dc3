// scheduler.* over real HTTP with a real database: who may read and change what, typed
// refusals that change nothing, a run started by an admin, a busy job, and the trade slot with
// its history and audit event.
import type { Role } from '@jutsu/shared';
import { ENGINE_RUN_JOB } from '@jutsu/shared';
import { withAdvisoryLock } from '@jutsu/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../auth/accounts.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { eventually, startHarness, type Harness } from '../testing/harness.ts';
import { appRouter } from '../trpc/app-router.ts';
import type { ProcedureMeta } from '../trpc/meta.ts';

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation'; meta?: ProcedureMeta } }>).filter(([p]) =>
  p.startsWith('scheduler.'),
);

let h: Harness;
const open: TestBrowser[] = [];
let seq = 0;

async function user(role: Role) {
  const username = `sched-${role}${++seq}`;
  const u = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
  const b = new TestBrowser(h);
  open.push(b);
  await b.signedIn(username);
  return { id: u.id, username, b };
}

// Not the run times: the running scheduler moves the sync's every minute.
const jobRows = () => h.services.prisma.schedulerJob.findMany({ orderBy: { id: 'asc' }, select: { id: true, enabled: true, schedule: true } });
const slotState = async () => ({
  override: await h.services.prisma.configOverride.findUnique({ where: { key: 'schedule.trade_slot' } }),
  history: await h.services.prisma.configHistory.count({ where: { key: 'schedule.trade_slot' } }),
});

beforeAll(async () => {
  h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
  // The worker's first pass writes every job's row.
  await eventually(async () => expect((await jobRows()).map((r) => r.id)).toEqual([ENGINE_RUN_JOB, 'reconciliation', 'schwab-expiry', 'schwab-sync', 'snapshots-eod', 'snapshots-intraday']), 20_000);
});
afterAll(async () => {
  for (const b of open) b.close();
  await h?.close();
});

describe('scheduler router', () => {
  it('declares viewers for reading and admins for every change, step-up for switching and the slot', () => {
    const declared = Object.fromEntries(procedures.map(([p, d]) => [p, { type: d._def.type, ...d._def.meta }]));
    expect(declared).toEqual({
      'scheduler.jobs': { type: 'query', auth: 'viewer', rateLimit: 'api', audit: false },
      'scheduler.setEnabled': { type: 'mutation', auth: 'admin', rateLimit: 'admin', audit: 'scheduler.job_switched', recentAuthMinutes: 15 },
      'scheduler.trigger': { type: 'mutation', auth: 'admin', rateLimit: 'admin', audit: 'scheduler.job_triggered' },
      'scheduler.setTradeSlot': { type: 'mutation', auth: 'admin', rateLimit: 'admin', audit: 'scheduler.trade_slot_changed', recentAuthMinutes: 15 },
    });
  });

  it('shows every job with its schedule and the trade slot to a viewer', async () => {
    const { b } = await user('viewer');
    const res = await b.client.scheduler.jobs.query();
    expect(res.tradeSlot).toBe('15:45');
    expect(res.jobs.map((j) => j.id)).toEqual(['schwab-sync', 'schwab-expiry', ENGINE_RUN_JOB, 'snapshots-eod', 'snapshots-intraday', 'reconciliation']);
    const engine = res.jobs.find((j) => j.id === ENGINE_RUN_JOB)!;
    expect(engine).toMatchObject({ label: 'Strategy run', enabled: true, tradingDaysOnly: true, schedule: expect.stringContaining('15:45') });
    expect(engine.nextRunAt).toBeInstanceOf(Date);
    expect(engine.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(res.jobs.find((j) => j.id === 'schwab-expiry')).toMatchObject({ schedule: '*/5 * * * *' });
  });

  it('refuses a viewer and a trader every change, and an anonymous caller everything, changing nothing', async () => {
    const before = { rows: await jobRows(), slot: await slotState() };
    const viewer = await user('viewer');
    const trader = await user('trader');
    for (const b of [viewer.b, trader.b]) {
      expect((await failure(b.client.scheduler.trigger.mutate({ id: 'schwab-expiry' }))).data?.code).toBe('FORBIDDEN');
      expect((await failure(b.client.scheduler.setEnabled.mutate({ id: 'schwab-expiry', enabled: false }))).data?.code).toBe('FORBIDDEN');
      expect((await failure(b.client.scheduler.setTradeSlot.mutate({ slot: '09:30', reason: 'earlier please' }))).data?.code).toBe('FORBIDDEN');
    }
    const anon = new TestBrowser(h);
    open.push(anon);
    expect((await failure(anon.client.scheduler.jobs.query())).data?.code).toBe('UNAUTHORIZED');
    expect((await failure(anon.client.scheduler.trigger.mutate({ id: 'schwab-expiry' }))).data?.code).toBe('UNAUTHORIZED');
    expect({ rows: await jobRows(), slot: await slotState() }).toEqual(before);
  });

  it('asks an admin signed in more than 15 minutes ago to confirm before switching or moving the slot', async () => {
    const admin = await user('admin');
    await h.services.prisma.session.updateMany({ where: { userId: admin.id }, data: { authTime: new Date(Date.now() - 20 * 60_000) } });
    const before = { rows: await jobRows(), slot: await slotState() };
    expect(reasonOf(await failure(admin.b.client.scheduler.setEnabled.mutate({ id: 'schwab-expiry', enabled: false })))).toBe('REAUTH_REQUIRED');
    expect(reasonOf(await failure(admin.b.client.scheduler.setTradeSlot.mutate({ slot: '09:30', reason: 'earlier please' })))).toBe('REAUTH_REQUIRED');
    expect({ rows: await jobRows(), slot: await slotState() }).toEqual(before);
  });

  it('refuses malformed input and unknown jobs with typed errors, changing nothing', async () => {
    const { b } = await user('admin');
    const before = { rows: await jobRows(), slot: await slotState() };
    const bad: Array<Promise<unknown>> = [
      b.client.scheduler.trigger.mutate({ id: 'Robert"); DROP TABLE' }),
      b.client.scheduler.trigger.mutate({ id: 'x'.repeat(100) }),
      b.client.scheduler.setEnabled.mutate({ id: 'schwab-expiry', enabled: 'no' as unknown as boolean }),
      b.client.scheduler.setTradeSlot.mutate({ slot: '10:00' as '09:30', reason: 'not a slot' }),
      b.client.scheduler.setTradeSlot.mutate({ slot: '09:30', reason: ' ' }),
      b.client.scheduler.setTradeSlot.mutate({ slot: '09:30', reason: 'x'.repeat(501) }),
      b.client.scheduler.setTradeSlot.mutate({ slot: '09:30', reason: 'extra key', extra: 1 } as never),
    ];
    for (const call of bad) expect((await failure(call)).data?.code).toBe('BAD_REQUEST');
    const unknown = await failure(b.client.scheduler.trigger.mutate({ id: 'no-such-job' }));
    expect([unknown.data?.code, reasonOf(unknown)]).toEqual(['NOT_FOUND', 'SCHEDULER_JOB_UNKNOWN']);
    expect(reasonOf(await failure(b.client.scheduler.setEnabled.mutate({ id: 'no-such-job', enabled: true })))).toBe('SCHEDULER_JOB_UNKNOWN');
    expect({ rows: await jobRows(), slot: await slotState() }).toEqual(before);
  });

  it('lets an admin run a job now, records the outcome as theirs, and refuses while it runs', async () => {
    const admin = await user('admin');
    // Off, so its own 5-minute slots stay out of the way: a manual run ignores the switch.
    await h.services.prisma.schedulerJob.update({ where: { id: 'schwab-expiry' }, data: { enabled: false } });
    const res = await admin.b.client.scheduler.trigger.mutate({ id: 'schwab-expiry' });
    expect(res.id).toBe('schwab-expiry');
    await eventually(async () => {
      const row = await h.services.prisma.schedulerJob.findUniqueOrThrow({ where: { id: 'schwab-expiry' } });
      expect(row).toMatchObject({ lastStatus: 'ok', lastRunAt: res.startedAt, state: expect.objectContaining({ trigger: 'manual', actor: `user:${admin.username}` }) });
    }, 10_000);
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'scheduler.job_triggered', userId: admin.id } })).toBe(1);

    // Held by someone else (another replica's run): a typed refusal, nothing run.
    const lastRunAt = (await h.services.prisma.schedulerJob.findUniqueOrThrow({ where: { id: 'schwab-expiry' } })).lastRunAt;
    // Waiting for it: the scheduler's own driver may be looking at the job this very moment.
    const held = await withAdvisoryLock(h.db.sql, 'scheduler.schwab-expiry', async () => {
      const err = await failure(admin.b.client.scheduler.trigger.mutate({ id: 'schwab-expiry' }));
      return [err.data?.code, reasonOf(err)];
    });
    expect(held).toEqual(['CONFLICT', 'SCHEDULER_JOB_BUSY']);
    expect((await h.services.prisma.schedulerJob.findUniqueOrThrow({ where: { id: 'schwab-expiry' } })).lastRunAt).toEqual(lastRunAt);
  });

  it('lets an admin switch a job off and on, audited', async () => {
    const admin = await user('admin');
    const off = await admin.b.client.scheduler.setEnabled.mutate({ id: 'schwab-sync', enabled: false });
    expect(off).toMatchObject({ id: 'schwab-sync', enabled: false });
    expect((await h.services.prisma.schedulerJob.findUniqueOrThrow({ where: { id: 'schwab-sync' } })).enabled).toBe(false);
    const on = await admin.b.client.scheduler.setEnabled.mutate({ id: 'schwab-sync', enabled: true });
    expect(on.enabled).toBe(true);
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'scheduler.job_switched', userId: admin.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.details)).toEqual([expect.objectContaining({ job: 'schwab-sync', enabled: false, outcome: 'success' }), expect.objectContaining({ job: 'schwab-sync', enabled: true, outcome: 'success' })]);
  });

  it('moves the trade slot: the override, a history row with who and why, the next run, an audit event', async () => {
    const admin = await user('admin');
    const before = await slotState();
    const res = await admin.b.client.scheduler.setTradeSlot.mutate({ slot: '09:30', reason: 'trade at the open' });
    expect(res.slot).toBe('09:30');
    expect(res.nextRunAt).toBeInstanceOf(Date);
    // 09:30 New York is 13:30 or 14:30 UTC.
    expect([13, 14]).toContain(res.nextRunAt!.getUTCHours());
    expect(res.nextRunAt!.getUTCMinutes()).toBe(30);
    const after = await slotState();
    expect(after.override).toMatchObject({ value: '09:30', updatedById: admin.id });
    expect(after.history).toBe(before.history + 1);
    const last = await h.services.prisma.configHistory.findFirstOrThrow({ where: { key: 'schedule.trade_slot' }, orderBy: { id: 'desc' } });
    expect(last).toMatchObject({ oldValue: '15:45', newValue: '09:30', changedById: admin.id, reason: 'trade at the open' });
    const jobs = await admin.b.client.scheduler.jobs.query();
    expect(jobs.tradeSlot).toBe('09:30');
    expect(jobs.jobs.find((j) => j.id === ENGINE_RUN_JOB)).toMatchObject({ nextRunAt: res.nextRunAt, schedule: expect.stringContaining('09:30') });
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'scheduler.trade_slot_changed', userId: admin.id } })).toBe(1);
    expect(await h.services.prisma.liveEvent.count({ where: { type: 'scheduler.changed' } })).toBeGreaterThan(0);
  });
});
