// Real databases for tests: in-memory PGlite by default, or a fresh database on the
// PostgreSQL server named by TEST_DATABASE_URL when JUTSU_TEST_DB=postgres.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type Database } from './database.ts';
import { findMigrationsDir, migrate, readMigrations } from './migrator.ts';
import { pgliteDriver } from './sql-driver.ts';

export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.JUTSU_TEST_DB === 'postgres' && process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
}

/** Creates an empty database on the test server and returns its URL and a dropper. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `jutsu_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestDatabase extends Database {
  url: string | undefined;
  destroy(): Promise<void>;
}

/** A migrated, empty database of the configured kind. */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (testDatabaseKind() === 'postgres') {
    const server = await createServerDatabase();
    const db = await openDatabase({ url: server.url });
    if (opts.migrate !== false) await migrate(db.sql);
    return {
      ...db,
      url: server.url,
      async destroy() {
        await db.close();
        await server.drop();
      },
    };
  }
  if (opts.migrate === false) {
    const db = await openDatabase({ dataDir: 'memory://' });
    return { ...db, url: undefined, destroy: () => db.close() };
  }
  const db = await openDatabase({ dataDir: 'memory://', loadDataDir: await migratedPgliteTemplate() });
  // The template was migrated by this same migrator; running it again is a cheap no-op check
  // that the archive matches today's migrations.
  await migrate(db.sql);
  return { ...db, url: undefined, destroy: () => db.close() };
}

let template: Promise<Blob> | undefined;

/**
 * A migrated, empty PGlite cluster as an uncompressed data-directory archive, made once per
 * set of migrations and shared by every test process through a file in the temp directory:
 * starting from it skips initdb and the migrations, the slowest part of an embedded test
 * database. Keyed by the migrations' checksums and the PGlite version, written atomically.
 */
function migratedPgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const dir = findMigrationsDir();
    const key = createHash('sha256')
      .update(PGLITE_VERSION)
      .update(readMigrations(dir).map((m) => `${m.name}:${m.checksum}`).join('\n'))
      .digest('hex')
      .slice(0, 16);
    const file = path.join(os.tmpdir(), `jutsu-pglite-template-${key}.tar`);
    if (fs.existsSync(file)) return new Blob([new Uint8Array(fs.readFileSync(file))]);
    const client = await PGlite.create('memory://');
    try {
      await migrate(pgliteDriver(client), dir);
      const blob = await client.dumpDataDir('none');
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      fs.writeFileSync(tmp, new Uint8Array(await blob.arrayBuffer()));
      fs.renameSync(tmp, file);
      return blob;
    } finally {
      await client.close();
    }
  })();
  return template;
}

/** The installed PGlite's version: an archive from another version is not loaded. */
const PGLITE_VERSION: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? 'unknown';
  }
  return 'unknown';
})();
