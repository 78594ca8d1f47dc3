// A second API process for the live-order tests: its own database connection, token broker
// and order dependencies. Prints "ready", waits for "go" on stdin, then sends INTENT_ID and
// prints the outcome as one JSON line. With CRASH=1 it SIGKILLs itself right after the broker
// accepted the order and before anything about it is written (a crash between send and record).
import { openDatabase } from '@jutsu/db';
import { sendLiveIntent } from '../engine/orders.ts';
import { SchwabBroker } from '../engine/schwab-broker.ts';
import { createLogger } from '../logger.ts';
import { Keyring } from '../security/keyring.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { TokenBroker } from '../schwab/token-broker.ts';
import { namedAdvisoryLock } from '../schwab/wiring.ts';

const env = process.env;
const db = await openDatabase({ url: env.DATABASE_URL! });
const base = {
  prisma: db.prisma,
  keyring: Keyring.parse(env.ENCRYPTION_KEYS),
  oauth: { baseUrl: env.SCHWAB_BASE_URL!, clientId: env.SCHWAB_CLIENT_ID!, clientSecret: env.SCHWAB_CLIENT_SECRET!, redirectUri: env.SCHWAB_CALLBACK_URL!, allowInsecureHttp: true },
  lock: namedAdvisoryLock(db.sql),
  events: new SecurityEvents(db.prisma),
  alerts: { enqueue: async () => undefined },
  publish: () => undefined,
  logger: createLogger({ level: 'silent' }),
};
const tokens = new TokenBroker(base);
const deps = {
  prisma: db.prisma,
  lock: base.lock,
  liveBroker: () => SchwabBroker.forLiveAccount({ prisma: db.prisma, tokens }),
  events: base.events,
  publish: async () => undefined,
  logger: base.logger,
  pollIntervalMs: 20,
  ...(env.CRASH === '1'
    ? {
        afterPlace: () => {
          process.kill(process.pid, 'SIGKILL');
          return new Promise<void>(() => undefined); // never continues to the write
        },
      }
    : {}),
};
await db.prisma.$queryRawUnsafe('SELECT 1'); // connected before the race starts
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void sendLiveIntent(deps, env.INTENT_ID!)
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err: unknown) => process.stdout.write(`${JSON.stringify({ error: String((err as Error).name) })}\n`))
    .finally(() => void db.close().then(() => process.exit(0)));
});
