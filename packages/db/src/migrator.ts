// Applies prisma/migrations/*/migration.sql the way `prisma migrate deploy` would, because
// Prisma's schema engine cannot be downloaded on these machines (docs/architecture.md §7). Rows in
// `_prisma_migrations` use Prisma's columns and checksum (SHA-256 hex of the file), so a
// machine that has the engine agrees with what was applied here.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withSessionLockOn } from './advisory-lock.ts';
import type { SqlConnection, SqlDriver } from './sql-driver.ts';

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Walks up from this module (source or bundle) to the repository's prisma/migrations. */
export function findMigrationsDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  const fromEnv = process.env.MIGRATIONS_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('prisma/migrations not found (set MIGRATIONS_DIR)');
    dir = parent;
  }
}

export function readMigrations(dir: string): MigrationFile[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function applyAll(conn: SqlConnection, migrations: MigrationFile[]): Promise<MigrateResult> {
  await conn.exec(CREATE_MIGRATIONS_TABLE);
  const rows = await conn.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
  const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
  const known = new Set(migrations.map((m) => m.name));
  for (const row of applied.values()) {
    if (!known.has(row.migration_name)) {
      throw new MigrationError(
        `the database has migration ${row.migration_name}, which this build does not know: refusing to start an older build on a newer database`,
        row.migration_name,
      );
    }
  }
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    const row = applied.get(m.name);
    if (row) {
      if (row.finished_at === null) {
        throw new MigrationError(`migration ${m.name} failed earlier and was never finished; resolve it by hand`, m.name);
      }
      if (row.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${m.name} was modified after it was applied (checksum mismatch); restore the original file and add a new migration instead`,
          m.name,
        );
      }
      result.alreadyApplied.push(m.name);
      continue;
    }
    await conn.exec('BEGIN');
    try {
      const id = randomUUID();
      await conn.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
        [id, m.checksum, m.name],
      );
      await conn.exec(m.sql);
      await conn.query(
        'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
        [id],
      );
      await conn.exec('COMMIT');
      result.applied.push(m.name);
    } catch (err) {
      await conn.exec('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`, m.name);
    }
  }
  return result;
}

/** Applies pending migrations in order, each in its own transaction, under an advisory lock. */
export async function migrate(driver: SqlDriver, dir = findMigrationsDir()): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  // Every process migrating this database takes the same lock, on the connection it migrates with.
  return driver.withConnection((conn) => withSessionLockOn(conn, 'db.migrate', () => applyAll(conn, migrations)));
}
