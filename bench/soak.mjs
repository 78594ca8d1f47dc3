// `pnpm soak`: the real built server on PostgreSQL for SOAK_SECONDS (default 600) under a
// dashboard's steady load, from 127.0.0.1 only. 200 signed-in clients, each with its own
// account, address and session, read dashboard.overview / positions / trades through the
// tRPC HTTP API, refresh their access token through auth.refresh before it expires, and now
// and then sign in afresh. 1,000 WebSocket subscribers follow events.dashboard while events
// are published as the LiveBus does; when their socket closes (the access token expired)
// they reconnect with the client's current token and resume after the last id they saw.
// Per minute: requests, 5xx, p50/p99 of the dashboard reads, events, reconnects, API RSS.
// Exits 1 on any 5xx, on any event lost, duplicated or out of order for any subscriber, or
// on a resync (a resume the server could not serve). p99 and RSS drift are recorded, not
// asserted (a shared machine's timings are not a verdict).
import os from 'node:os';
import pg from 'pg';
import WebSocket from 'ws';
import { ensureBuilt, pct, publishLiveEvent, refreshCookieOf, rssMb, signInFull, sleep, startSeededApi, tail, trpcInput } from './stack.mjs';

const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SECONDS = num('SOAK_SECONDS', 600);
const WINDOW_S = num('SOAK_WINDOW_SECONDS', 60);
const CLIENTS = num('SOAK_CLIENTS', 200);
const SUBSCRIBERS = num('SOAK_SUBSCRIBERS', 1000);
/** A client's pause between two reads (± half of it): a dashboard that polls, not a flood. */
const THINK_MS = num('SOAK_THINK_MS', 5000);
const EVENT_MS = num('SOAK_EVENT_MS', 1000);
/** One client signs in afresh this often. */
const SIGN_IN_MS = num('SOAK_SIGN_IN_MS', 2000);
/** Short, so every session refreshes several times and every socket reconnects on expiry. */
const TOKEN_MINUTES = num('SOAK_TOKEN_MINUTES', 2);
/** A client refreshes when its token has less than this left (+ up to 20 s, spread). */
const REFRESH_BEFORE_MS = 30_000;
const POSITIONS = 200;
const TRADES = 100_000;
const PG_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
const READS = [
  ['dashboard.overview', ''],
  ['dashboard.positions', ''],
  ['dashboard.trades', trpcInput({ limit: 50 })],
];

const log = (...a) => console.error('[soak]', ...a);
let running = true;
let api;
const windows = [];
let soakStart = Date.now();
const windowAt = (t = Date.now()) => {
  // What finishes after the end (the last calls in flight) counts in the last window.
  const i = Math.min(Math.max(0, Math.floor((t - soakStart) / (WINDOW_S * 1000))), Math.ceil(SECONDS / WINDOW_S) - 1);
  windows[i] ??= { requests: 0, s5xx: 0, s4xx: 0, netErrors: 0, reads: [], refreshes: 0, signIns: 0, published: 0, delivered: 0, fanout: [], reconnects: 0, rss: undefined };
  return windows[i];
};
const failures4xx = new Map(); // "path status" → count, to say what went wrong

function record(label, status, ms, isRead) {
  const w = windowAt();
  w.requests++;
  if (status >= 500) w.s5xx++;
  else if (status >= 400) w.s4xx++;
  else if (status === 0) w.netErrors++;
  if (status >= 400 || status === 0) failures4xx.set(`${label} ${status}`, (failures4xx.get(`${label} ${status}`) ?? 0) + 1);
  if (isRead && status === 200) w.reads.push(ms);
}

// ───────────────────────────── signed-in clients ─────────────────────────────

class Client {
  constructor(i) {
    this.i = i;
    this.username = `bench-user-${i}`;
    // Its own address through TRUSTED_PROXIES: per-address buckets count it alone.
    this.ip = `10.200.${i >> 8}.${(i & 255) + 1}`;
    this.refreshMargin = REFRESH_BEFORE_MS + Math.random() * 20_000;
    this.wantsSignIn = false;
    this.token = undefined;
  }

  async signIn() {
    const t = performance.now();
    try {
      const s = await signInFull(api, this.username, { 'x-forwarded-for': this.ip });
      Object.assign(this, { token: s.accessToken, expiresAt: s.expiresAt, cookie: s.refreshCookie });
      record('auth.login', 200, performance.now() - t);
      windowAt().signIns++;
    } catch (err) {
      record('auth.login', err.status ?? 0, performance.now() - t);
    }
  }

  async refresh() {
    const t = performance.now();
    let status = 0;
    try {
      const res = await fetch(`${api.url}/api/auth/auth.refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: api.origin, cookie: this.cookie ?? '', 'x-forwarded-for': this.ip },
        body: '{}',
      });
      status = res.status;
      const data = (await res.json())?.result?.data?.json;
      if (status === 200 && data?.accessToken) {
        Object.assign(this, { token: data.accessToken, expiresAt: Date.parse(data.accessTokenExpiresAt), cookie: refreshCookieOf(res) ?? this.cookie });
        windowAt().refreshes++;
      }
    } catch {
      /* counted below as a network error */
    }
    record('auth.refresh', status, performance.now() - t);
    // A refused refresh (it should not happen) leaves the client signed out: sign in again.
    if (status !== 200) this.wantsSignIn = true;
  }

  async read(k) {
    const [name, query] = READS[k % READS.length];
    const t = performance.now();
    let status = 0;
    try {
      const res = await fetch(`${api.url}/api/trpc/${name}${query}`, { headers: { authorization: `Bearer ${this.token}`, 'x-forwarded-for': this.ip } });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      /* network error: status 0 */
    }
    record(name, status, performance.now() - t, true);
  }

  async loop() {
    let k = this.i;
    await sleep(Math.random() * THINK_MS);
    while (running) {
      if (this.wantsSignIn || !this.token) {
        this.wantsSignIn = false;
        await this.signIn();
      } else if (this.expiresAt - Date.now() < this.refreshMargin) await this.refresh();
      else await this.read(k++);
      await sleep(THINK_MS * (0.5 + Math.random()));
    }
  }
}

// ───────────────────────────── subscribers ─────────────────────────────

const published = []; // ids, in publish order
const publishedAt = new Map(); // id → performance.now() at publish

class Subscriber {
  constructor(j, client) {
    this.j = j;
    this.client = client;
    this.lastId = undefined; // resume point: the `ready` id, then each event's
    this.lastNum = -1n;
    this.seen = new Set(); // ids of published events received
    this.duplicates = 0;
    this.outOfOrder = 0;
    this.resyncs = 0;
    this.errors = [];
    this.unexpectedCloses = 0;
  }

  /** Resolves when the subscription answers (its `ready`, or the first replayed event). */
  connect() {
    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/ws?connectionParams=1`, { headers: { origin: api.origin, 'x-forwarded-for': this.client.ip } });
      this.ws = ws;
      ws.on('open', () => {
        ws.send(JSON.stringify({ method: 'connectionParams', data: { token: this.client.token } }));
        const input = this.lastId === undefined ? {} : { lastEventId: this.lastId };
        ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.dashboard', input: { json: input } } }));
      });
      ws.on('message', (raw) => {
        const text = raw.toString();
        if (text === 'PING') return ws.send('PONG');
        if (text === 'PONG') return undefined;
        const msg = JSON.parse(text);
        if (msg.error) {
          // As the web client does: drop the socket, come back with the current token and resume.
          const why = `${msg.error.data?.json?.code ?? msg.error.json?.data?.code ?? ''} ${msg.error.json?.message ?? msg.error.message ?? ''}`.trim() || text.slice(0, 120);
          this.errors.push(why);
          settle();
          this.dropped = true;
          ws.terminate();
          return undefined;
        }
        if (msg.result?.type !== 'data') return undefined;
        settle();
        const id = msg.result.id;
        const type = msg.result.data?.json?.type;
        if (type === 'ready') {
          if (this.lastId === undefined) this.lastId = id;
          return undefined;
        }
        if (type === 'resync') {
          this.resyncs++;
          return undefined;
        }
        const n = BigInt(id);
        if (this.seen.has(id)) this.duplicates++;
        else if (n <= this.lastNum) this.outOfOrder++;
        this.lastNum = n > this.lastNum ? n : this.lastNum;
        this.lastId = String(this.lastNum);
        const t0 = publishedAt.get(id);
        if (t0 !== undefined) {
          this.seen.add(id);
          const w = windowAt();
          w.delivered++;
          w.fanout.push(performance.now() - t0);
        }
        return undefined;
      });
      ws.on('error', () => undefined); // the close that follows reconnects
      ws.on('close', (code) => {
        settle();
        if (!running) return;
        // 4001: the access token expired, as it does every TOKEN_MINUTES. Anything else is worth a look.
        const dropped = this.dropped;
        this.dropped = false;
        if (code !== 4001 && !dropped) this.unexpectedCloses++;
        windowAt().reconnects++;
        // A token that expired before its client refreshed closes at once: back off a little.
        setTimeout(() => running && void this.connect(), (dropped ? 1000 : 100) + Math.random() * 400);
      });
    });
  }
}

async function publisher(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    while (running) {
      const t0 = performance.now();
      const id = await publishLiveEvent(client, (eventId) => publishedAt.set(eventId, t0));
      published.push(id);
      windowAt().published++;
      await sleep(Math.max(0, EVENT_MS - (performance.now() - t0)));
    }
  } finally {
    await client.end();
  }
}

// ───────────────────────────── main ─────────────────────────────

const fmt = (v, d = 0) => (v === undefined || Number.isNaN(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

async function main() {
  if (!PG_URL) throw new Error('the soak publishes with PostgreSQL NOTIFY: set BENCH_DATABASE_URL (or TEST_DATABASE_URL)');
  ensureBuilt(log);
  const stack = await startSeededApi({
    kind: 'postgres',
    pgUrl: PG_URL,
    seed: { users: CLIENTS, positions: POSITIONS, trades: TRADES },
    env: {
      ACCESS_TOKEN_EXPIRE_MINUTES: String(TOKEN_MINUTES),
      WS_MAX_CONNECTIONS: String(SUBSCRIBERS + 100),
      WS_MAX_CONNECTIONS_PER_IP: String(SUBSCRIBERS + 100),
    },
    log,
  });
  api = stack.api;
  let failed = false;
  try {
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i));
    log(`signing in ${CLIENTS} clients`);
    for (let i = 0; i < CLIENTS; i += 10) await Promise.all(clients.slice(i, i + 10).map((c) => c.signIn()));
    if (clients.some((c) => !c.token)) throw new Error(`sign-in failed: ${JSON.stringify(Object.fromEntries(failures4xx))}`);
    log(`opening ${SUBSCRIBERS} subscriptions`);
    const subscribers = Array.from({ length: SUBSCRIBERS }, (_, j) => new Subscriber(j, clients[j % CLIENTS]));
    for (let j = 0; j < SUBSCRIBERS; j += 50) await Promise.all(subscribers.slice(j, j + 50).map((s) => s.connect()));
    // One that lost its socket before `ready` (a busy machine) is already coming back.
    const readyBy = Date.now() + 30_000;
    while (Date.now() < readyBy && subscribers.some((s) => s.lastId === undefined)) await sleep(100);
    const notReady = subscribers.filter((s) => s.lastId === undefined);
    if (notReady.length) throw new Error(`${notReady.length} subscriptions not ready: ${notReady[0].errors[0] ?? 'no answer'}`);

    // The soak proper: counters start from zero here.
    windows.length = 0;
    failures4xx.clear();
    soakStart = Date.now();
    log(`soak: ${SECONDS} s, ${CLIENTS} clients (think ${THINK_MS} ms), ${SUBSCRIBERS} subscribers, an event every ${EVENT_MS} ms, a sign-in every ${SIGN_IN_MS} ms, tokens of ${TOKEN_MINUTES} min`);
    const loops = clients.map((c) => c.loop());
    const pub = publisher(stack.databaseUrl);
    const signIns = setInterval(() => (clients[Math.floor(Math.random() * CLIENTS)].wantsSignIn = true), SIGN_IN_MS);
    const rssTimer = setInterval(() => {
      // The last sample of a window stands for it.
      windowAt().rss = rssMb(api.pid);
    }, 5_000);
    // Each window's figures once it is over.
    const progress = setInterval(() => {
      const i = Math.round((Date.now() - soakStart) / (WINDOW_S * 1000)) - 1;
      const w = windows[i];
      if (w) log(`window ${i + 1}: ${w.requests} requests, ${w.s5xx} 5xx, ${w.s4xx + w.netErrors} 4xx/errors, read p99 ${fmt(pct(w.reads, 99))} ms, ${w.delivered} deliveries, ${w.reconnects} reconnects, RSS ${w.rss} MB`);
    }, WINDOW_S * 1000);
    await sleep(SECONDS * 1000);
    clearInterval(signIns);
    clearInterval(progress);
    running = false;
    await pub.catch((e) => {
      failed = true;
      log('publisher failed:', e.message);
    });
    await Promise.all(loops);
    const lastWindow = windows.length - 1;
    windows[lastWindow].rss = rssMb(api.pid);
    clearInterval(rssTimer);

    // Let the last events arrive, then judge every subscriber against every published id.
    const lastNum = BigInt(published.at(-1) ?? 0);
    const until = Date.now() + 60_000;
    while (Date.now() < until && subscribers.some((s) => s.lastNum < lastNum)) await sleep(100);
    for (const s of subscribers) s.ws?.terminate();

    // Lost: missing below the last id the subscriber reached (later ones came, this one never
    // will). Late: missing above it, still not there 60 s after the last publish.
    let lost = 0;
    let lostSubs = 0;
    let late = 0;
    let lateSubs = 0;
    for (const s of subscribers) {
      const missing = published.filter((id) => !s.seen.has(id));
      const gaps = missing.filter((id) => BigInt(id) < s.lastNum).length;
      lost += gaps;
      if (gaps) lostSubs++;
      late += missing.length - gaps;
      if (missing.length > gaps) lateSubs++;
    }
    const sum = (f) => subscribers.reduce((n, s) => n + f(s), 0);
    const duplicates = sum((s) => s.duplicates);
    const outOfOrder = sum((s) => s.outOfOrder);
    const resyncs = sum((s) => s.resyncs);
    const subErrors = sum((s) => s.errors.length);
    const errorKinds = new Map();
    for (const s of subscribers) for (const e of s.errors) errorKinds.set(e, (errorKinds.get(e) ?? 0) + 1);
    const unexpectedCloses = sum((s) => s.unexpectedCloses);

    // A last window shorter than WINDOW_S is shown, not compared.
    const full = windows.slice(0, Math.floor(SECONDS / WINDOW_S));
    console.log(`| ${WINDOW_S === 60 ? 'minute' : `${WINDOW_S} s window`} | requests | 5xx | 4xx | read p50, ms | read p99, ms | refreshes | sign-ins | events | deliveries | delivery p99, ms | reconnects | API RSS, MB |`);
    console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
    windows.forEach((w, i) => {
      console.log(
        `| ${i + 1}${full.includes(w) ? '' : ' (part)'} | ${fmt(w.requests)} | ${w.s5xx} | ${w.s4xx + w.netErrors} | ${fmt(pct(w.reads, 50))} | ${fmt(pct(w.reads, 99))} | ${w.refreshes} | ${w.signIns} | ${w.published} | ${fmt(w.delivered)} | ${fmt(pct(w.fanout, 99))} | ${w.reconnects} | ${fmt(w.rss)} |`,
      );
    });
    const first = full[0];
    const last = full.at(-1);
    const s5xx = windows.reduce((n, w) => n + w.s5xx, 0);
    const p99Ratio = pct(last.reads, 99) / pct(first.reads, 99);
    console.log('');
    console.log(`- requests: ${fmt(windows.reduce((n, w) => n + w.requests, 0))}, 5xx: ${s5xx}, 4xx/network errors: ${windows.reduce((n, w) => n + w.s4xx + w.netErrors, 0)}${failures4xx.size ? ` (${[...failures4xx].map(([k, v]) => `${k} × ${v}`).join(', ')})` : ''}`);
    console.log(`- events published: ${published.length}, to ${SUBSCRIBERS} subscribers: lost ${lost} (on ${lostSubs} subscribers), not arrived 60 s after the last publish ${late} (on ${lateSubs}), duplicated ${duplicates}, out of order ${outOfOrder}, resyncs ${resyncs}, subscription errors ${subErrors}${errorKinds.size ? ` (${[...errorKinds].slice(0, 5).map(([k, v]) => `${k} × ${v}`).join('; ')})` : ''}, closes other than token expiry ${unexpectedCloses}`);
    console.log(`- read p99, last full minute / first: ${fmt(pct(last.reads, 99))} / ${fmt(pct(first.reads, 99))} ms = ${fmt(p99Ratio, 2)} (target ≤ 1.5, recorded, not asserted)`);
    console.log(`- API RSS, first → last minute: ${first.rss} → ${last.rss} MB (${last.rss - first.rss >= 0 ? '+' : ''}${last.rss - first.rss} MB)`);
    console.log(`- ${os.cpus().length} cores, node ${process.version}, load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
    if (s5xx || lost || late || duplicates || outOfOrder || resyncs) failed = true;
  } catch (err) {
    log(`failed; API log tail:\n${tail(stack.logFile)}`);
    throw err;
  } finally {
    running = false;
    await stack.stop();
  }
  if (failed) throw new Error('5xx answers, or events lost, duplicated, out of order or resynced (see above)');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('[soak] failed:', err.message ?? err);
    process.exit(1);
  },
);
