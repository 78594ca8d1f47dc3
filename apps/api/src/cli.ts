// `jutsu <command>`: the server and the operator's tools, one entry point.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { migrate, openDatabase, redactDatabaseUrl } from '@jutsu/db';
import { ConfigError, loadConfig, StartupError } from './config.ts';
import { CHECKPOINT_MESSAGE, formatCheckpoint, parseCheckpoints, SecurityEvents, type Checkpoint } from './security/security-events.ts';
import { serve } from './serve.ts';
import { withDatabase, type CommandTable } from './cli-support.ts';
import { USER_COMMANDS } from './auth/cli.ts';
import { INVITATION_COMMANDS } from './invitation/cli.ts';
import { TWO_FACTOR_COMMANDS } from './two-factor/cli.ts';
import { BACKUP_COMMANDS } from './backup/cli.ts';
import { KEY_COMMANDS } from './security/cli.ts';
import { runDemo } from './demo/run.ts';

const CORE_COMMANDS: CommandTable = {
  serve: {
    help: 'start the API and dashboard',
    run: async () => {
      await serve();
      return -1; // keep running
    },
  },
  demo: {
    help: 'the server on a throw-away embedded database with a simulated broker and a year of history [--port 8080]',
    run: (args) => runDemo(args),
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
    help: 'check the security log chain, naming every broken row [--checkpoint <id>:<hmac> | <file of log lines>]…',
    run: async (args) => {
      const { values } = parseArgs({ args, options: { checkpoint: { type: 'string', multiple: true } }, allowPositionals: false, strict: true });
      const checkpoints: Checkpoint[] = [];
      for (const c of values.checkpoint ?? []) {
        const text = /^\d+:[0-9a-f]{64}$/.test(c) ? c : fs.readFileSync(c, 'utf8');
        const found = parseCheckpoints(text.split('\n').filter((l) => !l.startsWith('{') || l.includes(CHECKPOINT_MESSAGE)).join('\n'));
        if (found.length === 0) throw new Error(`no checkpoint (<id>:<64 hex>) in ${c === text ? 'the argument' : c}`);
        checkpoints.push(...found);
      }
      const config = loadConfig();
      return withDatabase(async (db) => {
        const res = await new SecurityEvents(db.prisma, { secretKey: config.SECRET_KEY }).verify({ checkpoints });
        for (const n of res.notes) console.log(`note: ${n}`);
        const head = res.head ? `; head ${formatCheckpoint(res.head)}` : '';
        if (res.ok) {
          const cps = checkpoints.length ? `, ${checkpoints.length} checkpoint(s) matched` : '';
          console.log(`security log intact: ${res.count} events verified${cps}${head}`);
          return 0;
        }
        for (const p of res.problems) console.error(`security log BROKEN at event id ${p.id}: ${p.reason}`);
        console.error(`${res.problems.length} problem(s) in ${res.count} events${head}`);
        return 1;
      });
    },
  },
  'audit prune': {
    help: 'delete info rows of the security log older than SECURITY_LOG_RETENTION_DAYS (the server does it daily)',
    run: async () => {
      const config = loadConfig();
      return withDatabase(async (db) => {
        const log = new SecurityEvents(db.prisma, { secretKey: config.SECRET_KEY, retentionDays: config.SECURITY_LOG_RETENTION_DAYS });
        const event = await log.prune();
        if (!event) console.log(`nothing older than ${config.SECURITY_LOG_RETENTION_DAYS} days to prune`);
        else console.log(`pruned ${(event.details as { deleted: number }).deleted} info rows; checkpoint ${formatCheckpoint(event)}`);
        return 0;
      });
    },
  },
};

// Each capability contributes its operator commands here.
export const COMMANDS: CommandTable = {
  ...CORE_COMMANDS,
  ...USER_COMMANDS,
  ...INVITATION_COMMANDS,
  ...KEY_COMMANDS,
  ...TWO_FACTOR_COMMANDS,
  ...BACKUP_COMMANDS,
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
