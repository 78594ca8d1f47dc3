// Procedure builders. Each procedure still states its rate-limit bucket and audit event in
// `.meta()`; the builder only fixes who may call it. A test walks the router to make sure
// every procedure declares all of it.
import { TRPCError } from '@trpc/server';
import type { Role } from '@jutsu/shared';
import type { AuthState } from './context.ts';
import { databaseOutageMiddleware } from './database-outage.ts';
import { t } from './init.ts';
import { auditMiddleware, authMiddleware, rateLimitMiddleware } from './middleware.ts';

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

const protectedBase = t.procedure.use(databaseOutageMiddleware).use(rateLimitMiddleware).use(authMiddleware).use(auditMiddleware);

const requireAuth = t.middleware(({ ctx, next }) => {
  const auth = (ctx as { auth?: AuthState }).auth;
  if (!auth) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  return next({ ctx: { auth } });
});

export const publicProcedure = protectedBase.meta({ auth: 'public' });
export const authedProcedure = protectedBase.meta({ auth: 'authenticated' }).use(requireAuth);
export const roleProcedure = (role: Role) => protectedBase.meta({ auth: role }).use(requireAuth);
