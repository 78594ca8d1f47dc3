// Invitations: a 32-byte random token in a link, shown once; the database keeps only its
// SHA-256 and looks it up by that hash. Redeeming consumes it and creates the account in
// one transaction, so exactly one of several simultaneous accepts wins and a refused
// account (name taken) leaves the invitation usable.
import type { PrismaClient, Role, User, UserInvitation } from '@jutsu/db';
import { INVITATION_DEFAULT_HOURS, INVITATION_MAX_HOURS, type InvitationStatus } from '@jutsu/shared';
import { randomToken, sha256 } from '../auth/secrets.ts';
import { appError } from '../trpc/errors.ts';

/** Serialises bootstrap work (issuing the link, redeeming it) across processes. */
export const BOOTSTRAP_LOCK_KEY = 72_707_369_021;

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
  createdById?: string | null | undefined;
  isBootstrap?: boolean;
}

export async function createInvitation(prisma: Pick<PrismaClient, 'userInvitation'>, input: NewInvitation): Promise<{ invitation: UserInvitation; token: string }> {
  const hours = input.expiresInHours ?? INVITATION_DEFAULT_HOURS;
  if (!Number.isFinite(hours) || hours <= 0 || hours > INVITATION_MAX_HOURS) throw new RangeError(`expiry must be within ${INVITATION_MAX_HOURS} hours`);
  const token = randomToken(32);
  const invitation = await prisma.userInvitation.create({
    data: {
      tokenHash: sha256(token),
      role: input.role,
      email: input.email ?? null,
      isBootstrap: input.isBootstrap ?? false,
      createdById: input.createdById ?? null,
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
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
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

/** Pending invitations issued by someone who just lost the authority to issue them. */
export async function revokeInvitationsCreatedBy(prisma: PrismaClient, creatorId: string, revokedById: string | null): Promise<number> {
  const res = await prisma.userInvitation.updateMany({
    where: { createdById: creatorId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    data: { revokedAt: new Date(), revokedById },
  });
  return res.count;
}
