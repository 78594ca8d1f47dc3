// WebAuthn ceremony challenges (webauthn_challenges): random, stored server-side, bound to
// a user (registration, step-up, username-first login) or to the pending login alone
// (discoverable login), single use and short-lived. Consuming is one conditional UPDATE
// (… WHERE consumed_at IS NULL AND expires_at > now), so of two racing requests exactly one
// gets the challenge, and a challenge is consumed by the first attempt whatever its outcome.
import type { PrismaClient } from '@jutsu/db';

export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Rows this long past their expiry are deleted when new challenges are issued. */
const PURGE_AFTER_MS = 60 * 60_000;

/**
 * registration: adding a passkey (bound to the signed-in user).
 * login: passkey sign-in (bound to the named user, or to nobody for a discoverable credential).
 * login_decoy: a username-first sign-in for a name with no passkeys: never succeeds.
 * reauth: step-up of a signed-in session (bound to its user).
 */
export type ChallengePurpose = 'registration' | 'login' | 'login_decoy' | 'reauth';

export interface ConsumedChallenge {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  userId: string | null;
}

const CHALLENGE_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

export async function storeChallenge(
  prisma: PrismaClient,
  challenge: string,
  purpose: ChallengePurpose,
  userId: string | null,
  opts: { replacePending?: boolean } = {},
): Promise<void> {
  if (!CHALLENGE_SHAPE.test(challenge)) throw new Error('unexpected challenge shape');
  const now = new Date();
  await prisma.webauthnChallenge.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - PURGE_AFTER_MS) } } });
  // A signed-in user's new ceremony cancels their older pending one of the same kind. Never
  // done for sign-in: anyone may start one for a name, and must not cancel the owner's.
  if (opts.replacePending && userId) {
    await prisma.webauthnChallenge.updateMany({ where: { userId, purpose, consumedAt: null }, data: { consumedAt: now } });
  }
  await prisma.webauthnChallenge.create({ data: { challenge, purpose, userId, expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS) } });
}

/**
 * Takes the challenge for one verification attempt. Null when it is unknown, of another
 * purpose, bound to another user (when `userId` is given), already used or expired.
 */
export async function consumeChallenge(
  prisma: PrismaClient,
  challenge: string,
  purposes: ChallengePurpose[],
  userId?: string,
): Promise<ConsumedChallenge | null> {
  if (!CHALLENGE_SHAPE.test(challenge)) return null;
  const now = new Date();
  const taken = await prisma.webauthnChallenge.updateMany({
    where: { challenge, purpose: { in: purposes }, consumedAt: null, expiresAt: { gt: now }, ...(userId !== undefined ? { userId } : {}) },
    data: { consumedAt: now },
  });
  if (taken.count !== 1) return null;
  const row = await prisma.webauthnChallenge.findUnique({ where: { challenge }, select: { id: true, challenge: true, purpose: true, userId: true } });
  return row ? { ...row, purpose: row.purpose as ChallengePurpose } : null;
}

/** The challenge a client says it signed (from clientDataJSON), or null when unreadable. */
export function challengeFromClientData(clientDataJSON: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && CHALLENGE_SHAPE.test(parsed.challenge) ? parsed.challenge : null;
  } catch {
    return null;
  }
}
