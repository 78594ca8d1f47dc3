// Invitations: a 32-byte random token in a link, shown once; the database keeps only its
// SHA-256 and looks it up by that hash. Redeeming consumes it and creates the account in
// one transaction, so exactly one of several simultaneous accepts wins and a refused
// account (name taken) leaves the invitation usable.
import { xactLock, type PrismaClient, type Role, type User, type UserInvitation } from '@jutsu/db';
import { INVITATION_DEFAULT_HOURS, INVITATION_MAX_HOURS, type InvitationStatus } from '@jutsu/shared';
import { randomToken, sha256 } from '../auth/secrets.ts';
import type { Actor } from '../security/actor.ts';
import { appError } from '../trpc/errors.ts';

/** randomToken(32): 43 base64url characters. Anything else is refused before any lookup. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function invitationUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/invite/${token}`;
}

/** The one answer for every token that cannot be used: unknown, malformed, used, expired, revoked. */
export function invalidInvitation() {
  return appError('NOT_FOUND', 'INVITATION_INVALID', 'This invitation link is not valid. Ask an administrator for a new one.');
}

export interface NewInvitation {
  role: Role;
  email?: string | null | undefined;
  expiresInHours?: number | undefined;
  isBootstrap?: boolean;
}

/** The account behind an action, when a person did it (a system job or the CLI has none). */
const actorUserId = (actor: Actor): string | null => (actor.kind === 'user' ? actor.userId : null);

/** Issued by the actor: a signed-in admin is recorded as its creator. */
export async function createInvitation(
  deps: { prisma: Pick<PrismaClient, 'userInvitation'> },
  actor: Actor,
  input: NewInvitation,
): Promise<{ invitation: UserInvitation; token: string }> {
  const { prisma } = deps;
  const hours = input.expiresInHours ?? INVITATION_DEFAULT_HOURS;
  if (!Number.isFinite(hours) || hours <= 0 || hours > INVITATION_MAX_HOURS) throw new RangeError(`expiry must be within ${INVITATION_MAX_HOURS} hours`);
  const token = randomToken(32);
  const invitation = await prisma.userInvitation.create({
    data: {
      tokenHash: sha256(token),
      role: input.role,
      email: input.email ?? null,
      isBootstrap: input.isBootstrap ?? false,
      createdById: actorUserId(actor),
      expiresAt: new Date(Date.now() + hours * 3_600_000),
    },
  });
  return { invitation, token };
}

export function invitationStatus(inv: Pick<UserInvitation, 'acceptedAt' | 'revokedAt' | 'expiresAt'>, now = new Date()): InvitationStatus {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  if (inv.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'pending';
}

/** The invitation a token opens while it can still be used; null in every other case. */
export async function findUsableInvitation(prisma: PrismaClient, token: string): Promise<UserInvitation | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const inv = await prisma.userInvitation.findUnique({ where: { tokenHash: sha256(token) } });
  if (!inv || invitationStatus(inv) !== 'pending') return null;
  // The bootstrap link only ever creates the first account.
  if (inv.isBootstrap && (await prisma.user.count()) > 0) return null;
  return inv;
}

export interface RedeemAccount {
  username: string;
  email: string | null;
  /** Hashed before the transaction: the expensive part never holds it open. */
  passwordHash: string;
}

/**
 * Consumes the invitation and creates its account atomically. Returns null when the
 * invitation was not usable any more (used, revoked or expired meanwhile, or a bootstrap
 * link once an account exists). A failed account creation (e.g. P2002, name taken) throws
 * and rolls the consumption back.
 */
export async function redeemInvitation(prisma: PrismaClient, inv: UserInvitation, account: RedeemAccount): Promise<User | null> {
  return prisma.$transaction(async (tx) => {
    if (inv.isBootstrap) {
      await xactLock(tx, 'invitation.bootstrap');
      if ((await tx.user.count()) > 0) return null;
    }
    // Row-locking conditional update: of concurrent redeemers exactly one sees count 1.
    const consumed = await tx.$executeRaw`
      UPDATE user_invitations SET accepted_at = now()
      WHERE id = ${inv.id}::uuid AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`;
    if (consumed !== 1) return null;
    const user = await tx.user.create({
      data: { username: account.username, email: account.email, passwordHash: account.passwordHash, role: inv.role, passwordChangedAt: new Date() },
    });
    await tx.userInvitation.update({ where: { id: inv.id }, data: { acceptedById: user.id } });
    return user;
  });
}

/** Pending invitations issued by someone who just lost the authority to issue them, revoked by the actor. */
export async function revokeInvitationsCreatedBy(deps: { prisma: PrismaClient }, actor: Actor, input: { creatorId: string }): Promise<number> {
  const res = await deps.prisma.userInvitation.updateMany({
    where: { createdById: input.creatorId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    data: { revokedAt: new Date(), revokedById: actorUserId(actor) },
  });
  return res.count;
}
