// Writes NAME.br and NAME.gz beside every text file of the built SPA, once at build time,
// so the single-process server sends compressed bytes without compressing per request.
// Usage: node scripts/precompress.mjs [dir]   (default: dist next to this script's package)
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.txt', '.map', '.webmanifest', '.xml']);
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

async function* files(dir) {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

export async function precompress(dir) {
  let written = 0;
  for await (const file of files(dir)) {
    if (!TEXT.has(path.extname(file))) continue;
    const raw = await fs.readFile(file);
    const br = await brotli(raw, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    });
    const gz = await gzip(raw, { level: 9 });
    // A variant only when it saves bytes; the server falls back to the plain file otherwise.
    if (br.length < raw.length) (await fs.writeFile(`${file}.br`, br), written++);
    if (gz.length < raw.length) (await fs.writeFile(`${file}.gz`, gz), written++);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
  const written = await precompress(dir);
  console.log(`precompressed ${written} files in ${dir}`);
}
