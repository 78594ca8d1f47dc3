// admin.*: user administration and the security log. Every procedure requires the admin
// role (procedure meta); every change is a security event (the audit names below).
import { TRPCError } from '@trpc/server';
import { resetTwoFactor } from '../two-factor/reset.ts';
import { ROLE_RANK, securityEventsExportInput, securityEventsExportOutput, securityEventsListInput, setRoleInput, userIdInput } from '@jutsu/shared';
import type { Prisma } from '@jutsu/db';
import { unlockPasswordSignIn } from '../auth/unlock.ts';
import { revokeInvitationsCreatedBy } from '../invitation/service.ts';
import { userActor } from '../security/actor.ts';
import type { AuthedContext } from '../trpc/context.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { appError } from '../trpc/errors.ts';
import { exportSecurityEvents, ownerId, securityEventWhere } from './security-log.ts';
import { changeUserGuarded } from './users.ts';

const adminProcedure = roleProcedure('admin');

async function targetUser(ctx: AuthedContext, id: string) {
  ctx.audit.details = { targetUserId: id };
  const user = await ctx.services.prisma.user.findUnique({ where: { id } });
  if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such user.' });
  ctx.audit.details = { targetUserId: user.id, targetUsername: user.username };
  return user;
}

const usersRouter = router({
  list: adminProcedure.meta({ rateLimit: 'admin', audit: false }).query(async ({ ctx }) => {
    const now = new Date();
    const idleSince = new Date(now.getTime() - ctx.services.sessions.policy.idleMs);
    const rows = await ctx.services.prisma.user.findMany({
      orderBy: { createdAt: 'asc' },
      include: {
        _count: {
          select: {
            passkeys: true,
            sessions: { where: { revokedAt: null, expiresAt: { gt: now }, lastUsedAt: { gt: idleSince } } },
          },
        },
      },
    });
    // Explicit fields: never a password hash, TOTP secret or WebAuthn handle.
    return rows.map((u) => ({
      id: u.id,
      username: u.username,
      email: u.email,
      role: u.role,
      disabledAt: u.disabledAt,
      lockedAt: u.lockedAt,
      lockedReason: u.lockedReason,
      twoFactorEnabled: u.totpEnabledAt !== null,
      passkeys: u._count.passkeys,
      activeSessions: u._count.sessions,
      mustChangePassword: u.mustChangePassword,
      lastLoginAt: u.lastLoginAt,
      lastLoginIp: u.lastLoginIp,
      createdAt: u.createdAt,
    }));
  }),

  /** Raising a role to admin is a critical (alerted) event; the last active admin keeps the role. */
  setRole: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'user.role_changed', recentAuthMinutes: 15 })
    .input(setRoleInput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { targetUserId: input.id, to: input.role };
      ctx.audit.severity = input.role === 'admin' ? 'critical' : 'warning';
      const { before, after } = await changeUserGuarded(ctx.services.prisma, input.id, { role: input.role });
      const changed = before.role !== after.role;
      let invitationsRevoked = 0;
      if (changed && before.role === 'admin') invitationsRevoked = await revokeInvitationsCreatedBy(ctx.services, userActor(ctx), { creatorId: before.id });
      // A lower role applies to the next call already (the role is read per request); open
      // subscriptions on this process are ended so they re-authorise (4001: refresh, reconnect).
      // Every replica closes the user's sockets so subscriptions re-authorise with the new role.
      if (changed && ROLE_RANK[after.role] < ROLE_RANK[before.role]) await ctx.services.liveBus.publish({ type: 'user.reauthorize', userId: after.id, payload: {} });
      ctx.audit.details = { targetUserId: after.id, targetUsername: after.username, from: before.role, to: after.role, changed, invitationsRevoked };
      return { id: after.id, role: after.role, changed };
    }),

  /** Ends every session and WebSocket of the user at once; the last active admin cannot be disabled. */
  disable: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'user.disabled' })
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma, sessions, liveBus } = ctx.services;
      ctx.audit.details = { targetUserId: input.id };
      ctx.audit.severity = 'warning';
      const { after } = await changeUserGuarded(prisma, input.id, { disable: true });
      await liveBus.publish({ type: 'user.disabled', userId: after.id, payload: {} });
      const revoked = await sessions.revoke({ userId: after.id }, 'user_disabled');
      const invitationsRevoked = await revokeInvitationsCreatedBy(ctx.services, userActor(ctx), { creatorId: after.id });
      ctx.audit.details = { targetUserId: after.id, targetUsername: after.username, sessionsRevoked: revoked.length, invitationsRevoked };
      return { ok: true as const, sessionsRevoked: revoked.length };
    }),

  enable: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'user.enabled' })
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const user = await targetUser(ctx, input.id);
      ctx.audit.severity = 'warning';
      if (user.disabledAt) await ctx.services.prisma.user.update({ where: { id: user.id }, data: { disabledAt: null } });
      return { ok: true as const };
    }),

  /** For a lost authenticator: TOTP and backup codes are removed and every session ends. */
  resetTwoFactor: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'user.two_factor_reset', recentAuthMinutes: 15 })
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma, sessions } = ctx.services;
      const user = await targetUser(ctx, input.id);
      ctx.audit.severity = 'critical';
      const reset = await resetTwoFactor(prisma, sessions, user);
      const revoked = reset.revokedSessionIds;
      ctx.audit.details = { ...ctx.audit.details, hadTwoFactor: reset.wasEnabled, backupCodesDeleted: reset.backupCodesDeleted, sessionsRevoked: revoked.length };
      return { ok: true as const, sessionsRevoked: revoked.length };
    }),

  revokeSessions: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'user.sessions_revoked' })
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const user = await targetUser(ctx, input.id);
      ctx.audit.severity = 'warning';
      const revoked = await ctx.services.sessions.revoke({ userId: user.id }, 'revoked_by_admin');
      ctx.audit.details = { ...ctx.audit.details, sessionsRevoked: revoked.length };
      return { revoked: revoked.length };
    }),

  /** Lifts a sign-in lockout (database lock and the per-name delay). */
  unlock: adminProcedure
    .meta({ rateLimit: 'admin', audit: false })
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const user = await targetUser(ctx, input.id);
      // The service writes the user.unlocked event and tells every process to clear its throttle.
      await unlockPasswordSignIn(ctx.services, userActor(ctx), user);
      return { ok: true as const };
    }),
});

const securityEventsRouter = router({
  /** Newest first, keyset-paginated by id: pass `nextCursor` back as `cursor`. */
  list: adminProcedure
    .meta({ rateLimit: 'admin', audit: false })
    .input(securityEventsListInput)
    .query(async ({ ctx, input }) => {
      const filters = securityEventWhere(input);
      const where: Prisma.SecurityEventWhereInput = input.cursor ? { AND: [filters, { id: { lt: BigInt(input.cursor) } }] } : filters;
      // What this process queued (a success just answered) is on the page it answers next.
      await ctx.services.securityEvents.settled();
      const [rows, owner] = await Promise.all([
        ctx.services.prisma.securityEvent.findMany({ where, orderBy: { id: 'desc' }, take: input.limit + 1 }),
        ownerId(ctx.services.prisma),
      ]);
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((e) => ({
          id: e.id.toString(),
          createdAt: e.createdAt,
          type: e.type,
          severity: e.severity,
          userId: e.userId,
          username: e.username,
          ip: e.ip,
          userAgent: e.userAgent,
          details: e.details as Record<string, unknown>,
        })),
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.id.toString() : null,
        /** Only the owner may export (the button is shown to them only; the server checks again). */
        canExport: owner === ctx.auth.userId,
      };
    }),

  /**
   * The filtered log as CSV, in words, for the owner only: a copy of the whole log leaves the
   * server, so other administrators are refused (OWNER_ONLY) and the owner confirms their
   * password first. Returned in the POST answer, never as a link.
   */
  export: adminProcedure
    .meta({ rateLimit: 'admin', audit: 'security_log.exported', recentAuthMinutes: 15 })
    .input(securityEventsExportInput)
    .output(securityEventsExportOutput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { filters: input };
      ctx.audit.severity = 'warning';
      if ((await ownerId(ctx.services.prisma)) !== ctx.auth.userId) {
        throw appError('FORBIDDEN', 'OWNER_ONLY', 'Only the owner (the first administrator) can export the security log.');
      }
      await ctx.services.securityEvents.settled();
      const out = await exportSecurityEvents(ctx.services.prisma, input);
      ctx.audit.details = { filters: input, rowCount: out.rowCount, truncated: out.truncated };
      return out;
    }),
});

export const adminRouter = router({
  users: usersRouter,
  securityEvents: securityEventsRouter,
});
