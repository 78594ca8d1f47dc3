// engine.runs / engine.preview / engine.runNow. Viewers read the runs; traders preview the
// next run (nothing is created or placed) and start one now. A run refused by a guard is an
// answer, not an error: the run row carries the typed refusal the Engine screen shows. Only
// "another run is in progress" (nothing was started) is an error.
import { engineRunView, engineRunsInput } from '@jutsu/shared';
import { z } from 'zod';
import { userActor } from '../security/actor.ts';
import type { AuthedContext } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { recoverIntents } from './orders.ts';
import { listRuns, runEngine, type RunView } from './runner.ts';
import { readEngineState } from './state-store.ts';

async function start(ctx: AuthedContext, dryRun: boolean): Promise<RunView> {
  // As before a scheduled run: live orders a crash left unanswered are looked up at the broker
  // first. Best effort: if Schwab cannot be reached, the run's ORDERS_UNSETTLED guard refuses.
  if (!dryRun && (await readEngineState(ctx.services.prisma)).mode === 'live') {
    await recoverIntents(ctx.services.liveOrders, { track: true }).catch((err: unknown) => ctx.services.logger.warn({ err }, 'settling live orders before a manual run failed'));
  }
  const result = await runEngine(ctx.services.engineRun, userActor(ctx), { trigger: 'manual', dryRun });
  if (result.runId === null) throw appError('CONFLICT', 'RUN_IN_PROGRESS', 'Another run is in progress.');
  const [view] = await listRuns(ctx.services.prisma, { limit: 1, includeDryRuns: true, ids: [result.runId] });
  return view!;
}

export const engineRunRouter = router({
  runs: roleProcedure('viewer')
    .meta({ rateLimit: 'api', audit: false })
    .input(engineRunsInput)
    .output(z.array(engineRunView))
    .query(({ ctx, input }) => listRuns(ctx.services.prisma, { limit: input?.limit ?? 50, includeDryRuns: input?.includeDryRuns ?? true })),

  /** What the next run would do now: its guards and intents, recorded as a dry run. */
  preview: roleProcedure('trader')
    .meta({ rateLimit: 'sensitive', audit: false })
    .output(engineRunView)
    .mutation(({ ctx }) => start(ctx, true)),

  runNow: roleProcedure('trader')
    .meta({ rateLimit: 'sensitive', audit: 'engine.run_requested' })
    .output(engineRunView)
    .mutation(({ ctx }) => start(ctx, false)),
});
