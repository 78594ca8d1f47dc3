// The embedded database's own dump: PGlite archives its whole data directory as a gzipped
// tar, and a new PGlite can start from such an archive. Used by `jutsu backup` (the server
// must be stopped: PGlite is single-process).
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** The data directory at `dataDir` as a gzipped tar. */
export async function dumpPgliteDir(dataDir: string): Promise<Buffer> {
  const dir = path.resolve(dataDir);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) throw new Error(`no embedded database at ${dir}`);
  const client = await PGlite.create(dir);
  try {
    const blob = await client.dumpDataDir('gzip');
    return Buffer.from(await blob.arrayBuffer());
  } finally {
    await client.close();
  }
}

/** Creates the data directory `dataDir` (absent or empty) from an archive made by dumpPgliteDir. */
export async function loadPgliteDir(dataDir: string, archive: Buffer): Promise<void> {
  const dir = path.resolve(dataDir);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
  fs.mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir, { loadDataDir: new Blob([new Uint8Array(archive)]) });
  try {
    await client.query('SELECT 1');
  } finally {
    await client.close();
  }
}
