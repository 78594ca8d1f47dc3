// Advisory locks on a real database: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set
// (there with separate connection pools, as two replicas would have).
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdvisoryLockError,
  LOCKS,
  lockKey,
  SCHEDULER_KEY_NAMESPACE,
  schedulerLockKey,
  tryAdvisoryLock,
  tryXactLock,
  withAdvisoryLock,
  withXactLock,
  xactLock,
} from './advisory-lock.ts';
import { openDatabase, type Database } from './database.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './testing.ts';

// One database for the file (opening PGlite is the slow part); every test releases what it takes.
let shared: TestDatabase;
/** A second, independent client of the same database (another replica), or the same one on PGlite. */
let sharedPeer: Database;
beforeAll(async () => {
  shared = await createTestDatabase({ migrate: false });
  sharedPeer = shared.url ? await openDatabase({ url: shared.url }) : shared;
});
afterAll(async () => {
  if (sharedPeer !== shared) await sharedPeer?.close();
  await shared?.destroy();
});

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Advisory locks on this key currently granted, seen from any connection. */
async function heldCount(db: Database, key: bigint): Promise<number> {
  const rows = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::oid AND objid = $2::oid AND objsubid = 1`,
    [Number(key >> 32n), Number(key & 0xffffffffn)],
  );
  return rows[0]!.n;
}

describe('lock keys', () => {
  it('names every fixed key once, and keeps the numbers already in use', () => {
    const keys = Object.values(LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
    expect(lockKey('db.migrate')).toBe(72_707_369_001n);
    expect(lockKey('security.chain')).toBe(72_707_369_002n);
    expect(lockKey('admin.set')).toBe(72_707_369_020n);
    expect(lockKey('invitation.bootstrap')).toBe(72_707_369_021n);
  });

  it('derives scheduler keys from the documented hash, in their own namespace', () => {
    const low = createHash('sha256').update('jutsu.advisory-lock.v1:daily-report').digest().readUInt32BE(0);
    expect(lockKey('scheduler.daily-report')).toBe((SCHEDULER_KEY_NAMESPACE << 32n) + BigInt(low));
    expect(schedulerLockKey('daily-report')).toBe(lockKey('scheduler.daily-report'));
    expect(lockKey('scheduler.a')).not.toBe(lockKey('scheduler.b'));
    for (const k of Object.values(LOCKS)) expect(k >> 32n).not.toBe(SCHEDULER_KEY_NAMESPACE);
    expect(lockKey('scheduler.x') < 2n ** 63n).toBe(true);
  });

  it('refuses unknown and malformed names', () => {
    expect(() => lockKey('nope' as never)).toThrow(AdvisoryLockError);
    expect(() => lockKey('scheduler.')).toThrow(AdvisoryLockError);
    expect(() => lockKey("scheduler.x'); SELECT 1; --")).toThrow(AdvisoryLockError);
    expect(() => lockKey('scheduler.A')).toThrow(AdvisoryLockError);
    expect(() => lockKey(`scheduler.${'a'.repeat(64)}`)).toThrow(AdvisoryLockError);
  });
});

describe(`session advisory locks (${testDatabaseKind()})`, () => {
  it('lets one holder at a time run, in this process and from another client', async () => {
    const db = shared;
    const other = sharedPeer;
    const log: string[] = [];
    let inside = 0;
    let maxInside = 0;
    const job = (who: string) => async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      log.push(`${who}:in`);
      await sleep(40);
      log.push(`${who}:out`);
      inside--;
      return who;
    };
    const results = await Promise.all([
      withAdvisoryLock(db.sql, 'engine.run', job('a')),
      withAdvisoryLock(other.sql, 'engine.run', job('b')),
      withAdvisoryLock(db.sql, 'engine.run', job('c')),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(maxInside).toBe(1);
    for (let i = 0; i < log.length; i += 2) expect(log[i]!.split(':')[0]).toBe(log[i + 1]!.split(':')[0]);
    expect(await heldCount(db, lockKey('engine.run'))).toBe(0);
  });

  it('does not serialise different locks', async () => {
    const db = shared;
    const gate = deferred();
    const first = withAdvisoryLock(db.sql, 'schwab.sync', () => gate.promise);
    const r = await tryAdvisoryLock(db.sql, 'schwab.token_refresh', async () => 'ran');
    expect(r).toEqual({ acquired: true, result: 'ran' });
    gate.resolve();
    await first;
  });

  it('releases the lock when the work throws', async () => {
    const db = shared;
    const other = sharedPeer;
    await expect(
      withAdvisoryLock(db.sql, 'schwab.sync', async () => {
        expect(await heldCount(db, lockKey('schwab.sync'))).toBe(1);
        throw new Error('sync failed');
      }),
    ).rejects.toThrow('sync failed');
    expect(await heldCount(db, lockKey('schwab.sync'))).toBe(0);
    expect(await tryAdvisoryLock(other.sql, 'schwab.sync', async () => 'next')).toEqual({ acquired: true, result: 'next' });
    expect(await tryAdvisoryLock(db.sql, 'schwab.sync', async () => 'again')).toEqual({ acquired: true, result: 'again' });
  });

  it('try-variant skips at once while another holder has the lock, and runs once it is free', async () => {
    const db = shared;
    const other = sharedPeer;
    const gate = deferred();
    const entered = deferred();
    const holder = withAdvisoryLock(db.sql, 'scheduler.nightly', async () => {
      entered.resolve();
      await gate.promise;
      return 'held';
    });
    await entered.promise;
    let ran = 0;
    const started = Date.now();
    expect(await tryAdvisoryLock(other.sql, 'scheduler.nightly', async () => ran++)).toEqual({ acquired: false });
    expect(await tryAdvisoryLock(db.sql, 'scheduler.nightly', async () => ran++)).toEqual({ acquired: false });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ran).toBe(0);
    gate.resolve();
    expect(await holder).toBe('held');
    expect(await tryAdvisoryLock(other.sql, 'scheduler.nightly', async () => ++ran)).toEqual({ acquired: true, result: 1 });
  });

  it.runIf(testDatabaseKind() === 'postgres')('tells the holder when its connection dies (the server released the lock)', async () => {
    const db = shared;
    const key = lockKey('schwab.token_refresh');
    const outcome = await withAdvisoryLock(db.sql, 'schwab.token_refresh', async (lock) => {
      const [row] = await db.sql.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::oid AND objid = $2::oid AND objsubid = 1`,
        [Number(key >> 32n), Number(key & 0xffffffffn)],
      );
      await db.sql.query('SELECT pg_terminate_backend($1)', [row!.pid]);
      for (let i = 0; i < 100 && !lock.signal.aborted; i++) await sleep(20);
      return { aborted: lock.signal.aborted, freeNow: (await tryAdvisoryLock(db.sql, 'schwab.token_refresh', async () => true).catch(() => ({ acquired: false }))) };
    });
    expect(outcome.aborted).toBe(true);
    // This process still counts as the holder until the work returns; the server does not.
    expect(outcome.freeNow).toEqual({ acquired: false });
    expect(await heldCount(db, key)).toBe(0);
  });
});

describe(`transaction advisory locks (${testDatabaseKind()})`, () => {
  it('serialises transactions on one key and releases at commit and at rollback', async () => {
    const db = shared;
    const other = sharedPeer;
    let inside = 0;
    let maxInside = 0;
    const tx = (client: Database) =>
      withXactLock(client.prisma, 'admin.set', async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(30);
        inside--;
      });
    await Promise.all([tx(db), tx(other), tx(db)]);
    expect(maxInside).toBe(1);
    expect(await heldCount(db, lockKey('admin.set'))).toBe(0);
    await expect(
      db.prisma.$transaction(async (t) => {
        await xactLock(t, 'admin.set');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await heldCount(db, lockKey('admin.set'))).toBe(0);
  });

  it('refuses a client that is not inside a transaction', async () => {
    const db = shared;
    await expect(xactLock(db.prisma, 'admin.set')).rejects.toThrow(AdvisoryLockError);
    await expect(tryXactLock(db.prisma, 'admin.set')).rejects.toThrow(AdvisoryLockError);
  });

  it.runIf(testDatabaseKind() === 'postgres')('try-variant answers false while another transaction holds the lock', async () => {
    const db = shared;
    const other = sharedPeer;
    const gate = deferred();
    const entered = deferred();
    const holder = withXactLock(db.prisma, 'engine.run', async () => {
      entered.resolve();
      await gate.promise;
    });
    await entered.promise;
    expect(await other.prisma.$transaction((t) => tryXactLock(t, 'engine.run'))).toBe(false);
    // A session lock and a transaction lock on the same key exclude each other too.
    expect(await tryAdvisoryLock(other.sql, 'engine.run', async () => 'ran')).toEqual({ acquired: false });
    gate.resolve();
    await holder;
    expect(await other.prisma.$transaction((t) => tryXactLock(t, 'engine.run'))).toBe(true);
  });
});
