// "This wasn't me": the owner's answer to a new-device notice. Whoever signed in knows the
// password, so forcing a password change at the next sign-in would hand them the account (they
// sign in first and choose their own). Instead the link itself is the proof:
//
//   report (one use of the mailed link): every session ends; what was added since the
//   suspicious sign-in goes (passkeys, the browsers it made known, a second factor enrolled
//   since, backup codes made since); password sign-in is locked; and a short-lived reset token
//   is returned once, to the page that holds the link;
//   reset (one use of that token): the new password is set, the lock lifted, every session
//   ended again, and the owner told by mail.
import type { User } from '@jutsu/db';
import { loadPasswordPolicy } from '@jutsu/shared';
import type { LiveBus } from '../http/live-bus.ts';
import { eventBy, type RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { appError } from '../trpc/errors.ts';
import { weakPasswordError } from './accounts.ts';
import { sendPasswordChangedNotice, type NoticeDeps } from './notices.ts';
import { hashPassword } from './passwords.ts';
import { randomToken, sha256 } from './secrets.ts';

/** The lock reason that only the reset link lifts (or an admin). */
export const NOT_ME_LOCK_REASON = 'not_me';
export const PASSWORD_RESET_TTL_MS = 60 * 60_000;

export type NotMeDeps = Pick<AppServices, 'prisma' | 'sessions' | 'securityEvents'> & NoticeDeps & { liveBus: Pick<LiveBus, 'publish'> };

const linkInvalid = () => appError('NOT_FOUND', 'TOKEN_INVALID', 'This link is not valid any more.');

/** Spends a single-use action token of `purpose`; the row, or null when unknown, used, expired or of another purpose. */
async function spend(deps: Pick<NotMeDeps, 'prisma'>, token: string, purpose: string) {
  const now = new Date();
  const row = await deps.prisma.userActionToken.findUnique({ where: { tokenHash: sha256(token) } });
  if (!row) return null;
  const used = await deps.prisma.userActionToken.updateMany({ where: { id: row.id, purpose, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  return used.count === 1 ? row : null;
}

export interface NotMeReport {
  userId: string;
  /** Shown once to the page that holds the mailed link: it sets the new password. */
  resetToken: string;
  resetExpiresAt: Date;
  removed: { sessions: number; passkeys: number; devices: number; secondFactor: boolean; backupCodes: number };
}

export async function reportNotMe(deps: NotMeDeps, token: string): Promise<NotMeReport> {
  const row = await spend(deps, token, 'not_me');
  if (!row) throw linkInvalid();
  const since = row.createdAt; // the link was made at the suspicious sign-in
  // That sign-in's browser was recorded just before the link, in the same request: the newest
  // device seen first up to the link's creation is the suspicious one.
  const suspicious = await deps.prisma.knownDevice.findFirst({ where: { userId: row.userId, firstSeenAt: { lte: since } }, orderBy: { firstSeenAt: 'desc' } });
  const devicesSince = suspicious?.firstSeenAt ?? since;
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: row.userId } });
  const secondFactorSince = user.totpEnabledAt !== null && user.totpEnabledAt >= since;
  const resetToken = randomToken();
  const resetExpiresAt = new Date(Date.now() + PASSWORD_RESET_TTL_MS);
  const removed = await deps.prisma.$transaction(async (tx) => {
    const passkeys = await tx.passkey.deleteMany({ where: { userId: user.id, createdAt: { gte: since } } });
    const devices = await tx.knownDevice.deleteMany({ where: { userId: user.id, firstSeenAt: { gte: devicesSince } } });
    // A second factor enrolled since is the intruder's; so are backup codes made since.
    const backupCodes = secondFactorSince
      ? await tx.backupCode.deleteMany({ where: { userId: user.id } })
      : await tx.backupCode.deleteMany({ where: { userId: user.id, createdAt: { gte: since } } });
    await tx.user.update({
      where: { id: user.id },
      data: {
        lockedAt: new Date(),
        lockedReason: NOT_ME_LOCK_REASON,
        mustChangePassword: true,
        ...(secondFactorSince ? { totpSecret: null, totpEnabledAt: null, totpLastStep: null, totpPendingSecret: null, totpPendingCreatedAt: null } : {}),
      },
    });
    // Other reset links of this account stop working: only the newest report counts.
    await tx.userActionToken.updateMany({ where: { userId: user.id, purpose: 'password_reset', usedAt: null }, data: { usedAt: new Date() } });
    await tx.userActionToken.create({ data: { tokenHash: sha256(resetToken), userId: user.id, purpose: 'password_reset', expiresAt: resetExpiresAt } });
    return { passkeys: passkeys.count, devices: devices.count, backupCodes: backupCodes.count };
  });
  const sessions = await deps.sessions.revoke({ userId: user.id }, 'reported_not_me');
  return { userId: user.id, resetToken, resetExpiresAt, removed: { sessions: sessions.length, secondFactor: secondFactorSince, ...removed } };
}

export async function resetPasswordWithLink(deps: NotMeDeps, actor: RequestActor, input: { token: string; newPassword: string }): Promise<{ user: User; sessionsEnded: number }> {
  // Check the password before spending the token, so a weak one can be corrected.
  const peek = await deps.prisma.userActionToken.findUnique({ where: { tokenHash: sha256(input.token) }, include: { user: true } });
  if (!peek || peek.purpose !== 'password_reset' || peek.usedAt || peek.expiresAt <= new Date()) throw linkInvalid();
  const verdict = (await loadPasswordPolicy())({ password: input.newPassword, username: peek.user.username, hasSecondFactor: peek.user.totpEnabledAt !== null });
  if (!verdict.ok) throw weakPasswordError(verdict.problems);
  const row = await spend(deps, input.token, 'password_reset');
  if (!row) throw linkInvalid();
  const now = new Date();
  const user = await deps.prisma.user.update({
    where: { id: row.userId },
    data: { passwordHash: await hashPassword(input.newPassword), passwordChangedAt: now, mustChangePassword: false, lockedAt: null, lockedReason: null, failedLoginCount: 0, lastFailedLoginAt: null },
  });
  const ended = await deps.sessions.revoke({ userId: user.id }, 'password_changed');
  // Every process clears its sign-in throttle for the name.
  await deps.liveBus.publish({ type: 'user.unlocked', userId: user.id, payload: { username: user.username } });
  await deps.securityEvents.record(eventBy(actor, { type: 'auth.password_reset', severity: 'warning', userId: user.id, username: user.username, details: { via: 'not_me_link', sessionsEnded: ended.length } }));
  sendPasswordChangedNotice(deps, actor, user);
  return { user, sessionsEnded: ended.length };
}
