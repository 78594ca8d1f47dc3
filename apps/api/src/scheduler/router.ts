// scheduler.*: the scheduled jobs. Viewers read them; admins switch a job on or off, run one
// now, or move the strategy's trade slot (switching and moving need a sign-in within 15
// minutes). Every change is a security event (meta audit) with the job and what changed.
import {
  schedulerJobsOutput,
  schedulerJobView,
  schedulerSetEnabledInput,
  schedulerSetTradeSlotInput,
  schedulerSetTradeSlotOutput,
  schedulerTriggerInput,
  schedulerTriggerOutput,
  type TradeSlot,
} from '@jutsu/shared';
import { readEffectiveConfig } from '../engine-config/effective.ts';
import { userActor } from '../security/actor.ts';
import { appError } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { SchedulerError } from './scheduler.ts';

function refusal(err: unknown): never {
  if (err instanceof SchedulerError) throw appError(err.code === 'SCHEDULER_JOB_UNKNOWN' ? 'NOT_FOUND' : 'CONFLICT', err.code, err.message);
  throw err;
}

export const schedulerRouter = router({
  jobs: roleProcedure('viewer')
    .meta({ rateLimit: 'api', audit: false })
    .output(schedulerJobsOutput)
    .query(async ({ ctx }) => {
      const [jobs, config] = await Promise.all([ctx.services.scheduler.jobs(), readEffectiveConfig(ctx.services.prisma)]);
      // readEffectiveConfig answers only values inside the schema (else the default).
      return { jobs, tradeSlot: config['schedule.trade_slot'] as TradeSlot };
    }),

  setEnabled: roleProcedure('admin')
    .meta({ rateLimit: 'admin', audit: 'scheduler.job_switched', recentAuthMinutes: 15 })
    .input(schedulerSetEnabledInput)
    .output(schedulerJobView)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { job: input.id, enabled: input.enabled };
      return ctx.services.scheduler.setEnabled(input.id, input.enabled, userActor(ctx)).catch(refusal);
    }),

  /** Starts the run and answers; the outcome shows in scheduler.jobs when it ends. */
  trigger: roleProcedure('admin')
    .meta({ rateLimit: 'admin', audit: 'scheduler.job_triggered' })
    .input(schedulerTriggerInput)
    .output(schedulerTriggerOutput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { job: input.id };
      const { startedAt } = await ctx.services.scheduler.trigger(input.id, userActor(ctx)).catch(refusal);
      return { id: input.id, startedAt };
    }),

  setTradeSlot: roleProcedure('admin')
    .meta({ rateLimit: 'admin', audit: 'scheduler.trade_slot_changed', recentAuthMinutes: 15 })
    .input(schedulerSetTradeSlotInput)
    .output(schedulerSetTradeSlotOutput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { slot: input.slot };
      return ctx.services.scheduler.setTradeSlot(input.slot, input.reason, userActor(ctx)).catch(refusal);
    }),
});
