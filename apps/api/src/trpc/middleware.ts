// The three middlewares every procedure passes through, driven only by its meta:
// rate limit → authentication/role → audit.
import { TRPCError } from '@trpc/server';
import { roleAtLeast } from '@jutsu/shared';
import { TokenError } from '../auth/access-token.ts';
import { resolveAccess } from '../auth/session-guard.ts';
import { RateLimitedError } from '../security/rate-limit.ts';
import type { AuthState, Context } from './context.ts';
import { appError, ReasonCause } from './errors.ts';
import { t } from './init.ts';

function misconfigured(path: string, what: string): TRPCError {
  // Fail closed: a procedure without declared protection is not callable.
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `procedure ${path} does not declare ${what} in its meta` });
}

async function userKeyFromToken(ctx: Context): Promise<string | undefined> {
  if (!ctx.accessToken) return undefined;
  try {
    return (await ctx.services.accessTokens.verify(ctx.accessToken)).sub;
  } catch {
    return undefined;
  }
}

/** The procedure's declared window, capped by the operator's STEP_UP_MAX_AGE_SECONDS. */
export function stepUpWindowMs(declaredMinutes: number, capSeconds: number | undefined): number {
  const declared = declaredMinutes * 60_000;
  return capSeconds === undefined ? declared : Math.min(declared, capSeconds * 1000);
}

export const rateLimitMiddleware = t.middleware(async ({ ctx, meta, path, type, next }) => {
  if (!meta || meta.rateLimit === undefined) throw misconfigured(path, 'rateLimit');
  // The WebSocket carries subscriptions only: cookies, headers and CORS rules are HTTP's.
  if (ctx.transport === 'ws' && type !== 'subscription') {
    throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'Use HTTP for queries and mutations.' });
  }
  if (meta.rateLimit === false) return next();
  const bucket = meta.rateLimit;
  const spec = ctx.services.rateLimits.spec(bucket);
  const userId = spec.by === 'user' ? await userKeyFromToken(ctx) : undefined;
  const key = userId ? `u:${userId}` : `ip:${ctx.ip}`;
  try {
    await ctx.services.rateLimits.consume(bucket, key);
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    ctx.res?.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (err.firstRefusal) {
      await ctx.services.securityEvents
        .recordFromRequest({ type: 'rate_limit.hit', severity: 'warning', userId: userId ?? null, ip: ctx.ip, userAgent: ctx.userAgent, details: { bucket, procedure: path } })
        .catch((e: unknown) => ctx.services.logger.error({ err: e }, 'could not record rate-limit event'));
    }
    throw appError('TOO_MANY_REQUESTS', 'RATE_LIMITED', `Too many requests. Try again in ${err.retryAfterSeconds} s.`, {
      retryAfter: err.retryAfterSeconds,
    });
  }
  const result = await next();
  // A refusal further in (the per-account sign-in delay) says when to retry the same way.
  if (!result.ok && result.error.code === 'TOO_MANY_REQUESTS' && result.error.cause instanceof ReasonCause) {
    const retryAfter = result.error.cause.extra.retryAfter;
    if (typeof retryAfter === 'number') ctx.res?.setHeader('Retry-After', String(retryAfter));
  }
  return result;
});

export const authMiddleware = t.middleware(async ({ ctx, meta, path, next }) => {
  if (!meta?.auth) throw misconfigured(path, 'auth');
  if (meta.auth === 'public') return next({ ctx: { auth: undefined as AuthState | undefined } });
  const record = (type: string, details: Record<string, unknown>, userId: string | null = null) =>
    ctx.services.securityEvents
      .recordFromRequest({ type, severity: 'warning', userId, ip: ctx.ip, userAgent: ctx.userAgent, details: { procedure: path, transport: ctx.transport, ...details } })
      .catch((e: unknown) => ctx.services.logger.error({ err: e }, 'could not record auth event'));
  if (!ctx.accessToken) throw appError('UNAUTHORIZED', 'TOKEN_INVALID', 'Sign in to continue.');
  let claims;
  try {
    claims = await ctx.services.accessTokens.verify(ctx.accessToken);
  } catch (err) {
    const kind = err instanceof TokenError ? err.kind : 'invalid';
    await record('token.invalid', { kind });
    throw appError('UNAUTHORIZED', kind === 'expired' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID', kind === 'expired' ? 'Your session token expired.' : 'Invalid session token.');
  }
  const access = await resolveAccess(ctx.services.prisma, claims, ctx.services.accessCache);
  if ('refused' in access) {
    await record('token.refused', { why: access.refused }, claims.sub);
    const reason = access.refused === 'user_disabled' ? 'ACCOUNT_DISABLED' : 'SESSION_REVOKED';
    throw appError('UNAUTHORIZED', reason, access.refused === 'user_disabled' ? 'This account is disabled.' : 'This session has ended. Sign in again.');
  }
  if (meta.auth !== 'authenticated' && !roleAtLeast(access.role, meta.auth)) {
    await record('access.forbidden', { role: access.role, required: meta.auth }, access.userId);
    throw new TRPCError({ code: 'FORBIDDEN', message: 'You do not have permission to do this.' });
  }
  if (access.mustChangePassword && !meta.passwordChangeExempt) {
    throw appError('FORBIDDEN', 'PASSWORD_CHANGE_REQUIRED', 'Choose a new password to continue.');
  }
  if (meta.recentAuthMinutes !== undefined && Date.now() - access.authTime.getTime() > stepUpWindowMs(meta.recentAuthMinutes, ctx.services.config.STEP_UP_MAX_AGE_SECONDS)) {
    throw appError('FORBIDDEN', 'REAUTH_REQUIRED', 'Confirm your password to continue.');
  }
  if (ctx.ws) ctx.services.sockets.attach(ctx.ws, access);
  return next({ ctx: { auth: access as AuthState | undefined } });
});

export const auditMiddleware = t.middleware(async ({ ctx, meta, path, next }) => {
  if (!meta || meta.audit === undefined) throw misconfigured(path, 'audit');
  if (meta.audit === false) return next();
  const type = meta.audit;
  const result = await next();
  const auth = (ctx as Context & { auth?: AuthState }).auth;
  const note = ctx.audit;
  if ((result.ok && meta.auditOn === 'failure') || note.skip) return result;
  const failure = result.ok ? undefined : result.error;
  // A refusal by a throttle is logged by the throttle itself, once per window (rate_limit.hit):
  // one row per refused request would let a flood fill the log.
  if (failure?.cause instanceof ReasonCause && failure.cause.reason === 'RATE_LIMITED') return result;
  const severity = note.severity ?? (failure ? 'warning' : 'info');
  // A success noted at info level is written right after the answer (recordSoon): the caller
  // need not wait for the chain's lock and commit. Failures, warnings and criticals (guessing,
  // refusals, alerts) are written before the answer goes out.
  const soon = !failure && severity === 'info';
  await ctx.services.securityEvents
    .recordFromRequest({
      type,
      severity,
      userId: note.userId !== undefined ? note.userId : (auth?.userId ?? null),
      username: note.username !== undefined ? note.username : (auth?.username ?? null),
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      details: {
        ...note.details,
        outcome: failure ? 'failure' : 'success',
        ...(failure ? { code: failure.code, reason: failure.cause instanceof ReasonCause ? failure.cause.reason : undefined } : {}),
      },
    }, { soon })
    .catch((e: unknown) => ctx.services.logger.error({ err: e, event: type }, 'could not record audit event'));
  return result;
});
