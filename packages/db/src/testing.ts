// Real databases for tests: in-memory PGlite by default, or a fresh database on the
// PostgreSQL server named by TEST_DATABASE_URL when JUTSU_TEST_DB=postgres.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from './database.ts';
import { migrate } from './migrator.ts';

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
  const db = await openDatabase({ dataDir: 'memory://' });
  if (opts.migrate !== false) await migrate(db.sql);
  return { ...db, url: undefined, destroy: () => db.close() };
}
