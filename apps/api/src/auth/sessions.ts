// Sessions = refresh-token families. Every refresh rotates the token; presenting a rotated
// token again means it was stolen (or replayed), so the whole family dies. A sign-in opens one
// (auth/sign-in-writes.ts).
import type { PrismaClient, Session, User } from '@jutsu/db';
import type { LiveBus } from '../http/live-bus.ts';
import { randomToken, sha256 } from './secrets.ts';

const REVOKED_IDS_PER_EVENT = 200;

/** The client presenting a refresh token, as the request shows it. */
export interface RefreshClient {
  ip: string | null | undefined;
  userAgent: string | null | undefined;
}

function clientDigest(client: RefreshClient): string {
  return sha256(`${client.ip ?? ''}\n${client.userAgent ?? ''}`);
}
/** How long after a rotation its token may be presented again as a retry of a lost answer. */
export const LOST_ANSWER_RETRY_MS = 60_000;

export interface SessionPolicy {
  /** Absolute family lifetime: rotation never extends it. */
  lifetimeMs: number;
  /** A family unused this long is over. */
  idleMs: number;
}

export type RotateResult =
  | { kind: 'rotated'; session: Session; user: User; refreshToken: string }
  | { kind: 'reused'; session: Session }
  | { kind: 'invalid'; why: 'unknown' | 'revoked' | 'expired' | 'idle' | 'user_disabled'; session?: Session };

export class Sessions {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: LiveBus,
    readonly policy: SessionPolicy,
  ) {}

  /**
   * Single use, race-safe: the UPDATE … WHERE rotated_at IS NULL lets exactly one caller win,
   * and the claim, the successor and the session's last use commit together (a crash between
   * them cannot leave a family with no usable token).
   */
  async rotate(refreshToken: string, client: RefreshClient = { ip: null, userAgent: null }): Promise<RotateResult> {
    const tokenHash = sha256(refreshToken);
    const now = new Date();
    const by = clientDigest(client);
    const row = await this.prisma.refreshToken.findUnique({ where: { tokenHash }, include: { session: { include: { user: true } } } });
    if (!row) return { kind: 'invalid', why: 'unknown' };
    const { user, ...session } = row.session;
    if (row.rotatedAt && !this.mayBeLostAnswerRetry({ rotatedAt: row.rotatedAt, rotatedBy: row.rotatedBy }, session, now, by)) return { kind: 'reused', session };
    if (session.revokedAt) return { kind: 'invalid', why: 'revoked', session };
    if (session.expiresAt <= now) return { kind: 'invalid', why: 'expired', session };
    if (now.getTime() - session.lastUsedAt.getTime() > this.policy.idleMs) {
      await this.revoke({ sessionIds: [session.id] }, 'idle_timeout');
      return { kind: 'invalid', why: 'idle', session };
    }
    if (user.disabledAt) return { kind: 'invalid', why: 'user_disabled', session };
    const next = randomToken();
    const updated = await this.prisma.$transaction(async (tx) => {
      // First use: claim this token. Retry: claim its unused child instead, which is retired
      // (presenting it later is reuse, so a replay of the parent by a thief is still caught
      // when the owner next refreshes). Either way exactly one concurrent caller wins.
      const claimed = row.rotatedAt
        ? await tx.refreshToken.updateMany({ where: { familyId: session.id, parentId: row.id, rotatedAt: null }, data: { rotatedAt: now } })
        : await tx.refreshToken.updateMany({ where: { id: row.id, rotatedAt: null }, data: { rotatedAt: now, rotatedBy: by } });
      if (claimed.count === 0) return null;
      await tx.refreshToken.create({ data: { tokenHash: sha256(next), familyId: session.id, parentId: row.id } });
      return tx.session.update({ where: { id: session.id }, data: { lastUsedAt: now } });
    });
    if (!updated) return { kind: 'reused', session };
    return { kind: 'rotated', session: updated, user, refreshToken: next };
  }

  /**
   * A rotated token presented again soon after its rotation may be a retry by a client that
   * never received the answer; rotate() then accepts it only while the token it issued is the
   * family's unused live one (see docs/decisions.md, "Refresh reuse is strict").
   */
  private mayBeLostAnswerRetry(row: { rotatedAt: Date; rotatedBy: string | null }, session: Session, now: Date, by: string): boolean {
    // Only the client that used the token (same address, same user agent) can have lost the
    // answer: a copy used from anywhere else is reuse at once.
    return !session.revokedAt && row.rotatedBy === by && now.getTime() - row.rotatedAt.getTime() <= LOST_ANSWER_RETRY_MS;
  }

  /** Looks a refresh token up without using it (logout with only a cookie). */
  async findByToken(refreshToken: string): Promise<Session | null> {
    const row = await this.prisma.refreshToken.findUnique({ where: { tokenHash: sha256(refreshToken) }, include: { session: true } });
    return row?.session ?? null;
  }

  /**
   * Revokes sessions and tells every API process (live events) to end their sockets and
   * live subscriptions. Returns the ids actually revoked now.
   */
  async revoke(
    target: { sessionIds: string[] } | { userId: string; exceptSessionId?: string } | { passkeyId: string; exceptSessionId?: string },
    reason: string,
  ): Promise<string[]> {
    const except = 'exceptSessionId' in target && target.exceptSessionId ? { id: { not: target.exceptSessionId } } : {};
    const where =
      'sessionIds' in target
        ? { id: { in: target.sessionIds }, revokedAt: null }
        : 'passkeyId' in target
          ? { passkeyId: target.passkeyId, revokedAt: null, ...except }
          : { userId: target.userId, revokedAt: null, ...except };
    const rows = await this.prisma.session.findMany({ where, select: { id: true, userId: true } });
    if (rows.length === 0) return [];
    const now = new Date();
    await this.prisma.session.updateMany({ where: { id: { in: rows.map((r) => r.id) }, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
    const byUser = new Map<string, string[]>();
    for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.id]);
    // Stored events of bounded size (NOTIFY carries only their id): however many sessions.
    for (const [userId, sessionIds] of byUser) {
      for (let i = 0; i < sessionIds.length; i += REVOKED_IDS_PER_EVENT) {
        await this.bus.publish({ type: 'session.revoked', userId, payload: { sessionIds: sessionIds.slice(i, i + REVOKED_IDS_PER_EVENT), reason } });
      }
    }
    return rows.map((r) => r.id);
  }

  async listActive(userId: string): Promise<Session[]> {
    return this.prisma.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date() }, lastUsedAt: { gt: new Date(Date.now() - this.policy.idleMs) } },
      orderBy: { lastUsedAt: 'desc' },
    });
  }

  async blacklistAccessToken(jti: string, userId: string, expiresAt: Date, reason: string): Promise<void> {
    await this.prisma.blacklistedToken.upsert({ where: { jti }, update: {}, create: { jti, userId, expiresAt, reason } });
  }

  /** Housekeeping: rows that can no longer matter. */
  async purgeExpired(): Promise<void> {
    const now = new Date();
    await this.prisma.blacklistedToken.deleteMany({ where: { expiresAt: { lt: now } } });
    await this.prisma.loginChallenge.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 86_400_000) } } });
  }
}
