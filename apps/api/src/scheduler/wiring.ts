// Builds the process's scheduler from the jobs each capability contributes. services.ts calls
// it with the Schwab jobs and, as extraJobs, the jobs of the engine (the strategy run at the
// trade slot: engineRunJob(tradeSlot, run) with the engine's run), the end-of-day snapshot and
// the reconciliation. A job id is registered once; a duplicate fails at start-up.
import type { PrismaClient, SqlDriver } from '@jutsu/db';
import type { LiveBus } from '../http/live-bus.ts';
import type { Logger } from '../logger.ts';
import { Scheduler, type JobDefinition, type JobRunResult } from './scheduler.ts';

export interface SchedulerWiringDeps {
  prisma: PrismaClient;
  sql: SqlDriver;
  logger: Logger;
  liveBus: Pick<LiveBus, 'publish' | 'onEvent'>;
}

export interface SchedulerJobs {
  /** The jobs of capabilities built before the scheduler (Schwab). */
  jobs: JobDefinition[];
  /** The jobs of the engine and its helpers, passed in by services.ts. */
  extraJobs?: JobDefinition[];
}

export function createScheduler(d: SchedulerWiringDeps, sources: SchedulerJobs): Scheduler {
  const scheduler = new Scheduler({ prisma: d.prisma, sql: d.sql, logger: d.logger, publish: (e) => d.liveBus.publish(e) }, { jobs: sources.jobs, extraJobs: sources.extraJobs ?? [] });
  // A job switched or moved on another replica: read its row at the next wake-up rather than
  // at the next refresh (the row is the truth either way; this only makes it sooner).
  d.liveBus.onEvent((e) => {
    if (e.type === 'scheduler.changed') scheduler.forget(e.payload.jobId);
  });
  return scheduler;
}

/**
 * The engine run's stand-in while a build has no strategy runner: every slot is kept on the
 * calendar and recorded as skipped, saying why. services.ts replaces it with the engine's run.
 */
export async function strategyRunnerMissing(): Promise<JobRunResult> {
  return { skipped: true, summary: 'no strategy runner in this build' };
}


