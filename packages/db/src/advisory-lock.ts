// PostgreSQL advisory locks, the one way the app takes them. Every key is named here, so two
// features can never pick the same number by accident, and every lock is taken with bound
// parameters. Three shapes:
// - xactLock / withXactLock: inside a Prisma interactive transaction, released at its end;
// - withAdvisoryLock: a session lock for long work, held on a connection of its own;
// - tryAdvisoryLock: the same, but "not acquired" at once when someone else holds it, so of
//   several replicas running one scheduled job exactly one does the work and the others skip.
import { createHash } from 'node:crypto';
import type { Prisma } from './generated/prisma/client.ts';
import type { SqlConnection, SqlDriver } from './sql-driver.ts';

/**
 * Fixed keys. The first four predate this table and keep their numbers, so a replica running
 * an older build still contends for the same lock during a rolling upgrade. New fixed keys
 * continue the 72_707_369_xxx series; never reuse or renumber one.
 */
export const LOCKS = {
  /** Applying migrations (one migrator at a time). */
  'db.migrate': 72_707_369_001n,
  /** Appending to the hash-chained security log (the chain never forks). */
  'security.chain': 72_707_369_002n,
  /** Changes that can remove an active admin (the last admin stays). */
  'admin.set': 72_707_369_020n,
  /** Issuing and redeeming the bootstrap invitation. */
  'invitation.bootstrap': 72_707_369_021n,
  /** Refreshing the brokerage OAuth tokens (a refresh token is single-use). */
  'schwab.token_refresh': 72_707_369_030n,
  /** Synchronising accounts, positions and orders from the brokerage. */
  'schwab.sync': 72_707_369_031n,
  /** The Schwab expiry warnings: each sent once per login across replicas. */
  'schwab.expiry': 72_707_369_032n,
  /** One strategy-engine run at a time. */
  'engine.run': 72_707_369_040n,
  /** Engine state and mode transitions (read, check, write as one step on every replica). */
  'engine.state': 72_707_369_041n,
  /** Sending or cancelling broker orders and recording their outcome (intents never sent twice). */
  'engine.orders': 72_707_369_042n,
  /** Configuration overrides and their append-only history. */
  'engine.config': 72_707_369_043n,
} as const satisfies Record<string, bigint>;

export type FixedLockName = keyof typeof LOCKS;
/** A fixed name, or `scheduler.<job>` for a scheduled job (key derived, see schedulerLockKey). */
export type LockName = FixedLockName | `scheduler.${string}`;

/**
 * Scheduler keys: the high 32 bits are this namespace ("JOBS"), the low 32 bits the first four
 * bytes of SHA-256("jutsu.advisory-lock.v1:" + job name). The fixed keys above all have high
 * bits 16, so a derived key can never equal a fixed one. Renaming a job changes its key.
 */
export const SCHEDULER_KEY_NAMESPACE = 0x4a4f4253n;
const JOB_NAME = /^[a-z][a-z0-9_.-]{0,62}$/;

export class AdvisoryLockError extends Error {}

export function schedulerLockKey(job: string): bigint {
  if (!JOB_NAME.test(job)) throw new AdvisoryLockError(`invalid scheduler job name: ${JSON.stringify(job)}`);
  const low = createHash('sha256').update(`jutsu.advisory-lock.v1:${job}`).digest().readUInt32BE(0);
  return (SCHEDULER_KEY_NAMESPACE << 32n) | BigInt(low);
}

/** The 64-bit key of a lock name; throws for a name that is neither fixed nor `scheduler.<job>`. */
export function lockKey(name: LockName): bigint {
  if (Object.hasOwn(LOCKS, name)) return LOCKS[name as FixedLockName];
  if (name.startsWith('scheduler.')) return schedulerLockKey(name.slice('scheduler.'.length));
  throw new AdvisoryLockError(`unknown advisory lock: ${JSON.stringify(name)}`);
}

// ---- transaction-scoped -------------------------------------------------------------------

type TxClient = Pick<Prisma.TransactionClient, '$executeRaw' | '$queryRaw'>;

function assertTransaction(tx: TxClient): void {
  // A transaction lock taken outside a transaction is released by the same statement. The
  // client of an interactive transaction is the one without $connect.
  if (typeof (tx as { $connect?: unknown }).$connect === 'function') throw new AdvisoryLockError('a transaction lock needs the client of an interactive transaction');
}

/** Waits for the lock; it is held until the transaction commits or rolls back. */
export async function xactLock(tx: TxClient, name: LockName): Promise<void> {
  assertTransaction(tx);
  const key = lockKey(name).toString();
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key}::bigint)`;
}

/** Takes the lock for the rest of the transaction if it is free; false at once if not. */
export async function tryXactLock(tx: TxClient, name: LockName): Promise<boolean> {
  assertTransaction(tx);
  const key = lockKey(name).toString();
  const [row] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${key}::bigint) AS ok`;
  return row?.ok === true;
}

/** An interactive transaction that starts by taking the lock. */
export async function withXactLock<T>(
  prisma: { $transaction<R>(fn: (tx: Prisma.TransactionClient) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R> },
  name: LockName,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options?: { maxWait?: number; timeout?: number },
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await xactLock(tx, name);
    return fn(tx);
  }, options);
}

// ---- session-scoped -----------------------------------------------------------------------

/** What the work under a session lock is given. */
export interface HeldLock {
  readonly name: LockName;
  /**
   * Aborted if the lock's connection dies: the server has then released the lock and another
   * process may take it, so long work must check this before each step that needs exclusivity.
   */
  readonly signal: AbortSignal;
}

export type TryLockResult<T> = { acquired: true; result: T } | { acquired: false };

/**
 * A session lock on a connection the caller already holds (the migrator runs its statements on
 * it). The caller keeps the connection for the duration; released in any case.
 */
export async function withSessionLockOn<T>(conn: SqlConnection, name: LockName, fn: () => Promise<T>): Promise<T> {
  const key = lockKey(name).toString();
  await conn.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  try {
    return await fn();
  } finally {
    await conn.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
  }
}

// PostgreSQL session locks are re-entrant for their session, and PGlite is one session: the
// database alone cannot keep two holders in one process apart. So each process also queues
// holders per key (per driver) before going to the database.
const localHolders = new WeakMap<SqlDriver, Map<bigint, Promise<void>>>();

function localQueue(sql: SqlDriver): Map<bigint, Promise<void>> {
  let m = localHolders.get(sql);
  if (!m) localHolders.set(sql, (m = new Map()));
  return m;
}

/** Claims the key in this process: resolves with a release function once it is ours. */
async function claimLocal(sql: SqlDriver, key: bigint, wait: boolean): Promise<(() => void) | undefined> {
  const q = localQueue(sql);
  for (;;) {
    const held = q.get(key);
    if (!held) break;
    if (!wait) return undefined;
    await held;
  }
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  q.set(key, done);
  return () => {
    if (q.get(key) === done) q.delete(key);
    release();
  };
}

async function runLocked<T>(sql: SqlDriver, name: LockName, wait: boolean, work: (lock: HeldLock) => Promise<T>): Promise<TryLockResult<T>> {
  const key = lockKey(name);
  const releaseLocal = await claimLocal(sql, key, wait);
  if (!releaseLocal) return { acquired: false };
  try {
    return await sql.withSession(async (conn, lost) => {
      const param = key.toString();
      if (wait) {
        await conn.query('SELECT pg_advisory_lock($1::bigint)', [param]);
      } else {
        const [row] = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [param]);
        if (row?.ok !== true) return { acquired: false } as const;
      }
      try {
        return { acquired: true, result: await work({ name, signal: lost }) } as const;
      } finally {
        // On a server the session ends right after, which releases the lock even if this fails.
        await conn.query('SELECT pg_advisory_unlock($1::bigint)', [param]).catch(() => undefined);
      }
    });
  } finally {
    releaseLocal();
  }
}

/** Waits for the lock (in this process and across processes), runs work, releases it. */
export async function withAdvisoryLock<T>(sql: SqlDriver, name: LockName, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  const r = await runLocked(sql, name, true, work);
  if (!r.acquired) throw new AdvisoryLockError(`advisory lock ${name} was not acquired`); // unreachable: waiting never skips
  return r.result;
}

/** Runs work only if the lock is free right now; otherwise `{ acquired: false }` without waiting. */
export function tryAdvisoryLock<T>(sql: SqlDriver, name: LockName, work: (lock: HeldLock) => Promise<T>): Promise<TryLockResult<T>> {
  return runLocked(sql, name, false, work);
}
