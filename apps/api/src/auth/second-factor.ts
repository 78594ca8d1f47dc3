// Whether an account has a second factor (TOTP) or a passkey: the gate in front of the
// brokerage login and of live trading. It reads the account, not the session, so a factor
// set up after signing in counts.
import type { PrismaClient } from '@jutsu/db';

export async function hasSecondFactor(prisma: Pick<PrismaClient, 'user'>, userId: string): Promise<boolean> {
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { totpEnabledAt: true, _count: { select: { passkeys: true } } } });
  return !!user && (user.totpEnabledAt !== null || user._count.passkeys > 0);
}
