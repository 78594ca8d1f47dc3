// Property-based abuse: every query and mutation of the router, fed arbitrary input, as an
// anonymous caller and as a signed-in viewer, answers with a typed client error (never a
// 5xx, never a stack) and creates nothing. New procedures are covered automatically.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionProcedure } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { appRouter } from './app-router.ts';

type ProcDef = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { auth?: string } } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcDef>).filter(([, p]) => p._def.type !== 'subscription');

const hostile = fc.oneof(
  fc.jsonValue(),
  fc.string({ maxLength: 2_000 }),
  fc.dictionary(fc.constantFrom('id', 'token', 'username', 'password', 'code', 'role', 'name', 'response', 'cursor', 'email'), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.jsonValue())),
  fc.constant({ __proto__: { admin: true } }),
  fc.record({ id: fc.constant("' OR 1=1 --"), token: fc.constant('../../etc/passwd'), username: fc.constant('admin\u0000') }),
);

async function call(h: Harness, path: string, type: 'query' | 'mutation', input: unknown, token?: string) {
  const base = isSessionProcedure(path) ? '/api/auth' : '/api/trpc';
  const headers: Record<string, string> = { origin: TEST_ORIGIN, 'x-forwarded-for': `10.${Math.floor(Math.random() * 250)}.0.1` };
  if (token) headers.authorization = `Bearer ${token}`;
  const body = JSON.stringify({ json: input });
  const res =
    type === 'query'
      ? await fetch(`${h.url}${base}/${path}?input=${encodeURIComponent(body)}`, { headers })
      : await fetch(`${h.url}${base}/${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

async function counts(h: Harness) {
  const p = h.services.prisma;
  return {
    users: await p.user.count(),
    sessions: await p.session.count({ where: { revokedAt: null } }),
    invitations: await p.userInvitation.count(),
    passkeys: await p.passkey.count(),
    backupCodes: await p.backupCode.count(),
  };
}

describe('fuzzing every procedure', () => {
  let h: Harness;
  let viewerToken: string;
  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000', LOGIN_DELAY_AFTER_FAILURES: '1000' });
    await createAccount(h.services.prisma, { username: 'fuzzviewer', password: 'lantern orbit cactus meadow', role: 'viewer' });
    const res = await fetch(`${h.url}/api/auth/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
      body: JSON.stringify({ json: { username: 'fuzzviewer', password: 'lantern orbit cactus meadow' } }),
    });
    viewerToken = ((await res.json()) as { result: { data: { json: { accessToken: string } } } }).result.data.json.accessToken;
  });
  afterAll(async () => h?.close());

  it('covers the routers', () => {
    expect(procedures.length).toBeGreaterThan(8);
  });

  it('answers hostile input with typed client errors and changes nothing', async () => {
    const before = await counts(h);
    // Mutations that legitimately change the caller's own state when given no/any input.
    const selfService = new Set(['auth.logout', 'auth.revokeOtherSessions']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...procedures), hostile, fc.boolean(), async ([path, proc], input, signedIn) => {
        if (signedIn && selfService.has(path)) return;
        const { status, text } = await call(h, path, proc._def.type as 'query' | 'mutation', input, signedIn ? viewerToken : undefined);
        expect(status, `${path} ${text.slice(0, 200)}`).toBeLessThan(500);
        expect(text).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|stack/);
        if (status >= 400) expect(JSON.parse(text).error.json.data.code, path).toMatch(/^[A-Z_]+$/);
      }),
      { numRuns: 300, seed: 20261123 },
    );
    const after = await counts(h);
    expect(after).toEqual(before);
  });
});
