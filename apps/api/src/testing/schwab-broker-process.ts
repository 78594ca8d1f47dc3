// A second process for the token-broker race test: opens its own database connection, builds
// its own broker, prints "ready", waits for "go" on stdin, then asks for access tokens and
// prints their SHA-256 (never a token) as one JSON line.
import { createHash } from 'node:crypto';
import { openDatabase } from '@jutsu/db';
import { createLogger } from '../logger.ts';
import { Keyring } from '../security/keyring.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { TokenBroker } from '../schwab/token-broker.ts';
import { namedAdvisoryLock } from '../schwab/wiring.ts';

const env = process.env;
const db = await openDatabase({ url: env.DATABASE_URL! });
const broker = new TokenBroker({
  prisma: db.prisma,
  keyring: Keyring.parse(env.ENCRYPTION_KEYS),
  oauth: { baseUrl: env.SCHWAB_BASE_URL!, clientId: env.SCHWAB_CLIENT_ID!, clientSecret: env.SCHWAB_CLIENT_SECRET!, redirectUri: env.SCHWAB_CALLBACK_URL!, allowInsecureHttp: true },
  lock: namedAdvisoryLock(db.sql),
  events: new SecurityEvents(db.prisma),
  alerts: { enqueue: async () => undefined },
  publish: () => undefined,
  logger: createLogger({ level: 'silent' }),
});
await db.prisma.$queryRawUnsafe('SELECT 1'); // connected before the race starts
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void Promise.all(Array.from({ length: Number(env.CALLS ?? '3') }, () => broker.getAccessToken()))
    .then((tokens) => process.stdout.write(`${JSON.stringify(tokens.map((t) => createHash('sha256').update(t).digest('hex')))}\n`))
    .catch((err: unknown) => process.stdout.write(`${JSON.stringify({ error: String((err as Error).name) })}\n`))
    .finally(() => void db.close().then(() => process.exit(0)));
});
