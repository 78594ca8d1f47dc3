// Advisory locks between separate processes on one PostgreSQL server (what replicas do):
// exactly one process runs a scheduled job per round, and no two are ever inside a lock at
// once. PGlite is a single process, so this runs in the PostgreSQL project only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@jutsu/db';
import { createServerDatabase, testDatabaseKind } from '@jutsu/db/testing';
import { processArgs } from './testing/process-entry.ts';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONTENDERS = 2;
const ROUNDS = 8;
const INCREMENTS = 25;

function contender(name: string, url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, processArgs('src/testing/lock-contender.ts'), {
      cwd: apiDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url, CONTENDER: name, CONTENDERS: String(CONTENDERS), ROUNDS: String(ROUNDS), INCREMENTS: String(INCREMENTS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.runIf(testDatabaseKind() === 'postgres')('advisory locks across two processes (postgres)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('one process runs the job per round, and the blocking lock never lets two in', { timeout: 180_000 }, async () => {
    const server = await createServerDatabase();
    cleanups.push(() => server.drop());
    const db: Database = await openDatabase({ url: server.url });
    cleanups.push(() => db.close());
    await db.sql.exec(`
      CREATE TABLE lock_barrier (round int NOT NULL, contender text NOT NULL);
      CREATE TABLE lock_attempts (round int NOT NULL, contender text NOT NULL, acquired boolean NOT NULL);
      CREATE TABLE lock_runs (round int NOT NULL, contender text NOT NULL, started_at timestamptz NOT NULL, ended_at timestamptz);
      CREATE TABLE lock_counter (n int NOT NULL);
      INSERT INTO lock_counter VALUES (0);
      CREATE TABLE lock_holds (contender text NOT NULL, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL);
    `);

    const results = await Promise.all(['a', 'b'].map((n) => contender(n, server.url)));

    // Try-lock rounds: never two runs in a round; every contender tried every round, exactly one ran it.
    const perRound = await db.sql.query<{ round: number; contenders: string[] }>('SELECT round, array_agg(contender ORDER BY contender) AS contenders FROM lock_runs GROUP BY round ORDER BY round');
    for (const r of perRound) expect(r.contenders, `runs in round ${r.round}`).toHaveLength(1);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const attempts = await db.sql.query<{ round: number; contender: string; acquired: boolean }>('SELECT round, contender, acquired FROM lock_attempts ORDER BY round, contender');
    expect(attempts).toHaveLength(ROUNDS * CONTENDERS);
    const runs = await db.sql.query<{ round: number; contender: string; started_at: Date; ended_at: Date | null }>('SELECT round, contender, started_at, ended_at FROM lock_runs ORDER BY started_at');
    expect(runs).toHaveLength(ROUNDS);
    for (let round = 1; round <= ROUNDS; round++) {
      const acquired = attempts.filter((a) => a.round === round && a.acquired);
      expect(acquired, `round ${round}`).toHaveLength(1);
      expect(runs.filter((r) => r.round === round).map((r) => r.contender)).toEqual([acquired[0]!.contender]);
    }
    for (const r of runs) expect(r.ended_at).not.toBeNull();

    // Blocking lock: no lost update, and no two holds overlap in time (one server clock).
    const [{ n }] = (await db.sql.query<{ n: number }>('SELECT n FROM lock_counter')) as [{ n: number }];
    expect(n).toBe(INCREMENTS * CONTENDERS);
    const holds = await db.sql.query<{ contender: string; started_at: Date; ended_at: Date }>('SELECT contender, started_at, ended_at FROM lock_holds ORDER BY started_at');
    expect(holds).toHaveLength(INCREMENTS * CONTENDERS);
    expect(new Set(holds.map((h) => h.contender))).toEqual(new Set(['a', 'b']));
    for (let i = 1; i < holds.length; i++) expect(holds[i]!.started_at.getTime()).toBeGreaterThanOrEqual(holds[i - 1]!.ended_at.getTime());
  });
});
