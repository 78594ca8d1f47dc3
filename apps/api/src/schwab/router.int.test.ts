// schwab.* over real HTTP against the fake Schwab, with a real database: admin-only, the
// login's state refused in every abusive form with one typed error and no change, tokens
// stored only encrypted and never in any table, log or answer, deletion alerted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { eventually, startHarness, type Harness } from '../testing/harness.ts';
import { appRouter } from '../trpc/app-router.ts';
import type { ProcedureMeta } from '../trpc/meta.ts';
import { FakeSchwab } from './fake/server.ts';
import { approve, dumpAllTables, encodings, fakeAccessTokens, fakeRefreshTokens, rawCode } from './testing.ts';
import { accessCtx, refreshCtx, TOKEN_ROW_ID } from './token-broker.ts';

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation'; meta?: ProcedureMeta } }>).filter(([p]) =>
  p.startsWith('schwab.'),
);

function call(b: TestBrowser, path: string, type: 'query' | 'mutation', input?: unknown): Promise<unknown> {
  const fn = path.split('.').reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, b.client as unknown as Record<string, unknown>);
  return type === 'query' ? (fn.query as (i?: unknown) => Promise<unknown>)(input) : (fn.mutate as (i?: unknown) => Promise<unknown>)(input);
}

describe('schwab router', () => {
  let h: Harness;
  let fake: FakeSchwab;
  let hook: Server;
  const open: TestBrowser[] = [];
  const seen = { codes: [] as string[], verifiers: [] as string[], states: [] as string[] };
  let seq = 0;

  async function user(role: Role, opts: { secondFactor?: boolean; extraSession?: boolean } = {}) {
    const username = `${role}${++seq}`;
    const u = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    const second = opts.extraSession ? await anotherSession(username) : undefined;
    // A second factor set up after this sign-in (the gate reads the account, not the session).
    if (opts.secondFactor !== false && role === 'admin') await h.services.prisma.user.update({ where: { id: u.id }, data: { totpEnabledAt: new Date() } });
    return { id: u.id, username, b, second };
  }

  async function anotherSession(username: string) {
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    return b;
  }

  /** initiate → the fake's consent page → the redirect URL, remembering what must never leak. */
  async function consent(b: TestBrowser): Promise<string> {
    const { authorizeUrl } = await b.client.schwab.initiate.mutate();
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    seen.states.push(state);
    const rows = await h.services.prisma.oAuthState.findMany({ where: { codeVerifier: { not: null } } });
    for (const r of rows) seen.verifiers.push(h.services.keyring.decrypt(r.codeVerifier!, { column: 'oauth_states.code_verifier', rowId: r.id }));
    const redirect = await approve(fake.baseUrl, authorizeUrl);
    seen.codes.push(decodeURIComponent(rawCode(redirect)), rawCode(redirect));
    return redirect;
  }

  const snapshot = async () => {
    const p = h.services.prisma;
    return {
      tokens: await p.schwabToken.findMany(),
      states: await p.oAuthState.findMany({ orderBy: { id: 'asc' } }),
      connected: await p.securityEvent.count({ where: { type: 'schwab.connected' } }),
    };
  };

  beforeAll(async () => {
    fake = new FakeSchwab();
    await fake.start();
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    h = await startHarness({
      LOGIN_RATE_LIMIT: '1000',
      SCHWAB_CLIENT_ID: fake.clientId,
      SCHWAB_CLIENT_SECRET: fake.clientSecret,
      SCHWAB_BASE_URL: fake.baseUrl,
      SCHWAB_CALLBACK_URL: fake.redirectUri,
      SECURITY_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
    });
  });
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
    await fake?.close();
    hook?.close();
  });

  it('declares every schwab procedure admin-only', () => {
    expect(procedures.map(([p]) => p).sort()).toEqual(['schwab.accounts', 'schwab.callback', 'schwab.deleteToken', 'schwab.initiate', 'schwab.status', 'schwab.sync']);
    for (const [path, proc] of procedures) expect([path, proc._def.meta?.auth]).toEqual([path, 'admin']);
    const recent = Object.fromEntries(procedures.map(([p, proc]) => [p, proc._def.meta?.recentAuthMinutes]));
    expect(recent['schwab.initiate']).toBe(15);
    expect(recent['schwab.deleteToken']).toBe(15);
  });

  it.each(['viewer', 'trader'] as const)('answers a %s FORBIDDEN on every schwab procedure and changes nothing', async (role) => {
    const { id, b } = await user(role);
    const before = await snapshot();
    for (const [path, proc] of procedures) {
      const input = path === 'schwab.callback' ? { url: 'https://127.0.0.1:8182/api/schwab/callback?code=x%40&state=y' } : undefined;
      const err = await failure(call(b, path, proc._def.type, input));
      expect([path, err.data?.code]).toEqual([path, 'FORBIDDEN']);
    }
    expect(await snapshot()).toEqual(before);
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'access.forbidden', userId: id } })).toBe(procedures.length);
  });

  it('reports not connected, and refuses to start a login without a second factor or a recent sign-in', async () => {
    const plain = await user('admin', { secondFactor: false });
    expect((await plain.b.client.schwab.status.query()).state).toBe('disconnected');
    const noFactor = await failure(plain.b.client.schwab.initiate.mutate());
    expect([noFactor.data?.code, reasonOf(noFactor)]).toEqual(['FORBIDDEN', 'SECOND_FACTOR_REQUIRED']);
    const stale = await user('admin');
    await h.services.prisma.session.updateMany({ where: { userId: stale.id }, data: { authTime: new Date(Date.now() - 20 * 60_000) } });
    expect(reasonOf(await failure(stale.b.client.schwab.initiate.mutate()))).toBe('REAUTH_REQUIRED');
    expect(reasonOf(await failure(stale.b.client.schwab.deleteToken.mutate()))).toBe('REAUTH_REQUIRED');
    expect(await h.services.prisma.oAuthState.count()).toBe(0);
  });

  it('connects through the fake consent page: state hashed, verifier and tokens encrypted, a warning event', async () => {
    const admin = await user('admin');
    const redirect = await consent(admin.b);
    expect(redirect).toMatch(/code=[^&]*%40&/); // Schwab's code arrives percent-encoded
    const stored = await h.services.prisma.oAuthState.findFirstOrThrow({ where: { userId: admin.id } });
    const state = new URL(redirect).searchParams.get('state')!;
    expect(stored.stateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.stateHash).not.toContain(state);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(10 * 60_000);
    const status = await admin.b.client.schwab.callback.mutate({ url: redirect });
    expect(status.state).toBe('connected');
    expect(status.refreshTokenExpiresAt!.getTime() - Date.now()).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    const row = await h.services.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    expect(row.accessToken).toMatch(/^enc:v1:/);
    expect(row.refreshToken).toMatch(/^enc:v1:/);
    expect(fakeAccessTokens(fake)).toContain(h.services.keyring.decrypt(row.accessToken, accessCtx));
    expect(fakeRefreshTokens(fake)).toContain(h.services.keyring.decrypt(row.refreshToken, refreshCtx));
    const consumed = await h.services.prisma.oAuthState.findUniqueOrThrow({ where: { id: stored.id } });
    expect(consumed.consumedAt).not.toBeNull();
    expect(consumed.codeVerifier).toBeNull();
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'schwab.connected' } });
    expect([event.severity, event.userId]).toEqual(['warning', admin.id]);
    await eventually(async () => expect(await h.services.prisma.alertDelivery.count({ where: { eventId: event.id } })).toBe(1));
    // The decoded-values form works as well, and a new login replaces the old tokens.
    const again = await consent(admin.b);
    const params = new URLSearchParams(again.slice(again.indexOf('?') + 1));
    expect(params.get('code')!.endsWith('@')).toBe(true);
    expect((await admin.b.client.schwab.callback.mutate({ code: params.get('code')!, state: params.get('state')! })).state).toBe('connected');
    expect(fake.counters.token.authorization_code).toBe(2);
    expect(fake.counters.token.refused).toBe(0);
  });

  it('refuses a replayed, expired, foreign, other-session or unknown state with one error and changes nothing', async () => {
    const admin = await user('admin', { extraSession: true });
    const other = await user('admin');
    const sameAdminOtherSession = admin.second!;
    const expectRefused = async (b: TestBrowser, input: { url: string } | { code: string; state: string }) => {
      const before = await snapshot();
      const exchanges = fake.counters.token.authorization_code;
      const err = await failure(b.client.schwab.callback.mutate(input));
      expect([err.data?.code, reasonOf(err)]).toEqual(['BAD_REQUEST', 'OAUTH_STATE_INVALID']);
      expect(await snapshot()).toEqual(before);
      expect(fake.counters.token.authorization_code).toBe(exchanges); // the code never reached Schwab
    };

    // Another admin's state, then another session of the same admin: refused, and still usable by its owner.
    const redirect = await consent(admin.b);
    await expectRefused(other.b, { url: redirect });
    await expectRefused(sameAdminOtherSession, { url: redirect });
    await admin.b.client.schwab.callback.mutate({ url: redirect });
    // Replay of a used state.
    await expectRefused(admin.b, { url: redirect });
    // Expired.
    const late = await consent(admin.b);
    await h.services.prisma.oAuthState.updateMany({ where: { consumedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectRefused(admin.b, { url: late });
    // A callback without initiate, a pasted URL without a query, a made-up state.
    await expectRefused(admin.b, { url: `${fake.redirectUri}?code=C0.forged%40&state=${'a'.repeat(43)}` });
    await expectRefused(admin.b, { url: 'not a url at all' });
    await expectRefused(admin.b, { code: 'C0.x@', state: seen.states[0]! });
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'schwab.callback_refused' } })).toBeGreaterThanOrEqual(7);
  });

  it('refuses a code used twice and a wrong PKCE verifier without touching the stored tokens', async () => {
    const admin = await user('admin');
    const first = await consent(admin.b);
    await admin.b.client.schwab.callback.mutate({ url: first });
    // The same code with a fresh, valid state: Schwab refuses it.
    const second = await consent(admin.b);
    const secondState = new URL(second).searchParams.get('state')!;
    const replayUrl = `${fake.redirectUri}?code=${rawCode(first)}&state=${encodeURIComponent(secondState)}`;
    const before = await h.services.prisma.schwabToken.findMany();
    const replay = await failure(admin.b.client.schwab.callback.mutate({ url: replayUrl }));
    expect(reasonOf(replay)).toBe('SCHWAB_EXCHANGE_FAILED');
    expect(await h.services.prisma.schwabToken.findMany()).toEqual(before);

    // A tampered verifier (a valid-looking one, encrypted in place): Schwab's PKCE check refuses.
    const third = await consent(admin.b);
    const row = await h.services.prisma.oAuthState.findFirstOrThrow({ where: { consumedAt: null, userId: admin.id }, orderBy: { createdAt: 'desc' } });
    const wrong = 'w'.repeat(64);
    await h.services.prisma.oAuthState.update({
      where: { id: row.id },
      data: { codeVerifier: h.services.keyring.encrypt(wrong, { column: 'oauth_states.code_verifier', rowId: row.id }) },
    });
    const refusedBefore = fake.counters.token.refused;
    const pkce = await failure(admin.b.client.schwab.callback.mutate({ url: third }));
    expect(reasonOf(pkce)).toBe('SCHWAB_EXCHANGE_FAILED');
    expect(fake.counters.token.refused).toBe(refusedBefore + 1);
    expect(await h.services.prisma.schwabToken.findMany()).toEqual(before);
    // The state is spent either way.
    expect(reasonOf(await failure(admin.b.client.schwab.callback.mutate({ url: third })))).toBe('OAUTH_STATE_INVALID');
  });

  it('turns an expired refresh token into reauth_required with a critical event and an alert', async () => {
    const admin = await user('admin');
    await admin.b.client.schwab.callback.mutate({ url: await consent(admin.b) });
    // Schwab's clock passes the 7 days; our access token is near its end.
    fake.advanceClock(8 * 24 * 3600_000);
    await h.services.prisma.schwabToken.update({ where: { id: TOKEN_ROW_ID }, data: { accessExpiresAt: new Date(Date.now() + 60_000) } });
    const result = await admin.b.client.schwab.sync.mutate();
    expect(result).toEqual({ ok: false, error: 'SCHWAB_REAUTH_REQUIRED' });
    const status = await admin.b.client.schwab.status.query();
    expect(status.state).toBe('reauth_required');
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'schwab.reauth_required' } });
    expect(event.severity).toBe('critical');
    await eventually(async () => expect(await h.services.prisma.alertDelivery.count({ where: { eventId: event.id } })).toBe(1));
    const refreshes = fake.counters.token.refresh_token;
    expect(await admin.b.client.schwab.sync.mutate()).toEqual({ ok: false, error: 'SCHWAB_REAUTH_REQUIRED' });
    expect(fake.counters.token.refresh_token).toBe(refreshes); // no more tries until a new login
    fake.advanceClock(-8 * 24 * 3600_000);
    await admin.b.client.schwab.callback.mutate({ url: await consent(admin.b) });
    expect((await admin.b.client.schwab.status.query()).state).toBe('connected');
  });

  it('syncs, shows masked accounts, and deletes the tokens with a critical alerted event', async () => {
    const admin = await user('admin');
    await admin.b.client.schwab.callback.mutate({ url: await consent(admin.b) });
    const synced = await admin.b.client.schwab.sync.mutate();
    expect(synced).toMatchObject({ ok: true, accounts: 2 });
    const accounts = await admin.b.client.schwab.accounts.query();
    expect(accounts.map((a) => a.masked).sort()).toEqual(['…4321', '…8765']);
    expect(JSON.stringify(accounts)).not.toMatch(/10004321|20008765/);
    const status = await admin.b.client.schwab.status.query();
    expect(status.lastSyncAt).not.toBeNull();
    expect(status.accounts.map((a) => a.masked).sort()).toEqual(['…4321', '…8765']);

    const { deleted } = await admin.b.client.schwab.deleteToken.mutate();
    expect(deleted).toBe(true);
    expect(await h.services.prisma.schwabToken.count()).toBe(0);
    expect((await admin.b.client.schwab.status.query()).state).toBe('disconnected');
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'schwab.token_deleted' }, orderBy: { id: 'desc' } });
    expect([event.severity, event.userId]).toEqual(['critical', admin.id]);
    await eventually(async () => expect(await h.services.prisma.alertDelivery.count({ where: { eventId: event.id } })).toBe(1));
    await expect(h.services.schwab.broker.getAccessToken()).rejects.toMatchObject({ code: 'SCHWAB_NOT_CONNECTED' });
  });

  it('never stores or logs a token, code, verifier or the client secret, in any encoding', async () => {
    const admin = await user('admin');
    await admin.b.client.schwab.callback.mutate({ url: await consent(admin.b) });
    await h.services.schwab.broker.refresh(undefined); // a rotated pair as well
    const row = await h.services.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    const secrets = [
      h.services.keyring.decrypt(row.accessToken, accessCtx),
      h.services.keyring.decrypt(row.refreshToken, refreshCtx),
      ...fakeAccessTokens(fake),
      ...fakeRefreshTokens(fake),
      ...seen.codes,
      ...seen.verifiers,
      ...seen.states,
      fake.clientSecret,
    ].filter((s) => s.length >= 8);
    expect(secrets.length).toBeGreaterThan(10);
    const dump = await dumpAllTables(h.db);
    expect(dump).toContain(row.accessToken); // the dump does reach the token row (encrypted)
    for (const s of secrets) for (const form of encodings(s)) expect(dump.includes(form), `a table holds a secret (${s.slice(0, 3)}…)`).toBe(false);
    h.expectLogsFreeOf(secrets.flatMap(encodings));
    const answers = JSON.stringify([await admin.b.client.schwab.status.query(), await admin.b.client.schwab.accounts.query()]);
    for (const s of secrets) expect(answers.includes(s)).toBe(false);
  });
});
