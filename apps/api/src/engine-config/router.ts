// config.*: the engine configuration. Every role from viewer reads it and its history; only
// admins change or revert it, with a sign-in within 15 minutes. A successful change writes its
// own security event (config.changed, with the old and new value); refusals past the role and
// step-up checks are audited as config.set_refused / config.revert_refused.
import { configEntry, configHistoryPage, configHistoryQueryInput, configHistoryRow, configRevertInput, configSetInput } from '@jutsu/shared';
import { z } from 'zod';
import { userActor } from '../security/actor.ts';
import type { AuthedContext } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { ConfigError, effective, history, revertConfig, setConfig, type ConfigDeps } from './service.ts';

const viewerProcedure = roleProcedure('viewer');
const adminProcedure = roleProcedure('admin');

function deps(ctx: Pick<AuthedContext, 'services'>): ConfigDeps {
  const { prisma, securityEvents, liveBus } = ctx.services;
  return { prisma, securityEvents, publish: (e) => liveBus.publish(e) };
}

function refusal(err: unknown): never {
  if (err instanceof ConfigError) throw appError(err.code === 'CONFIG_HISTORY_NOT_FOUND' ? 'NOT_FOUND' : 'BAD_REQUEST', err.code, err.message);
  throw err;
}

export const configRouter = router({
  /** Every key with its effective value, default and schema. */
  effective: viewerProcedure
    .meta({ rateLimit: 'api', audit: false })
    .output(z.array(configEntry))
    .query(({ ctx }) => effective(ctx.services)),

  /** Newest first; pass `nextCursor` back as `cursor`. */
  history: viewerProcedure
    .meta({ rateLimit: 'api', audit: false })
    .input(configHistoryQueryInput)
    .output(configHistoryPage)
    .query(({ ctx, input }) => history(ctx.services, input)),

  set: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'config.set_refused', auditOn: 'failure', recentAuthMinutes: 15 })
    .input(configSetInput)
    .output(configHistoryRow)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { key: input.key };
      return setConfig(deps(ctx), userActor(ctx), input).catch(refusal);
    }),

  /** Back to the value a history row recorded as its new value; itself a new history row. */
  revert: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'config.revert_refused', auditOn: 'failure', recentAuthMinutes: 15 })
    .input(configRevertInput)
    .output(configHistoryRow)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { historyId: input.historyId };
      return revertConfig(deps(ctx), userActor(ctx), input).catch(refusal);
    }),
});
