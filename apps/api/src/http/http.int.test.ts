// The foundation's promises, checked over real HTTP and WebSocket.
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, eventually, startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { publicProcedure, router } from '../trpc/procedures.ts';
import { appRouter } from '../trpc/app-router.ts';
import type { WorkerContext } from '../workers.ts';

// A router with the real system procedures plus probes for the middleware.
const probeRouter = router({
  ...appRouter._def.record,
  probe: router({
    boom: publicProcedure.meta({ rateLimit: false, audit: false }).query(() => {
      throw new Error('db password=hunter2 at /srv/secret/path.ts:12');
    }),
    limited: publicProcedure.meta({ rateLimit: 'login', audit: false }).query(() => 'ok'),
    publicRead: publicProcedure.meta({ rateLimit: 'public', audit: false }).query(() => 'ok'),
    audited: publicProcedure
      .meta({ rateLimit: false, audit: 'probe.audited' })
      .input((v: unknown) => v as { fail?: boolean })
      .mutation(({ input, ctx }) => {
        ctx.audit.details = { note: 'from handler' };
        if (input.fail) throw new Error('nope');
        return 'done';
      }),
  }),
});

async function post(h: Harness, path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: TEST_ORIGIN, ...headers }, body });
}

describe('HTTP surface (development config)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '5' }, { router: probeRouter });
  });
  afterAll(async () => h?.close());

  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${h.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      database: 'ok',
      workers: [
        { name: 'live-bus', required: true, state: 'running' },
        { name: 'live-events-sweep', required: false, state: 'running' },
        { name: 'access-cache', required: false, state: 'running' },
        { name: 'security-log', required: false, state: 'running' },
        { name: 'alerts', required: false, state: 'running' },
        { name: 'engine-order-recovery', required: false, state: 'running' },
        { name: 'snapshots-backfill', required: false, state: 'running' },
        { name: 'scheduler', required: false, state: 'running' },
      ],
    });
  });

  it('answers /readyz with 503 while a required worker is not running, naming states but no error text', async () => {
    let ctx: WorkerContext | undefined;
    h.services.workers.register({
      name: 'probe-required',
      required: true,
      start: (c) => {
        ctx = c;
      },
      stop: () => undefined,
    });
    await h.services.workers.startAll();
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    ctx!.degraded(new Error('lost connection to db.internal:5432 password=hunter2'));
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'unavailable', database: 'ok' });
    expect(JSON.parse(text).workers).toContainEqual(expect.objectContaining({ name: 'probe-required', state: 'degraded', lastErrorAt: expect.any(String) }));
    expect(text).not.toMatch(/hunter2|db\.internal/);
    ctx!.healthy();
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
  });

  it('sets the hardening headers on every response', async () => {
    for (const path of ['/healthz', '/api/trpc/system.info', '/api/nope']) {
      const res = await fetch(`${h.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('strict-transport-security')).toBeNull(); // not production
    }
  });

  it('answers an oversized body with a typed 413', async () => {
    const res = await post(h, '/api/trpc/probe.audited', JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers malformed JSON with a typed 400 and runs nothing', async () => {
    const before = await h.services.prisma.securityEvent.count({ where: { type: 'probe.audited' } });
    const res = await post(h, '/api/trpc/probe.audited', '{"fail": tru');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { data: { code: string; reason: string } } } };
    expect(body.error.json.data.code).toBe('PARSE_ERROR');
    expect(body.error.json.data.reason).toBe('MALFORMED_REQUEST');
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'probe.audited' } })).toBe(before);
  });

  it('answers an unknown procedure with a typed 404', async () => {
    const res = await fetch(`${h.url}/api/trpc/system.nope`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe('NOT_FOUND');
    const other = await fetch(`${h.url}/api/whatever`);
    expect(other.status).toBe(404);
  });

  it('serves auth.* only at /api/auth, and only unbatched, same-origin JSON', async () => {
    expect((await fetch(`${h.url}/api/trpc/auth.me`)).status).toBe(404);
    expect((await fetch(`${h.url}/api/trpc/system.info,auth.me?batch=1&input={}`)).status).toBe(404);
    expect((await fetch(`${h.url}/api/auth/system.info`)).status).toBe(404);
    expect((await post(h, '/api/auth/auth.logout', '{}', { origin: 'https://evil.example' })).status).toBe(403);
    const form = await fetch(`${h.url}/api/auth/auth.logout`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: TEST_ORIGIN }, body: '{}' });
    expect(form.status).toBe(415);
  });

  it('writes the audit event a procedure declares, with outcome and handler details', async () => {
    const { client, close } = createClient<typeof probeRouter>(h);
    await expect(client.probe.audited.mutate({})).resolves.toBe('done');
    await expect(client.probe.audited.mutate({ fail: true })).rejects.toBeInstanceOf(TRPCClientError);
    close();
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'probe.audited' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => (e.details as { outcome: string }).outcome)).toEqual(['success', 'failure']);
    expect(events[0]!.details).toMatchObject({ note: 'from handler' });
    expect(events[1]!.severity).toBe('warning');
    expect((await h.services.securityEvents.verify()).ok).toBe(true);
  });

  it('rate limits by the real address: a forged X-Forwarded-For from an untrusted client changes nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${h.url}/api/trpc/probe.limited`, { headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = (await res.json()) as { error: { json: { data: { code: string; reason: string } } } };
        expect(body.error.json.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'RATE_LIMITED' });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const hits = await h.services.prisma.securityEvent.findMany({ where: { type: 'rate_limit.hit' } });
    expect(hits).toHaveLength(1); // one event per window, not one per refused request
    expect(hits[0]!.ip).toMatch(/127\.0\.0\.1/);
  });

  it('hides internal errors: no stack, no message detail', async () => {
    const res = await fetch(`${h.url}/api/trpc/probe.boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain('Internal server error');
    expect(text).not.toMatch(/hunter2|stack|\.ts:\d+|\/srv\//);
  });

  it('refuses a WebSocket from a foreign origin and records it', async () => {
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws`, { origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
    await eventually(async () => expect(await h.services.prisma.securityEvent.count({ where: { type: 'ws.origin_refused' } })).toBeGreaterThan(0));
  });

  it('streams the heartbeat to a WebSocket from the app origin', async () => {
    const { client, close } = createClient(h);
    const beats = await new Promise<number[]>((resolve, reject) => {
      const seen: number[] = [];
      const sub = client.system.heartbeat.subscribe(undefined, {
        onData: (b) => {
          seen.push(b.seq);
          if (seen.length === 3) {
            sub.unsubscribe();
            resolve(seen);
          }
        },
        onError: reject,
      });
    });
    close();
    expect(beats).toEqual([0, 1, 2]);
  });
});

describe('HTTP surface behind a trusted proxy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '2', RATE_LIMITS: 'public=3', TRUSTED_PROXIES: 'loopback' }, { router: probeRouter });
  });
  afterAll(async () => h?.close());

  it('takes the client address from X-Forwarded-For only when the peer is trusted', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await fetch(`${h.url}/api/trpc/probe.limited`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const same: number[] = [];
    for (let i = 0; i < 3; i++) {
      same.push((await fetch(`${h.url}/api/trpc/probe.limited`, { headers: { 'x-forwarded-for': '198.51.100.77' } })).status);
    }
    expect(same).toEqual([200, 200, 429]);
  });

  it('sizes a bucket from RATE_LIMITS (public: 120 a minute by default, 3 here)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${h.url}/api/trpc/probe.publicRead`, { headers: { 'x-forwarded-for': '198.51.100.78' } })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('HTTP surface (production config)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ NODE_ENV: 'production', PUBLIC_URL: TEST_ORIGIN }, { router: probeRouter });
  });
  afterAll(async () => h?.close());

  it('adds HSTS and still hides internals', async () => {
    const res = await fetch(`${h.url}/api/trpc/probe.boom`);
    expect(res.headers.get('strict-transport-security')).toContain('max-age=31536000');
    const text = await res.text();
    expect(text).not.toMatch(/hunter2|stack|\.ts:\d+/);
    const notFound = await (await fetch(`${h.url}/api/trpc/nope.nope`)).text();
    expect(notFound).not.toMatch(/stack|\.ts:\d+|node_modules/);
  });

  it('sends WebSocket clients a reconnect notice on shutdown', async () => {
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws`, { origin: TEST_ORIGIN });
    await new Promise((r) => ws.once('open', r));
    const message = new Promise<string>((resolve) => ws.on('message', (m: Buffer) => resolve(m.toString())));
    await h.server.close();
    expect(JSON.parse(await message)).toMatchObject({ method: 'reconnect' });
  });
});
