// Re-encrypting every stored secret with the first ENCRYPTION_KEYS key, as a service: the
// operator runs it from the shell (`jutsu keys rotate`), and a scheduled job can run the
// same code once Schwab tokens share the keyring. The security log says who rotated.
import type { PrismaClient } from '@jutsu/db';
import { eventBy, type Actor } from './actor.ts';
import { rotateEncryptedColumns, type Keyring, type RotationReport } from './keyring.ts';
import type { SecurityEvents } from './security-events.ts';

export interface KeyRotationDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  securityEvents: Pick<SecurityEvents, 'record'>;
}

export async function rotateEncryptionKeys(deps: KeyRotationDeps, actor: Actor): Promise<RotationReport> {
  const report = await rotateEncryptedColumns(deps.prisma, deps.keyring);
  await deps.securityEvents.record(
    eventBy(actor, {
      type: 'encryption.keys_rotated',
      severity: 'warning',
      details: {
        primaryKeyId: report.primaryKeyId,
        rotated: report.columns.reduce((n, c) => n + c.rotated, 0),
        problems: report.problems.length,
      },
    }),
  );
  return report;
}
