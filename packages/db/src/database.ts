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
}

export interface Database {
  prisma: PrismaClient;
  sql: SqlDriver;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export const DEFAULT_PGLITE_DIR = './data/pglite';

export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  if (opts.url) {
    if (!/^postgres(ql)?:\/\//.test(opts.url)) throw new Error('DATABASE_URL must be a postgresql:// URL');
    const sql = postgresDriver(opts.url);
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: opts.url, max: 10 }) });
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
  const client = await PGlite.create(dataDir.startsWith('memory://') ? dataDir : path.resolve(dataDir));
  const sql = pgliteDriver(client);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
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
