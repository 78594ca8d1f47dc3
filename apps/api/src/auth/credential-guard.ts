// The one gate in front of every check of a secret against an account: the sign-in
// password, the second-factor code, and the password re-entered for step-up, a password
// change or turning two-factor off. A stolen session therefore guesses no faster than a
// stranger at the login form, and parallel guesses cannot slip past the throttle:
//
//   1. a locked account answers ACCOUNT_LOCKED before anything is checked, so the answer is
//      the same whatever was presented;
//   2. the attempt is reserved atomically before the hash is computed (rate-limit.ts
//      `reserve`): the free attempts, then one at a time with doubling waits;
//   3. a failure sets the wait and counts toward the lock (LOCKOUT_THRESHOLD in a row);
//      a success clears both.
//
// Bounds (docs/decisions.md, "Password guessing bounds"): per account name at most
// LOGIN_DELAY_AFTER_FAILURES + 1 checks in any burst, about 14 in 15 minutes after that,
// and LOCKOUT_THRESHOLD in a row before the lock; passkey sign-in is never throttled here.
import type { PrismaClient, User } from '@jutsu/db';
import type { Config } from '../config.ts';
import type { RateLimits } from '../security/rate-limit.ts';
import type { RequestOrigin } from '../security/actor.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import { appError } from '../trpc/errors.ts';

export interface GuardDeps {
  prisma: PrismaClient;
  rateLimits: RateLimits;
  securityEvents: SecurityEvents;
  config: Pick<Config, 'LOCKOUT_THRESHOLD'>;
}

/** Who is presenting the secret: where from, for the security log (a RequestActor fits). */
export type Presenter = RequestOrigin;

export function accountThrottleKey(username: string): string {
  return `acct:${username.normalize('NFKC').toLowerCase().slice(0, 64)}`;
}

export function lockedError(reason: string | null) {
  // Shown to anyone who types the name: it says how to get in, not whether a password was right.
  return appError(
    'FORBIDDEN',
    'ACCOUNT_LOCKED',
    reason === 'not_me'
      ? 'Password sign-in is paused for this account: its owner reported a sign-in that was not theirs. Set a new password with the link from the email, or sign in with a passkey.'
      : 'Password sign-in is locked for this account after too many failed attempts. Sign in with a passkey, or ask an administrator to unlock it.',
  );
}

export interface CredentialAttempt {
  /** The secret was wrong: set the wait, count toward the lock. */
  failed(): Promise<void>;
  /** The secret was right: clear the wait and the count. */
  succeeded(): Promise<void>;
  /**
   * The password was right but a second factor must follow: give the attempt back and free
   * the slot, but keep the earlier failures, so a known password does not reset the throttle
   * on guessing the code.
   */
  release(): Promise<void>;
}

/**
 * Reserves one check of a secret for `accountName` (known user or not: the same throttle, so
 * it reveals nothing). Throws RATE_LIMITED (with `retryAfter`) or ACCOUNT_LOCKED; otherwise the
 * caller checks the secret and settles the attempt.
 */
export async function reserveCredentialAttempt(
  deps: GuardDeps,
  who: Presenter,
  account: { name: string; user: Pick<User, 'id' | 'username' | 'lockedAt' | 'lockedReason'> | null },
): Promise<CredentialAttempt> {
  const { rateLimits, prisma, securityEvents, config } = deps;
  if (account.user?.lockedAt) throw lockedError(account.user.lockedReason);
  const key = accountThrottleKey(account.name);
  const slot = await rateLimits.reserve('loginAccount', key);
  if (!slot.ok) {
    const wait = slot.retryAfterSeconds;
    // One row per account and minute, not one per refused guess: a flood cannot fill the log.
    if ((await rateLimits.hit('loginAccountRefusals', key)) === 1) {
      await securityEvents.record({
        type: 'rate_limit.hit',
        severity: 'warning',
        userId: account.user?.id ?? null,
        username: account.user?.username ?? null,
        ip: who.ip,
        userAgent: who.userAgent ?? null,
        details: { bucket: 'loginAccount', retryAfter: wait },
      });
    }
    throw appError('TOO_MANY_REQUESTS', 'RATE_LIMITED', `Too many failed attempts for this account. Try again in ${wait} s.`, { retryAfter: wait });
  }
  const user = account.user;
  return {
    async failed() {
      await rateLimits.settleFailure('loginAccount', key, slot.attempt);
      if (!user) return;
      const updated = await prisma.user.update({
        where: { id: user.id },
        data: { failedLoginCount: { increment: 1 }, lastFailedLoginAt: new Date() },
        select: { failedLoginCount: true },
      });
      if (updated.failedLoginCount < config.LOCKOUT_THRESHOLD) return;
      const locked = await prisma.user.updateMany({
        where: { id: user.id, lockedAt: null },
        data: { lockedAt: new Date(), lockedReason: `${updated.failedLoginCount} failed attempts in a row` },
      });
      if (locked.count === 1) {
        // Critical: the owner is alerted (mail/webhook) and can unlock from the users screen.
        await securityEvents.record({
          type: 'auth.lockout',
          severity: 'critical',
          userId: user.id,
          username: user.username,
          ip: who.ip,
          userAgent: who.userAgent ?? null,
          details: { failures: updated.failedLoginCount },
        });
      }
    },
    async succeeded() {
      await rateLimits.reset('loginAccount', key);
      if (user) await prisma.user.update({ where: { id: user.id }, data: { failedLoginCount: 0, lastFailedLoginAt: null } });
    },
    async release() {
      await rateLimits.release('loginAccount', key);
    },
  };
}

/** Wrong step-up answers a session may give before it is ended. */
export const STEP_UP_FAILURES_PER_SESSION = 3;

/**
 * Counts a wrong answer to a step-up question (the password re-entered by a signed-in
 * session). At STEP_UP_FAILURES_PER_SESSION the caller must end the session: whoever holds
 * it does not know the password. Returns true when that limit is reached.
 */
export async function countStepUpFailure(deps: Pick<GuardDeps, 'rateLimits'>, sessionId: string): Promise<boolean> {
  return (await deps.rateLimits.hit('stepUpFailures', `session:${sessionId}`)) >= STEP_UP_FAILURES_PER_SESSION;
}
