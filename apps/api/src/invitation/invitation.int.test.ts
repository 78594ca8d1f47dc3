// Invitation links over real HTTP with a real database: hashed, single use, expiring,
// revocable, and redeemed atomically.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../auth/accounts.ts';
import { REFRESH_COOKIE } from '../auth/cookies.ts';
import { randomToken, sha256 } from '../auth/secrets.ts';
import { systemActor } from '../security/actor.ts';
import { startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { failure, reasonOf, TestBrowser } from '../testing/browser.ts';
import { createInvitation, findUsableInvitation, redeemInvitation } from './service.ts';

const PASSWORD = 'lantern orbit cactus meadow';
let seq = 0;
let ipSeq = 0;
const tokens: string[] = [];

/** A browser with its own address (through the trusted proxy). */
function browser(h: Harness): TestBrowser {
  return new TestBrowser(h, { 'x-forwarded-for': `198.51.100.${++ipSeq}` });
}

function tokenOf(url: string): string {
  const token = url.split('/invite/')[1]!;
  tokens.push(token);
  return token;
}

describe('invitations', () => {
  let h: Harness;
  let admin: ReturnType<typeof browser>;
  let adminId: string;

  const invite = async (input: { role: 'admin' | 'trader' | 'viewer'; email?: string; expiresInHours?: number }) => {
    const res = await admin.client.invitation.create.mutate(input);
    return { ...res, token: tokenOf(res.url) };
  };
  const newName = () => `guest${++seq}x${Date.now() % 10_000}`;

  beforeAll(async () => {
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '1000' });
    const root = await createAccount(h.services.prisma, { username: 'root-admin', password: PASSWORD, role: 'admin' });
    adminId = root.id;
    admin = browser(h);
    await admin.signedIn('root-admin');
  });
  afterAll(async () => {
    admin?.close();
    // No log line ever carried an invitation token.
    h?.expectLogsFreeOf(tokens);
    await h?.close();
  });

  it('returns a link with a 32-byte token once, stores only its SHA-256, and lists it without token or hash', async () => {
    const before = Date.now();
    const created = await invite({ role: 'trader' });
    expect(created.url).toMatch(new RegExp(`^${TEST_ORIGIN}/invite/[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(created.token, 'base64url')).toHaveLength(32);
    const row = await h.services.prisma.userInvitation.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(sha256(created.token));
    expect(row.createdById).toBe(adminId);
    // Default expiry 48 h.
    expect(row.expiresAt.getTime() - before).toBeGreaterThanOrEqual(48 * 3_600_000 - 1_000);
    expect(row.expiresAt.getTime() - before).toBeLessThanOrEqual(48 * 3_600_000 + 5_000);

    const list = await admin.client.invitation.list.query();
    const item = list.find((i) => i.id === created.id)!;
    expect(item).toMatchObject({ status: 'pending', role: 'trader', createdBy: { id: adminId, username: 'root-admin' }, acceptedBy: null });
    const json = JSON.stringify(list);
    expect(json).not.toContain(created.token);
    expect(json).not.toContain(row.tokenHash);

    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'invitation.created' }, orderBy: { id: 'desc' } });
    expect(event.details).toMatchObject({ invitationId: created.id, role: 'trader', outcome: 'success' });
    expect(event.userId).toBe(adminId);
  });

  it('caps the expiry at 7 days and refuses anything longer', async () => {
    const week = await invite({ role: 'viewer', expiresInHours: 168 });
    const row = await h.services.prisma.userInvitation.findUniqueOrThrow({ where: { id: week.id } });
    expect(row.expiresAt.getTime() - Date.now()).toBeGreaterThan(167 * 3_600_000);
    const err = await failure(admin.client.invitation.create.mutate({ role: 'viewer', expiresInHours: 169 }));
    expect(err.data?.code).toBe('BAD_REQUEST');
    expect((await failure(admin.client.invitation.create.mutate({ role: 'viewer', expiresInHours: 0 }))).data?.code).toBe('BAD_REQUEST');
  });

  it('asks for the password again before creating invitations in an old session', async () => {
    const session = await h.services.prisma.session.findFirstOrThrow({ where: { userId: adminId, revokedAt: null }, orderBy: { createdAt: 'desc' } });
    await h.services.prisma.session.update({ where: { id: session.id }, data: { authTime: new Date(Date.now() - 3_600_000) } });
    const err = await failure(admin.client.invitation.create.mutate({ role: 'viewer' }));
    expect(reasonOf(err)).toBe('REAUTH_REQUIRED');
    await admin.client.auth.reauthenticate.mutate({ password: PASSWORD });
    await expect(invite({ role: 'viewer' })).resolves.toMatchObject({ role: 'viewer' });
  });

  it('shows what a link offers, creates the account with its role, signs it in, and never works again', async () => {
    const { token, id } = await invite({ role: 'viewer' });
    const guest = browser(h);
    expect(await guest.client.invitation.inspect.mutate({ token })).toMatchObject({ role: 'viewer', email: null, isBootstrap: false });
    const username = newName();
    const res = await guest.client.invitation.accept.mutate({ token, username, password: PASSWORD });
    expect(res.status).toBe('ok');
    expect(res.user).toMatchObject({ username, role: 'viewer' });
    // Signed in: access token works, the refresh cookie (Path=/api/auth) was set and rotates.
    guest.token = res.accessToken;
    expect(await guest.client.auth.me.query()).toMatchObject({ username, role: 'viewer' });
    expect(guest.jar.has(REFRESH_COOKIE)).toBe(true);
    guest.token = (await guest.client.auth.refresh.mutate()).accessToken;
    const session = await h.services.prisma.session.findFirstOrThrow({ where: { user: { username } } });
    expect(session.amr).toEqual(['pwd']);

    // The used link is dead for everyone, including its own redeemer.
    const other = browser(h);
    const tried = [newName(), newName()];
    for (const call of [
      () => other.client.invitation.inspect.mutate({ token }),
      () => other.client.invitation.accept.mutate({ token, username: tried[0]!, password: PASSWORD }),
      () => guest.client.invitation.accept.mutate({ token, username: tried[1]!, password: PASSWORD }),
    ]) {
      expect(reasonOf(await failure(call()))).toBe('INVITATION_INVALID');
    }
    expect(await h.services.prisma.user.count({ where: { username: { in: tried } } })).toBe(0);

    const item = (await admin.client.invitation.list.query()).find((i) => i.id === id)!;
    expect(item.status).toBe('accepted');
    expect(item.acceptedBy).toEqual({ id: res.user.id, username });
    expect(item.acceptedAt).toBeInstanceOf(Date);
    const accepted = await h.services.prisma.securityEvent.findMany({ where: { type: 'invitation.accepted' }, orderBy: { id: 'asc' } });
    const ok = accepted.filter((e) => (e.details as { outcome: string }).outcome === 'success');
    expect(ok.at(-1)).toMatchObject({ userId: res.user.id, username, severity: 'info' });
    expect(ok.at(-1)!.details).toMatchObject({ invitationId: id, role: 'viewer' });
    expect(accepted.at(-1)!.details).toMatchObject({ outcome: 'failure', code: 'NOT_FOUND', reason: 'INVITATION_INVALID' });
    guest.close();
    other.close();
  });

  it('refuses expired, revoked, unknown and malformed tokens (and a bootstrap link once accounts exist) with one identical answer', async () => {
    const { prisma } = h.services;
    const expired = await invite({ role: 'trader' });
    await prisma.userInvitation.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const revoked = await invite({ role: 'trader' });
    await admin.client.invitation.revoke.mutate({ id: revoked.id });
    // Revoking twice (or revoking a used one) is refused.
    expect(reasonOf(await failure(admin.client.invitation.revoke.mutate({ id: revoked.id })))).toBe('INVITATION_INVALID');
    expect((await failure(admin.client.invitation.revoke.mutate({ id: '01890a5d-ac96-774b-bcce-b302099a8057' }))).data?.code).toBe('NOT_FOUND');
    const bootstrap = await createInvitation({ prisma }, systemActor('bootstrap'), { role: 'admin', isBootstrap: true });
    tokens.push(bootstrap.token);

    const usersBefore = await prisma.user.count();
    const answers: string[] = [];
    for (const token of [expired.token, revoked.token, bootstrap.token, randomToken(32), 'not-a-token', '', 'x'.repeat(512)]) {
      const guest = browser(h);
      for (const call of [
        () => guest.client.invitation.inspect.mutate({ token }),
        () => guest.client.invitation.accept.mutate({ token, username: newName(), password: PASSWORD }),
      ]) {
        const err = await failure(call());
        answers.push(JSON.stringify({ message: err.message, code: err.data?.code, status: err.data?.httpStatus, reason: reasonOf(err) }));
      }
      guest.close();
    }
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!)).toEqual({ message: expect.stringMatching(/not valid/), code: 'NOT_FOUND', status: 404, reason: 'INVITATION_INVALID' });
    expect(await prisma.user.count()).toBe(usersBefore);

    const list = await admin.client.invitation.list.query();
    expect(list.find((i) => i.id === expired.id)!.status).toBe('expired');
    expect(list.find((i) => i.id === revoked.id)).toMatchObject({ status: 'revoked', revokedBy: { id: adminId, username: 'root-admin' } });
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const revokedEvent = await prisma.securityEvent.findFirstOrThrow({ where: { type: 'invitation.revoked' }, orderBy: { id: 'asc' } });
    expect(revokedEvent.details).toMatchObject({ invitationId: revoked.id, outcome: 'success' });
    expect(await prisma.securityEvent.count({ where: { type: 'invitation.inspected' } })).toBeGreaterThanOrEqual(7);
  });

  it('lets exactly one of several simultaneous accepts of one link create an account', async () => {
    const { token, id } = await invite({ role: 'trader' });
    const names = [newName(), newName(), newName(), newName()];
    const guests = names.map(() => browser(h));
    const results = await Promise.allSettled(guests.map((g, i) => g.client.invitation.accept.mutate({ token, username: names[i]!, password: PASSWORD })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(reasonOf(r.reason)).toBe('INVITATION_INVALID');
    const created = await h.services.prisma.user.findMany({ where: { username: { in: names } } });
    expect(created).toHaveLength(1);
    const row = await h.services.prisma.userInvitation.findUniqueOrThrow({ where: { id } });
    expect(row.acceptedById).toBe(created[0]!.id);
    for (const g of guests) g.close();
  });

  it('does not burn the link when the account is refused (weak password, taken name), also inside the transaction', async () => {
    const { prisma } = h.services;
    const { token, id } = await invite({ role: 'viewer' });
    const guest = browser(h);
    const name = newName();
    const weak = await failure(guest.client.invitation.accept.mutate({ token, username: name, password: 'password12345678' }));
    expect(reasonOf(weak)).toBe('WEAK_PASSWORD');
    const tooShort = await failure(guest.client.invitation.accept.mutate({ token, username: name, password: 'short' }));
    expect(tooShort.data?.code).toBe('BAD_REQUEST');
    expect(reasonOf(await failure(guest.client.invitation.accept.mutate({ token, username: 'root-admin', password: PASSWORD })))).toBe('USERNAME_TAKEN');
    expect((await prisma.userInvitation.findUniqueOrThrow({ where: { id } })).acceptedAt).toBeNull();

    // The race the pre-checks cannot see: the name is taken between check and insert. The
    // unique violation rolls the consumption back.
    const inv = (await findUsableInvitation(prisma, token))!;
    await expect(redeemInvitation(prisma, inv, { username: 'root-admin', email: null, passwordHash: 'x' })).rejects.toMatchObject({ code: 'P2002' });
    expect((await prisma.userInvitation.findUniqueOrThrow({ where: { id } })).acceptedAt).toBeNull();

    // Two links, one name, at once: one account; the loser's link stays usable.
    const second = await invite({ role: 'viewer' });
    const other = browser(h);
    const both = await Promise.allSettled([
      guest.client.invitation.accept.mutate({ token, username: name, password: PASSWORD }),
      other.client.invitation.accept.mutate({ token: second.token, username: name, password: PASSWORD }),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(reasonOf(lost.reason)).toBe('USERNAME_TAKEN');
    const states = await prisma.userInvitation.findMany({ where: { id: { in: [id, second.id] } } });
    expect(states.filter((s) => s.acceptedAt !== null)).toHaveLength(1);
    const leftover = states.find((s) => s.acceptedAt === null)!;
    const leftoverToken = leftover.id === id ? token : second.token;
    await expect(other.client.invitation.accept.mutate({ token: leftoverToken, username: newName(), password: PASSWORD })).resolves.toMatchObject({ status: 'ok' });
    guest.close();
    other.close();
  });

  it('binds a link to an email: another address is refused, the bound one is used; a new admin is a critical event', async () => {
    const { token } = await invite({ role: 'admin', email: 'New.Admin@Example.test' });
    const guest = browser(h);
    expect(await guest.client.invitation.inspect.mutate({ token })).toMatchObject({ role: 'admin', email: 'new.admin@example.test' });
    const name = newName();
    const err = await failure(guest.client.invitation.accept.mutate({ token, username: name, password: PASSWORD, email: 'someone@else.test' }));
    expect(reasonOf(err)).toBe('INVITATION_EMAIL_MISMATCH');
    const res = await guest.client.invitation.accept.mutate({ token, username: name, password: PASSWORD });
    expect(res.user).toMatchObject({ role: 'admin', email: 'new.admin@example.test' });
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'invitation.accepted', userId: res.user.id } });
    expect(event.severity).toBe('critical');
    guest.close();
  });

  it('rate limits the public procedures per address', async () => {
    const guest = browser(h);
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await failure(guest.client.invitation.inspect.mutate({ token: randomToken(32) }))).data?.httpStatus);
    }
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(statuses[10]).toBe(429);
    guest.close();
  });

  it('keeps no invitation token anywhere in the database, in any encoding', async () => {
    expect(tokens.length).toBeGreaterThan(10);
    const forms = tokens.flatMap((t) => {
      const raw = Buffer.from(t, 'base64url');
      return [t, raw.toString('hex'), raw.toString('base64'), raw.toString('base64').replace(/=+$/, '')];
    });
    const tables = await h.db.sql.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    expect(tables.map((t) => t.name)).toContain('user_invitations');
    let rows = 0;
    for (const { name } of tables) {
      const dump = await h.db.sql.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
      rows += dump.length;
      for (const { row } of dump) {
        for (const f of forms) if (row.includes(f)) throw new Error(`table ${name} holds an invitation token`);
      }
    }
    expect(rows).toBeGreaterThan(0);
    expect((await h.services.securityEvents.verify()).ok).toBe(true);
  });
});
