// The WebSocket edge under abuse: floods from one address, sockets that never introduce
// themselves, too many subscriptions, malformed frames. Real server, real sockets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { WS_EDGE_CLOSE } from './ws-server.ts';

interface Frame {
  id?: string | number | null;
  result?: { type?: string };
  error?: { json: { message: string; data: { code: string; httpStatus: number; reason?: string } } };
}

const opened: WebSocket[] = [];
afterEach(() => {
  for (const ws of opened.splice(0)) ws.terminate();
});

/** Opens a socket; resolves with it once open, or with the HTTP status that refused it. */
function connect(h: Harness, opts: { ip?: string; params?: boolean } = {}): Promise<{ ws?: WebSocket; status: number }> {
  const url = `${h.url.replace('http', 'ws')}/api/ws${opts.params === false ? '' : '?connectionParams=1'}`;
  const ws = new WebSocket(url, { origin: TEST_ORIGIN, headers: opts.ip ? { 'x-forwarded-for': opts.ip } : {} });
  opened.push(ws);
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: 0 }));
  });
}

/** Collects every frame the server sends on this socket. */
function frames(ws: WebSocket): Frame[] {
  const seen: Frame[] = [];
  ws.on('message', (m: Buffer) => {
    const text = m.toString();
    if (text !== 'PING' && text !== 'PONG') seen.push(JSON.parse(text) as Frame);
  });
  return seen;
}

async function until<T>(check: () => T | undefined, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sendParams = (ws: WebSocket) => ws.send(JSON.stringify({ method: 'connectionParams', data: { token: '' } }));
const subscribe = (ws: WebSocket, id: number) => ws.send(JSON.stringify({ id, method: 'subscription', params: { path: 'system.heartbeat', input: {} } }));

describe('WebSocket limits per address and in total', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', WS_MAX_CONNECTIONS: '60' });
  });
  afterAll(async () => h?.close());

  it('a flood of 200 sockets from one address cannot stop another address from using the app', async () => {
    const attempts = await Promise.all(Array.from({ length: 200 }, () => connect(h, { ip: '198.51.100.1' })));
    const statuses = attempts.map((a) => a.status);
    expect(statuses.filter((s) => s === 101)).toHaveLength(20); // WS_MAX_CONNECTIONS_PER_IP default
    expect(statuses.filter((s) => s === 429)).toHaveLength(180);

    // The flooder's open sockets send their parameters, so the deadline does not free them.
    for (const a of attempts) if (a.ws) sendParams(a.ws);

    // Another address: a socket opens and a subscription streams; HTTP still answers.
    const other = await connect(h, { ip: '203.0.113.9' });
    expect(other.status).toBe(101);
    const seen = frames(other.ws!);
    sendParams(other.ws!);
    subscribe(other.ws!, 1);
    await until(() => seen.find((f) => f.id === 1 && f.result?.type === 'data'));
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/api/trpc/system.info`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
  });

  it('frees an address slot when its socket closes', async () => {
    const full = await Promise.all(Array.from({ length: 20 }, () => connect(h, { ip: '198.51.100.2' })));
    expect(full.every((a) => a.status === 101)).toBe(true);
    expect((await connect(h, { ip: '198.51.100.2' })).status).toBe(429);
    const closed = new Promise((r) => full[0]!.ws!.once('close', r));
    full[0]!.ws!.close();
    await closed;
    // The server frees the slot when it sees the TCP socket close, a moment later.
    let status = 0;
    for (let i = 0; i < 50 && status !== 101; i++) {
      status = (await connect(h, { ip: '198.51.100.2' })).status;
      if (status !== 101) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(101);
  });

  it('refuses every address with 503 once the total is reached', async () => {
    // 60 in total: fill what the earlier tests left with distinct addresses.
    const results: number[] = [];
    for (let i = 0; results.filter((s) => s === 503).length === 0 && i < 80; i++) {
      results.push((await connect(h, { ip: `192.0.2.${i + 1}` })).status);
    }
    expect(results).toContain(503);
    expect(results.filter((s) => s !== 101 && s !== 503)).toEqual([]);
  });
});

describe('WebSocket connection deadline and per-socket rules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ WS_CONNECT_TIMEOUT_MS: '600', WS_MAX_SUBSCRIPTIONS: '2' });
  });
  afterAll(async () => h?.close());

  const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

  it('closes a socket that never sends its connection parameters (keep-alive pings do not count)', async () => {
    const { ws } = await connect(h);
    const code = closeCode(ws!);
    const started = Date.now();
    ws!.send('PING');
    expect(await code).toBe(WS_EDGE_CLOSE.connectTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('keeps a socket that sent its parameters in time past the deadline', async () => {
    const { ws } = await connect(h);
    const seen = frames(ws!);
    sendParams(ws!);
    await new Promise((r) => setTimeout(r, 900));
    expect(ws!.readyState).toBe(WebSocket.OPEN);
    subscribe(ws!, 1);
    await until(() => seen.find((f) => f.id === 1 && f.result?.type === 'data'));
  });

  it('refuses a subscription beyond the per-socket cap with a typed error, and allows one after a stop', async () => {
    const { ws } = await connect(h);
    const seen = frames(ws!);
    sendParams(ws!);
    subscribe(ws!, 1);
    subscribe(ws!, 2);
    subscribe(ws!, 3);
    const refused = await until(() => seen.find((f) => f.id === 3 && f.error));
    expect(refused.error!.json.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429, reason: 'RATE_LIMITED' });
    await until(() => seen.find((f) => f.id === 2 && f.result?.type === 'data'));
    expect(seen.some((f) => f.id === 3 && f.result)).toBe(false);

    ws!.send(JSON.stringify({ id: 1, method: 'subscription.stop' }));
    await until(() => seen.find((f) => f.id === 1 && f.result?.type === 'stopped'));
    subscribe(ws!, 4);
    await until(() => seen.find((f) => f.id === 4 && f.result?.type === 'data'));
  });

  it('cannot slip past the cap by stopping and at once restarting under the same id', async () => {
    const { ws } = await connect(h);
    const seen = frames(ws!);
    sendParams(ws!);
    subscribe(ws!, 1);
    subscribe(ws!, 2);
    await until(() => seen.find((f) => f.id === 2 && f.result?.type === 'data'));
    for (let round = 0; round < 5; round++) {
      ws!.send(JSON.stringify({ id: 1, method: 'subscription.stop' }));
      subscribe(ws!, 1);
      subscribe(ws!, 100 + round);
    }
    await new Promise((r) => setTimeout(r, 300));
    // Never more than two running at once: count the ids that streamed data recently.
    const since = seen.length;
    await new Promise((r) => setTimeout(r, 300));
    const streaming = new Set(seen.slice(since).filter((f) => f.result?.type === 'data').map((f) => f.id));
    expect(streaming.size).toBeLessThanOrEqual(2);
  });

  it('cannot slip past the cap by reusing the id of a running subscription', async () => {
    const { ws } = await connect(h);
    const seen = frames(ws!);
    sendParams(ws!);
    subscribe(ws!, 1);
    subscribe(ws!, 2);
    await until(() => seen.find((f) => f.id === 2 && f.result?.type === 'data'));
    // A second request under a running id (as a subscription or a query) is refused as a
    // duplicate, and does not make the server forget that the first one is running.
    subscribe(ws!, 1);
    ws!.send(JSON.stringify({ id: 2, method: 'query', params: { path: 'system.info', input: {} } }));
    await until(() => (seen.filter((f) => f.error?.json.data.code === 'BAD_REQUEST').length === 2 ? true : undefined));
    subscribe(ws!, 3);
    const refused = await until(() => seen.find((f) => f.id === 3 && f.error));
    expect(refused.error!.json.data.code).toBe('TOO_MANY_REQUESTS');
  });

  it('answers a subscription without input with a typed error and no internals', async () => {
    const { ws } = await connect(h);
    const seen = frames(ws!);
    sendParams(ws!);
    ws!.send(JSON.stringify({ id: 7, method: 'subscription', params: { path: 'system.heartbeat' } }));
    const answer = await until(() => seen.find((f) => f.id === 7));
    expect(answer.error!.json.data).toMatchObject({ code: 'PARSE_ERROR', httpStatus: 400, reason: 'MALFORMED_REQUEST' });
    expect(answer.error!.json.message).toBe('Malformed message');
    ws!.send('{not json');
    ws!.send(JSON.stringify({ id: 8, method: 'nope', params: {} }));
    await until(() => (seen.length >= 3 ? true : undefined));
    const text = JSON.stringify(seen);
    expect(text).not.toMatch(/destructure|Cannot|TypeError|Invalid procedure type|Unexpected token/);
    // The socket still works afterwards.
    subscribe(ws!, 9);
    await until(() => seen.find((f) => f.id === 9 && f.result?.type === 'data'));
  });

  it('the tRPC client still subscribes normally', async () => {
    const { client, close } = createClient(h);
    const beat = await new Promise<number>((resolve, reject) => {
      const sub = client.system.heartbeat.subscribe(undefined, {
        onData: (b) => {
          sub.unsubscribe();
          resolve(b.seq);
        },
        onError: reject,
      });
    });
    close();
    expect(beat).toBe(0);
  });
});
