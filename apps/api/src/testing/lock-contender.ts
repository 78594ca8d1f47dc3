// One of several separate processes contending for advisory locks (lock-contention.int.test.ts).
// Phase "try": each round, every contender waits at a barrier, then tries the scheduler lock;
// the holder records its run and holds the lock until every other contender has tried, so a
// lock that let two in would show two runs in that round. Phase "wait": read-modify-write of a
// counter under the blocking lock, which loses updates if two processes are ever inside at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, tryAdvisoryLock, withAdvisoryLock } from '@jutsu/db';

const url = process.env.DATABASE_URL!;
const me = process.env.CONTENDER!;
const contenders = Number(process.env.CONTENDERS);
const rounds = Number(process.env.ROUNDS);
const increments = Number(process.env.INCREMENTS);

const db = await openDatabase({ url });

async function count(sql: string, params: unknown[]): Promise<number> {
  const [row] = await db.sql.query<{ n: number }>(sql, params);
  return row!.n;
}

async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await sleep(10);
  }
  throw new Error(`${me}: gave up waiting for ${what}`);
}

try {
  for (let round = 1; round <= rounds; round++) {
    await db.sql.query('INSERT INTO lock_barrier (round, contender) VALUES ($1, $2)', [round, me]);
    await waitUntil(`barrier ${round}`, async () => (await count('SELECT count(*)::int AS n FROM lock_barrier WHERE round = $1', [round])) === contenders, 60_000);
    // A holder that waits in vain here means the others could not try: they were inside too.
    const res = await tryAdvisoryLock(db.sql, 'scheduler.two-process-test', async () => {
      await db.sql.query('INSERT INTO lock_runs (round, contender, started_at) VALUES ($1, $2, clock_timestamp())', [round, me]);
      await waitUntil(`the others in round ${round}`, async () => (await count('SELECT count(*)::int AS n FROM lock_attempts WHERE round = $1', [round])) >= contenders - 1, 10_000);
      await db.sql.query('UPDATE lock_runs SET ended_at = clock_timestamp() WHERE round = $1 AND contender = $2', [round, me]);
    });
    await db.sql.query('INSERT INTO lock_attempts (round, contender, acquired) VALUES ($1, $2, $3)', [round, me, res.acquired]);
  }
  for (let i = 0; i < increments; i++) {
    await withAdvisoryLock(db.sql, 'engine.run', async () => {
      const started = await db.sql.query<{ at: string }>('SELECT clock_timestamp()::text AS at');
      const n = await count('SELECT n FROM lock_counter', []);
      await sleep(2);
      await db.sql.query('UPDATE lock_counter SET n = $1', [n + 1]);
      await db.sql.query('INSERT INTO lock_holds (contender, started_at, ended_at) VALUES ($1, $2::timestamptz, clock_timestamp())', [me, started[0]!.at]);
    });
  }
  console.log(JSON.stringify({ contender: me, done: true }));
} finally {
  await db.close();
}
