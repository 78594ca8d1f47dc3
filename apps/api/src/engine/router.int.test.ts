// engine.* (state, control, setMode, transitions) over real HTTP with a real database and the
// fake Schwab: who may do what, typed refusals that change nothing, the live-mode ceremony
// refused at each step, back to paper in one call, Schwab reauth halting the engine until a
// person reconnects, and the state surviving a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { ENGINE_ACTIONS, type Role } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { approve } from '../schwab/testing.ts';
import { TOKEN_ROW_ID } from '../schwab/token-broker.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { createClient, startHarness, type Harness } from '../testing/harness.ts';
import { appRouter } from '../trpc/app-router.ts';
import type { ProcedureMeta } from '../trpc/meta.ts';
import { liveAccount } from './state.ts';

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string; meta?: ProcedureMeta } }>).filter(([p]) =>
  ['engine.state', 'engine.control', 'engine.setMode', 'engine.transitions'].includes(p),
);

describe('engine router', () => {
  let h: Harness;
  let fake: FakeSchwab;
  const open: TestBrowser[] = [];
  let seq = 0;

  async function user(role: Role, opts: { secondFactor?: boolean } = {}) {
    const username = `${role}${++seq}`;
    const u = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    // Set up after the sign-in (the gate reads the account, not the session).
    if (opts.secondFactor) await h.services.prisma.user.update({ where: { id: u.id }, data: { totpEnabledAt: new Date() } });
    const age = (ms: number) => h.services.prisma.session.updateMany({ where: { userId: u.id }, data: { authTime: new Date(Date.now() - ms) } });
    return { id: u.id, username, b, client: b.client, age };
  }

  const snapshot = async () => {
    const p = h.services.prisma;
    return {
      transitions: await p.engineTransition.count(),
      state: await p.systemState.findMany({ where: { key: { startsWith: 'engine.' } }, orderBy: { key: 'asc' } }),
      changes: await p.securityEvent.count({ where: { type: { in: ['engine.state_changed', 'engine.mode_changed'] } } }),
      live: await p.liveEvent.count({ where: { topic: 'engine' } }),
    };
  };

  async function connectSchwab(admin: Awaited<ReturnType<typeof user>>) {
    const { authorizeUrl } = await admin.client.schwab.initiate.mutate();
    await admin.client.schwab.callback.mutate({ url: await approve(fake.baseUrl, authorizeUrl) });
  }

  beforeAll(async () => {
    fake = new FakeSchwab();
    await fake.start();
    h = await startHarness({
      LOGIN_RATE_LIMIT: '1000',
      SCHWAB_CLIENT_ID: fake.clientId,
      SCHWAB_CLIENT_SECRET: fake.clientSecret,
      SCHWAB_BASE_URL: fake.baseUrl,
      SCHWAB_CALLBACK_URL: fake.redirectUri,
    });
  });
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
    await fake?.close();
  });

  it('declares who may call each procedure', () => {
    const meta = Object.fromEntries(procedures.map(([p, proc]) => [p, { auth: proc._def.meta?.auth, recent: proc._def.meta?.recentAuthMinutes }]));
    expect(meta).toEqual({
      'engine.state': { auth: 'viewer', recent: undefined },
      'engine.control': { auth: 'trader', recent: undefined },
      'engine.setMode': { auth: 'admin', recent: 5 },
      'engine.transitions': { auth: 'viewer', recent: undefined },
    });
  });

  it('refuses anonymous callers everything', async () => {
    const anon = createClient(h);
    const before = await snapshot();
    for (const p of [anon.client.engine.state.query(), anon.client.engine.transitions.query(), anon.client.engine.control.mutate({ action: 'start', reason: 'who knows' }), anon.client.engine.setMode.mutate({ mode: 'paper' })]) {
      expect((await failure(p)).data?.code).toBe('UNAUTHORIZED');
    }
    expect(await snapshot()).toEqual(before);
    anon.close();
  });

  it('lets a viewer read and nothing else, with every control disabled and a reason', async () => {
    const viewer = await user('viewer');
    const state = await viewer.client.engine.state.query();
    expect(state).toMatchObject({ state: 'stopped', mode: 'paper', liveAccount: null });
    expect(state.actions.map((a) => a.action)).toEqual([...ENGINE_ACTIONS]);
    for (const a of state.actions) expect([a.action, a.allowed, typeof a.reason]).toEqual([a.action, false, 'string']);
    const before = await snapshot();
    expect((await failure(viewer.client.engine.control.mutate({ action: 'start', reason: 'let me try' }))).data?.code).toBe('FORBIDDEN');
    expect((await failure(viewer.client.engine.setMode.mutate({ mode: 'paper' }))).data?.code).toBe('FORBIDDEN');
    expect(await snapshot()).toEqual(before);
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'access.forbidden', userId: viewer.id } })).toBe(2);
  });

  it('a trader starts, pauses entries, resumes and stops, but cannot halt or resume from a halt', async () => {
    const trader = await user('trader');
    const admin = await user('admin');
    const before = await snapshot();
    // Missing, empty and too short reasons: BAD_REQUEST, nothing written.
    for (const input of [{ action: 'start' }, { action: 'start', reason: '' }, { action: 'start', reason: ' x ' }, { action: 'start', reason: 'ok', extra: 1 }, { action: 'launch', reason: 'valid reason' }]) {
      expect((await failure(trader.client.engine.control.mutate(input as never))).data?.code).toBe('BAD_REQUEST');
    }
    expect(await snapshot()).toEqual(before);

    let view = (await trader.client.engine.state.query()).actions;
    expect(view.find((a) => a.action === 'start')).toEqual({ action: 'start', allowed: true, reason: null });
    expect(view.find((a) => a.action === 'halt')).toMatchObject({ allowed: false, reason: 'Only an admin may do this.' });
    expect((await trader.client.engine.control.mutate({ action: 'start', reason: 'market open' })).state.state).toBe('running');
    expect((await trader.client.engine.control.mutate({ action: 'pause_entries', reason: 'earnings day' })).state.state).toBe('paused_entries');
    expect((await trader.client.engine.control.mutate({ action: 'resume', reason: 'earnings done' })).state.state).toBe('running');

    const invalid = await failure(trader.client.engine.control.mutate({ action: 'start', reason: 'again please' }));
    expect([invalid.data?.code, reasonOf(invalid), (invalid.data as { state?: string }).state]).toEqual(['CONFLICT', 'INVALID_TRANSITION', 'running']);

    const mid = await snapshot();
    expect((await failure(trader.client.engine.control.mutate({ action: 'halt', reason: 'panic button' }))).data?.code).toBe('FORBIDDEN');
    expect(await snapshot()).toEqual(mid);
    const refused = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.control_refused', userId: trader.id }, orderBy: { id: 'desc' } });
    expect(refused.details).toMatchObject({ action: 'halt', outcome: 'failure', code: 'FORBIDDEN' });

    const halted = await admin.client.engine.control.mutate({ action: 'halt', reason: 'something is off' });
    expect(halted).toMatchObject({ state: { state: 'halted', reason: 'something is off', changedBy: `user:${admin.username}` }, cancelledOrders: 0, cancelError: null });
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.state_changed' }, orderBy: { id: 'desc' } });
    expect([event.severity, event.userId]).toEqual(['critical', admin.id]);

    view = (await trader.client.engine.state.query()).actions;
    expect(view.find((a) => a.action === 'resume')).toMatchObject({ allowed: false, reason: 'Only an admin may do this.' });
    const mid2 = await snapshot();
    expect((await failure(trader.client.engine.control.mutate({ action: 'resume', reason: 'looks fine' }))).data?.code).toBe('FORBIDDEN');
    expect(await snapshot()).toEqual(mid2);
    expect((await admin.client.engine.control.mutate({ action: 'resume', reason: 'checked it' })).state.state).toBe('paused_entries');
    expect((await trader.client.engine.control.mutate({ action: 'stop', reason: 'end of day' })).state.state).toBe('stopped');

    // Newest first, paged by cursor, names the person.
    const first = await trader.client.engine.transitions.query({ limit: 3 });
    expect(first.items.map((r) => r.action)).toEqual(['stop', 'resume', 'halt']);
    expect(first.items.map((r) => r.actor)).toEqual([trader.username, admin.username, admin.username]);
    const second = await trader.client.engine.transitions.query({ limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((r) => `${r.action}:${r.from}>${r.to}`)).toEqual(['resume:paused_entries>running', 'pause_entries:running>paused_entries', 'start:stopped>running']);
    expect((await failure(trader.client.engine.transitions.query({ cursor: 'abc' }))).data?.code).toBe('BAD_REQUEST');
    expect((await failure(trader.client.engine.transitions.query({ limit: 1000 }))).data?.code).toBe('BAD_REQUEST');
  });

  it('live mode: refused to a trader, a stale sign-in, no second factor, no Schwab, a wrong last 4; then the ceremony; back to paper in one call', async () => {
    const trader = await user('trader');
    const plain = await user('admin');
    const admin = await user('admin', { secondFactor: true });
    const live = (c: typeof admin.client, accountLast4?: string) => c.engine.setMode.mutate({ mode: 'live', ...(accountLast4 ? { accountLast4 } : {}) });
    const before = await snapshot();

    expect((await failure(live(trader.client, '4321'))).data?.code).toBe('FORBIDDEN');
    await admin.age(6 * 60_000);
    expect(reasonOf(await failure(live(admin.client, '4321')))).toBe('REAUTH_REQUIRED');
    await admin.age(0);
    expect(reasonOf(await failure(live(plain.client, '4321')))).toBe('SECOND_FACTOR_REQUIRED');
    expect(reasonOf(await failure(live(admin.client, '4321')))).toBe('SCHWAB_NOT_CONNECTED');
    expect(await snapshot()).toEqual(before);

    await connectSchwab(admin);
    expect(reasonOf(await failure(live(admin.client, '4321')))).toBe('SCHWAB_NOT_CONNECTED'); // connected, but no account synced yet
    expect(await admin.client.schwab.sync.mutate()).toMatchObject({ ok: true, accounts: 2 });
    const account = (await liveAccount(h.services.prisma))!;
    const wrong = account.numberLast4 === '4321' ? '8765' : '4321';
    const mid = await snapshot();
    for (const guess of [wrong, undefined]) {
      const err = await failure(live(admin.client, guess));
      expect([err.data?.code, reasonOf(err)]).toEqual(['BAD_REQUEST', 'ACCOUNT_MISMATCH']);
    }
    expect((await failure(admin.client.engine.setMode.mutate({ mode: 'live', accountLast4: '12a4' }))).data?.code).toBe('BAD_REQUEST');
    expect(await snapshot()).toEqual(mid);
    const mismatches = await h.services.prisma.securityEvent.findMany({ where: { type: 'engine.live_refused', userId: admin.id } });
    expect(mismatches.map((e) => e.severity)).toEqual(['warning', 'warning']);
    expect(JSON.stringify(mismatches.map((e) => e.details))).not.toContain(wrong);
    expect((await admin.client.engine.state.query()).mode).toBe('paper');

    const switched = await live(admin.client, account.numberLast4);
    expect(switched).toMatchObject({ mode: 'live', liveAccount: `…${account.numberLast4}` });
    const after = await snapshot();
    expect([after.transitions - mid.transitions, after.changes - mid.changes, after.live - mid.live]).toEqual([1, 1, 1]);
    const row = await h.services.prisma.engineTransition.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(row).toMatchObject({ action: 'set_mode', mode: 'live', actorUserId: admin.id });
    expect(row.fromState).toBe(row.toState);
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.mode_changed' }, orderBy: { id: 'desc' } });
    expect([event.severity, event.userId]).toEqual(['critical', admin.id]);
    const liveEvent = await h.services.prisma.liveEvent.findFirstOrThrow({ where: { topic: 'engine' }, orderBy: { id: 'desc' } });
    expect(liveEvent).toMatchObject({ type: 'engine.state_changed', payload: { mode: 'live', action: 'set_mode' } });

    // Back to paper: another admin, no second factor, no digits.
    expect(await plain.client.engine.setMode.mutate({ mode: 'paper' })).toMatchObject({ mode: 'paper' });
    const paperEvent = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.mode_changed' }, orderBy: { id: 'desc' } });
    expect([paperEvent.severity, paperEvent.userId, (paperEvent.details as { mode: string }).mode]).toEqual(['info', plain.id, 'paper']);
    // Asking for the mode already set writes nothing.
    const same = await snapshot();
    await plain.client.engine.setMode.mutate({ mode: 'paper' });
    expect(await snapshot()).toEqual(same);
  });

  it('Schwab needing a new login halts the engine; resume waits until it is reconnected', async () => {
    const admin = await user('admin', { secondFactor: true });
    const trader = await user('trader');
    await connectSchwab(admin);
    if ((await admin.client.engine.state.query()).state !== 'stopped') await admin.client.engine.control.mutate({ action: 'stop', reason: 'clean start' });
    await trader.client.engine.control.mutate({ action: 'start', reason: 'trading day' });

    // Schwab revokes everything; the next refresh is refused.
    fake.revokeAllTokens();
    await h.services.prisma.schwabToken.update({ where: { id: TOKEN_ROW_ID }, data: { accessExpiresAt: new Date(Date.now() + 60_000) } });
    expect(await admin.client.schwab.sync.mutate()).toEqual({ ok: false, error: 'SCHWAB_REAUTH_REQUIRED' });

    const state = await trader.client.engine.state.query();
    expect(state).toMatchObject({ state: 'halted_auth', changedBy: 'system:schwab.reauth', liveAccount: null });
    expect(state.actions.find((a) => a.action === 'resume')).toMatchObject({ allowed: false });
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.state_changed' }, orderBy: { id: 'desc' } });
    expect([event.severity, (event.details as { to: string }).to]).toEqual(['critical', 'halted_auth']);

    const before = await snapshot();
    expect(reasonOf(await failure(admin.client.engine.control.mutate({ action: 'resume', reason: 'try anyway' })))).toBe('SCHWAB_NOT_CONNECTED');
    expect((await failure(trader.client.engine.control.mutate({ action: 'resume', reason: 'try anyway' }))).data?.code).toBe('FORBIDDEN');
    expect(await snapshot()).toEqual(before);

    await connectSchwab(admin);
    expect((await admin.client.engine.state.query()).actions.find((a) => a.action === 'resume')).toEqual({ action: 'resume', allowed: true, reason: null });
    expect((await admin.client.engine.control.mutate({ action: 'resume', reason: 'reconnected' })).state.state).toBe('paused_entries');
  });
});

describe('engine state across a restart', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.destroy());

  it('is read back by a new process over the same database', async () => {
    const first = await startHarness({}, { db });
    try {
      await createAccount(first.services.prisma, { username: 'restarter', password: TEST_PASSWORD, role: 'trader' });
      const b = new TestBrowser(first);
      await b.signedIn('restarter');
      await b.client.engine.control.mutate({ action: 'start', reason: 'before restart' });
      await b.client.engine.control.mutate({ action: 'pause_entries', reason: 'before restart too' });
      b.close();
    } finally {
      await first.close();
    }
    const second = await startHarness({}, { db });
    try {
      const b = new TestBrowser(second);
      await b.signedIn('restarter');
      expect(await b.client.engine.state.query()).toMatchObject({ state: 'paused_entries', mode: 'paper', reason: 'before restart too', changedBy: 'user:restarter' });
      expect((await b.client.engine.transitions.query()).items).toHaveLength(2);
      expect((await b.client.engine.control.mutate({ action: 'resume', reason: 'after restart' })).state.state).toBe('running');
      b.close();
    } finally {
      await second.close();
    }
  });
});
