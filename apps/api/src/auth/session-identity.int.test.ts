// Sessions a person can tell apart and endings that explain themselves, over real HTTP with a
// real database: the list's name and sign-in methods, naming only one's own sessions (bounded,
// one line, audited), and the refresh refusal that says why a session ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from './accounts.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';

let seq = 0;

describe('session names, methods and endings', () => {
  let h: Harness;
  const open: TestBrowser[] = [];

  async function newUser(role: 'admin' | 'trader' | 'viewer' = 'viewer') {
    const username = `sid${++seq}x${Date.now() % 10_000}`;
    const user = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    return { user, username };
  }
  async function signedIn(username: string) {
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    return b;
  }
  const endedBecauseOf = (err: Awaited<ReturnType<typeof failure>>) => (err.data as { endedBecause?: string } | undefined)?.endedBecause;

  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
  });
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
  });

  it('lists each session with its name and sign-in methods; names only the caller’s own sessions', async () => {
    const { username, user } = await newUser();
    const { username: otherName } = await newUser();
    const a = await signedIn(username);
    const b = await signedIn(username);
    const intruder = await signedIn(otherName);

    const list = await a.client.auth.sessions.query();
    expect(list).toHaveLength(2);
    expect(list.every((s) => s.name === null)).toBe(true);
    expect(list.every((s) => s.methods.join('+') === 'pwd')).toBe(true);
    const mine = list.find((s) => s.current)!;
    const other = list.find((s) => !s.current)!;

    await expect(a.client.auth.renameSession.mutate({ id: other.id, name: '  Work laptop  ' })).resolves.toEqual({ ok: true, name: 'Work laptop' });
    await a.client.auth.renameSession.mutate({ id: mine.id, name: 'Home' });
    const named = await b.client.auth.sessions.query();
    expect(Object.fromEntries(named.map((s) => [s.id, s.name]))).toEqual({ [other.id]: 'Work laptop', [mine.id]: 'Home' });

    // Someone else's session is answered like a missing one, and stays as it was.
    const err = await failure(intruder.client.auth.renameSession.mutate({ id: mine.id, name: 'pwned' }));
    expect([err.data?.code, reasonOf(err)]).toEqual(['NOT_FOUND', 'SESSION_REVOKED']);
    expect((await h.services.prisma.session.findUniqueOrThrow({ where: { id: mine.id } })).name).toBe('Home');

    // Too long, multi-line, not an id: typed refusals, nothing changed.
    for (const bad of [{ id: mine.id, name: 'x'.repeat(65) }, { id: mine.id, name: 'a\nb' }, { id: mine.id, name: 'x'.repeat(100_000) }, { id: 'not-a-uuid', name: 'x' }]) {
      expect((await failure(a.client.auth.renameSession.mutate(bad))).data?.code).toBe('BAD_REQUEST');
    }
    expect((await h.services.prisma.session.findUniqueOrThrow({ where: { id: mine.id } })).name).toBe('Home');

    // An empty name removes it.
    await expect(a.client.auth.renameSession.mutate({ id: mine.id, name: '   ' })).resolves.toEqual({ ok: true, name: null });
    expect((await h.services.prisma.session.findUniqueOrThrow({ where: { id: mine.id } })).name).toBeNull();

    // A revoked session cannot be named.
    await a.client.auth.revokeSession.mutate({ id: other.id });
    expect(reasonOf(await failure(a.client.auth.renameSession.mutate({ id: other.id, name: 'late' })))).toBe('SESSION_REVOKED');

    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'auth.session_renamed', userId: user.id }, orderBy: { id: 'asc' } });
    // Two names, four malformed tries, the removal, the revoked one (the intruder's try is in the intruder's name).
    expect(events.map((e) => (e.details as { outcome: string }).outcome)).toEqual(['success', 'success', 'failure', 'failure', 'failure', 'failure', 'success', 'failure']);
    expect(events[0]!.details).toMatchObject({ sessionId: other.id, name: 'Work laptop', current: false });
  });

  it('says why a session ended when its refresh cookie comes back', async () => {
    const { username, user } = await newUser();
    const { username: adminName } = await newUser('admin');
    const admin = await signedIn(adminName);

    const byAdmin = await signedIn(username);
    await admin.client.admin.users.revokeSessions.mutate({ id: user.id });
    const err = await failure(byAdmin.client.auth.refresh.mutate());
    expect([reasonOf(err), endedBecauseOf(err)]).toEqual(['SESSION_REVOKED', 'revoked_by_admin']);

    const disabled = await signedIn(username);
    await admin.client.admin.users.disable.mutate({ id: user.id });
    const off = await failure(disabled.client.auth.refresh.mutate());
    expect([reasonOf(off), endedBecauseOf(off)]).toEqual(['SESSION_REVOKED', 'user_disabled']);
    await admin.client.admin.users.enable.mutate({ id: user.id });

    // Reuse of a rotated refresh token: the second use is told so.
    const reused = new TestBrowser(h);
    open.push(reused);
    await reused.signedIn(username);
    const stolen = new Map(reused.jar);
    await reused.client.auth.refresh.mutate();
    await reused.client.auth.refresh.mutate();
    const thief = new TestBrowser(h);
    open.push(thief);
    for (const [k, v] of stolen) thief.jar.set(k, v);
    expect(reasonOf(await failure(thief.client.auth.refresh.mutate()))).toBe('REFRESH_REUSED');

    // A cookie nobody issued learns nothing.
    const stranger = new TestBrowser(h);
    open.push(stranger);
    for (const [k] of stolen) stranger.jar.set(k, 'x'.repeat(43));
    const unknown = await failure(stranger.client.auth.refresh.mutate());
    expect([reasonOf(unknown), endedBecauseOf(unknown)]).toEqual(['SESSION_REVOKED', undefined]);
  });
});
