// A whole deployment for one spec file: the built API on an embedded database, nginx in
// front (scripts/nginx-local.sh), the browser talking only to nginx.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepStackArtifacts, recordStackSecrets } from './leaks/keep.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Stack {
  /** What the browser uses: nginx. */
  baseURL: string;
  apiURL: string;
  /** Everything the API printed so far (the bootstrap link appears here). */
  output(): string;
  stop(): Promise<void>;
}

/** A port nothing listens on now (for the stack, and for a Schwab callback origin in the specs). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, proc: ChildProcess, log: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`process exited early:\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${url}:\n${log()}`);
}

function stopProc(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const t = setTimeout(() => p.kill('SIGKILL'), 8_000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-e2e-'));
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const baseURL = `http://localhost:${webPort}`;
  let out = '';
  const apiEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseURL,
    PGLITE_DIR: path.join(dir, 'pglite'),
    SECRET_KEY: randomBytes(48).toString('base64'),
    ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
    TRUSTED_PROXIES: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  recordStackSecrets(apiEnv);
  const api = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js'), 'serve'], {
    cwd: dir,
    env: apiEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  api.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const nginxDir = path.join(dir, 'nginx');
  let nginxOut = '';
  const nginx = spawn('bash', [path.join(root, 'scripts/nginx-local.sh'), String(webPort), `127.0.0.1:${apiPort}`, nginxDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  nginx.stdout!.on('data', (d: Buffer) => (nginxOut += d.toString()));
  nginx.stderr!.on('data', (d: Buffer) => (nginxOut += d.toString()));
  const stop = async () => {
    await Promise.all([stopProc(nginx), stopProc(api)]);
    // Logs and the database outlive the stack, for the leak scan after the run.
    keepStackArtifacts({ apiLog: out, nginxLog: nginxOut, nginxDir, databaseUrl: env.DATABASE_URL, pgliteDir: path.join(dir, 'pglite') });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`http://127.0.0.1:${apiPort}/healthz`, api, () => out);
    await waitFor(`${baseURL}/healthz`, nginx, () => nginxOut);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseURL, apiURL: `http://127.0.0.1:${apiPort}`, output: () => out, stop };
}
