// User administration over real HTTP and WebSocket with a real database: role enforcement
// for every admin procedure, the last-admin rule under races, and what disabling ends.
import { type TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Role } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import type { AppRouter } from '../trpc/app-router.ts';
import { eventually, startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { failure, reasonOf, TestBrowser } from '../testing/browser.ts';
import { appRouter } from '../trpc/app-router.ts';
import type { ProcedureMeta } from '../trpc/meta.ts';
import { changeUserGuarded } from './users.ts';

const PASSWORD = 'lantern orbit cactus meadow';
let seq = 0;

function browser(h: Harness): TestBrowser {
  return new TestBrowser(h);
}

type Browser = ReturnType<typeof browser>;

/** Every procedure of the admin surface: all of admin.*, and invitation.* except the link holder's two. */
const PUBLIC_INVITATION_PROCEDURES = ['invitation.inspect', 'invitation.accept'];
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: ProcedureMeta } }>);
const adminSurface = procedures.filter(([path]) => path.startsWith('admin.') || (path.startsWith('invitation.') && !PUBLIC_INVITATION_PROCEDURES.includes(path)));

/** Calls a procedure by its dotted path through the real client links (no input: the role check comes first). */
function call(b: Browser, path: string, type: 'query' | 'mutation' | 'subscription'): Promise<unknown> {
  const fn = path.split('.').reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, b.client as unknown as Record<string, unknown>);
  return type === 'query' ? (fn.query as () => Promise<unknown>)() : (fn.mutate as () => Promise<unknown>)();
}

describe('user administration', () => {
  let h: Harness;
  let root: Browser;
  let rootId: string;
  const open: Browser[] = [];

  async function newUser(role: Role, opts: { login?: boolean } = {}) {
    const username = `user${++seq}x${Date.now() % 10_000}`;
    const user = await createAccount(h.services.prisma, { username, password: PASSWORD, role });
    const b = browser(h);
    open.push(b);
    if (opts.login !== false) await b.signedIn(username);
    return { user, username, b };
  }
  const activeAdmins = () => h.services.prisma.user.count({ where: { role: 'admin', disabledAt: null } });

  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
    rootId = (await createAccount(h.services.prisma, { username: 'root-admin', password: PASSWORD, role: 'admin' })).id;
    root = browser(h);
    open.push(root);
    await root.signedIn('root-admin');
  });
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
  });

  it('declares every admin-surface procedure admin-only', () => {
    const paths = adminSurface.map(([p]) => p);
    for (const known of ['invitation.create', 'invitation.list', 'invitation.revoke', 'admin.users.list', 'admin.users.setRole', 'admin.users.disable', 'admin.users.enable', 'admin.users.resetTwoFactor', 'admin.users.revokeSessions', 'admin.users.unlock', 'admin.securityEvents.list']) {
      expect(paths).toContain(known);
    }
    for (const [path, proc] of adminSurface) expect([path, proc._def.meta?.auth]).toEqual([path, 'admin']);
    // The only public invitation procedures are the two a link holder needs.
    const publicOnes = procedures.filter(([p, proc]) => p.startsWith('invitation.') && proc._def.meta?.auth === 'public').map(([p]) => p);
    expect(publicOnes.sort()).toEqual([...PUBLIC_INVITATION_PROCEDURES].sort());
  });

  it.each(['viewer', 'trader'] as const)('answers a %s calling any admin or invitation-management procedure with FORBIDDEN and an event', async (role) => {
    const { user, b } = await newUser(role);
    for (const [path, proc] of adminSurface) {
      const err = await failure(call(b, path, proc._def.type));
      expect([path, err.data?.code, err.data?.httpStatus]).toEqual([path, 'FORBIDDEN', 403]);
    }
    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'access.forbidden', userId: user.id } });
    expect(events.map((e) => (e.details as { procedure: string }).procedure).sort()).toEqual(adminSurface.map(([p]) => p).sort());
    for (const e of events) expect(e.details).toMatchObject({ role, required: 'admin' });
    // Nothing was changed on their behalf.
    expect(await h.services.prisma.userInvitation.count({ where: { createdById: user.id } })).toBe(0);
  });

  it('never demotes or disables the last active admin', async () => {
    expect(await activeAdmins()).toBe(1);
    for (const attempt of [() => root.client.admin.users.setRole.mutate({ id: rootId, role: 'trader' }), () => root.client.admin.users.disable.mutate({ id: rootId })]) {
      const err = await failure(attempt());
      expect(err.data?.code).toBe('CONFLICT');
      expect(reasonOf(err)).toBe('LAST_ADMIN');
    }
    const root0 = await h.services.prisma.user.findUniqueOrThrow({ where: { id: rootId } });
    expect(root0).toMatchObject({ role: 'admin', disabledAt: null });
    const refused = await h.services.prisma.securityEvent.findMany({ where: { type: { in: ['user.role_changed', 'user.disabled'] }, userId: rootId } });
    expect(refused.map((e) => (e.details as { reason?: string }).reason)).toEqual(['LAST_ADMIN', 'LAST_ADMIN']);
  });

  it('leaves one admin when two admins demote, or disable, each other at the same moment', async () => {
    const a = await newUser('admin');
    const b = await newUser('admin');
    // root steps down (allowed: two other admins remain), so a and b are the only admins.
    await root.client.admin.users.setRole.mutate({ id: rootId, role: 'trader' });
    expect(await activeAdmins()).toBe(2);

    const demotions = await Promise.allSettled([
      a.b.client.admin.users.setRole.mutate({ id: b.user.id, role: 'viewer' }),
      b.b.client.admin.users.setRole.mutate({ id: a.user.id, role: 'viewer' }),
    ]);
    expect(demotions.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // The loser is refused by the last-admin rule, or (when the winner committed before its
    // call was authorised) because it is no longer an admin at all.
    const loser = (demotions.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as TRPCClientError<AppRouter>;
    expect(['CONFLICT/LAST_ADMIN', 'FORBIDDEN/-']).toContain(`${loser.data?.code}/${reasonOf(loser) ?? '-'}`);
    expect(await activeAdmins()).toBe(1);

    const survivor = demotions[0]!.status === 'fulfilled' ? a : b;
    const other = survivor === a ? b : a;
    await survivor.b.client.admin.users.setRole.mutate({ id: other.user.id, role: 'admin' });
    expect(await activeAdmins()).toBe(2);
    const disables = await Promise.allSettled([
      survivor.b.client.admin.users.disable.mutate({ id: other.user.id }),
      other.b.client.admin.users.disable.mutate({ id: survivor.user.id }),
    ]);
    expect(disables.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await activeAdmins()).toBe(1);

    // The same race below the role check (both callers already authorised): the lock alone decides.
    const remaining0 = await h.services.prisma.user.findFirstOrThrow({ where: { role: 'admin', disabledAt: null } });
    const second = await newUser('admin', { login: false });
    const direct = await Promise.allSettled([
      changeUserGuarded(h.services.prisma, remaining0.id, { role: 'viewer' }),
      changeUserGuarded(h.services.prisma, second.user.id, { disable: true }),
    ]);
    expect(direct.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((direct.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ cause: { reason: 'LAST_ADMIN' } });
    expect(await activeAdmins()).toBe(1);

    // Restore root as admin through whoever is still an active admin.
    const remaining = await h.services.prisma.user.findFirstOrThrow({ where: { role: 'admin', disabledAt: null } });
    const acting = browser(h);
    open.push(acting);
    await acting.signedIn(remaining.username);
    await acting.client.admin.users.setRole.mutate({ id: rootId, role: 'admin' });
    expect((await root.client.admin.users.list.query()).length).toBeGreaterThan(0);
  });

  it('applies a role change at once; raising to admin is critical, and a demoted admin loses admin access on the next call', async () => {
    const { user, b } = await newUser('viewer');
    await root.client.admin.users.setRole.mutate({ id: user.id, role: 'admin' });
    const raised = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'user.role_changed', details: { path: ['targetUserId'], equals: user.id } }, orderBy: { id: 'desc' } });
    expect(raised.severity).toBe('critical');
    expect(raised.userId).toBe(rootId);
    expect(raised.details).toMatchObject({ from: 'viewer', to: 'admin', changed: true, outcome: 'success' });
    // The same access token now has admin authority (the role is read per request)…
    await expect(b.client.admin.users.list.query()).resolves.toBeInstanceOf(Array);
    const invite = await b.client.invitation.create.mutate({ role: 'viewer' });
    // …and loses it on demotion; the invitations it issued as admin are revoked with it.
    await root.client.admin.users.setRole.mutate({ id: user.id, role: 'trader' });
    expect((await failure(b.client.admin.users.list.query())).data?.code).toBe('FORBIDDEN');
    expect((await h.services.prisma.userInvitation.findUniqueOrThrow({ where: { id: invite.id } })).revokedAt).toBeInstanceOf(Date);
    const lowered = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'user.role_changed', details: { path: ['to'], equals: 'trader' } }, orderBy: { id: 'desc' } });
    expect(lowered.severity).toBe('warning');
    expect(lowered.details).toMatchObject({ targetUserId: user.id, from: 'admin', invitationsRevoked: 1 });
  });

  it("disabling a user closes their open WebSocket at once and refuses their refresh token and password", async () => {
    const { user, username, b } = await newUser('trader');
    const before = h.services.sockets.size;
    // A raw tRPC WebSocket subscribed to the session stream with the user's access token.
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws?connectionParams=1`, { origin: TEST_ORIGIN });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ method: 'connectionParams', data: { token: b.token } }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.session', input: { json: undefined } } }));
    await eventually(async () => expect(h.services.sockets.size).toBe(before + 1));

    const res = await root.client.admin.users.disable.mutate({ id: user.id });
    expect(res.sessionsRevoked).toBe(1);
    expect(await closed).toBe(4003);
    expect(h.services.sockets.size).toBe(before);

    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    expect((await failure(b.client.auth.me.query())).data?.code).toBe('UNAUTHORIZED');
    expect(reasonOf(await failure(b.signedIn(username)))).toBe('ACCOUNT_DISABLED');
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'user.disabled', details: { path: ['targetUserId'], equals: user.id } } });
    expect(event.details).toMatchObject({ targetUsername: username, sessionsRevoked: 1, outcome: 'success' });

    await root.client.admin.users.enable.mutate({ id: user.id });
    await expect(b.signedIn(username)).resolves.toMatchObject({ status: 'ok' });
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'user.enabled', details: { path: ['targetUserId'], equals: user.id } } })).toBe(1);
  });

  it('resets two-factor: TOTP state and backup codes are gone and every session ends', async () => {
    const { prisma } = h.services;
    const { user, b } = await newUser('trader');
    await prisma.user.update({
      where: { id: user.id },
      data: { totpSecret: 'v1:t1:ciphertext', totpEnabledAt: new Date(), totpLastStep: 123n, totpPendingSecret: 'v1:t1:pending', totpPendingCreatedAt: new Date() },
    });
    await prisma.backupCode.createMany({ data: [{ userId: user.id, codeHash: '$argon2id$a' }, { userId: user.id, codeHash: '$argon2id$b' }] });
    const res = await root.client.admin.users.resetTwoFactor.mutate({ id: user.id });
    expect(res.sessionsRevoked).toBe(1);
    expect(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      totpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      totpPendingSecret: null,
      totpPendingCreatedAt: null,
    });
    expect(await prisma.backupCode.count({ where: { userId: user.id } })).toBe(0);
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    const event = await prisma.securityEvent.findFirstOrThrow({ where: { type: 'user.two_factor_reset' }, orderBy: { id: 'desc' } });
    expect(event).toMatchObject({ severity: 'critical', userId: rootId });
    expect(event.details).toMatchObject({ targetUserId: user.id, hadTwoFactor: true, backupCodesDeleted: 2 });
  });

  it('asks for the password again before role changes and 2FA resets in an old session', async () => {
    const { user } = await newUser('viewer', { login: false });
    const session = await h.services.prisma.session.findFirstOrThrow({ where: { userId: rootId, revokedAt: null }, orderBy: { createdAt: 'desc' } });
    await h.services.prisma.session.update({ where: { id: session.id }, data: { authTime: new Date(Date.now() - 3_600_000) } });
    expect(reasonOf(await failure(root.client.admin.users.setRole.mutate({ id: user.id, role: 'trader' })))).toBe('REAUTH_REQUIRED');
    expect(reasonOf(await failure(root.client.admin.users.resetTwoFactor.mutate({ id: user.id })))).toBe('REAUTH_REQUIRED');
    await root.client.auth.reauthenticate.mutate({ password: PASSWORD });
    await expect(root.client.admin.users.setRole.mutate({ id: user.id, role: 'trader' })).resolves.toMatchObject({ role: 'trader', changed: true });
  });

  it('revokes all sessions of a user, and unlocks a locked account', async () => {
    const { prisma } = h.services;
    const { user, username, b } = await newUser('viewer');
    expect(await root.client.admin.users.revokeSessions.mutate({ id: user.id })).toEqual({ revoked: 1 });
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');

    await prisma.user.update({ where: { id: user.id }, data: { lockedAt: new Date(), lockedReason: 'test lock', failedLoginCount: 100 } });
    expect(reasonOf(await failure(b.signedIn(username)))).toBe('ACCOUNT_LOCKED');
    await root.client.admin.users.unlock.mutate({ id: user.id });
    await expect(b.signedIn(username)).resolves.toMatchObject({ status: 'ok' });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ lockedAt: null, failedLoginCount: 0 });
    for (const type of ['user.sessions_revoked', 'user.unlocked']) {
      expect(await prisma.securityEvent.count({ where: { type, userId: rootId, details: { path: ['targetUserId'], equals: user.id } } })).toBe(1);
    }
    expect((await failure(root.client.admin.users.unlock.mutate({ id: '01890a5d-ac96-774b-bcce-b302099a8057' }))).data?.code).toBe('NOT_FOUND');
  });

  it('lists users without any secret', async () => {
    const list = await root.client.admin.users.list.query();
    const me = list.find((u) => u.id === rootId)!;
    expect(me).toMatchObject({ username: 'root-admin', role: 'admin', disabledAt: null, twoFactorEnabled: false, passkeys: 0 });
    expect(me.activeSessions).toBeGreaterThanOrEqual(1);
    const hashes = await h.services.prisma.user.findMany({ select: { passwordHash: true } });
    const json = JSON.stringify(list);
    for (const { passwordHash } of hashes) expect(json).not.toContain(passwordHash!);
    expect(json).not.toMatch(/passwordHash|totpSecret|webauthnUserId/);
  });

  it('pages the security log newest first by id, with filters, at most 100 per page', async () => {
    const { user } = await newUser('viewer', { login: false });
    for (let i = 0; i < 7; i++) {
      await h.services.securityEvents.record({ type: 'test.page', severity: i % 3 === 0 ? 'critical' : 'info', userId: i < 4 ? user.id : null, details: { i } });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string; type: string }[]; nextCursor: string | null } = await root.client.admin.securityEvents.list.query({ type: 'test.page', limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    const asNumbers = seen.map(BigInt);
    expect([...asNumbers].sort((x, y) => (y > x ? 1 : y < x ? -1 : 0))).toEqual(asNumbers);
    expect(new Set(seen).size).toBe(7);

    const critical = await root.client.admin.securityEvents.list.query({ type: 'test.page', severity: 'critical' });
    expect(critical.items.map((e) => (e.details as { i: number }).i)).toEqual([6, 3, 0]);
    const mine = await root.client.admin.securityEvents.list.query({ type: 'test.page', userId: user.id });
    expect(mine.items.map((e) => (e.details as { i: number }).i)).toEqual([3, 2, 1, 0]);
    const newest = await root.client.admin.securityEvents.list.query({});
    expect(newest.items.length).toBeGreaterThan(7);
    expect(newest.items.length).toBeLessThanOrEqual(50);

    expect((await failure(root.client.admin.securityEvents.list.query({ limit: 101 }))).data?.code).toBe('BAD_REQUEST');
    for (const bad of [{ cursor: '1 OR 1=1' }, { cursor: '9999999999999999999' }, { type: 'auth\u0000login' }, { type: '%' }]) {
      expect((await failure(root.client.admin.securityEvents.list.query(bad))).data?.code).toBe('BAD_REQUEST');
    }
    expect((await h.services.securityEvents.verify()).ok).toBe(true);
  });
});
