// invitation.*: admins issue, list and revoke links; anyone holding a usable link can see
// what it offers and redeem it (served at /api/auth, because redeeming signs in).
import { TRPCError } from '@trpc/server';
import { loadPasswordPolicy, invitationAcceptInput, invitationCreateInput, invitationIdInput, invitationInspectInput } from '@jutsu/shared';
import { weakPasswordError } from '../auth/accounts.ts';
import { hashPassword } from '../auth/passwords.ts';
import { deviceIdFrom, respondSignedIn } from '../auth/cookies.ts';
import { completeSignIn } from '../auth/sign-in.ts';
import { requestActor, userActor } from '../security/actor.ts';
import { appError } from '../trpc/errors.ts';
import { publicProcedure, roleProcedure, router } from '../trpc/procedures.ts';
import { createInvitation, findUsableInvitation, invalidInvitation, invitationStatus, invitationUrl, redeemInvitation } from './service.ts';

/** Invitations shown by invitation.list (newest first). */
const LIST_LIMIT = 500;

const who = (u: { id: string; username: string } | null | undefined) => (u ? { id: u.id, username: u.username } : null);

export const invitationRouter = router({
  /** The link holds the token and is returned exactly once; only its hash is stored. */
  create: roleProcedure('admin')
    .meta({ rateLimit: 'admin', audit: 'invitation.created', recentAuthMinutes: 15 })
    .input(invitationCreateInput)
    .mutation(async ({ ctx, input }) => {
      const { invitation, token } = await createInvitation(ctx.services, userActor(ctx), {
        role: input.role,
        email: input.email ?? null,
        expiresInHours: input.expiresInHours,
      });
      ctx.audit.severity = input.role === 'admin' ? 'warning' : 'info';
      ctx.audit.details = { invitationId: invitation.id, role: invitation.role, boundToEmail: invitation.email !== null, expiresAt: invitation.expiresAt.toISOString() };
      return {
        id: invitation.id,
        url: invitationUrl(ctx.services.config.PUBLIC_URL, token),
        role: invitation.role,
        email: invitation.email,
        expiresAt: invitation.expiresAt,
      };
    }),

  list: roleProcedure('admin')
    .meta({ rateLimit: 'admin', audit: false })
    .query(async ({ ctx }) => {
      const { prisma } = ctx.services;
      const rows = await prisma.userInvitation.findMany({
        orderBy: { createdAt: 'desc' },
        take: LIST_LIMIT,
        include: { createdBy: { select: { id: true, username: true } }, acceptedBy: { select: { id: true, username: true } } },
      });
      const revokerIds = [...new Set(rows.map((r) => r.revokedById).filter((id): id is string => id !== null))];
      const revokers = new Map(
        (await prisma.user.findMany({ where: { id: { in: revokerIds } }, select: { id: true, username: true } })).map((u) => [u.id, u]),
      );
      const now = new Date();
      // Never the token (not stored) nor its hash.
      return rows.map((r) => ({
        id: r.id,
        role: r.role,
        email: r.email,
        isBootstrap: r.isBootstrap,
        status: invitationStatus(r, now),
        createdAt: r.createdAt,
        createdBy: who(r.createdBy),
        expiresAt: r.expiresAt,
        acceptedAt: r.acceptedAt,
        acceptedBy: who(r.acceptedBy),
        revokedAt: r.revokedAt,
        revokedBy: r.revokedById ? who(revokers.get(r.revokedById)) : null,
      }));
    }),

  revoke: roleProcedure('admin')
    .meta({ rateLimit: 'admin', audit: 'invitation.revoked' })
    .input(invitationIdInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma } = ctx.services;
      ctx.audit.details = { invitationId: input.id };
      const inv = await prisma.userInvitation.findUnique({ where: { id: input.id } });
      if (!inv) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such invitation.' });
      ctx.audit.details = { invitationId: inv.id, role: inv.role, bootstrap: inv.isBootstrap };
      const res = await prisma.userInvitation.updateMany({
        where: { id: inv.id, acceptedAt: null, revokedAt: null },
        data: { revokedAt: new Date(), revokedById: ctx.auth.userId },
      });
      if (res.count !== 1) throw appError('CONFLICT', 'INVITATION_INVALID', 'This invitation was already used or revoked.');
      return { ok: true as const };
    }),

  /**
   * What a usable link offers. A mutation, so the token travels in the body and never in a
   * URL (access logs, proxies). Every unusable token gets the same answer.
   */
  inspect: publicProcedure
    .meta({ rateLimit: 'invitationPublic', audit: 'invitation.inspected', auditOn: 'failure' })
    .input(invitationInspectInput)
    .mutation(async ({ ctx, input }) => {
      const inv = await findUsableInvitation(ctx.services.prisma, input.token);
      if (!inv) throw invalidInvitation();
      return { role: inv.role, email: inv.email, expiresAt: inv.expiresAt, isBootstrap: inv.isBootstrap };
    }),

  /** Creates the account with the invitation's role and signs it in (refresh cookie: /api/auth). */
  accept: publicProcedure
    .meta({ rateLimit: 'invitationPublic', audit: 'invitation.accepted' })
    .input(invitationAcceptInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma } = ctx.services;
      ctx.audit.username = input.username;
      const inv = await findUsableInvitation(prisma, input.token);
      if (!inv) throw invalidInvitation();
      ctx.audit.details = { invitationId: inv.id, role: inv.role, bootstrap: inv.isBootstrap };
      if (inv.email && input.email !== undefined && input.email !== inv.email) {
        throw appError('BAD_REQUEST', 'INVITATION_EMAIL_MISMATCH', 'This invitation is for a different email address.');
      }
      const email = inv.email ?? input.email ?? null;
      // Everything that can refuse the account is checked before the invitation is touched.
      const verdict = (await loadPasswordPolicy())({ password: input.password, username: input.username, hasSecondFactor: false });
      if (!verdict.ok) throw weakPasswordError(verdict.problems);
      const taken = async () => {
        if (await prisma.user.findUnique({ where: { username: input.username }, select: { id: true } })) {
          return appError('CONFLICT', 'USERNAME_TAKEN', 'That username is already taken.');
        }
        if (email && (await prisma.user.findUnique({ where: { email }, select: { id: true } }))) {
          return appError('CONFLICT', 'EMAIL_TAKEN', 'That email address already belongs to an account.');
        }
        return undefined;
      };
      const before = await taken();
      if (before) throw before;
      const passwordHash = await hashPassword(input.password);
      let user;
      try {
        user = await redeemInvitation(prisma, inv, { username: input.username, email, passwordHash });
      } catch (err) {
        // Lost a race for the name: the transaction rolled back, the invitation is intact.
        if ((err as { code?: string }).code === 'P2002') throw (await taken()) ?? appError('CONFLICT', 'USERNAME_TAKEN', 'That username is already taken.');
        throw err;
      }
      if (!user) throw invalidInvitation();
      ctx.audit.severity = user.role === 'admin' ? 'critical' : 'info';
      return respondSignedIn(ctx, await completeSignIn(ctx.services, requestActor(ctx), { user, amr: ['pwd'], deviceId: deviceIdFrom(ctx) }));
    }),
});
