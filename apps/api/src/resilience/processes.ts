// Real processes for the fault suite: the built API (apps/api/dist, as an operator runs it),
// a throwaway database on a PostgreSQL server, and our own PostgreSQL cluster or Redis server
// on free ports, so a test can kill them without touching the shared services.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../testing/free-port.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const MAIN = path.join(ROOT, 'apps/api/dist/main.js');
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `jutsu-resil-${label}-`));
}

/** The shared PostgreSQL server the suite may create databases on (never stopped here). */
export function sharedPostgresUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export interface Database {
  url: string;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh database on the server at `serverUrl`; queries go through short-lived connections. */
export async function createDatabase(serverUrl: string): Promise<Database> {
  const name = `jutsu_resil_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    url,
    async query(sql, params) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface ApiProcess {
  url: string;
  origin: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A password every test account uses; never a real one. */
export const PASSWORD = 'resilience correct horse battery staple';

/** The environment of one deployment: start it again with the same values to "restart" it. */
export function apiEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(48).toString('base64'),
    ENCRYPTION_KEYS: `r1:${randomBytes(32).toString('base64')}`,
    ADMIN_USERNAME: 'resil-admin',
    ADMIN_PASSWORD: PASSWORD,
    // Each simulated client calls "through" 127.0.0.1 from its own address (X-Forwarded-For),
    // so the per-address buckets see many clients, as behind the shipped nginx.
    TRUSTED_PROXIES: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** `node apps/api/dist/main.js serve` on `port` (a free one when omitted); waits for /readyz. */
export async function startApi(env: Record<string, string>, opts: { port?: number; ready?: boolean } = {}): Promise<ApiProcess> {
  if (!fs.existsSync(MAIN)) throw new Error('apps/api/dist/main.js is missing: run `corepack pnpm run build` first');
  const port = opts.port ?? (await freePort());
  const origin = `http://localhost:${port}`;
  let out = '';
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: origin },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const api: ApiProcess = {
    url,
    origin,
    port,
    child,
    output: () => out,
    exited,
    async waitReady(timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`API exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-3000)}`);
        try {
          if ((await fetch(`${url}/readyz`)).status === 200) return;
        } catch {
          // not listening yet
        }
        await sleep(200);
      }
      throw new Error(`API not ready in ${timeoutMs} ms:\n${out.slice(-3000)}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
  if (opts.ready !== false) {
    try {
      await api.waitReady();
    } catch (err) {
      await api.stop();
      throw err;
    }
  }
  return api;
}

/** A client address from 10.0.0.0/8, the same for one client. */
export function clientIp(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`;
}

/** One browser: its cookie jar and its current access token, talking to /api/auth as the SPA does. */
export class BrowserClient {
  readonly cookies = new Map<string, string>();
  accessToken: string | undefined;

  constructor(
    public api: Pick<ApiProcess, 'url' | 'origin'>,
    readonly ip: string,
  ) {}

  async call(procedure: string, input: unknown = undefined, signal?: AbortSignal): Promise<{ status: number; body: TrpcBody }> {
    const mount = procedure.startsWith('auth.') ? 'auth' : 'trpc';
    const headers: Record<string, string> = { 'content-type': 'application/json', origin: this.api.origin, 'x-forwarded-for': this.ip };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    const res = await fetch(`${this.api.url}/api/${mount}/${procedure}`, { method: 'POST', headers, body: JSON.stringify({ json: input ?? null }), ...(signal ? { signal } : {}) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /max-age=0\b|expires=thu, 01 jan 1970/i.test(a.trim()))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = (await res.json().catch(() => ({}))) as TrpcBody;
    return { status: res.status, body };
  }

  /** A tRPC query (GET /api/trpc/<procedure>) with the access token. */
  async query(procedure: string, signal?: AbortSignal): Promise<{ status: number; body: TrpcBody }> {
    const headers: Record<string, string> = { origin: this.api.origin, 'x-forwarded-for': this.ip };
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    const res = await fetch(`${this.api.url}/api/trpc/${procedure}`, { headers, ...(signal ? { signal } : {}) });
    const body = (await res.json().catch(() => ({}))) as TrpcBody;
    return { status: res.status, body };
  }

  async signIn(username: string, password = PASSWORD): Promise<void> {
    const { status, body } = await this.call('auth.login', { username, password });
    const token = body.result?.data?.json?.accessToken;
    if (status !== 200 || typeof token !== 'string') throw new Error(`sign-in of ${username} failed: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    this.accessToken = token;
  }

  /** auth.refresh with the cookie it holds; keeps the new access token. */
  async refresh(signal?: AbortSignal): Promise<{ status: number; reason?: string }> {
    const { status, body } = await this.call('auth.refresh', undefined, signal);
    const token = body.result?.data?.json?.accessToken;
    if (status === 200 && typeof token === 'string') this.accessToken = token;
    return { status, ...(body.error?.json?.data?.reason ? { reason: body.error.json.data.reason } : {}) };
  }
}

export interface TrpcBody {
  result?: { data?: { json?: { accessToken?: unknown } & Record<string, unknown> } };
  error?: { json?: { message?: string; code?: number; data?: { code?: string; httpStatus?: number; reason?: string } } };
}

export interface OwnServer {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Removes its data directory (after stop). */
  destroy(): Promise<void>;
}

async function waitPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
}

/** Our own redis-server on a free port, no persistence: stop() really stops it (SIGKILL-free, fast). */
export async function startRedis(): Promise<OwnServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: OwnServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitPort(port, 10_000);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    },
    async destroy() {
      await server.stop();
    },
  };
  await server.start();
  return server;
}

/** Our own PostgreSQL cluster in a temp directory (trust auth, loopback, socket in the directory). */
export async function startPostgres(): Promise<OwnServer> {
  const dir = tempDir('pg');
  const data = path.join(dir, 'data');
  // PostgreSQL refuses to run as root (CI containers): then it runs as the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(dir, uid, gid);
  }
  const run = (bin: string, args: string[]) =>
    asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args], { encoding: 'utf8' }) : spawnSync(path.join(PG_BIN, bin), args, { encoding: 'utf8' });
  const init = run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const pgCtl = (args: string[]) => {
    const r = run('pg_ctl', ['-D', data, '-w', '-t', '60', ...args]);
    if (r.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${r.stderr}${r.stdout}`);
  };
  const server: OwnServer = {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      pgCtl(['start', '-l', path.join(dir, 'postgres.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`]);
      await waitPort(port, 10_000);
    },
    async stop() {
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) pgCtl(['stop', '-m', 'fast']);
    },
    async destroy() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
