// The fake Schwab server as its own process, over https, for the specs that connect to
// Schwab. Its output is kept as a log and, on stop, every token it issued and the client
// secret go into the leak ledger (leaks/ledger.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { keepLog } from './leaks/keep.ts';
import { recordSecret } from './leaks/ledger.ts';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/api');

export const FAKE_SCHWAB_CLIENT_ID = 'e2e-client';
export const FAKE_SCHWAB_CLIENT_SECRET = 'e2e-client-secret';

export interface FakeSchwabProcess {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

function getJson(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      })
      .on('error', reject);
  });
}

export async function startFakeSchwab(redirectUri: string, tls: { keyFile: string; certFile: string }): Promise<FakeSchwabProcess> {
  recordSecret('Schwab client secret', FAKE_SCHWAB_CLIENT_SECRET);
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/schwab/fake/main.ts', '--port', '0', '--client-id', FAKE_SCHWAB_CLIENT_ID, '--redirect-uri', redirectUri, '--tls-key', tls.keyFile, '--tls-cert', tls.certFile],
    { cwd: apiDir, env: { PATH: process.env.PATH, FAKE_SCHWAB_CLIENT_SECRET }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
    process.stderr.write(d); // as before: visible in the runner's output
  });
  const lines = createInterface({ input: proc.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    proc.once('exit', () => reject(new Error('fake Schwab exited')));
  });
  log += `${line}\n`;
  lines.on('line', (l) => (log += `${l}\n`));
  const url = (JSON.parse(line) as { url: string }).url;
  const stop = async () => {
    try {
      const issued = (await getJson(`${url}/__admin/issued`, fs.readFileSync(tls.certFile, 'utf8'))) as { access: string[]; refresh: string[] };
      for (const t of issued.access) recordSecret('Schwab access token', t);
      for (const t of issued.refresh) recordSecret('Schwab refresh token', t);
    } finally {
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
      keepLog('fake-schwab', log);
    }
  };
  return { url, proc, stop };
}
