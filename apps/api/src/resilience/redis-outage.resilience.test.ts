// Redis stopped under two API replicas that share their rate-limit counters through it: the
// sign-in limit still holds on each replica (the in-memory insurance limiter), and once Redis
// is back the replicas count together again.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiEnv, BrowserClient, clientIp, createDatabase, sharedPostgresUrl, sleep, startApi, startRedis, type ApiProcess, type Database, type OwnServer } from './processes.ts';

const LIMIT = 3;

let db: Database;
let redis: OwnServer;
const apis: ApiProcess[] = [];

beforeAll(async () => {
  [db, redis] = await Promise.all([createDatabase(sharedPostgresUrl()), startRedis()]);
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.stop()));
  await redis?.destroy();
  await db?.drop();
});

/** One wrong sign-in (a fresh name each time, so only the per-address limit can refuse it). */
async function guess(api: ApiProcess, ip: string): Promise<number> {
  const { status } = await new BrowserClient(api, ip).call('auth.login', { username: `nobody-${Math.random().toString(36).slice(2)}`, password: 'a wrong guess' });
  return status;
}

/** LIMIT wrong sign-ins from one address spread over the given replicas, then one more on the last. */
async function spend(replicas: ApiProcess[], ip: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT; i++) statuses.push(await guess(replicas[i % replicas.length]!, ip));
  statuses.push(await guess(replicas[replicas.length - 1]!, ip));
  return statuses;
}

test('the sign-in limit holds with Redis down and is shared again when it is back', async () => {
  const env = apiEnv({ DATABASE_URL: db.url, REDIS_URL: redis.url, LOGIN_RATE_LIMIT: String(LIMIT), LOGIN_DELAY_AFTER_FAILURES: '1000' });
  apis.push(await startApi(env));
  apis.push(await startApi(env));
  const [one, two] = apis as [ApiProcess, ApiProcess];
  const refused = [401, 401, 401, 429];

  // Shared: attempts on both replicas add up.
  expect(await spend([one, two], clientIp(1))).toEqual(refused);

  await redis.stop();
  // Each replica still holds the limit on its own; the API keeps answering.
  expect(await spend([one], clientIp(2))).toEqual(refused);
  expect(await spend([two], clientIp(3))).toEqual(refused);
  expect((await fetch(`${one.url}/healthz`)).status).toBe(200);

  await redis.start();
  // Shared again, once the replicas have reconnected (a fresh Redis: no counts survived).
  const ip = clientIp(4);
  const until = Date.now() + 30_000;
  let statuses = await spend([one, two], ip);
  for (let n = 5; statuses.join() !== refused.join() && Date.now() < until; n++) {
    await sleep(500);
    statuses = await spend([one, two], clientIp(n * 10));
  }
  expect(statuses).toEqual(refused);
}, 120_000);
