// Lifting a password-sign-in lock: the same for an admin (users screen), the owner (after a
// passkey sign-in) and the operator (`jutsu users unlock`). The database row, then an event
// that makes every API process clear its in-memory throttle for the name (Redis-backed
// counters are shared, but the insurance limiter and single-replica installs are not).
import type { PrismaClient, User } from '@jutsu/db';
import type { LiveBus } from '../http/live-bus.ts';
import type { SystemActor, UserActor } from '../security/actor.ts';
import type { SecurityEvents } from '../security/security-events.ts';

export interface UnlockDeps {
  prisma: PrismaClient;
  liveBus: Pick<LiveBus, 'publish'>;
  securityEvents: SecurityEvents;
}

/** Who unlocked: a person (admin or the owner) or a system job (the command line). */
export type UnlockActor = UserActor | SystemActor;

export async function unlockPasswordSignIn(deps: UnlockDeps, actor: UnlockActor, user: Pick<User, 'id' | 'username' | 'lockedAt'>): Promise<{ wasLocked: boolean }> {
  await deps.prisma.user.update({ where: { id: user.id }, data: { lockedAt: null, lockedReason: null, failedLoginCount: 0, lastFailedLoginAt: null } });
  await deps.liveBus.publish({ type: 'user.unlocked', userId: user.id, payload: { username: user.username } });
  const wasLocked = user.lockedAt !== null;
  // Like every admin action: the row names who acted; the account acted on is the target.
  await deps.securityEvents.record(
    actor.kind === 'user'
      ? {
          type: 'user.unlocked',
          severity: 'warning',
          userId: actor.userId,
          username: actor.username,
          ip: actor.ip,
          userAgent: actor.userAgent,
          details: { targetUserId: user.id, targetUsername: user.username, self: actor.userId === user.id, wasLocked },
        }
      : { type: 'user.unlocked', severity: 'warning', userId: user.id, username: user.username, details: { targetUserId: user.id, via: actor.job, wasLocked } },
  );
  return { wasLocked };
}
