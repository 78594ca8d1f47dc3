// One factory for the whole app: PGlite (embedded, the default) or a PostgreSQL server.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/prisma/client.ts';
import { pgliteDriver, postgresDriver, type SqlDriver } from './sql-driver.ts';

export interface DatabaseOptions {
  /** `postgresql://…` for a server; absent for embedded PGlite. */
  url?: string | undefined;
  /** PGlite data directory, or `memory://` for a throw-away database. */
  dataDir?: string | undefined;
  /** PGlite only: start from this data-directory archive instead of an empty cluster (tests' migrated template). */
  loadDataDir?: Blob | undefined;
}

export interface Database {
  prisma: PrismaClient;
  sql: SqlDriver;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export const DEFAULT_PGLITE_DIR = './data/pglite';

/**
 * How long an interactive transaction may wait for a pool connection. Prisma's 2 s default
 * failed sign-ins, refreshes and security-log appends with a 500 whenever the pool stayed busy
 * for 2 s under load, while a plain query in the same request simply waited its turn.
 */
export const TRANSACTION_MAX_WAIT_MS = 15_000;
const transactionOptions = { maxWait: TRANSACTION_MAX_WAIT_MS };
/** Prisma's connections to a PostgreSQL server, per process. */
export const POOL_SIZE = 10;

export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  if (opts.url) {
    if (!/^postgres(ql)?:\/\//.test(opts.url)) throw new Error('DATABASE_URL must be a postgresql:// URL');
    const sql = postgresDriver(opts.url);
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: opts.url, max: POOL_SIZE }), transactionOptions });
    return {
      prisma,
      sql,
      kind: 'postgres',
      async close() {
        await prisma.$disconnect();
        await sql.close();
      },
    };
  }
  const dataDir = opts.dataDir ?? DEFAULT_PGLITE_DIR;
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(path.resolve(dataDir), { recursive: true });
  const client = await PGlite.create(dataDir.startsWith('memory://') ? dataDir : path.resolve(dataDir), opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  const sql = pgliteDriver(client);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client), transactionOptions });
  return {
    prisma,
    sql,
    kind: 'pglite',
    async close() {
      await prisma.$disconnect();
      await sql.close();
    },
  };
}
