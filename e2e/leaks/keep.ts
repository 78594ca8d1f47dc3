// What a stopped e2e stack leaves for the leak scan: the API's output, nginx's access and
// error logs, and its database — a pg_dump when it ran on PostgreSQL (taken now: the spec
// drops that database next), the embedded data directory otherwise (dumped as text by the
// global teardown; PGlite is single-process, and the API has stopped).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { artifactDir, recordSecret } from './ledger.ts';

/** The secrets a stack is started with: the first admin's password, Schwab's client secret, the server's keys. */
export function recordStackSecrets(env: Record<string, string | undefined>): void {
  recordSecret('password', env.ADMIN_PASSWORD);
  recordSecret('Schwab client secret', env.SCHWAB_CLIENT_SECRET);
  recordSecret('server key', env.SECRET_KEY);
  for (const entry of (env.ENCRYPTION_KEYS ?? '').split(',')) recordSecret('server key', entry.slice(entry.indexOf(':') + 1));
}

export interface StackLeftovers {
  apiLog: string;
  nginxLog: string;
  nginxDir: string;
  databaseUrl?: string;
  pgliteDir: string;
}

export function keepStackArtifacts(s: StackLeftovers): void {
  const dir = artifactDir('stack');
  if (!dir) return;
  fs.writeFileSync(path.join(dir, 'api.log'), s.apiLog);
  fs.writeFileSync(path.join(dir, 'nginx-stderr.log'), s.nginxLog);
  const access = path.join(s.nginxDir, 'access.log');
  if (fs.existsSync(access)) fs.copyFileSync(access, path.join(dir, 'nginx-access.log'));
  const logs = path.join(s.nginxDir, 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dir, 'nginx-logs'), { recursive: true });
  if (s.databaseUrl) {
    const res = spawnSync('pg_dump', ['--no-owner', '--file', path.join(dir, 'database.sql'), s.databaseUrl], { encoding: 'utf8' });
    if (res.status !== 0) fs.writeFileSync(path.join(dir, 'PG_DUMP_FAILED'), res.stderr ?? '');
  } else if (fs.existsSync(s.pgliteDir)) {
    fs.renameSync(s.pgliteDir, path.join(dir, PGLITE_DIR_NAME));
  }
}

/** Where a stack's embedded data directory is kept until the teardown dumps it. */
export const PGLITE_DIR_NAME = 'pglite-data';

/** A logged other-process log (fake Schwab, SMTP server) kept with the run. */
export function keepLog(label: string, text: string): void {
  const dir = artifactDir(label);
  if (dir) fs.writeFileSync(path.join(dir, `${label}.log`), text);
}
