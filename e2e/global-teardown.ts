// After the run: dumps each embedded database as text, then looks for every secret the run
// made in every log and dump (leaks/scan.ts). Fails naming which kind of secret leaked where,
// never the secret. The ledger and artifacts are deleted when clean, kept for a look when not.
import fs from 'node:fs';
import path from 'node:path';
import { PGLITE_DIR_NAME } from './leaks/keep.ts';
import { artifactsRoot, LEAK_DIR_ENV, readLedger } from './leaks/ledger.ts';
import { dumpPgliteAsText } from './leaks/pglite-dump.ts';
import { describeFindings, scanDirectory } from './leaks/scan.ts';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[LEAK_DIR_ENV];
  if (!dir || !fs.existsSync(dir)) return;
  const started = Date.now();
  const root = artifactsRoot(dir);
  const stacks = fs.existsSync(root) ? fs.readdirSync(root) : [];
  for (const name of stacks) {
    const data = path.join(root, name, PGLITE_DIR_NAME);
    if (!fs.existsSync(data)) continue;
    fs.writeFileSync(path.join(root, name, 'database.txt'), await dumpPgliteAsText(data));
    fs.rmSync(data, { recursive: true, force: true });
  }
  const failedDumps = stacks.filter((name) => fs.existsSync(path.join(root, name, 'PG_DUMP_FAILED')));
  const secrets = readLedger(dir);
  const { files, bytes, findings } = scanDirectory(root, secrets);
  const kinds = new Set(secrets.map((s) => s.kind));
  console.log(
    `leak scan: ${secrets.length} secrets (${[...kinds].sort().join(', ')}) looked for in ${files} files ` +
      `(${(bytes / 1e6).toFixed(1)} MB) of ${stacks.length} stacks and helpers: ${findings.length} found, ${Date.now() - started} ms`,
  );
  if (findings.length > 0 || failedDumps.length > 0) {
    const lines = [
      ...(findings.length ? ['secrets leaked into logs or databases:', describeFindings(findings)] : []),
      ...failedDumps.map((name) => `pg_dump failed for ${name} (see ${path.join(root, name, 'PG_DUMP_FAILED')})`),
      `artifacts kept in ${root}`,
    ];
    throw new Error(lines.join('\n'));
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
