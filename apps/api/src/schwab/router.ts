// schwab.*: the brokerage connection. Admin only (procedure meta); starting a login and
// forgetting the tokens need a sign-in within 15 minutes, and connecting needs an admin whose
// account has a second factor or a passkey. No procedure ever answers a token.
import { schwabAccountView, schwabCallbackInput, schwabInitiateOutput, schwabStatusSchema, schwabSyncOutput, maskAccountNumber } from '@jutsu/shared';
import { z } from 'zod';
import { hasSecondFactor } from '../auth/second-factor.ts';
import type { AuthedContext } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { completeLogin, ConnectionFlowError, deleteTokens, initiateLogin, readStatus } from './connection.ts';
import { BALANCES_KEY_PREFIX, runSync } from './sync.ts';

const adminProcedure = roleProcedure('admin');

function flowError(err: unknown): never {
  if (err instanceof ConnectionFlowError) {
    const code = err.code === 'SCHWAB_NOT_CONFIGURED' ? 'PRECONDITION_FAILED' : err.code === 'SCHWAB_UNAVAILABLE' ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST';
    throw appError(code, err.code, err.message);
  }
  throw err;
}

async function requireSecondFactor(ctx: AuthedContext): Promise<void> {
  if (!(await hasSecondFactor(ctx.services.prisma, ctx.auth.userId))) {
    throw appError('FORBIDDEN', 'SECOND_FACTOR_REQUIRED', 'Set up two-factor sign-in or a passkey before connecting a brokerage account.');
  }
}

export const schwabRouter = router({
  status: adminProcedure
    .meta({ rateLimit: 'admin', audit: false })
    .output(schwabStatusSchema)
    .query(({ ctx }) => readStatus(ctx.services.schwab.deps)),

  accounts: adminProcedure
    .meta({ rateLimit: 'admin', audit: false })
    .output(z.array(schwabAccountView))
    .query(async ({ ctx }) => {
      const { prisma } = ctx.services;
      const accounts = await prisma.brokerageAccount.findMany({ where: { isPaper: false }, orderBy: { createdAt: 'asc' } });
      const [counts, balances] = await Promise.all([
        prisma.position.groupBy({ by: ['accountHash'], where: { isPaper: false }, _count: { _all: true } }),
        prisma.systemState.findMany({ where: { key: { in: accounts.map((a) => `${BALANCES_KEY_PREFIX}${a.accountHash}`) } } }),
      ]);
      return accounts.map((a) => {
        const b = balances.find((s) => s.key === `${BALANCES_KEY_PREFIX}${a.accountHash}`)?.value as { liquidationValue?: string; cash?: string | null; accountType?: string } | undefined;
        return {
          masked: maskAccountNumber(a.numberLast4),
          type: b?.accountType ?? null,
          lastSyncedAt: a.lastSyncedAt,
          positions: counts.find((c) => c.accountHash === a.accountHash)?._count._all ?? 0,
          liquidationValue: b?.liquidationValue ?? null,
          cash: b?.cash ?? null,
        };
      });
    }),

  /** Answers the Schwab page to open; the state and PKCE verifier stay on the server. */
  initiate: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'schwab.login_started', recentAuthMinutes: 15 })
    .output(schwabInitiateOutput)
    .mutation(async ({ ctx }) => {
      await requireSecondFactor(ctx);
      return initiateLogin(ctx.services.schwab.deps, { userId: ctx.auth.userId, sessionId: ctx.auth.sessionId }).catch(flowError);
    }),

  /** Refusals are logged (schwab.callback_refused); a success writes schwab.connected. */
  callback: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'schwab.callback_refused', auditOn: 'failure' })
    .input(schwabCallbackInput)
    .output(schwabStatusSchema)
    .mutation(({ ctx, input }) =>
      completeLogin(ctx.services.schwab.deps, { userId: ctx.auth.userId, sessionId: ctx.auth.sessionId }, input).catch(flowError),
    ),

  deleteToken: adminProcedure
    .meta({ rateLimit: 'admin', audit: false, recentAuthMinutes: 15 })
    .output(z.object({ deleted: z.boolean() }))
    .mutation(({ ctx }) => deleteTokens(ctx.services.schwab.deps, { userId: ctx.auth.userId })),

  sync: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'schwab.sync_requested' })
    .output(schwabSyncOutput)
    .mutation(({ ctx }) => runSync(ctx.services.schwab.deps, { kind: 'user', userId: ctx.auth.userId })),
});
