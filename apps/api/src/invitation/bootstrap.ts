// First start without ADMIN_USERNAME/ADMIN_PASSWORD: a one-time admin invitation, printed
// to stdout (never to the structured log). Only the token's hash is stored, so a link
// cannot be shown twice: every start while no account exists revokes the previous
// bootstrap link and prints a new one. Once an account exists, leftovers are revoked.
import { xactLock } from '@jutsu/db';
import { systemActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { createInvitation, invitationUrl } from './service.ts';

export type BootstrapOutcome = { kind: 'issued'; url: string; expiresAt: Date; invitationId: string; replaced: number } | { kind: 'not_needed'; revoked: number };

export async function issueBootstrapInvitation(services: Pick<AppServices, 'prisma' | 'config'>): Promise<BootstrapOutcome> {
  const { prisma, config } = services;
  // One issuer at a time (replicas starting together); the redeemer takes the same lock.
  const result = await prisma.$transaction(async (tx) => {
    await xactLock(tx, 'invitation.bootstrap');
    const older = await tx.userInvitation.updateMany({
      where: { isBootstrap: true, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if ((await tx.user.count()) > 0) return { kind: 'not_needed' as const, revoked: older.count };
    const { invitation, token } = await createInvitation({ prisma: tx }, systemActor('bootstrap'), { role: 'admin', isBootstrap: true });
    return { kind: 'issued' as const, url: invitationUrl(config.PUBLIC_URL, token), expiresAt: invitation.expiresAt, invitationId: invitation.id, replaced: older.count };
  });
  return result;
}

/** The startup task (runs after createFirstAdminFromEnv). */
export async function printBootstrapInvitation(services: AppServices): Promise<void> {
  const { prisma, securityEvents, logger } = services;
  // Cheap check first: an installed system has nothing to do unless a link is left over.
  if ((await prisma.user.count()) > 0 && (await prisma.userInvitation.count({ where: { isBootstrap: true, acceptedAt: null, revokedAt: null } })) === 0) return;
  const outcome = await issueBootstrapInvitation(services);
  if (outcome.kind === 'not_needed') {
    if (outcome.revoked > 0) {
      await securityEvents.record({ type: 'invitation.revoked', severity: 'info', details: { bootstrap: true, count: outcome.revoked, why: 'accounts_exist' } });
    }
    return;
  }
  await securityEvents.record({
    type: 'invitation.created',
    severity: 'warning',
    details: { invitationId: outcome.invitationId, role: 'admin', bootstrap: true, replacedBootstrapLinks: outcome.replaced, expiresAt: outcome.expiresAt.toISOString() },
  });
  logger.info({ invitationId: outcome.invitationId, expiresAt: outcome.expiresAt }, 'no accounts yet: bootstrap admin invitation issued (link printed to stdout)');
  // The link itself goes to stdout only, on one line, never through the logger.
  console.log(`First start: create the admin account at ${outcome.url} (valid until ${outcome.expiresAt.toISOString()})`);
}
