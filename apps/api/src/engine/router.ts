// engine.state / engine.control / engine.setMode / engine.transitions: the state machine's
// procedures. Viewers read; traders start, pause entries, resume from a pause and stop; the
// service refuses what the transition needs an admin for (halt, resume from a halt). Mode
// changes are admin-only with a sign-in within 5 minutes. Refusals of control and setMode are
// audited; successes are the service's own security events.
import { TRPCError } from '@trpc/server';
import {
  engineControlInput,
  engineControlOutput,
  engineModeSchema,
  engineSetModeInput,
  engineStateOutput,
  engineStateSchema,
  engineTransitionsInput,
  engineTransitionsOutput,
  type EngineStateOutput,
  type Role,
} from '@jutsu/shared';
import { userActor } from '../security/actor.ts';
import type { AuthedContext } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { controlEngine, EngineStateError, engineView, setEngineMode } from './state.ts';

function refusal(err: unknown): never {
  if (!(err instanceof EngineStateError)) throw err;
  switch (err.code) {
    case 'FORBIDDEN':
      throw new TRPCError({ code: 'FORBIDDEN', message: err.message });
    case 'INVALID_TRANSITION':
      throw appError('CONFLICT', err.code, err.message, { state: err.state });
    case 'SECOND_FACTOR_REQUIRED':
      throw appError('FORBIDDEN', err.code, err.message);
    case 'ACCOUNT_MISMATCH':
      throw appError('BAD_REQUEST', err.code, err.message);
    default:
      throw appError('PRECONDITION_FAILED', err.code, err.message);
  }
}

const actorOf = (ctx: AuthedContext) => userActor({ ip: ctx.ip, userAgent: ctx.userAgent, auth: ctx.auth });
const view = (ctx: AuthedContext, role: Role = ctx.auth.role): Promise<EngineStateOutput> => engineView(ctx.services.engineState, role);

export const engineStateRouter = router({
  state: roleProcedure('viewer')
    .meta({ rateLimit: 'api', audit: false })
    .output(engineStateOutput)
    .query(({ ctx }) => view(ctx)),

  /** Refusals are logged (engine.control_refused); a transition writes engine.state_changed itself. */
  control: roleProcedure('trader')
    .meta({ rateLimit: 'admin', audit: 'engine.control_refused', auditOn: 'failure' })
    .input(engineControlInput)
    .output(engineControlOutput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { action: input.action };
      const res = await controlEngine(ctx.services.engineState, actorOf(ctx), input).catch(refusal);
      return { state: await view(ctx), cancelledOrders: res.cancelledOrders, cancelError: res.cancelError };
    }),

  /** Live: admin, recent sign-in, second factor, Schwab connected, the account's last 4. Paper: one call. */
  setMode: roleProcedure('admin')
    .meta({ rateLimit: 'sensitive', audit: 'engine.mode_refused', auditOn: 'failure', recentAuthMinutes: 5 })
    .input(engineSetModeInput)
    .output(engineStateOutput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { mode: input.mode };
      try {
        await setEngineMode(ctx.services.engineState, actorOf(ctx), input);
      } catch (err) {
        // A wrong last 4 is already its own security event (engine.live_refused).
        if (err instanceof EngineStateError && err.code === 'ACCOUNT_MISMATCH') ctx.audit.skip = true;
        refusal(err);
      }
      return view(ctx);
    }),

  /** Newest first, keyset-paged by id. */
  transitions: roleProcedure('viewer')
    .meta({ rateLimit: 'api', audit: false })
    .input(engineTransitionsInput)
    .output(engineTransitionsOutput)
    .query(async ({ ctx, input }) => {
      const limit = input?.limit ?? 20;
      const { prisma } = ctx.services;
      const rows = await prisma.engineTransition.findMany({
        where: input?.cursor ? { id: { lt: BigInt(input.cursor) } } : {},
        orderBy: { id: 'desc' },
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      const ids = [...new Set(page.flatMap((r) => (r.actorUserId ? [r.actorUserId] : [])))];
      const names = new Map((await prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, username: true } })).map((u) => [u.id, u.username]));
      return {
        items: page.map((r) => ({
          id: r.id.toString(),
          // Rows are written only by engine/state.ts; an unreadable one shows as stopped/paper rather than failing the page.
          from: engineStateSchema.catch('stopped').parse(r.fromState),
          to: engineStateSchema.catch('stopped').parse(r.toState),
          action: r.action,
          mode: engineModeSchema.catch('paper').parse(r.mode),
          reason: r.reason,
          actor: r.actorUserId ? (names.get(r.actorUserId) ?? 'deleted user') : r.actor,
          at: r.createdAt,
        })),
        nextCursor: rows.length > limit ? page[page.length - 1]!.id.toString() : null,
      };
    }),
});
