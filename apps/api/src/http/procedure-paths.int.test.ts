// Session procedures run only at /api/auth: the guards decide on what tRPC will actually
// run (the last path segment, URL-decoded, split on ','), so encoded and multi-segment
// paths cannot smuggle auth.login onto /api/trpc, into a batch, or past a foreign Origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { TEST_PASSWORD } from '../testing/browser.ts';
import { startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';

const credentials = { username: 'victim', password: TEST_PASSWORD };
const single = JSON.stringify({ json: credentials });
const batched = JSON.stringify({ 0: { json: {} }, 1: { json: credentials } });

interface Envelope {
  error?: { json: { message: string; data: { code: string; httpStatus: number; reason?: string } } };
}

describe('procedure paths', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
    await createAccount(h.services.prisma, { ...credentials, role: 'viewer' });
  });
  afterAll(async () => h?.close());

  const post = (path: string, body: string, origin = 'https://evil.example') =>
    fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body });
  const sessions = () => h.services.prisma.session.count({ where: { user: { username: 'victim' } } });

  it('the real route signs in (so the refusals below are about the path, not the request)', async () => {
    const res = await post('/api/auth/auth.login', single, TEST_ORIGIN);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().length).toBeGreaterThan(0);
    await h.services.prisma.session.deleteMany({});
  });

  const bypasses: [string, string][] = [
    ['/api/trpc/x/auth.login', single],
    ['/api/trpc/%61uth.login', single],
    ['/api/trpc/auth%2elogin', single],
    ['/api/trpc/x%2Fauth.login', single],
    ['/API/TRPC/%61uth.login', single],
    ['/api/trpc/system.info,%61uth.login?batch=1', batched],
    ['/api/trpc/x/system.info,auth.login?batch=1', batched],
    ['/api/trpc/system.info,auth.login?batch=1', batched],
    ['/api/auth/x/auth.login', single],
    ['/api/auth/%61uth.login', single],
    ['/api/auth/auth.login,auth.login?batch=1', batched],
  ];

  for (const [path, body] of bypasses) {
    it(`refuses ${path} with a typed 404, signs nobody in and sets no cookie`, async () => {
      for (const origin of ['https://evil.example', TEST_ORIGIN]) {
        const res = await post(path, body, origin);
        expect(res.status).toBe(404);
        expect(res.headers.getSetCookie()).toEqual([]);
        const text = await res.text();
        expect(text).not.toContain('accessToken');
        expect((JSON.parse(text) as Envelope).error!.json.data.code).toBe('NOT_FOUND');
      }
      expect(await sessions()).toBe(0);
    });
  }

  it(`refuses a batch of more than ${MAX_BATCH_SIZE} calls with a typed 400`, async () => {
    const paths = (n: number) => Array.from({ length: n }, () => 'system.info').join(',');
    const input = (n: number) => encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: null }]))));
    const ok = await fetch(`${h.url}/api/trpc/${paths(MAX_BATCH_SIZE)}?batch=1&input=${input(MAX_BATCH_SIZE)}`);
    expect(ok.status).toBe(200);
    expect((await ok.json()) as unknown[]).toHaveLength(MAX_BATCH_SIZE);
    const over = await fetch(`${h.url}/api/trpc/${paths(MAX_BATCH_SIZE + 1)}?batch=1&input=${input(MAX_BATCH_SIZE + 1)}`);
    expect(over.status).toBe(400);
    const body = (await over.json()) as Envelope;
    expect(body.error!.json.data).toMatchObject({ code: 'BAD_REQUEST', reason: 'MALFORMED_REQUEST' });
  });

  it('refuses an encoded or multi-segment path for any procedure on /api/trpc', async () => {
    for (const path of ['/api/trpc/%73ystem.info', '/api/trpc/a/system.info', '/api/trpc/', '/api/trpc/system.info%2C']) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as Envelope).error!.json.data.code, path).toBe('NOT_FOUND');
    }
    expect((await fetch(`${h.url}/api/trpc/system.info`)).status).toBe(200);
  });
});
