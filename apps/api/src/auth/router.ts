// auth.*: password sign-in, the session's refresh/logout, session management, password
// change. Served at /api/auth (the only mount that sees the refresh cookie).
import Bowser from 'bowser';
import { z } from 'zod';
import { evaluatePassword, newPasswordSchema, presentedPasswordSchema } from '@jutsu/shared';
import type { User } from '@jutsu/db';
import { appError } from '../trpc/errors.ts';
import type { Context } from '../trpc/context.ts';
import { authedProcedure, publicProcedure, router } from '../trpc/procedures.ts';
import { publicUser, weakPasswordError } from './accounts.ts';
import { clearCookie, readCookie, REFRESH_COOKIE, setCookie } from './cookies.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { sha256 } from './secrets.ts';
import { accountThrottleKey, completeSignIn } from './sign-in.ts';
import { secondFactorMethods } from '../two-factor/second-factor.ts';
import { verifySecondFactorProcedure } from '../two-factor/verify-second-factor.ts';

const loginInput = z.object({
  username: z.string().trim().min(1).max(64),
  password: presentedPasswordSchema,
});

function invalidCredentials() {
  // One answer for unknown user and wrong password.
  return appError('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Incorrect username or password.');
}

/** Counts a failed credential check against the account: progressive delay, then lockout. */
export async function recordCredentialFailure(ctx: Context, user: User | null, attemptedName: string): Promise<void> {
  const { rateLimits, prisma, config, securityEvents } = ctx.services;
  await rateLimits.penalize('loginAccount', accountThrottleKey(attemptedName));
  if (!user) return;
  const updated = await prisma.user.update({
    where: { id: user.id },
    data: { failedLoginCount: { increment: 1 }, lastFailedLoginAt: new Date() },
    select: { failedLoginCount: true },
  });
  if (updated.failedLoginCount >= config.LOCKOUT_THRESHOLD) {
    const locked = await prisma.user.updateMany({
      where: { id: user.id, lockedAt: null },
      data: { lockedAt: new Date(), lockedReason: `${updated.failedLoginCount} failed sign-in attempts in a row` },
    });
    if (locked.count === 1) {
      await securityEvents.record({
        type: 'auth.lockout',
        severity: 'critical',
        userId: user.id,
        username: user.username,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        details: { failures: updated.failedLoginCount },
      });
    }
  }
}

export async function assertNotThrottled(ctx: Context, attemptedName: string): Promise<void> {
  const wait = await ctx.services.rateLimits.retryAfter('loginAccount', accountThrottleKey(attemptedName));
  if (wait > 0) {
    ctx.res?.setHeader('Retry-After', String(wait));
    throw appError('TOO_MANY_REQUESTS', 'RATE_LIMITED', `Too many failed attempts for this account. Try again in ${wait} s.`, { retryAfter: wait });
  }
}

function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  try {
    const p = Bowser.parse(userAgent);
    const browser = [p.browser.name, p.browser.version?.split('.')[0]].filter(Boolean).join(' ');
    const os = [p.os.name, p.os.versionName ?? p.os.version].filter(Boolean).join(' ');
    return [browser, os].filter(Boolean).join(' on ') || 'Unknown device';
  } catch {
    return 'Unknown device';
  }
}

export const authRouter = router({
  login: publicProcedure
    .meta({ rateLimit: 'login', audit: 'auth.login' })
    .input(loginInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma, loginChallenges } = ctx.services;
      const name = input.username.normalize('NFKC').toLowerCase();
      ctx.audit.username = name;
      ctx.audit.details = { method: 'password' };
      await assertNotThrottled(ctx, name);
      const user = await prisma.user.findUnique({ where: { username: name } });
      const check = await verifyPassword(user?.passwordHash, input.password);
      if (!user || !check.ok) {
        ctx.audit.userId = user?.id ?? null;
        ctx.audit.details = { method: 'password', why: user ? 'bad_password' : 'unknown_user' };
        await recordCredentialFailure(ctx, user, name);
        throw invalidCredentials();
      }
      ctx.audit.userId = user.id;
      // Only someone who knows the password learns why the account cannot sign in.
      if (user.disabledAt) throw appError('FORBIDDEN', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
      if (user.lockedAt) {
        throw appError('FORBIDDEN', 'ACCOUNT_LOCKED', `This account is locked: ${user.lockedReason ?? 'too many failed sign-ins'}. An administrator can unlock it (jutsu users unlock).`);
      }
      if (check.needsRehash) {
        await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(input.password) } });
      }
      if (user.totpEnabledAt) {
        const challengeToken = await loginChallenges.create(user.id, { ip: ctx.ip, userAgent: ctx.userAgent });
        ctx.audit.details = { method: 'password', next: 'second_factor' };
        return { status: 'second_factor_required' as const, challengeToken, methods: await secondFactorMethods(prisma, user.id) };
      }
      return completeSignIn(ctx, user, ['pwd']);
    }),

  verifySecondFactor: verifySecondFactorProcedure,

  refresh: publicProcedure.meta({ rateLimit: 'refresh', audit: 'auth.refresh', auditOn: 'failure' }).mutation(async ({ ctx }) => {
    const { sessions, accessTokens, securityEvents } = ctx.services;
    const token = readCookie(ctx, REFRESH_COOKIE);
    if (!token) throw appError('UNAUTHORIZED', 'SESSION_REVOKED', 'No session. Sign in again.');
    const result = await sessions.rotate(token);
    if (result.kind === 'reused') {
      clearCookie(ctx, REFRESH_COOKIE);
      const revoked = await sessions.revoke({ sessionIds: [result.session.id] }, 'refresh_token_reuse');
      await securityEvents.record({
        type: 'auth.refresh_reuse',
        severity: 'critical',
        userId: result.session.userId,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        details: { sessionId: result.session.id, familyRevoked: revoked.length > 0 || result.session.revokedAt !== null },
      });
      ctx.audit.userId = result.session.userId;
      throw appError('UNAUTHORIZED', 'REFRESH_REUSED', 'This session was ended for your safety. Sign in again.');
    }
    if (result.kind === 'invalid') {
      clearCookie(ctx, REFRESH_COOKIE);
      ctx.audit.details = { why: result.why };
      throw appError('UNAUTHORIZED', 'SESSION_REVOKED', 'Your session has ended. Sign in again.');
    }
    const { session, user } = result;
    setCookie(ctx, REFRESH_COOKIE, result.refreshToken, (session.expiresAt.getTime() - Date.now()) / 1000);
    const { token: accessToken, claims } = await accessTokens.issue({ userId: user.id, sessionId: session.id, role: user.role });
    return { status: 'ok' as const, accessToken, accessTokenExpiresAt: new Date(claims.exp * 1000), user: publicUser(user) };
  }),

  logout: publicProcedure.meta({ rateLimit: 'refresh', audit: 'auth.logout' }).mutation(async ({ ctx }) => {
    const { sessions, accessTokens } = ctx.services;
    const ended = new Set<string>();
    if (ctx.accessToken) {
      try {
        const claims = await accessTokens.verify(ctx.accessToken);
        await sessions.blacklistAccessToken(claims.jti, claims.sub, new Date(claims.exp * 1000), 'logout');
        ended.add(claims.sid);
        ctx.audit.userId = claims.sub;
      } catch {
        // an unusable access token has nothing to revoke
      }
    }
    const cookie = readCookie(ctx, REFRESH_COOKIE);
    if (cookie) {
      const session = await sessions.findByToken(cookie);
      if (session) {
        ended.add(session.id);
        ctx.audit.userId ??= session.userId;
      }
    }
    clearCookie(ctx, REFRESH_COOKIE);
    if (ended.size) {
      await sessions.revoke({ sessionIds: [...ended] }, 'logout');
    }
    return { ok: true as const };
  }),

  me: authedProcedure.meta({ rateLimit: 'api', audit: false, passwordChangeExempt: true }).query(async ({ ctx }) => {
    const user = await ctx.services.prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
    const passkeys = await ctx.services.prisma.passkey.count({ where: { userId: user.id } });
    return { ...publicUser(user), passkeys, authTime: ctx.auth.authTime, sessionId: ctx.auth.sessionId };
  }),

  sessions: authedProcedure.meta({ rateLimit: 'api', audit: false }).query(async ({ ctx }) => {
    const rows = await ctx.services.sessions.listActive(ctx.auth.userId);
    return rows.map((s) => ({
      id: s.id,
      device: describeDevice(s.userAgent),
      ip: s.ip,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      current: s.id === ctx.auth.sessionId,
      methods: s.amr,
    }));
  }),

  revokeSession: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.session_revoked' })
    .input(z.object({ id: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      // Another user's session id is indistinguishable from a missing one.
      const session = await ctx.services.prisma.session.findFirst({ where: { id: input.id, userId: ctx.auth.userId, revokedAt: null } });
      if (!session) throw appError('NOT_FOUND', 'SESSION_REVOKED', 'No such session.');
      await ctx.services.sessions.revoke({ sessionIds: [session.id] }, 'revoked_by_user');
      ctx.audit.details = { sessionId: session.id, current: session.id === ctx.auth.sessionId };
      return { ok: true as const };
    }),

  revokeOtherSessions: authedProcedure.meta({ rateLimit: 'sensitive', audit: 'auth.sessions_revoked' }).mutation(async ({ ctx }) => {
    const ids = await ctx.services.sessions.revoke({ userId: ctx.auth.userId, exceptSessionId: ctx.auth.sessionId }, 'revoked_by_user');
    ctx.audit.details = { count: ids.length };
    return { revoked: ids.length };
  }),

  changePassword: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.password_changed', passwordChangeExempt: true })
    .input(z.object({ currentPassword: presentedPasswordSchema, newPassword: newPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      const { prisma, sessions } = ctx.services;
      const user = await prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
      const check = await verifyPassword(user.passwordHash, input.currentPassword);
      if (!check.ok) {
        await recordCredentialFailure(ctx, user, user.username);
        throw appError('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'The current password is not correct.');
      }
      const verdict = evaluatePassword({ password: input.newPassword, username: user.username, hasSecondFactor: user.totpEnabledAt !== null });
      if (!verdict.ok) throw weakPasswordError(verdict.problems);
      if ((await verifyPassword(user.passwordHash, input.newPassword)).ok) throw weakPasswordError(['Choose a password you have not used here before.']);
      const now = new Date();
      await prisma.user.update({
        where: { id: user.id },
        data: { passwordHash: await hashPassword(input.newPassword), passwordChangedAt: now, mustChangePassword: false, failedLoginCount: 0 },
      });
      await prisma.session.update({ where: { id: ctx.auth.sessionId }, data: { authTime: now } });
      const ids = await sessions.revoke({ userId: user.id, exceptSessionId: ctx.auth.sessionId }, 'password_changed');
      ctx.audit.details = { otherSessionsRevoked: ids.length };
      return { ok: true as const, otherSessionsRevoked: ids.length };
    }),

  /** Step-up: proves the password again so sensitive changes are allowed for a while. */
  reauthenticate: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.reauthenticated' })
    .input(z.object({ password: presentedPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      const { prisma } = ctx.services;
      const user = await prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
      if (!(await verifyPassword(user.passwordHash, input.password)).ok) {
        await recordCredentialFailure(ctx, user, user.username);
        throw appError('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Incorrect password.');
      }
      const authTime = new Date();
      await prisma.session.update({ where: { id: ctx.auth.sessionId }, data: { authTime } });
      return { authTime };
    }),

  /** The "this wasn't me" link from a new-device notice. */
  reportNotMe: publicProcedure
    .meta({ rateLimit: 'invitationPublic', audit: 'auth.not_me' })
    .input(z.object({ token: z.string().min(16).max(128) }))
    .mutation(async ({ ctx, input }) => {
      const { prisma, sessions } = ctx.services;
      const now = new Date();
      const row = await prisma.userActionToken.findUnique({ where: { tokenHash: sha256(input.token) } });
      const used = row
        ? await prisma.userActionToken.updateMany({ where: { id: row.id, purpose: 'not_me', usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } })
        : { count: 0 };
      if (!row || used.count !== 1) throw appError('NOT_FOUND', 'TOKEN_INVALID', 'This link is not valid any more.');
      await prisma.user.update({ where: { id: row.userId }, data: { mustChangePassword: true } });
      // Whoever signed in may have added a passkey to keep access: those go too.
      const removedPasskeys = await prisma.passkey.deleteMany({ where: { userId: row.userId, createdAt: { gte: row.createdAt } } });
      const ids = await sessions.revoke({ userId: row.userId }, 'reported_not_me');
      ctx.audit.userId = row.userId;
      ctx.audit.severity = 'critical';
      ctx.audit.details = { sessionsRevoked: ids.length, passkeysRemoved: removedPasskeys.count };
      return { ok: true as const };
    }),
});
