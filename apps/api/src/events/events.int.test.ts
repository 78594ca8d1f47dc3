// Live event streams over real WebSockets with a real database: a tab that reconnects gets
// exactly what it missed, in order (or resync once it is gone); private events reach only
// their user; bad input is refused; revoking 1,000 sessions at once works and still tells
// every subscribed tab before its socket closes.
import type { Unsubscribable } from '@trpc/server/observable';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_CLOSE, type LiveMessage, type LivePublish, type Role } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { failure, reasonOf, TestBrowser, TEST_PASSWORD } from '../testing/browser.ts';
import { eventually, startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';

type Tracked = { id: string; data: LiveMessage };
let seq = 0;

const positions = (n: number): LivePublish => ({ type: 'positions.changed', payload: { symbols: [`S${n}`], at: new Date().toISOString() } });

describe('live event streams', () => {
  let h: Harness;
  const open: TestBrowser[] = [];

  async function signedIn(role: Role = 'viewer') {
    const username = `ev${++seq}x${Date.now() % 10_000}`;
    const user = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    return { user, b };
  }

  /** Subscribes and collects; `errors` gets what the server refused. */
  function follow(start: (handlers: { onData: (d: Tracked) => void; onError: (e: unknown) => void }) => Unsubscribable) {
    const got: Tracked[] = [];
    const errors: unknown[] = [];
    const sub = start({ onData: (d) => got.push(d), onError: (e) => errors.push(e) });
    return { got, errors, stop: () => sub.unsubscribe() };
  }

  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
  });
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
  });

  it('gives a tab that resubscribes with its last id exactly the 50 events it missed, in order', async () => {
    const { b } = await signedIn('viewer');
    const first = follow((o) => b.client.events.dashboard.subscribe(undefined, o));
    await eventually(async () => expect(first.got[0]?.data.type).toBe('ready'));
    const resumeFrom = first.got[0]!.id;
    first.stop();

    const missed: string[] = [];
    const { user: someoneElse } = await signedIn('viewer');
    for (let i = 0; i < 50; i++) {
      missed.push(await h.services.liveBus.publish(positions(i)));
      // Noise it must not see: another user's private event, and a topic it did not ask for.
      if (i % 5 === 0) await h.services.liveBus.publish({ ...positions(1000 + i), userId: someoneElse.id });
      if (i % 10 === 0) await h.services.liveBus.publish({ type: 'session.revoked', userId: someoneElse.id, payload: { sessionIds: [], reason: 'noise' } });
    }

    const again = follow((o) => b.client.events.dashboard.subscribe({ lastEventId: resumeFrom }, o));
    await eventually(async () => expect(again.got).toHaveLength(50));
    await new Promise((r) => setTimeout(r, 200));
    expect(again.got.map((e) => e.id)).toEqual(missed);
    expect(again.got.map((e) => (e.data.type === 'positions.changed' ? e.data.payload.symbols : null))).toEqual(missed.map((_, i) => [`S${i}`]));
    expect(again.errors).toEqual([]);
    again.stop();
  }, 60_000);

  it('resumes by itself when the socket drops: the client sends its last id and nothing is lost or repeated', async () => {
    const { user, b } = await signedIn('trader');
    const s = follow((o) => b.client.events.dashboard.subscribe(undefined, o));
    await eventually(async () => expect(s.got[0]?.data.type).toBe('ready'));
    const before = await h.services.liveBus.publish(positions(1));
    await eventually(async () => expect(s.got.at(-1)?.id).toBe(before));
    // The server goes away under the tab; events keep coming while it reconnects.
    expect(h.services.sockets.closeUser(user.id, WS_CLOSE.shuttingDown)).toBeGreaterThan(0);
    const during: string[] = [];
    for (let i = 0; i < 20; i++) during.push(await h.services.liveBus.publish(positions(2 + i)));
    await eventually(async () => expect(s.got.map((e) => e.id).slice(2)).toEqual(during), 8_000);
    // A fresh start would have begun with another `ready`: this was a resume.
    expect(s.got.filter((e) => e.data.type === 'ready')).toHaveLength(1);
    s.stop();
  });

  it('answers resync for a last id older than the retention window, then continues live', async () => {
    const { b } = await signedIn('viewer');
    const old = await h.services.liveBus.publish(positions(1));
    await h.services.liveBus.publish(positions(2));
    await h.services.db.sql.query(`UPDATE live_events SET created_at = now() - interval '20 minutes' WHERE id <= $1`, [old]);
    expect(await h.services.liveBus.sweep()).toBeGreaterThan(0);
    const s = follow((o) => b.client.events.dashboard.subscribe({ lastEventId: old }, o));
    await eventually(async () => expect(s.got[0]?.data).toMatchObject({ topic: 'system', type: 'resync', payload: { reason: 'expired' } }));
    const live = await h.services.liveBus.publish(positions(3));
    await eventually(async () => expect(s.got.map((e) => e.id)).toEqual([s.got[0]!.id, live]));
    s.stop();
  });

  it('sends a user’s private events only to that user', async () => {
    const a = await signedIn('viewer');
    const c = await signedIn('admin');
    const sa = follow((o) => a.b.client.events.stream.subscribe({ topics: ['session', 'dashboard'] }, o));
    const sc = follow((o) => c.b.client.events.stream.subscribe({ topics: ['session', 'dashboard'] }, o));
    await eventually(async () => expect([sa.got[0]?.data.type, sc.got[0]?.data.type]).toEqual(['ready', 'ready']));
    const privateToA = await h.services.liveBus.publish({ type: 'session.revoked', userId: a.user.id, payload: { sessionIds: ['00000000-0000-4000-8000-000000000000'], reason: 'test' } });
    const dashToA = await h.services.liveBus.publish({ ...positions(7), userId: a.user.id });
    const forAll = await h.services.liveBus.publish(positions(8));
    await eventually(async () => expect(sa.got.map((e) => e.id).slice(1)).toEqual([privateToA, dashToA, forAll]));
    await eventually(async () => expect(sc.got.map((e) => e.id).slice(1)).toEqual([forAll]));
    // No user id in what is sent.
    expect(JSON.stringify(sa.got)).not.toContain(a.user.id);
    sa.stop();
    sc.stop();
  });

  it('refuses malformed ids, unknown topics and unauthenticated subscribers', async () => {
    const { b } = await signedIn('viewer');
    for (const lastEventId of ['abc', '-1', '01', '9'.repeat(30), '1.5']) {
      const s = follow((o) => b.client.events.dashboard.subscribe({ lastEventId }, o));
      await eventually(async () => expect(s.errors).toHaveLength(1));
      expect((s.errors[0] as { data?: { code?: string } }).data?.code).toBe('BAD_REQUEST');
      expect(s.got).toEqual([]);
    }
    const badTopic = follow((o) => b.client.events.stream.subscribe({ topics: ['secrets'] } as unknown as { topics: ['session'] }, o));
    await eventually(async () => expect((badTopic.errors[0] as { data?: { code?: string } } | undefined)?.data?.code).toBe('BAD_REQUEST'));
    const fixed = follow((o) => b.client.events.dashboard.subscribe({ topics: ['session'] }, o));
    await eventually(async () => expect((fixed.errors[0] as { data?: { code?: string } } | undefined)?.data?.code).toBe('BAD_REQUEST'));

    const anonymous = new TestBrowser(h);
    open.push(anonymous);
    const anon = follow((o) => anonymous.client.events.dashboard.subscribe(undefined, o));
    await eventually(async () => expect(anon.errors).toHaveLength(1));
    expect(reasonOf(anon.errors[0])).toBe('TOKEN_INVALID');
    expect(anon.got).toEqual([]);
  });

  it('revokes 1,000 sessions in one call (200) and every subscribed tab hears it before its socket closes', async () => {
    const username = `many${Date.now() % 10_000}`;
    const user = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role: 'trader' });
    const actor = new TestBrowser(h);
    open.push(actor);
    await actor.signedIn(username);
    // Three real tabs, each subscribed to events.session on its own socket.
    const tabs: { seen: string[]; closed: Promise<number> }[] = [];
    for (let i = 0; i < 3; i++) {
      const tab = new TestBrowser(h);
      open.push(tab);
      await tab.signedIn(username);
      const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws?connectionParams=1`, { origin: TEST_ORIGIN });
      const seen: string[] = [];
      ws.on('message', (m: Buffer) => {
        const msg = JSON.parse(m.toString('utf8')) as { result?: { type?: string; data?: { json?: { type?: string; reason?: string } } } };
        if (msg.result?.type === 'data') seen.push(`${msg.result.data?.json?.type}:${msg.result.data?.json?.reason}`);
        if (msg.result?.type === 'started') seen.push('started');
      });
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token: tab.token } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.session', input: { json: undefined } } }));
      tabs.push({ seen, closed });
    }
    await eventually(async () => expect(tabs.every((t) => t.seen.includes('started'))).toBe(true));
    await h.services.db.sql.query(
      `INSERT INTO sessions (id, user_id, expires_at, auth_time, amr) SELECT gen_random_uuid(), $1::uuid, now() + interval '1 day', now(), '{pwd}' FROM generate_series(1, 1000)`,
      [user.id],
    );

    const res = await actor.client.auth.revokeOtherSessions.mutate();
    expect(res.revoked).toBe(1_003);
    for (const t of tabs) {
      expect(await t.closed).toBe(WS_CLOSE.sessionRevoked);
      expect(t.seen).toEqual(['started', 'revoked:revoked_by_user']);
    }
    expect(await h.services.prisma.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(1);
    // The actor's own session is untouched.
    expect((await actor.client.auth.me.query()).username).toBe(username);
  });

  it('reaches the tabs of another API process: events stream there, and a revocation made here closes its socket there', async () => {
    const other = await startHarness({ LOGIN_RATE_LIMIT: '1000' }, { db: h.db });
    const username = `two${Date.now() % 10_000}`;
    await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role: 'viewer' });
    const tab = new TestBrowser(other);
    const actor = new TestBrowser(h);
    open.push(actor);
    try {
      await tab.signedIn(username);
      await actor.signedIn(username);
      const s = follow((o) => tab.client.events.dashboard.subscribe(undefined, o));
      let started!: () => void;
      const isStarted = new Promise<void>((r) => (started = r));
      const revoked = new Promise<string>((resolve) => tab.client.events.session.subscribe(undefined, { onData: (e) => resolve(e.reason), onStarted: () => started() }));
      await eventually(async () => expect(s.got[0]?.data.type).toBe('ready'));
      await isStarted;
      const id = await h.services.liveBus.publish(positions(1));
      await eventually(async () => expect(s.got.map((e) => e.id)).toEqual([s.got[0]!.id, id]));
      expect(other.services.sockets.size).toBeGreaterThan(0);
      await actor.client.auth.revokeOtherSessions.mutate();
      expect(await revoked).toBe('revoked_by_user');
      await eventually(async () => expect(other.services.sockets.size).toBe(0));
    } finally {
      tab.close();
      await other.close();
    }
  });

  it('still refuses a revoked session’s token when it resubscribes with a last id', async () => {
    const { b } = await signedIn('viewer');
    const s = follow((o) => b.client.events.dashboard.subscribe(undefined, o));
    await eventually(async () => expect(s.got[0]?.data.type).toBe('ready'));
    s.stop();
    await b.client.auth.logout.mutate();
    const err = await failure(new Promise((resolve, reject) => b.client.events.dashboard.subscribe({ lastEventId: s.got[0]!.id }, { onData: resolve, onError: reject })));
    expect(reasonOf(err)).toBe('SESSION_REVOKED');
  });
});
