// SIGTERM while clients sign in, fail to sign in, refresh and read: every request the server
// took up is answered, the process exits 0, and nothing it held in memory is lost — each
// answered sign-in has its security-log row, and the failures it only counted (the per-address
// budget of anonymous events) are in the summary rows written on the way out.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiEnv, BrowserClient, clientIp, createDatabase, sharedPostgresUrl, sleep, startApi, type ApiProcess, type Database } from './processes.ts';

const READERS = 8;
const SIGNERS = 4;
const GUESSERS = 4;
const BUDGET = 3;

let db: Database;
let api: ApiProcess | undefined;

beforeAll(async () => {
  db = await createDatabase(sharedPostgresUrl());
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

async function waitForCount(d: Database, sql: string, atLeast: number): Promise<{ n: number }[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const rows = await d.query<{ n: number }>(sql);
    if (rows[0]!.n >= atLeast || Date.now() > until) return rows;
    await sleep(20);
  }
}

test('SIGTERM under load answers what it took up, exits 0 and loses no security-log row', async () => {
  api = await startApi(apiEnv({ DATABASE_URL: db.url, LOGIN_RATE_LIMIT: '1000', LOGIN_DELAY_AFTER_FAILURES: '1000', SECURITY_LOG_EVENTS_PER_ADDRESS_MINUTE: String(BUDGET) }));
  const readers = Array.from({ length: READERS }, (_, i) => new BrowserClient(api!, clientIp(100 + i)));
  for (const r of readers) await r.signIn('resil-admin');
  // A sign-in's note is written just after its answer: the baseline waits for the readers' rows.
  const baseline = await waitForCount(db, "SELECT count(*)::int AS n FROM security_events WHERE type = 'auth.login'", READERS);

  let sent: number | undefined = undefined; // when SIGTERM was sent
  const answered = { signIns: 0, failedSignIns: new Map<string, number>(), afterSignal: 0, bad: [] as string[] };
  const note = (status: number, what: string) => {
    if (sent !== undefined) answered.afterSignal++;
    if (status >= 500) answered.bad.push(`${what} ${status}`);
  };
  const loop = async (step: () => Promise<void>) => {
    for (;;) {
      try {
        await step();
      } catch {
        // Refused or reset: a request the server never took up (proved by the row counts below).
        if (sent !== undefined) return;
        await sleep(20);
      }
    }
  };
  const loops = [
    ...readers.map((r) =>
      loop(async () => {
        const q = await r.query('system.status');
        note(q.status, 'system.status');
        if (q.status !== 200) answered.bad.push(`system.status ${q.status}`);
        const f = await r.refresh();
        note(f.status, 'auth.refresh');
        if (f.status !== 200) answered.bad.push(`auth.refresh ${f.status} ${f.reason ?? ''}`);
      }),
    ),
    ...Array.from({ length: SIGNERS }, (_, i) =>
      loop(async () => {
        const c = new BrowserClient(api!, clientIp(200 + i));
        const { status } = await c.call('auth.login', { username: 'resil-admin', password: 'resilience correct horse battery staple' });
        note(status, 'auth.login');
        if (status === 200) answered.signIns++;
        else answered.bad.push(`auth.login ${status}`);
      }),
    ),
    ...Array.from({ length: GUESSERS }, (_, i) =>
      loop(async () => {
        const ip = clientIp(300 + i);
        const c = new BrowserClient(api!, ip);
        const { status } = await c.call('auth.login', { username: `nobody-${Math.random().toString(36).slice(2)}`, password: 'a wrong guess' });
        note(status, 'auth.login (wrong)');
        if (status === 401) answered.failedSignIns.set(ip, (answered.failedSignIns.get(ip) ?? 0) + 1);
        else answered.bad.push(`auth.login (wrong) ${status}`);
      }),
    ),
  ];

  // Every guesser past its budget (so some of its failures are only counted in memory).
  const until = Date.now() + 30_000;
  while (Date.now() < until && (answered.failedSignIns.size < GUESSERS || [...answered.failedSignIns.values()].some((n) => n <= BUDGET + 1))) await sleep(50);
  sent = Date.now();
  api.child.kill('SIGTERM');
  const exit = await api.exited;
  const exitMs = Date.now() - sent;
  await Promise.all(loops);

  expect(exit).toEqual({ code: 0, signal: null });
  expect(api.output()).toMatch(/shutting down/);
  expect(answered.bad).toEqual([]);
  // Requests were under way when the signal came, and were answered.
  expect(answered.afterSignal).toBeGreaterThan(0);

  // Each answered sign-in has its row, and no row was written for a request left unanswered.
  const logins = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM security_events WHERE type = 'auth.login' AND details->>'outcome' = 'success'");
  expect(logins[0]!.n - baseline[0]!.n).toBe(answered.signIns);
  // Each answered failure is a row of its own or counted in its address's summary row.
  const failures = await db.query<{ ip: string; n: number }>(
    `SELECT ip, sum(CASE WHEN type = 'auth.login' THEN 1 ELSE (details->>'suppressed')::int END)::int AS n
       FROM security_events
      WHERE (type = 'auth.login' AND details->>'outcome' = 'failure') OR type = 'security_log.suppressed'
      GROUP BY ip`,
  );
  expect(Object.fromEntries(failures.map((r) => [r.ip, r.n]))).toEqual(Object.fromEntries(answered.failedSignIns));
  console.info(`SIGTERM after ${answered.signIns} sign-ins, ${[...answered.failedSignIns.values()].reduce((a, b) => a + b, 0)} failed ones; ${answered.afterSignal} answers after the signal; exited in ${exitMs} ms`);
}, 120_000);
