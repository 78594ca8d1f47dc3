// `jutsu backup create|restore`: the whole database to one file and back, for both
// databases. PostgreSQL goes through pg_dump/pg_restore (custom format; the restore runs in
// one transaction, so a failure leaves the database as it was); the embedded database
// through its own archive, after moving the old data directory aside. Stop the API first.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dumpPgliteDir, loadPgliteDir, migrate, openDatabase, type SqlDriver } from '@jutsu/db';
import { ENCRYPTED_COLUMNS, findUndecryptable, keyIdOf, type Keyring } from '../security/keyring.ts';
import { BackupError, checkKeys, packBackup, unpackBackup, type BackupManifest } from './archive.ts';

export const BACKUP_APP_VERSION = '0.1.0';

export interface BackupTarget {
  /** `postgresql://…`, or undefined for the embedded database in `pgliteDir`. */
  databaseUrl: string | undefined;
  pgliteDir: string;
}

async function usedKeys(sql: SqlDriver, keyring: Keyring): Promise<Record<string, string>> {
  const ids = new Set<string>();
  for (const c of ENCRYPTED_COLUMNS) {
    const rows = await sql.query<{ v: string }>(`SELECT DISTINCT "${c.column}" AS v FROM "${c.table}" WHERE "${c.column}" IS NOT NULL`);
    for (const r of rows) {
      const id = keyIdOf(r.v);
      if (id) ids.add(id);
    }
  }
  const keys: Record<string, string> = {};
  for (const id of ids) {
    const check = keyring.keyCheck(id);
    // The data names a key this server does not have: a backup now could never be restored.
    if (!check) throw new BackupError('wrong_keys', `stored data is encrypted with key "${id}", which ENCRYPTION_KEYS does not hold; run jutsu keys rotate first`);
    keys[id] = check;
  }
  return keys;
}

async function lastMigration(sql: SqlDriver): Promise<string | null> {
  const rows = await sql.query<{ name: string }>(`SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name DESC LIMIT 1`);
  return rows[0]?.name ?? null;
}

/** pg tools get the password through the environment, never on a command line others can read. */
function pgToolEnv(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => reject(new BackupError('tool_failed', `${cmd} could not start: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new BackupError('tool_failed', `${cmd} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ')}`));
    });
    child.stdin.end(input);
  });
}

export async function createBackup(target: BackupTarget, keyring: Keyring): Promise<{ file: Buffer; manifest: BackupManifest }> {
  const db = await openDatabase({ url: target.databaseUrl, dataDir: target.pgliteDir });
  let keys: Record<string, string>;
  let migration: string | null;
  try {
    keys = await usedKeys(db.sql, keyring);
    migration = await lastMigration(db.sql);
  } finally {
    await db.close();
  }
  let payload: Buffer;
  if (target.databaseUrl) {
    const { url, env } = pgToolEnv(target.databaseUrl);
    payload = await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--dbname=${url}`], env);
  } else {
    payload = await dumpPgliteDir(target.pgliteDir);
  }
  const manifest = {
    format: 1 as const,
    kind: target.databaseUrl ? ('postgres' as const) : ('pglite' as const),
    createdAt: new Date().toISOString(),
    appVersion: BACKUP_APP_VERSION,
    lastMigration: migration,
    keys,
  };
  const file = packBackup(manifest, payload);
  return { file, manifest: unpackBackup(file).manifest };
}

export interface RestoreReport {
  kind: 'pglite' | 'postgres';
  /** Where the embedded database's previous data directory was moved. */
  previousDataDir?: string;
  encryptedValues: number;
  migrationsApplied: string[];
}

/**
 * Checks the file, the database kind and the keys first; only then replaces the data. With
 * `confirm` false nothing is changed after the checks (a dry run).
 */
export async function restoreBackup(target: BackupTarget, keyring: Keyring, file: Buffer, opts: { confirm: boolean }): Promise<RestoreReport> {
  const { manifest, payload } = unpackBackup(file);
  const kind = target.databaseUrl ? 'postgres' : 'pglite';
  if (manifest.kind !== kind) {
    throw new BackupError('kind_mismatch', `this backup is of the ${manifest.kind === 'pglite' ? 'embedded database' : 'PostgreSQL database'}, but the configured database is ${kind === 'pglite' ? 'the embedded one' : 'PostgreSQL'}. Nothing was changed.`);
  }
  checkKeys(manifest, (id) => keyring.keyCheck(id));
  if (!opts.confirm) throw new BackupError('not_confirmed', 'the backup and the keys are good; run again with --yes to replace the current data');

  let previousDataDir: string | undefined;
  if (target.databaseUrl) {
    const { url, env } = pgToolEnv(target.databaseUrl);
    await run('pg_restore', ['--clean', '--if-exists', '--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${url}`], env, payload);
  } else {
    const dir = path.resolve(target.pgliteDir);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      previousDataDir = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(dir, previousDataDir);
    }
    try {
      await loadPgliteDir(dir, payload);
    } catch (err) {
      // Put the old data back: a failed restore must not leave the install empty.
      fs.rmSync(dir, { recursive: true, force: true });
      if (previousDataDir) fs.renameSync(previousDataDir, dir);
      throw new BackupError('tool_failed', `the embedded database could not be restored: ${(err as Error).message}`);
    }
  }
  const db = await openDatabase({ url: target.databaseUrl, dataDir: target.pgliteDir });
  try {
    const migrated = await migrate(db.sql);
    const { total, problems } = await findUndecryptable(db.prisma, keyring);
    if (problems.length) throw new BackupError('wrong_keys', `${problems.length} of ${total} encrypted values do not decrypt after the restore`);
    return { kind, ...(previousDataDir ? { previousDataDir } : {}), encryptedValues: total, migrationsApplied: migrated.applied };
  } finally {
    await db.close();
  }
}
