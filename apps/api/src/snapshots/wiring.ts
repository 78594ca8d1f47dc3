// The snapshot schedules as scheduler jobs (scheduler_jobs): the close at 16:15 New York
// (13:15 on half days) and an intraday point every five minutes of the session; and the
// backfill once at start, as a worker. Each runs on one replica (the `scheduler.<job>` lock).
import { tryAdvisoryLock, type SqlDriver } from '@jutsu/db';
import { isTradingDay, newYorkDate, newYorkMinutes, isMarketOpen, sessionClose, shiftDate } from '@jutsu/shared';
import type { LiveBus } from '../http/live-bus.ts';
import type { Logger } from '../logger.ts';
import { systemActor } from '../security/actor.ts';
import { runSync } from '../schwab/sync.ts';
import type { SchwabServices } from '../schwab/wiring.ts';
import type { JobDefinition } from '../scheduler/scheduler.ts';
import type { Worker } from '../workers.ts';
import { backfill, takeEndOfDaySnapshot, takeIntradayPoint, type SnapshotDeps } from './service.ts';
import type { PrismaClient } from '@jutsu/db';

/** Minutes after the close at which the day's snapshot is taken (the last sync has landed by then). */
export const EOD_DELAY_MINUTES = 15;

/** Whether `now` is the minute of the end-of-day snapshot: 16:15 New York, 13:15 on a half day, trading days only. */
export function isEndOfDayMinute(now: Date): boolean {
  const date = newYorkDate(now);
  return isTradingDay(date) && newYorkMinutes(now) === newYorkMinutes(sessionClose(date)) + EOD_DELAY_MINUTES;
}

/** The next end-of-day snapshot time after `now`. */
export function nextEndOfDay(now: Date): Date {
  let date = newYorkDate(now);
  for (let i = 0; i < 15; i++, date = shiftDate(date, 1)) {
    if (!isTradingDay(date)) continue;
    const at = new Date(sessionClose(date).getTime() + EOD_DELAY_MINUTES * 60_000);
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error('no trading day within 15 days');
}

/** The next five-minute mark after `now` while the market is open. */
export function nextIntradayPoint(now: Date): Date {
  const step = 5 * 60_000;
  let at = Math.floor(now.getTime() / step) * step + step;
  // At most a long weekend plus holidays ahead.
  for (let i = 0; i < 6 * 288; i++, at += step) if (isMarketOpen(new Date(at))) return new Date(at);
  throw new Error('no session within 6 days');
}

export interface SnapshotServiceDeps {
  prisma: PrismaClient;
  sql: SqlDriver;
  liveBus: Pick<LiveBus, 'publish'>;
  logger: Logger;
  schwab: SchwabServices;
}

export function createSnapshotServices(d: SnapshotServiceDeps): { deps: SnapshotDeps; jobs: JobDefinition[]; workers: Worker[] } {
  const deps: SnapshotDeps = {
    prisma: d.prisma,
    schwab: d.schwab.deps,
    logger: d.logger,
    publish: async (e) => void (await d.liveBus.publish({ type: 'snapshot.appended', payload: { snapshotId: e.snapshotId, at: e.at.toISOString() } })),
  };
  const connected = async () => {
    if (!d.schwab.deps.oauth) return false;
    const token = await d.prisma.schwabToken.findUnique({ where: { id: 'primary' }, select: { reauthRequiredAt: true } });
    return token !== null && token.reauthRequiredAt === null;
  };
  const eod: JobDefinition = {
    id: 'snapshots-eod',
    label: 'End-of-day snapshot',
    schedule: nextEndOfDay,
    describe: 'trading days at 16:15 New York (13:15 on half days)',
    graceMs: 3 * 60 * 60_000,
    tradingDaysOnly: true,
    run: async (actor) => {
      // The freshest balances first; a failed sync leaves the day to be recorded as stale.
      if (await connected()) await runSync(d.schwab.deps, { kind: 'system', name: 'system:schwab.sync' });
      const res = await takeEndOfDaySnapshot(deps, actor.kind === 'system' ? actor : systemActor('snapshots.eod'), { date: newYorkDate(new Date()) });
      if (!res.ok && res.reason === 'stale_balances') throw new Error('end-of-day snapshot: balances not read today');
      return { summary: res.ok ? 'snapshot taken' : `not taken: ${res.reason}` };
    },
  };
  const intraday: JobDefinition = {
    id: 'snapshots-intraday',
    label: 'Intraday equity point',
    schedule: nextIntradayPoint,
    describe: 'every 5 minutes while the market is open',
    graceMs: 4 * 60_000,
    run: async () => {
      await takeIntradayPoint(deps, systemActor('snapshots.intraday'));
    },
  };
  let running: Promise<unknown> | undefined;
  const start: Worker = {
    name: 'snapshots-backfill',
    required: false,
    start(ctx) {
      // Not awaited: a long backfill must not hold the server's start.
      running = tryAdvisoryLock(d.sql, 'scheduler.snapshots-backfill', () => backfill(deps, systemActor('snapshots.backfill')))
        .then(() => ctx.healthy())
        .catch((err: unknown) => {
          d.logger.warn({ err }, 'snapshot backfill failed');
          ctx.degraded(err);
        });
    },
    async stop() {
      await running;
    },
  };
  return { deps, jobs: [eod, intraday], workers: [start] };
}
