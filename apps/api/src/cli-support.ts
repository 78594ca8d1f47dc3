// Shared by every capability's operator commands.
import { migrate, openDatabase } from '@jutsu/db';
import { loadConfig } from './config.ts';

export type Command = (args: string[]) => Promise<number>;
export type CommandTable = Record<string, { help: string; run: Command }>;

/** Opens the configured database (migrated) for an operator command. */
export async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR });
  try {
    await migrate(db.sql);
    return await fn(db);
  } finally {
    await db.close();
  }
}

