// `jutsu <command>`: the server and the operator's tools, one entry point.
import { parseArgs } from 'node:util';
import { migrate, openDatabase, redactDatabaseUrl } from '@jutsu/db';
import { ConfigError, loadConfig } from './config.ts';
import { SecurityEvents } from './security/security-events.ts';
import { serve } from './serve.ts';
import { withDatabase, type CommandTable } from './cli-support.ts';
import { USER_COMMANDS } from './auth/cli.ts';
import { INVITATION_COMMANDS } from './invitation/cli.ts';
import { TWO_FACTOR_COMMANDS } from './two-factor/cli.ts';
import { StartupError } from './auth/first-admin.ts';

const CORE_COMMANDS: CommandTable = {
  serve: {
    help: 'start the API and dashboard',
    run: async () => {
      await serve();
      return -1; // keep running
    },
  },
  migrate: {
    help: 'apply pending database migrations',
    run: async () => {
      const config = loadConfig();
      const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR });
      try {
        const res = await migrate(db.sql);
        console.log(`database ${redactDatabaseUrl(config.DATABASE_URL)}: ${res.applied.length} applied, ${res.alreadyApplied.length} already applied`);
        for (const name of res.applied) console.log(`  applied ${name}`);
      } finally {
        await db.close();
      }
      return 0;
    },
  },
  'audit verify': {
    help: 'check the security log hash chain; exits 1 at the first broken link',
    run: async () =>
      withDatabase(async (db) => {
        const res = await new SecurityEvents(db.prisma).verify();
        if (res.ok) {
          console.log(`security log intact: ${res.count} events verified`);
          return 0;
        }
        console.error(`security log BROKEN at event id ${res.brokenAt}: ${res.reason} (${res.count} events before it verified)`);
        return 1;
      }),
  },
};

// Each capability contributes its operator commands here.
export const COMMANDS: CommandTable = {
  ...CORE_COMMANDS,
  ...USER_COMMANDS,
  ...INVITATION_COMMANDS,
  ...TWO_FACTOR_COMMANDS,
};

function usage(): string {
  return ['usage: jutsu <command>', '', ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(22)} ${c.help}`)].join('\n');
}

export async function runCli(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const two = positionals.slice(0, 2).join(' ');
  const name = COMMANDS[two] ? two : (positionals[0] ?? 'serve');
  const command = COMMANDS[name];
  if (!command || name === 'help') {
    console.log(usage());
    return name === 'help' ? 0 : 2;
  }
  try {
    return await command.run(argv.slice(name.split(' ').length));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      console.error(err.message);
      return 1;
    }
    console.error(`jutsu ${name}: ${(err as Error).message}`);
    return 1;
  }
}
