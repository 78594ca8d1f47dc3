// The second step of a password login: a short-lived, single-use challenge bound to the
// user, with at most MAX_ATTEMPTS tries. Each try is counted atomically before checking.
import type { LoginChallenge, PrismaClient } from '@jutsu/db';
import { randomToken, sha256 } from './secrets.ts';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_CHALLENGE_ATTEMPTS = 5;

export class LoginChallenges {
  constructor(private readonly prisma: PrismaClient) {}

  async create(userId: string, meta: { ip: string; userAgent: string | undefined }): Promise<string> {
    const token = randomToken();
    // One pending challenge per user: a new password step cancels older ones.
    await this.prisma.loginChallenge.updateMany({ where: { userId, consumedAt: null }, data: { consumedAt: new Date() } });
    await this.prisma.loginChallenge.create({
      data: { tokenHash: sha256(token), userId, ip: meta.ip, userAgent: meta.userAgent ?? null, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) },
    });
    return token;
  }

  /** Counts one attempt. Null when the challenge is unknown, used, expired or out of attempts. */
  async beginAttempt(token: string): Promise<LoginChallenge | null> {
    if (token.length > 128) return null;
    try {
      return await this.prisma.loginChallenge.update({
        where: { tokenHash: sha256(token), consumedAt: null, expiresAt: { gt: new Date() }, attempts: { lt: MAX_CHALLENGE_ATTEMPTS } },
        data: { attempts: { increment: 1 } },
      });
    } catch {
      return null;
    }
  }

  /** Marks it used; false if someone else completed it first. */
  async complete(id: string): Promise<boolean> {
    const res = await this.prisma.loginChallenge.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: new Date() } });
    return res.count === 1;
  }

  async kill(id: string): Promise<void> {
    await this.prisma.loginChallenge.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: new Date() } });
  }
}
