// scheduler.*: the background jobs persisted in scheduler_jobs (the strategy run at its trade
// slot, the Schwab syncs, the token expiry check, and what other capabilities register).
// Viewers read them; only admins enable, disable, trigger or move the trade slot.
import { z } from 'zod';
import { reasonSchema } from './engine.ts';
import { tradeSlotSchema } from './engine-config.ts';

export const SCHEDULER_JOB_STATUSES = ['ok', 'error', 'missed', 'skipped'] as const;
export const schedulerJobStatusSchema = z.enum(SCHEDULER_JOB_STATUSES);
export type SchedulerJobStatus = z.infer<typeof schedulerJobStatusSchema>;

/** A job id is also the `scheduler.<id>` advisory lock's name: a fixed identifier. */
export const schedulerJobIdSchema = z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/, 'a job id');

/** The job the strategy run at the trade slot is registered under. */
export const ENGINE_RUN_JOB = 'engine-run';

export const schedulerJobView = z.object({
  id: z.string(),
  label: z.string(),
  enabled: z.boolean(),
  /** The cron expression (America/New_York) or a description of the schedule. */
  schedule: z.string(),
  tradingDaysOnly: z.boolean(),
  nextRunAt: z.date().nullable(),
  lastRunAt: z.date().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  lastStatus: schedulerJobStatusSchema.nullable(),
  /** The last failure's message (never a stack), cut short. */
  lastError: z.string().nullable(),
  lastSummary: z.string().nullable(),
  /** The scheduled time of the last run recorded as missed. */
  lastMissedAt: z.date().nullable(),
});
export type SchedulerJobView = z.infer<typeof schedulerJobView>;

export const schedulerJobsOutput = z.object({ jobs: z.array(schedulerJobView), tradeSlot: tradeSlotSchema });
export type SchedulerJobsOutput = z.infer<typeof schedulerJobsOutput>;

export const schedulerSetEnabledInput = z.object({ id: schedulerJobIdSchema, enabled: z.boolean() }).strict();
export const schedulerTriggerInput = z.object({ id: schedulerJobIdSchema }).strict();
export const schedulerTriggerOutput = z.object({ id: z.string(), startedAt: z.date() });
export const schedulerSetTradeSlotInput = z.object({ slot: tradeSlotSchema, reason: reasonSchema }).strict();
export const schedulerSetTradeSlotOutput = z.object({ slot: tradeSlotSchema, nextRunAt: z.date().nullable() });

/** Typed refusals of scheduler.* (also in ERROR_REASONS). */
export const SCHEDULER_REFUSALS = ['SCHEDULER_JOB_UNKNOWN', 'SCHEDULER_JOB_BUSY'] as const;
export type SchedulerRefusal = (typeof SCHEDULER_REFUSALS)[number];
