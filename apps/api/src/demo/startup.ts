// The startup task of a server started by `jutsu demo` (DEMO=true): seed the fresh database
// and print the demo admin's credentials on the console (never through the structured log).
import type { AppServices } from '../services.ts';
import { seedDemo } from './seed.ts';

export async function seedDemoOnStart(services: AppServices): Promise<void> {
  if (!services.config.DEMO) return;
  if ((await services.prisma.user.count()) > 0) {
    services.logger.info('demo database already seeded');
    return;
  }
  const res = await seedDemo(services.schwab.deps);
  services.logger.info({ accounts: res.accounts, snapshots: res.snapshots, trades: res.trades }, 'demo data seeded');
  console.log(
    [
      '',
      '  DEMO: simulated broker, not real money',
      `  Open ${services.config.PUBLIC_URL} and sign in as`,
      `    username: ${res.username}`,
      `    password: ${res.password}`,
      `  (${res.accounts} accounts, ${res.snapshots} daily snapshots, ${res.trades} trades; prices move every few seconds)`,
      '',
    ].join('\n'),
  );
}
