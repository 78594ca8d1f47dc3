// PostgreSQL stopped (pg_ctl stop -m fast) and started again under load, on a cluster of our
// own: during the outage requests get a typed 503 that names no internals, /readyz goes red
// then green, the API reconnects by itself, and every security event written before the
// outage is still there.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiEnv, BrowserClient, clientIp, createDatabase, sleep, startApi, startPostgres, type ApiProcess, type Database, type OwnServer } from './processes.ts';

const CLIENTS = 6;

let cluster: OwnServer;
let db: Database;
let api: ApiProcess | undefined;

beforeAll(async () => {
  cluster = await startPostgres();
  db = await createDatabase(cluster.url);
});

afterAll(async () => {
  await api?.stop();
  await cluster?.destroy();
});

async function readyz(a: ApiProcess): Promise<number> {
  try {
    return (await fetch(`${a.url}/readyz`)).status;
  } catch {
    return 0;
  }
}

test('a PostgreSQL restart under load: typed 503s, /readyz red then green, reconnection, no event lost', async () => {
  api = await startApi(apiEnv({ DATABASE_URL: db.url, LOGIN_RATE_LIMIT: '1000' }));
  const clients = Array.from({ length: CLIENTS }, (_, i) => new BrowserClient(api!, clientIp(i + 1)));
  for (const c of clients) await c.signIn('resil-admin');

  // Load: reads that touch the database (the session guard, the dashboard) and refreshes.
  const seen = { ok: 0, unavailable: 0, other: [] as string[], bodies: new Set<string>() };
  let stopLoad = false;
  const loops = clients.map(async (c) => {
    while (!stopLoad) {
      const answers = await Promise.all([c.query('dashboard.positions'), c.call('auth.refresh')]).catch(() => []);
      for (const r of answers) {
        if (r.status === 200) seen.ok++;
        else if (r.status === 503) {
          seen.unavailable++;
          seen.bodies.add(JSON.stringify(r.body));
        } else seen.other.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        if (r.status === 200 && r.body.result?.data?.json?.accessToken) c.accessToken = r.body.result.data.json.accessToken as string;
      }
      await sleep(20);
    }
  });
  while (seen.ok < CLIENTS * 4) await sleep(50);
  const before = await db.query<{ n: number; head: string }>('SELECT count(*)::int AS n, max(id)::text AS head FROM security_events');

  await cluster.stop();
  const outageStart = seen.unavailable;
  const until = Date.now() + 20_000;
  while (seen.unavailable - outageStart < CLIENTS * 2 && Date.now() < until) await sleep(100);
  // The process outlives its database (its log, should it not).
  expect(api.child.exitCode, api.output().slice(-4000)).toBeNull();
  expect(await readyz(api)).toBe(503);
  // A sign-in during the outage: refused the same typed way.
  const late = await new BrowserClient(api, clientIp(99)).call('auth.login', { username: 'resil-admin', password: 'x' });
  expect(late.status).toBe(503);

  await cluster.start();
  const back = Date.now() + 30_000;
  while ((await readyz(api)) !== 200 && Date.now() < back) await sleep(200);
  expect(await readyz(api)).toBe(200);
  const okAtRecovery = seen.ok;
  while (seen.ok < okAtRecovery + CLIENTS * 2 && Date.now() < back) await sleep(100);
  stopLoad = true;
  await Promise.all(loops);

  expect(api.child.exitCode).toBeNull();
  expect(seen.other).toEqual([]);
  expect(seen.unavailable).toBeGreaterThan(0);
  // Typed, and nothing about the database's insides.
  for (const body of seen.bodies) {
    expect(body).toMatch(/DATABASE_UNAVAILABLE/);
    expect(body).not.toMatch(/prisma|postgres|ECONNREFUSED|127\.0\.0\.1|stack|terminat/i);
  }
  // Every client is still signed in after the restart.
  const after = await Promise.all(clients.map((c) => c.refresh()));
  expect(after.map((r) => r.status)).toEqual(Array(CLIENTS).fill(200));
  const kept = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM security_events WHERE id <= $1::bigint', [before[0]!.head]);
  expect(kept[0]!.n).toBe(before[0]!.n);
  console.info(`PostgreSQL restart: ${seen.unavailable} typed 503s, ${seen.ok} answers; ${before[0]!.n} events kept`);
}, 120_000);
