// What bench/run.mjs and bench/soak.mjs share: the real built server (node apps/api/dist/main.js
// serve) in production mode with generated keys, bound to loopback, on a throwaway PostgreSQL
// database or a temporary PGlite directory, seeded with SQL while it is stopped.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import argon2 from 'argon2';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PASSWORD = 'bench correct horse battery staple';
// The API's own parameters (apps/api/src/auth/passwords.ts).
export const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
export const randomIp = () => `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
export const trpcInput = (json) => `?input=${encodeURIComponent(JSON.stringify({ json }))}`;

export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Math.round(kb / 1024);
}

export function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(url, child, logFile, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`server not ready in ${timeoutMs} ms:\n${tail(logFile)}`);
}

/** Builds once when apps/api/dist or apps/web/dist is missing. */
export function ensureBuilt(log) {
  if (fs.existsSync(path.join(ROOT, 'apps/api/dist/main.js')) && fs.existsSync(path.join(ROOT, 'apps/web/dist/index.html'))) return;
  log('no build found: running pnpm build');
  const r = spawnSync('pnpm', ['build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('pnpm build failed');
}

/** The real server as an operator runs it, in production mode. */
export async function startApi(env, logFile) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out = fs.openSync(logFile, 'a');
  // BENCH_PROFILE=<dir>: the API writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
  const child = spawn(process.execPath, [...profile, path.join(ROOT, 'apps/api/dist/main.js'), 'serve'], {
    // Bound to loopback only; PUBLIC_URL names localhost (WebAuthn wants a domain, not an IP).
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://localhost:${port}` },
    stdio: ['ignore', out, out],
  });
  await waitReady(url, child, logFile);
  return {
    url,
    origin: `http://localhost:${port}`,
    pid: child.pid,
    exited: () => child.exitCode !== null,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** PostgreSQL: a throwaway database on the given server. */
export async function createPgDatabase(baseUrl) {
  const name = `jutsu_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** `users` viewers bench-user-0…, one brokerage account with `positions` positions and `trades` trades. */
async function seedSql(query, hash, { users, positions, trades }) {
  await query(
    `INSERT INTO users (id, username, password_hash, role, updated_at)
     SELECT gen_random_uuid(), 'bench-user-' || i, $1, 'viewer', now() FROM generate_series(0, ${users - 1}) i`,
    [hash],
  );
  await query(
    `INSERT INTO brokerage_accounts (id, account_hash, number_last4, is_paper, last_synced_at, liquidation_value, cash, buying_power, long_market_value, balances_at)
     VALUES (gen_random_uuid(), 'BENCHACCOUNTHASH', '1234', false, now(), 2500000, 100000, 200000, 2400000, now())`,
  );
  await query(
    `INSERT INTO positions (id, account_hash, symbol, quantity, average_price, market_value, unrealized_pnl, day_pnl, updated_at)
     SELECT gen_random_uuid(), 'BENCHACCOUNTHASH', 'SYM' || lpad(i::text, 3, '0'), 10 + i, 100 + i, (10 + i) * (101 + i), 10 + i, 1.5, now()
       FROM generate_series(1, ${positions}) i`,
  );
  await query(
    `INSERT INTO live_trades (account_hash, symbol, side, quantity, price, fees, strategy, order_id, status, is_paper, realized_pnl, executed_at)
     SELECT 'BENCHACCOUNTHASH', 'SYM' || lpad((i % ${positions} + 1)::text, 3, '0'), CASE WHEN i % 2 = 0 THEN 'BUY' ELSE 'SELL' END,
            1 + i % 50, 100 + (i % 1000) / 10.0, 0.5, 'bench', 'bench-' || i, 'filled', false,
            CASE WHEN i % 2 = 1 THEN (i % 97) - 48 END, now() - make_interval(mins => i)
       FROM generate_series(1, ${trades}) i`,
  );
  await query('ANALYZE');
}

/**
 * A migrated, seeded server: the first start migrates and creates the admin, the data is
 * inserted while it is stopped (PGlite is held by one process at a time), then it starts
 * again. `env` adds to (or overrides) the production settings. `stop()` stops it, drops
 * the database and removes the temporary directory.
 */
export async function startSeededApi({ kind, pgUrl, seed, env: extra = {}, log }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `jutsu-bench-${kind}-`));
  const logFile = path.join(tmp, 'api.log');
  const env = {
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(48).toString('base64'),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_USERNAME: 'bench-admin',
    ADMIN_PASSWORD: PASSWORD,
    LOGIN_RATE_LIMIT: '1000',
    LOGIN_DELAY_AFTER_FAILURES: '1000',
    LOCKOUT_THRESHOLD: '10000',
    // The per-address buckets: calls come "through" 127.0.0.1 from many addresses.
    TRUSTED_PROXIES: '127.0.0.1',
    PGLITE_DIR: path.join(tmp, 'pglite'),
    ...extra,
  };
  let pgDb;
  let api;
  const stop = async () => {
    await api?.stop();
    await pgDb?.drop().catch((e) => log('could not drop the bench database:', e.message));
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const hash = await argon2.hash(PASSWORD, ARGON2);
    if (kind === 'postgres') {
      pgDb = await createPgDatabase(pgUrl);
      env.DATABASE_URL = pgDb.url;
    }
    log(kind, 'migrating');
    api = await startApi(env, logFile);
    await api.stop();
    log(kind, `seeding ${seed.users} users, ${seed.positions} positions, ${seed.trades} trades`);
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: pgDb.url });
      await c.connect();
      await seedSql((q, p) => c.query(q, p), hash, seed);
      await c.end();
    } else {
      const db = await PGlite.create(env.PGLITE_DIR);
      await seedSql((q, p) => db.query(q, p), hash, seed);
      await db.close();
    }
    api = await startApi(env, logFile);
  } catch (err) {
    log(`${kind} start failed; API log tail:\n${tail(logFile)}`);
    await stop();
    throw err;
  }
  return { api, databaseUrl: pgDb?.url, logFile, stop };
}

/** Password sign-in through the real endpoint: the access token and the refresh cookie. */
export async function signInFull(api, username, headers = {}) {
  const res = await fetch(`${api.url}/api/auth/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: api.origin, ...headers },
    body: JSON.stringify({ json: { username, password: PASSWORD } }),
  });
  const body = await res.json().catch(() => undefined);
  const data = body?.result?.data?.json;
  if (res.status !== 200 || !data?.accessToken) throw Object.assign(new Error(`sign-in of ${username} failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`), { status: res.status });
  return { accessToken: data.accessToken, expiresAt: Date.parse(data.accessTokenExpiresAt), refreshCookie: refreshCookieOf(res) };
}

export async function signIn(api, username) {
  return (await signInFull(api, username)).accessToken;
}

/** The `name=value` of the refresh cookie a response set (undefined when none). */
export function refreshCookieOf(res) {
  return res.headers.getSetCookie().find((c) => c.startsWith('__Secure-jutsu_refresh='))?.split(';')[0];
}

/** Publishes one live event as the LiveBus does (row under its write lock + NOTIFY of the id); returns the id. */
export async function publishLiveEvent(client, onId = () => undefined) {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query(
      `WITH lock AS (SELECT pg_advisory_xact_lock(1785017206, 1))
       INSERT INTO live_events (topic, type, payload) SELECT 'dashboard', 'balances.changed', $1::jsonb FROM lock RETURNING id::text AS id`,
      [JSON.stringify({ at: new Date().toISOString() })],
    );
    const id = rows[0].id;
    onId(id);
    await client.query("SELECT pg_notify('jutsu_events', $1)", [id]);
    await client.query('COMMIT');
    return id;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
