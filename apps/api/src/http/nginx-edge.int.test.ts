// The shipped nginx config (rendered by scripts/nginx-local.sh, as the image renders it) in
// front of a real API: behind a tunnel, clients keep separate rate-limit buckets only when
// NGINX_REAL_IP_FROM names the tunnel; encoded procedure paths stop at nginx; one address
// holding WebSockets open cannot lock another out. Skipped where nginx is not installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../testing/free-port.ts';
import { startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const nginxInstalled = fs.existsSync('/usr/sbin/nginx') || (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, 'nginx')));

interface Nginx {
  url: string;
  stop(): Promise<void>;
}

async function startNginx(upstreamPort: number, env: Record<string, string>): Promise<Nginx> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-nginx-'));
  let out = '';
  const proc: ChildProcess = spawn('bash', [path.join(root, 'scripts/nginx-local.sh'), String(port), `127.0.0.1:${upstreamPort}`, dir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A failed password sign-in as the tunnel would forward it for `client`; returns the status. */
async function login(nginx: Nginx, client: string, n: number): Promise<number> {
  const res = await fetch(`${nginx.url}/api/auth/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: TEST_ORIGIN, 'x-forwarded-for': client },
    body: JSON.stringify({ json: { username: `nobody${n}`, password: 'not the password at all' } }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(!nginxInstalled)('nginx in front of the API', () => {
  let h: Harness;
  let behindTunnel: Nginx;
  let untrusted: Nginx;
  let slow: Nginx;
  beforeAll(async () => {
    // The API trusts nginx (loopback); nginx trusts the "tunnel" (this test, on loopback) or not.
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '2', WS_MAX_CONNECTIONS_PER_IP: '1000' });
    behindTunnel = await startNginx(h.server.port, { NGINX_REAL_IP_FROM: '127.0.0.1/32', NGINX_REAL_IP_HEADER: 'X-Forwarded-For' });
    untrusted = await startNginx(h.server.port, { NGINX_REAL_IP_FROM: '10.9.8.0/24', NGINX_REAL_IP_HEADER: 'X-Forwarded-For' });
    slow = await startNginx(h.server.port, { NGINX_REAL_IP_FROM: '127.0.0.1/32', NGINX_REAL_IP_HEADER: 'X-Forwarded-For', NGINX_API_RATE: '1', NGINX_API_BURST: '2' });
  }, 60_000);
  afterAll(async () => {
    await behindTunnel?.stop();
    await untrusted?.stop();
    await slow?.stop();
    await h?.close();
  });

  it('gives two clients behind the trusted tunnel separate sign-in buckets', async () => {
    const a: number[] = [];
    for (let i = 0; i < 3; i++) a.push(await login(behindTunnel, '198.51.100.10', i));
    expect(a).toEqual([401, 401, 429]);
    expect(await login(behindTunnel, '198.51.100.11', 10)).toBe(401);
  });

  it('ignores the header from a peer that is not the configured tunnel (one shared bucket)', async () => {
    const a: number[] = [];
    for (let i = 0; i < 3; i++) a.push(await login(untrusted, `203.0.113.${i}`, 20 + i));
    expect(a).toEqual([401, 401, 429]);
    expect(await login(untrusted, '203.0.113.99', 30)).toBe(429);
  });

  it('sizes the per-address API limit from NGINX_API_RATE and NGINX_API_BURST (20/s, burst 40 by default)', async () => {
    const burst = async (nginx: Nginx) => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${nginx.url}/api/trpc/system.info`, { headers: { 'x-forwarded-for': '198.51.100.60' } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      return statuses;
    };
    expect(await burst(behindTunnel)).not.toContain(429);
    // 1 a second, 2 more at once: the first three go through, then nginx refuses.
    const limited = await burst(slow);
    expect(limited.slice(0, 3)).not.toContain(429);
    expect(limited.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
  });

  it('refuses API limits that are not whole numbers before nginx starts', () => {
    for (const bad of [{ NGINX_API_RATE: '20r/s; allow all' }, { NGINX_API_BURST: '-1' }, { NGINX_API_RATE: '0' }, { NGINX_API_BURST: '40 nodelay; x' }]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-render-'));
      const r = spawnSync('sh', [path.join(root, 'docker/nginx-render.sh'), path.join(root, 'docker/nginx.conf.template'), path.join(dir, 'nginx.conf')], {
        env: { PATH: process.env.PATH, LISTEN_PORT: '8080', UPSTREAM: '127.0.0.1:1', TEMP_DIR: dir, ACCESS_LOG: `${dir}/a.log`, ...bad },
        encoding: 'utf8',
      });
      expect(r.status, JSON.stringify(bad)).toBe(64);
      expect(r.stderr).toMatch(/NGINX_API_(RATE|BURST)/);
      expect(fs.existsSync(path.join(dir, 'nginx.conf'))).toBe(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses encoded and multi-segment procedure paths with a typed 404', async () => {
    for (const p of ['/api/trpc/%61uth.login', '/api/trpc/x/auth.login', '/api/auth/x/auth.login', '/api/trpc/system.info,%61uth.login?batch=1']) {
      const res = await fetch(`${behindTunnel.url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ json: { username: 'x', password: 'y' } }),
      });
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type'), p).toMatch(/application\/json/);
      expect(res.headers.getSetCookie(), p).toEqual([]);
      const body = (await res.json()) as { error: { json: { data: { code: string } } } };
      expect(body.error.json.data.code, p).toBe('NOT_FOUND');
    }
  });

  it('caps WebSockets per address, and another address still connects and /healthz answers', async () => {
    const open = (client: string) =>
      new Promise<{ ws?: WebSocket; status: number }>((resolve) => {
        const ws = new WebSocket(`${behindTunnel.url.replace('http', 'ws')}/api/ws?connectionParams=1`, { origin: TEST_ORIGIN, headers: { 'x-forwarded-for': client } });
        ws.once('open', () => {
          ws.send(JSON.stringify({ method: 'connectionParams', data: { token: '' } }));
          resolve({ ws, status: 101 });
        });
        ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
        ws.on('error', () => resolve({ status: 0 }));
      });
    const flood = [];
    for (let i = 0; i < 30; i++) flood.push(await open('198.51.100.50'));
    try {
      expect(flood.filter((f) => f.status === 101)).toHaveLength(20);
      expect(flood.filter((f) => f.status === 429)).toHaveLength(10);
      const other = await open('198.51.100.51');
      expect(other.status).toBe(101);
      other.ws!.terminate();
      expect((await fetch(`${behindTunnel.url}/healthz`)).status).toBe(200);
    } finally {
      for (const f of flood) f.ws?.terminate();
    }
  });
});
