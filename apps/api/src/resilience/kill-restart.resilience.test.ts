// kill -9 of the API while many clients refresh in a loop, then a restart: every client's
// next refresh succeeds (no one signed out), no family is lost or revoked, and nothing is
// flagged as refresh-token reuse. A refresh whose answer the crash swallowed is the hard
// case: the client still holds the rotated token.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiEnv, BrowserClient, clientIp, createDatabase, sharedPostgresUrl, sleep, startApi, type ApiProcess, type Database } from './processes.ts';

const CLIENTS = 30;

let db: Database;
let api: ApiProcess | undefined;

beforeAll(async () => {
  db = await createDatabase(sharedPostgresUrl());
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

test('a crash mid-refresh signs no one out and raises no reuse alarm', async () => {
  const env = apiEnv({ DATABASE_URL: db.url, LOGIN_RATE_LIMIT: '1000' });
  api = await startApi(env);
  const clients = Array.from({ length: CLIENTS }, (_, i) => new BrowserClient(api!, clientIp(i + 1)));
  for (let i = 0; i < clients.length; i += 6) await Promise.all(clients.slice(i, i + 6).map((c) => c.signIn('resil-admin')));

  // Every client refreshes in a tight loop; a network error leaves it with the cookie it had.
  let stopLoad = false;
  const outcomes = { ok: 0, refused: [] as string[], networkErrors: 0 };
  const loops = clients.map(async (c) => {
    while (!stopLoad) {
      try {
        const r = await c.refresh();
        if (r.status === 200) outcomes.ok++;
        else outcomes.refused.push(`${r.status} ${r.reason ?? ''}`);
      } catch {
        outcomes.networkErrors++;
        await sleep(50);
      }
    }
  });
  // Let rotations pile up, then kill the process in the middle of them.
  const until = Date.now() + 20_000;
  while (outcomes.ok < CLIENTS * 3 && Date.now() < until) await sleep(50);
  const okBeforeKill = outcomes.ok;
  api.child.kill('SIGKILL');
  const { signal } = await api.exited;
  expect(signal).toBe('SIGKILL');
  stopLoad = true;
  await Promise.all(loops);
  expect(outcomes.refused).toEqual([]);
  expect(okBeforeKill).toBeGreaterThanOrEqual(CLIENTS);

  // The same deployment again, on the same port: the clients do not know anything happened.
  api = await startApi(env, { port: api.port });
  for (const c of clients) c.api = api;
  const after = await Promise.all(clients.map((c) => c.refresh()));
  expect(after.filter((r) => r.status !== 200)).toEqual([]);
  // And again: the tokens they got after the restart are the live ones.
  const again = await Promise.all(clients.map((c) => c.refresh()));
  expect(again.filter((r) => r.status !== 200)).toEqual([]);

  // How many answers the crash swallowed (each then retried): the case this test is about.
  const retried = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT parent_id FROM refresh_tokens WHERE parent_id IS NOT NULL GROUP BY parent_id HAVING count(*) > 1) t');
  console.info(`kill -9 after ${okBeforeKill} refreshes; ${retried[0]!.n} lost answers retried`);

  const reuse = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM security_events WHERE type = 'auth.refresh_reuse'");
  expect(reuse[0]!.n).toBe(0);
  const sessions = await db.query<{ live: number; revoked: number }>(
    'SELECT count(*) FILTER (WHERE revoked_at IS NULL)::int AS live, count(*) FILTER (WHERE revoked_at IS NOT NULL)::int AS revoked FROM sessions',
  );
  expect(sessions[0]).toEqual({ live: CLIENTS, revoked: 0 });
  // Each family still has exactly one token that can be used.
  const live = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM refresh_tokens WHERE rotated_at IS NULL GROUP BY family_id');
  expect(live.map((r) => r.n)).toEqual(Array(CLIENTS).fill(1));
}, 120_000);
