// `pnpm bench`: the real server (node apps/api/dist/main.js serve) on PGlite and, with
// BENCH_DATABASE_URL or TEST_DATABASE_URL, on PostgreSQL, beside a bare Express 5 baseline,
// loaded from 127.0.0.1 only, bounded in time. Prints one table of ratios with the targets.
// BENCH_SMOKE=1: one 2 s run per figure and 50 subscribers (CI keeps it working; no timing
// is asserted — it exits non-zero only when something fails to run).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import pg from 'pg';
import WebSocket from 'ws';
import { ARGON2, PASSWORD, ROOT, ensureBuilt, tail, freePort, median, pct, publishLiveEvent, randomIp, rssMb, signIn, signInFull, sleep, startSeededApi, trpcInput } from './stack.mjs';

const SMOKE = process.env.BENCH_SMOKE === '1';
const RUNS = SMOKE ? 1 : 3;
const SECONDS = SMOKE ? 2 : 5;
const CONNECTIONS = 20;
const SUBSCRIBERS = SMOKE ? 50 : 1000;
const EVENTS = SMOKE ? 3 : 20;
const SIGN_INS = SMOKE ? 5 : 20;
// Enough users that no one of them reaches the per-user API budget (600 calls a minute) or
// the subscription budget (60 a minute) during the run: calls rotate over them.
const USERS = 60; // smoke too: a 2 s run of the faster read went past 5 users' budgets (429)
const POSITIONS = 200;
const TRADES = SMOKE ? 10_000 : 100_000;
const PG_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
// For profiling one part: BENCH_DB=pglite|postgres, BENCH_ONLY=public,authed,dashboard,signin,fanout.
const DB_ONLY = process.env.BENCH_DB;
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const wanted = (part) => !ONLY || ONLY.has(part);

const log = (...a) => console.error('[bench]', ...a);

async function startBare(databaseUrl) {
  const port = await freePort();
  const child = fork(path.join(ROOT, 'bench/bare-server.mjs'), [], {
    env: { ...process.env, PORT: String(port), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** One plain request first: a route that does not answer 200 is a failure to run, not a figure. */
async function probe(label, url, opts) {
  const first = await fetch(url, { headers: { ...opts.headers, ...(opts.setupRequest ? opts.setupRequest({ headers: {} }).headers : {}) } });
  if (first.status !== 200) throw new Error(`${label}: ${first.status} ${(await first.text()).slice(0, 300)}`);
}

/** One autocannon run of SECONDS: req/s and p50 latency. Any non-2xx answer is a failure. */
async function runOnce(label, url, opts) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers: opts.headers ?? {}, requests: opts.setupRequest ? [{ setupRequest: opts.setupRequest }] : undefined });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total} (status ${JSON.stringify(result.statusCodeStats ?? {})})`);
  }
  if (process.env.BENCH_DEBUG) log(label, result.requests.total, 'requests in', result.duration, 's', JSON.stringify(result.statusCodeStats));
  return { rps: result.requests.total / result.duration, p50: result.latency.p50 };
}

/** The median over RUNS runs. */
async function load(label, url, opts = {}) {
  await probe(label, url, opts);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(label, url, opts));
  return { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)) };
}

/**
 * A figure and its baseline, run by run in turns (baseline, figure, baseline, …), so the
 * machine's other load falls on both alike; the ratio is the median of each pair's ratio.
 */
async function paired(label, url, opts, base) {
  await probe(label, url, opts);
  await probe(base.label, base.url, base.opts ?? {});
  const pairs = [];
  for (let i = 0; i < RUNS; i++) {
    const b = await runOnce(base.label, base.url, base.opts ?? {});
    const j = await runOnce(label, url, opts);
    pairs.push({ b, j, ratio: j.rps / b.rps });
  }
  return {
    rps: median(pairs.map((p) => p.j.rps)),
    p50: median(pairs.map((p) => p.j.p50)),
    bareRps: median(pairs.map((p) => p.b.rps)),
    bareP50: median(pairs.map((p) => p.b.p50)),
    ratio: median(pairs.map((p) => p.ratio)),
  };
}

// ───────────────────────────── API calls ─────────────────────────────

function rotating(tokens, extra = () => ({})) {
  let i = 0;
  return (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}`, ...extra() } });
}


/** Time of sequential sign-ins and of bare argon2id verifies of the same password. */
/**
 * Sequential sign-ins of one account: from a new browser each time (no device cookie: the
 * new-device check adds a row and a warning event), or from the browser the first one set up.
 */
async function signInTimes(api, { knownBrowser = false } = {}) {
  const headers = {};
  if (knownBrowser) {
    const first = await fetch(`${api.url}/api/auth/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: api.origin },
      body: JSON.stringify({ json: { username: 'bench-user-0', password: PASSWORD } }),
    });
    const device = first.headers.getSetCookie().find((c) => c.startsWith('__Secure-jutsu_device='))?.split(';')[0];
    if (first.status !== 200 || !device) throw new Error(`sign-in for a device cookie: ${first.status}`);
    headers.cookie = device;
  }
  const times = [];
  for (let i = 0; i < SIGN_INS; i++) {
    const t = performance.now();
    await signInFull(api, 'bench-user-0', headers);
    times.push(performance.now() - t);
  }
  return median(times);
}

async function bareArgon() {
  const hash = await argon2.hash(PASSWORD, ARGON2);
  const times = [];
  for (let i = 0; i < SIGN_INS; i++) {
    const t = performance.now();
    if (!(await argon2.verify(hash, PASSWORD))) throw new Error('argon2 verify failed');
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Opens one tRPC WebSocket subscribed to events.dashboard; resolves once its `ready` event arrived. */
function subscribe(api, token, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/ws?connectionParams=1`, { headers: { origin: api.origin } });
    const timer = setTimeout(() => reject(new Error('subscription not ready in 30 s')), 30_000);
    ws.on('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.dashboard', input: { json: {} } } }));
    });
    let ready = false;
    ws.on('message', (raw) => {
      const text = raw.toString();
      const msg = JSON.parse(text);
      if (msg.error) {
        clearTimeout(timer);
        reject(new Error(`subscription refused: ${text.slice(0, 300)}`));
        return;
      }
      if (msg.result?.type !== 'data') return;
      if (!ready) {
        ready = true;
        clearTimeout(timer);
        resolve(ws);
        return;
      }
      onMessage(text);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('close', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`socket closed before ready (${code})`));
      }
    });
  });
}

/** Publish → receipt on every subscriber: `open` makes one subscribed socket, `publish` sends one event and returns its id. */
async function fanOut(open, publish) {
  const pending = new Map(); // event id → publish time
  const latencies = [];
  let received = 0;
  const onMessage = (text) => {
    for (const [id, t0] of pending) {
      if (text.includes(`"${id}"`)) {
        latencies.push(performance.now() - t0);
        received++;
      }
    }
  };
  const sockets = [];
  try {
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(i + 50, SUBSCRIBERS); j++) batch.push(open(j, onMessage));
      sockets.push(...(await Promise.all(batch)));
    }
    for (let e = 0; e < EVENTS; e++) {
      const before = received;
      const t0 = performance.now();
      const id = await publish((eventId) => pending.set(eventId, t0));
      const until = Date.now() + 10_000;
      while (received - before < SUBSCRIBERS && Date.now() < until) await sleep(2);
      pending.delete(id);
      if (received - before < SUBSCRIBERS) throw new Error(`event ${id} reached ${received - before} of ${SUBSCRIBERS} subscribers in 10 s`);
      await sleep(50);
    }
  } finally {
    for (const ws of sockets) ws.terminate();
  }
  return { p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

/** The API: tRPC subscriptions to events.dashboard, published as the LiveBus does (row + NOTIFY of its id). */
async function apiFanOut(api, tokens, databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fanOut(
      (j, onMessage) => subscribe(api, tokens[j % tokens.length], onMessage),
      (expect) => publishLiveEvent(client, expect),
    );
  } finally {
    await client.end();
  }
}

/** The same sockets on the bare server: plain ws, one frame per event, published by a POST. */
async function bareFanOut(bare) {
  let seq = 0;
  const open = (_j, onMessage) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${bare.url.replace('http', 'ws')}/ws`);
      let ready = false;
      ws.on('message', (raw) => {
        if (!ready) {
          ready = true;
          resolve(ws);
          return;
        }
        const text = raw.toString();
        JSON.parse(text);
        onMessage(text);
      });
      ws.on('error', reject);
    });
  return fanOut(open, async (expect) => {
    const id = `bare-${++seq}`;
    expect(id);
    const res = await fetch(`${bare.url}/publish/${id}`, { method: 'POST' });
    if (res.status !== 200) throw new Error(`bare publish: ${res.status}`);
    return id;
  });
}

// ───────────────────────────── one database mode ─────────────────────────────

async function benchMode(kind, bareJson) {
  let stack;
  let bareDb;
  const rows = [];
  try {
    stack = await startSeededApi({
      kind,
      pgUrl: PG_URL,
      seed: { users: USERS, positions: POSITIONS, trades: TRADES },
      env: { WS_MAX_CONNECTIONS: String(SUBSCRIBERS + 100), WS_MAX_CONNECTIONS_PER_IP: String(SUBSCRIBERS + 100) },
      log,
    });
    const { api } = stack;
    if (kind === 'postgres') bareDb = await startBare(stack.databaseUrl);

    const tokens = [];
    for (let i = 0; i < USERS; i++) tokens.push(await signIn(api, `bench-user-${i}`));

    // Warm-up: every route once under load.
    const info = `${api.url}/api/trpc/system.info`;
    const status = `${api.url}/api/trpc/system.status`;
    const positions = `${api.url}/api/trpc/dashboard.positions`;
    const tradesUrl = `${api.url}/api/trpc/dashboard.trades${trpcInput({ limit: 50 })}`;
    const publicReq = (req) => ({ ...req, headers: { ...req.headers, 'x-forwarded-for': randomIp() } });
    const warm = async (url, setupRequest) => autocannon({ url, connections: CONNECTIONS, duration: 1, requests: [{ setupRequest }] });
    for (const [u, s] of [[info, publicReq], [status, rotating(tokens)], [positions, rotating(tokens)], [tradesUrl, rotating(tokens)]]) await warm(u, s);
    const rssWarm = rssMb(api.pid);

    if (wanted('public')) {
      log(kind, 'public query');
      const pub = await paired('system.info', info, { setupRequest: publicReq }, bareJson);
      rows.push([kind, 'public query system.info, req/s', pub.rps, pub.bareRps, pub.ratio, '≥ 0.6 × bare']);
    }
    if (wanted('authed')) {
      log(kind, 'authenticated read');
      const authed = await paired('system.status', status, { setupRequest: rotating(tokens) }, bareJson);
      rows.push([kind, 'authenticated read system.status, req/s', authed.rps, authed.bareRps, authed.ratio, '≥ 0.6 × bare']);
      rows.push([kind, '  … its p50 latency, ms', authed.p50, authed.bareP50, null, '']);
    }

    if (wanted('dashboard')) {
    log(kind, 'dashboard reads');
    if (bareDb) {
      const pos = await paired('dashboard.positions', positions, { setupRequest: rotating(tokens) }, { label: 'bare positions', url: `${bareDb.url}/positions` });
      const trd = await paired('dashboard.trades', tradesUrl, { setupRequest: rotating(tokens) }, { label: 'bare trades', url: `${bareDb.url}/trades` });
      rows.push([kind, `dashboard.positions (${POSITIONS}), req/s`, pos.rps, pos.bareRps, pos.ratio, '≥ 0.7 × same SQL via pg']);
      rows.push([kind, `dashboard.trades page of ${TRADES}, req/s`, trd.rps, trd.bareRps, trd.ratio, '≥ 0.7 × same SQL via pg']);
      const posFloor = await paired('positions floor', `${bareDb.url}/trpc/positions`, {}, { label: 'bare positions', url: `${bareDb.url}/positions` });
      const trdFloor = await paired('trades floor', `${bareDb.url}/trpc/trades`, {}, { label: 'bare trades', url: `${bareDb.url}/trades` });
      rows.push([kind, '  floor: same SQL via tRPC adapter only, positions', posFloor.rps, posFloor.bareRps, posFloor.ratio, 'the most a tRPC query reaches']);
      rows.push([kind, '  floor: same SQL via tRPC adapter only, trades', trdFloor.rps, trdFloor.bareRps, trdFloor.ratio, 'the most a tRPC query reaches']);
    } else {
      const pos = await load('dashboard.positions', positions, { setupRequest: rotating(tokens) });
      const trd = await load('dashboard.trades', tradesUrl, { setupRequest: rotating(tokens) });
      rows.push([kind, `dashboard.positions (${POSITIONS}), req/s`, pos.rps, null, null, 'n/a on PGlite']);
      rows.push([kind, `dashboard.trades page of ${TRADES}, req/s`, trd.rps, null, null, 'n/a on PGlite']);
    }
    }

    if (wanted('signin')) {
      log(kind, 'sign-in');
      const signInMs = await signInTimes(api);
      const knownMs = await signInTimes(api, { knownBrowser: true });
      const argonMs = await bareArgon();
      rows.push([kind, 'sign-in p50, ms (new browser)', signInMs, argonMs, signInMs / argonMs, '≤ 1.25 × bare argon2id']);
      rows.push([kind, '  … from a known browser', knownMs, argonMs, knownMs / argonMs, '']);
    }

    if (!wanted('fanout')) {
      // not measured in this run
    } else if (kind === 'postgres') {
      log(kind, `fan-out to ${SUBSCRIBERS}`);
      // Bare ws first, then the API, with the same 1,000 client sockets in this process.
      const bareFan = await bareFanOut(bareDb);
      const fan = await apiFanOut(api, tokens, stack.databaseUrl);
      rows.push([kind, `fan-out to ${SUBSCRIBERS} subscribers p50, ms`, fan.p50, bareFan.p50, fan.p50 / bareFan.p50, 'baseline: bare ws, same sockets']);
      rows.push([kind, `fan-out to ${SUBSCRIBERS} subscribers p99, ms`, fan.p99, bareFan.p99, fan.p99 / bareFan.p99, '≤ 100 ms at 1,000']);
    } else {
      rows.push([kind, 'fan-out', null, null, null, 'n/a: publish needs PostgreSQL NOTIFY from outside']);
    }

    rows.push([kind, 'API RSS after warm-up, MB', rssWarm, null, null, '']);
    rows.push([kind, 'API RSS after the run, MB', rssMb(api.pid), null, null, kind === 'postgres' ? '≤ 200 MB' : '≤ 350 MB']);
    return rows;
  } catch (err) {
    if (stack) log(`${kind} failed; API log tail:\n${tail(stack.logFile)}`);
    throw err;
  } finally {
    await stack?.stop();
    await bareDb?.stop();
  }
}

// ───────────────────────────── the login route's weight ─────────────────────────────

function loginRouteWeight() {
  const dist = path.join(ROOT, 'apps/web/dist');
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  // The entry script, its statically imported chunks (modulepreload) and the stylesheets:
  // everything the browser fetches before the login page can render.
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="(\/assets\/[^"]+\.(js|css))"/g)];
  const out = { js: { raw: 0, gzip: 0, br: 0 }, css: { raw: 0, gzip: 0, br: 0 } };
  const seen = new Set();
  for (const [, ref, ext] of refs) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    const raw = fs.readFileSync(path.join(dist, ref));
    const w = out[ext];
    w.raw += raw.length;
    w.gzip += zlib.gzipSync(raw, { level: 9 }).length;
    w.br += zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return out;
}

// ───────────────────────────── main ─────────────────────────────

function fmt(v, digits = 0) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(v);
}

async function main() {
  ensureBuilt(log);
  log(SMOKE ? 'smoke mode: 1 × 2 s per figure' : `${RUNS} × ${SECONDS} s per figure, ${CONNECTIONS} connections`);
  // Idle except while its turns run: every figure against it is measured beside it (paired).
  const bare = await startBare();
  const rows = [];
  try {
    const bareJson = { label: 'bare JSON', url: `${bare.url}/json` };
    const baseline = await load(bareJson.label, bareJson.url);
    rows.push(['—', 'bare Express 5 JSON route, req/s', baseline.rps, null, null, 'baseline (each ratio: its own turns)']);
    if (wanted('public') || wanted('authed')) {
      log('floor: the same answer through tRPC alone');
      const floor = await paired('tRPC floor', `${bare.url}/trpc/info`, {}, bareJson);
      rows.push(['—', '  floor: same answer via tRPC adapter only, req/s', floor.rps, floor.bareRps, floor.ratio, 'the most a tRPC query reaches']);
    }
    if (DB_ONLY !== 'postgres') rows.push(...(await benchMode('pglite', bareJson)));
    if (DB_ONLY === 'pglite') {
      // not measured in this run
    } else if (PG_URL) rows.push(...(await benchMode('postgres', bareJson)));
    else rows.push(['postgres', 'skipped', null, null, null, 'set BENCH_DATABASE_URL (or TEST_DATABASE_URL)']);
  } finally {
    await bare.stop();
  }

  const weight = loginRouteWeight();
  const kb = (n) => n / 1024;
  rows.push(['web', 'login route JS raw / gzip / brotli, KB', `${fmt(kb(weight.js.raw))} / ${fmt(kb(weight.js.gzip))} / ${fmt(kb(weight.js.br))}`, null, null, '≤ 200 KB gzip']);
  rows.push(['web', 'login route CSS raw / gzip / brotli, KB', `${fmt(kb(weight.css.raw))} / ${fmt(kb(weight.css.gzip))} / ${fmt(kb(weight.css.br))}`, null, null, '']);

  const header = ['db', 'figure', 'jutsu', 'baseline', 'ratio', 'target'];
  const cells = rows.map(([db, name, v, b, r, target]) => [db, name, fmt(v, typeof v === 'number' && v < 100 ? 1 : 0), fmt(b, typeof b === 'number' && b < 100 ? 1 : 0), r === null ? '' : fmt(r, 2), target]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => `| ${c.map((x, i) => (i >= 2 && i <= 4 ? String(x).padStart(widths[i]) : String(x).padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 2 && i <= 4 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const c of cells) console.log(line(c));
  console.log(`\n${os.cpus().length} cores, node ${process.version}, ${CONNECTIONS} connections, median of ${RUNS} × ${SECONDS} s${SMOKE ? ' (smoke)' : ''}; a ratio is the median of ${RUNS} turns of baseline then figure`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('[bench] failed:', err);
    process.exit(1);
  },
);
