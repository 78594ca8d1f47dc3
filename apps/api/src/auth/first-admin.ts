// Unattended installs: ADMIN_USERNAME + ADMIN_PASSWORD create the first admin when the
// database has no users. The password policy applies; there is no default password.
import { StartupError } from '../config.ts';
import type { AppServices } from '../services.ts';
import { AccountError, createAccount } from './accounts.ts';

export async function createFirstAdminFromEnv(services: AppServices): Promise<void> {
  const { config, prisma, logger, securityEvents } = services;
  if (!config.ADMIN_USERNAME && !config.ADMIN_PASSWORD) return;
  if (!config.ADMIN_USERNAME || !config.ADMIN_PASSWORD) {
    throw new StartupError('Set both ADMIN_USERNAME and ADMIN_PASSWORD (or neither).');
  }
  if ((await prisma.user.count()) > 0) return;
  try {
    const user = await createAccount(prisma, { username: config.ADMIN_USERNAME, password: config.ADMIN_PASSWORD, role: 'admin' });
    await securityEvents.record({ type: 'user.created', severity: 'warning', userId: user.id, username: user.username, details: { role: 'admin', via: 'ADMIN_USERNAME' } });
    logger.info({ username: user.username }, 'first admin created from ADMIN_USERNAME/ADMIN_PASSWORD');
  } catch (err) {
    if (err instanceof AccountError) throw new StartupError(`ADMIN_PASSWORD is not acceptable: ${err.message}`);
    throw err;
  }
}
