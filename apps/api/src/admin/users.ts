// User administration that must stay consistent under concurrency: the last active admin
// can never be demoted or disabled, not even by two admins acting on each other at once.
import { TRPCError } from '@trpc/server';
import { xactLock, type PrismaClient, type Role, type User } from '@jutsu/db';
import { appError } from '../trpc/errors.ts';

export type GuardedChange = { role: Role } | { disable: true };

function removesActiveAdmin(user: User, change: GuardedChange): boolean {
  if (user.role !== 'admin' || user.disabledAt !== null) return false;
  return 'disable' in change || change.role !== 'admin';
}

/**
 * Applies a role change or a disable under the admin-set lock: the check "another active
 * admin remains" and the write happen in one transaction that every such change queues on,
 * so two admins demoting (or disabling) each other leave one admin, never zero.
 */
export async function changeUserGuarded(prisma: PrismaClient, userId: string, change: GuardedChange): Promise<{ before: User; after: User }> {
  return prisma.$transaction(async (tx) => {
    await xactLock(tx, 'admin.set');
    const before = await tx.user.findUnique({ where: { id: userId } });
    if (!before) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such user.' });
    if (removesActiveAdmin(before, change)) {
      const others = await tx.user.count({ where: { role: 'admin', disabledAt: null, id: { not: userId } } });
      if (others === 0) {
        throw appError('CONFLICT', 'LAST_ADMIN', 'This is the last active admin. Make another user an admin first.');
      }
    }
    const after =
      'disable' in change
        ? before.disabledAt
          ? before
          : await tx.user.update({ where: { id: userId }, data: { disabledAt: new Date() } })
        : before.role === change.role
          ? before
          : await tx.user.update({ where: { id: userId }, data: { role: change.role } });
    return { before, after };
  });
}
