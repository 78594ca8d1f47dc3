// auth.*: password sign-in, the session's refresh/logout, session management, password
// change. Served at /api/auth (the only mount that sees the refresh cookie).
import Bowser from 'bowser';
import { changePasswordInput, loadPasswordPolicy, loginInput, notMeInput, reauthenticateInput, renameSessionInput, resetPasswordInput, sessionIdInput } from '@jutsu/shared';
import { requestActor, userActor, type UserActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { appError } from '../trpc/errors.ts';
import { authedProcedure, publicProcedure, router } from '../trpc/procedures.ts';
import { publicUser, weakPasswordError } from './accounts.ts';
import { clearCookie, deviceIdFrom, readCookie, REFRESH_COOKIE, respondSignedIn, setCookie } from './cookies.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { completeSignIn } from './sign-in.ts';
import { NOT_ME_LOCK_REASON, reportNotMe, resetPasswordWithLink } from './not-me.ts';
import { unlockPasswordSignIn } from './unlock.ts';
import { sendPasswordChangedNotice } from './notices.ts';
import { countStepUpFailure, reserveCredentialAttempt, STEP_UP_FAILURES_PER_SESSION, type CredentialAttempt } from './credential-guard.ts';
import { secondFactorMethods } from '../two-factor/second-factor.ts';
import { verifySecondFactorProcedure } from '../two-factor/verify-second-factor.ts';

function invalidCredentials() {
  // One answer for unknown user and wrong password.
  return appError('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Incorrect username or password.');
}

/**
 * A wrong password from a signed-in session (step-up, password change): counts toward the
 * account's throttle like any guess, and after STEP_UP_FAILURES_PER_SESSION the session ends
 * (a critical event alerts the owner): whoever holds it does not know the password.
 */
async function wrongPasswordFromSession(
  deps: Pick<AppServices, 'rateLimits' | 'sessions' | 'securityEvents'>,
  actor: UserActor,
  sessionId: string,
  attempt: CredentialAttempt,
  message: string,
): Promise<never> {
  await attempt.failed();
  if (await countStepUpFailure(deps, sessionId)) {
    await deps.sessions.revoke({ sessionIds: [sessionId] }, 'step_up_failures');
    await deps.securityEvents.record({
      type: 'auth.step_up_abuse',
      severity: 'critical',
      userId: actor.userId,
      username: actor.username,
      ip: actor.ip,
      userAgent: actor.userAgent,
      details: { sessionId, wrongAnswers: STEP_UP_FAILURES_PER_SESSION },
    });
    throw appError('UNAUTHORIZED', 'SESSION_REVOKED', 'This session was ended after too many wrong passwords. Sign in again.');
  }
  throw appError('UNAUTHORIZED', 'INVALID_CREDENTIALS', message);
}

/** Why a known session ended, as the live `session.revoked` event names it (a short identifier). */
function endedBecause(result: { why: string; session?: { revokedReason: string | null } }): { endedBecause?: string } {
  if (result.why === 'idle') return { endedBecause: 'idle_timeout' };
  if (result.why === 'expired') return { endedBecause: 'expired' };
  const reason = result.why === 'revoked' ? result.session?.revokedReason : null;
  return reason && /^[a-z_]{1,40}$/.test(reason) ? { endedBecause: reason } : {};
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
      const user = await prisma.user.findUnique({ where: { username: name } });
      ctx.audit.userId = user?.id ?? null;
      // Reserved before the hash is computed; a locked account is refused here, whatever the password.
      const attempt = await reserveCredentialAttempt(ctx.services, requestActor(ctx), { name, user });
      const check = await verifyPassword(user?.passwordHash, input.password);
      if (!user || !check.ok) {
        ctx.audit.details = { method: 'password', why: user ? 'bad_password' : 'unknown_user' };
        await attempt.failed();
        throw invalidCredentials();
      }
      // Only someone who knows the password learns that the account is disabled.
      if (user.disabledAt) {
        await attempt.release();
        throw appError('FORBIDDEN', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
      }
      if (check.needsRehash) {
        await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(input.password) } });
      }
      if (user.totpEnabledAt) {
        await attempt.release();
        const challengeToken = await loginChallenges.create(user.id, { ip: ctx.ip, userAgent: ctx.userAgent });
        ctx.audit.details = { method: 'password', next: 'second_factor' };
        return { status: 'second_factor_required' as const, challengeToken, methods: await secondFactorMethods(prisma, user.id) };
      }
      return respondSignedIn(ctx, await completeSignIn(ctx.services, requestActor(ctx), { user, amr: ['pwd'], deviceId: deviceIdFrom(ctx) }));
    }),

  verifySecondFactor: verifySecondFactorProcedure,

  refresh: publicProcedure.meta({ rateLimit: 'refresh', audit: 'auth.refresh', auditOn: 'failure' }).mutation(async ({ ctx }) => {
    const { sessions, accessTokens, securityEvents } = ctx.services;
    const token = readCookie(ctx, REFRESH_COOKIE);
    if (!token) {
      // Every anonymous page load asks; no cookie at all is not an event worth a row.
      ctx.audit.skip = true;
      throw appError('UNAUTHORIZED', 'SESSION_REVOKED', 'No session. Sign in again.');
    }
    const result = await sessions.rotate(token, { ip: ctx.ip, userAgent: ctx.userAgent });
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
      if (result.why === 'user_disabled') throw appError('UNAUTHORIZED', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
      // The cookie's holder is told why their session ended (an admin, a password change …),
      // so the page can say what to do; a token nobody issued learns nothing.
      throw appError('UNAUTHORIZED', 'SESSION_REVOKED', 'Your session has ended. Sign in again.', endedBecause(result));
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
    return {
      ...publicUser(user),
      passkeys,
      authTime: ctx.auth.authTime,
      sessionId: ctx.auth.sessionId,
      passwordLock: user.lockedAt ? { since: user.lockedAt, reason: user.lockedReason === NOT_ME_LOCK_REASON ? ('not_me' as const) : ('failures' as const) } : null,
    };
  }),

  /**
   * The owner lifts a lock on their own password sign-in, from a session opened with a passkey
   * (a stranger hammering the password cannot have one) and confirmed recently. A lock set by
   * "this wasn't me" is lifted only by the link's reset or an admin: the password is known to someone else.
   */
  unlockPasswordSignIn: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: false, recentAuthMinutes: 10 })
    .mutation(async ({ ctx }) => {
      if (!ctx.auth.amr.includes('passkey')) throw appError('FORBIDDEN', 'PASSKEY_REQUIRED', 'Sign in with a passkey to unlock password sign-in yourself, or ask an administrator.');
      const user = await ctx.services.prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
      if (user.lockedReason === NOT_ME_LOCK_REASON) {
        throw appError('FORBIDDEN', 'PASSWORD_RESET_REQUIRED', 'Password sign-in was paused by a "this wasn\'t me" report: set a new password with the link from the email, or ask an administrator.');
      }
      const { wasLocked } = await unlockPasswordSignIn(ctx.services, userActor(ctx), user);
      return { ok: true as const, wasLocked };
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
      name: s.name,
    }));
  }),

  /** A name for one of the caller's own sessions; another user's id is answered like a missing one. */
  renameSession: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.session_renamed' })
    .input(renameSessionInput)
    .mutation(async ({ ctx, input }) => {
      const name = input.name === '' ? null : input.name;
      ctx.audit.details = { sessionId: input.id };
      const renamed = await ctx.services.prisma.session.updateMany({ where: { id: input.id, userId: ctx.auth.userId, revokedAt: null }, data: { name } });
      if (renamed.count === 0) throw appError('NOT_FOUND', 'SESSION_REVOKED', 'No such session.');
      ctx.audit.details = { sessionId: input.id, current: input.id === ctx.auth.sessionId, ...(name === null ? { cleared: true } : { name }) };
      return { ok: true as const, name };
    }),

  revokeSession: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.session_revoked' })
    .input(sessionIdInput)
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
    .input(changePasswordInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma, sessions } = ctx.services;
      const user = await prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
      const actor = userActor(ctx);
      const attempt = await reserveCredentialAttempt(ctx.services, actor, { name: user.username, user });
      const check = await verifyPassword(user.passwordHash, input.currentPassword);
      if (!check.ok) await wrongPasswordFromSession(ctx.services, actor, ctx.auth.sessionId, attempt, 'The current password is not correct.');
      await attempt.succeeded();
      const verdict = (await loadPasswordPolicy())({ password: input.newPassword, username: user.username, hasSecondFactor: user.totpEnabledAt !== null });
      if (!verdict.ok) throw weakPasswordError(verdict.problems);
      if ((await verifyPassword(user.passwordHash, input.newPassword)).ok) throw weakPasswordError(['Choose a password you have not used here before.']);
      const now = new Date();
      await prisma.user.update({
        where: { id: user.id },
        data: { passwordHash: await hashPassword(input.newPassword), passwordChangedAt: now, mustChangePassword: false, failedLoginCount: 0 },
      });
      await prisma.session.update({ where: { id: ctx.auth.sessionId }, data: { authTime: now } });
      const ids = await sessions.revoke({ userId: user.id, exceptSessionId: ctx.auth.sessionId }, 'password_changed');
      sendPasswordChangedNotice(ctx.services, actor, user);
      ctx.audit.details = { otherSessionsRevoked: ids.length };
      return { ok: true as const, otherSessionsRevoked: ids.length };
    }),

  /** Step-up: proves the password again so sensitive changes are allowed for a while. */
  reauthenticate: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.reauthenticated' })
    .input(reauthenticateInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma } = ctx.services;
      const user = await prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
      const actor = userActor(ctx);
      const attempt = await reserveCredentialAttempt(ctx.services, actor, { name: user.username, user });
      if (!(await verifyPassword(user.passwordHash, input.password)).ok) await wrongPasswordFromSession(ctx.services, actor, ctx.auth.sessionId, attempt, 'Incorrect password.');
      await attempt.succeeded();
      const authTime = new Date();
      await prisma.session.update({ where: { id: ctx.auth.sessionId }, data: { authTime } });
      return { authTime };
    }),

  /** The "this wasn't me" link from a new-device notice. */
  reportNotMe: publicProcedure
    .meta({ rateLimit: 'invitationPublic', audit: 'auth.not_me' })
    .input(notMeInput)
    .mutation(async ({ ctx, input }) => {
      const report = await reportNotMe(ctx.services, input.token);
      ctx.audit.userId = report.userId;
      ctx.audit.severity = 'critical';
      ctx.audit.details = { sessionsRevoked: report.removed.sessions, passkeysRemoved: report.removed.passkeys, devicesForgotten: report.removed.devices, secondFactorRemoved: report.removed.secondFactor, backupCodesRemoved: report.removed.backupCodes };
      // The reset token goes only to the page holding the mailed link, once.
      return { ok: true as const, resetToken: report.resetToken, resetExpiresAt: report.resetExpiresAt, removed: report.removed };
    }),

  /** Sets the new password after a "this wasn't me" report: the link's holder, and only them. */
  resetPassword: publicProcedure
    .meta({ rateLimit: 'invitationPublic', audit: false })
    .input(resetPasswordInput)
    .mutation(async ({ ctx, input }) => {
      const { sessionsEnded } = await resetPasswordWithLink(ctx.services, requestActor(ctx), input);
      return { ok: true as const, sessionsEnded };
    }),
});
