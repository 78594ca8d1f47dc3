// Operator commands for accounts: create (interactive or from stdin), unlock.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { roleSchema } from '@jutsu/shared';
import { withDatabase, type CommandTable } from '../cli-support.ts';
import { LiveBus } from '../http/live-bus.ts';
import { createLogger } from '../logger.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { AccountError, createAccount } from './accounts.ts';
import { unlockPasswordSignIn } from './unlock.ts';
import { systemActor } from '../security/actor.ts';

/** Reads a line; hides typing when stdin is a terminal. */
async function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  if (hidden && process.stdin.isTTY) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? s : '');
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

let stdinLines: string[] | undefined;
async function nextAnswer(question: string, hidden = false): Promise<string> {
  if (process.stdin.isTTY) return ask(question, hidden);
  // Piped input: read it all once, one answer per line (scripts and tests).
  if (!stdinLines) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    stdinLines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  }
  process.stdout.write(question + '\n');
  return (stdinLines.shift() ?? '').trim();
}

export const USER_COMMANDS: CommandTable = {
  'users create': {
    help: 'create an account: --role admin|trader|viewer (asks for username and password)',
    run: async (args) => {
      const { values } = parseArgs({ args, options: { role: { type: 'string', default: 'viewer' }, email: { type: 'string' } }, strict: true });
      const role = roleSchema.safeParse(values.role);
      if (!role.success) {
        console.error('--role must be admin, trader or viewer');
        return 2;
      }
      const username = await nextAnswer('Username: ');
      const password = await nextAnswer('Password (15+ characters until 2FA is on): ', true);
      const again = await nextAnswer('Repeat password: ', true);
      if (password !== again) {
        console.error('The passwords do not match.');
        return 1;
      }
      return withDatabase(async (db) => {
        try {
          const user = await createAccount(db.prisma, { username, password, role: role.data, email: values.email ?? null });
          await new SecurityEvents(db.prisma).record({ type: 'user.created', severity: role.data === 'admin' ? 'critical' : 'info', userId: user.id, username: user.username, details: { role: role.data, via: 'cli' } });
          console.log(`created ${role.data} ${user.username}`);
          return 0;
        } catch (err) {
          if (err instanceof AccountError) {
            console.error(`not created: ${err.message}`);
            return 1;
          }
          throw err;
        }
      });
    },
  },
  'users unlock': {
    help: 'lift a sign-in lockout: users unlock <username>',
    run: async (args) => {
      const name = args[0]?.normalize('NFKC').toLowerCase();
      if (!name) {
        console.error('usage: jutsu users unlock <username>');
        return 2;
      }
      return withDatabase(async (db) => {
        const user = await db.prisma.user.findUnique({ where: { username: name } });
        if (!user) {
          console.error(`no user ${name}`);
          return 1;
        }
        // Running servers hear of it through the live bus and clear their throttle for the name.
        const liveBus = new LiveBus(db.sql, createLogger({ level: 'warn' }));
        await unlockPasswordSignIn({ prisma: db.prisma, liveBus, securityEvents: new SecurityEvents(db.prisma) }, systemActor('cli'), user);
        console.log(`unlocked ${name}`);
        return 0;
      });
    },
  },
};
