// Turning 2FA off for someone else (admin) or for the owner's recovery (CLI): one way.
import type { PrismaClient } from '@jutsu/db';
import type { Sessions } from '../auth/sessions.ts';

export interface TwoFactorReset {
  wasEnabled: boolean;
  backupCodesDeleted: number;
  /** Every session of the account ends, in every process (LISTEN/NOTIFY). */
  revokedSessionIds: string[];
}

export async function resetTwoFactor(prisma: PrismaClient, sessions: Sessions, user: { id: string; totpEnabledAt: Date | null }): Promise<TwoFactorReset> {
  const backupCodesDeleted = await prisma.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: user.id },
      data: { totpSecret: null, totpEnabledAt: null, totpLastStep: null, totpPendingSecret: null, totpPendingCreatedAt: null },
    });
    return (await tx.backupCode.deleteMany({ where: { userId: user.id } })).count;
  });
  const revokedSessionIds = await sessions.revoke({ userId: user.id }, 'two_factor_reset');
  return { wasEnabled: user.totpEnabledAt !== null, backupCodesDeleted, revokedSessionIds };
}
