// The live bus: events are stored with increasing ids and NOTIFY carries only the id; the
// publisher delivers before publish resolves, exactly once; other processes read the rows,
// in order, and catch up a lost notification; a subscriber resumes after its last id, or is
// told to resync once those events are gone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { createLogger } from '../logger.ts';
import { eventually } from '../testing/harness.ts';
import { LIVE_CHANNEL, LiveBus, MIN_RETENTION_MS, type LiveEvent, type LivePublish } from './live-bus.ts';

const at = () => new Date().toISOString();
const stale = (n: number): LivePublish => ({ type: 'data.stale', payload: { source: `feed-${n}`, lastUpdatedAt: null } });

/** Collects what a subscription yields until it has `n` events (or times out). */
async function take(gen: AsyncGenerator<LiveEvent>, n: number, timeoutMs = 5_000): Promise<LiveEvent[]> {
  const out: LiveEvent[] = [];
  const timer = setTimeout(() => void gen.return(undefined), timeoutMs);
  for await (const e of gen) {
    out.push(e);
    if (out.length >= n) break;
  }
  clearTimeout(timer);
  return out;
}

describe('live bus', () => {
  let db: TestDatabase;
  let here: LiveBus;
  let there: LiveBus;
  const seenHere: LiveEvent[] = [];
  const seenThere: LiveEvent[] = [];
  const notifications: string[] = [];
  const logger = createLogger({ level: 'silent' });
  beforeAll(async () => {
    db = await createTestDatabase();
    here = new LiveBus(db.sql, logger, { retentionMs: 15 * 60_000, pollMs: 200 });
    there = new LiveBus(db.sql, logger, { retentionMs: 15 * 60_000, pollMs: 200 });
    await here.start();
    await there.start();
    here.onEvent((e) => seenHere.push(e));
    there.onEvent((e) => seenThere.push(e));
    await db.sql.listen(LIVE_CHANNEL, (p) => notifications.push(p));
  });
  afterAll(async () => {
    await here?.stop();
    await there?.stop();
    await db?.destroy();
  });

  it('stores the event, notifies only its id, delivers here before publish resolves and there once', async () => {
    const userId = randomUUID();
    const id = await here.publish({ type: 'session.revoked', userId, payload: { sessionIds: ['s1'], reason: 'logout' } });
    expect(id).toMatch(/^\d+$/);
    const expected = { id, topic: 'session', type: 'session.revoked', userId, payload: { sessionIds: ['s1'], reason: 'logout' } };
    expect(seenHere).toEqual([expect.objectContaining(expected)]); // already, before any other process
    await eventually(async () => expect(seenThere).toEqual([expect.objectContaining(expected)]));
    await eventually(async () => expect(notifications).toContain(id));
    expect(notifications.every((p) => /^\d+$/.test(p))).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // its own notification and a poll came back: still once
    expect(seenHere.filter((e) => e.id === id)).toHaveLength(1);
    expect(seenThere.filter((e) => e.id === id)).toHaveLength(1);
  });

  it('carries a payload far beyond NOTIFY’s 8000 bytes (1,000 session ids)', async () => {
    const sessionIds = Array.from({ length: 1_000 }, () => randomUUID());
    const id = await here.publish({ type: 'session.revoked', userId: randomUUID(), payload: { sessionIds, reason: 'reported_not_me' } });
    await eventually(async () => expect(seenThere.find((e) => e.id === id)?.payload).toEqual({ sessionIds, reason: 'reported_not_me' }));
  });

  it('refuses a payload that does not fit its type, or a private event without a user, and stores nothing', async () => {
    const [before] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM live_events');
    await expect(here.publish({ type: 'trade.recorded', payload: { tradeId: 't', symbol: 'AAPL', side: 'buy', quantity: 1.5, price: '10', at: at() } } as unknown as LivePublish)).rejects.toThrow();
    await expect(here.publish({ type: 'trade.recorded', payload: { tradeId: 't', symbol: 'AAPL', side: 'buy', quantity: '1e3', price: '10', at: at() } })).rejects.toThrow();
    await expect(here.publish({ type: 'user.disabled', payload: {} })).rejects.toThrow(/private/);
    await expect(here.publish({ type: 'no.such', payload: {} } as unknown as LivePublish)).rejects.toThrow(/unknown/);
    const [after] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM live_events');
    expect(after!.n).toBe(before!.n);
  });

  it('catches up an event whose notification was lost, in id order', async () => {
    const before = seenThere.length;
    // A writer that stored its row but whose NOTIFY never arrived.
    const [lost] = await db.sql.query<{ id: string }>(`INSERT INTO live_events (topic, type, payload) VALUES ('dashboard', 'data.stale', '{"source":"lost","lastUpdatedAt":null}') RETURNING id::text AS id`);
    const next = await here.publish(stale(1));
    await eventually(async () => expect(seenThere.slice(before).map((e) => e.id)).toEqual([lost!.id, next]));
    // And with no later notification at all, the poll finds it.
    const [quiet] = await db.sql.query<{ id: string }>(`INSERT INTO live_events (topic, type, payload) VALUES ('dashboard', 'data.stale', '{"source":"quiet","lastUpdatedAt":null}') RETURNING id::text AS id`);
    await eventually(async () => expect(seenThere.at(-1)?.id).toBe(quiet!.id));
  });

  it('skips rows of event types it does not know (a newer version) and keeps going', async () => {
    await db.sql.query(`INSERT INTO live_events (topic, type, payload) VALUES ('dashboard', 'from.the.future', '{}')`);
    const id = await here.publish(stale(2));
    await eventually(async () => expect(seenThere.at(-1)?.id).toBe(id));
    expect(seenThere.some((e) => (e.type as string) === 'from.the.future')).toBe(false);
  });

  it('delivers concurrent writers’ events to every process in one increasing order, none lost', async () => {
    const third = new LiveBus(db.sql, logger, { retentionMs: 0 });
    await third.start();
    const seen: string[] = [];
    third.onEvent((e) => seen.push(e.id));
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? here : there).publish(stale(100 + i))));
    await eventually(async () => expect(seen).toHaveLength(60));
    expect([...seen].sort((a, b) => Number(BigInt(a) - BigInt(b)))).toEqual(seen);
    expect(new Set(seen)).toEqual(new Set(ids));
    await third.stop();
  });

  it('resumes after a last id with exactly the events after it, filtered, then live ones', async () => {
    const mine = randomUUID();
    const other = randomUUID();
    const start = await here.publish(stale(200));
    const published: string[] = [];
    for (let i = 0; i < 5; i++) {
      published.push(await here.publish({ type: 'user.reauthorize', userId: mine, payload: {} }));
      await here.publish({ type: 'user.reauthorize', userId: other, payload: {} });
    }
    const gen = there.subscribe({ lastEventId: start, accept: (e) => e.userId === mine });
    const firstFive = take(gen, 6);
    await new Promise((r) => setTimeout(r, 50));
    const live = await here.publish({ type: 'user.disabled', userId: mine, payload: {} });
    const got = await firstFive;
    expect(got.map((e) => e.id)).toEqual([...published, live]);
  });

  it('starts a fresh subscription with ready (its resume point), and a lost or unknown last id with resync', async () => {
    const fresh = await take(there.subscribe({ accept: () => true }), 1);
    expect(fresh[0]).toMatchObject({ type: 'ready', topic: 'system' });
    const future = (BigInt(fresh[0]!.id) + 1_000n).toString();
    const unknown = await take(there.subscribe({ lastEventId: future, accept: () => true }), 1);
    expect(unknown[0]).toMatchObject({ type: 'resync', payload: { reason: 'unknown_id' } });

    const old = await here.publish(stale(300));
    await here.publish(stale(301));
    await db.sql.query(`UPDATE live_events SET created_at = now() - interval '16 minutes' WHERE id <= $1`, [old]);
    expect(await here.sweep()).toBeGreaterThan(0);
    const gone = await take(there.subscribe({ lastEventId: old, accept: () => true }), 1);
    expect(gone[0]).toMatchObject({ type: 'resync', payload: { reason: 'expired' } });
  });

  it('replays page by page, and resyncs when a sweep removes the rows it was about to read', async () => {
    const [first] = await db.sql.query<{ id: string }>(
      `INSERT INTO live_events (topic, type, payload)
       SELECT 'dashboard', 'data.stale', jsonb_build_object('source', 'bulk' || g, 'lastUpdatedAt', null) FROM generate_series(1, 1201) g
       RETURNING id::text AS id`,
    );
    await eventually(async () => expect(seenThere.at(-1)?.payload).toEqual({ source: 'bulk1201', lastUpdatedAt: null }));
    const start = BigInt(first!.id);
    const whole = await take(there.subscribe({ lastEventId: start.toString(), accept: () => true }), 1200);
    expect(whole.map((e) => BigInt(e.id))).toEqual(Array.from({ length: 1200 }, (_, i) => start + 1n + BigInt(i)));

    const gen = there.subscribe({ lastEventId: start.toString(), accept: () => true });
    for (let i = 0; i < 500; i++) expect((await gen.next()).value?.type).toBe('data.stale'); // the first page
    await db.sql.query('DELETE FROM live_events WHERE id <= $1', [(start + 700n).toString()]);
    expect((await gen.next()).value).toMatchObject({ type: 'resync', payload: { reason: 'expired' } });
    await gen.return(undefined);
  });

  it('sweeps only events older than the window, never the newest one, and never keeps less than 10 minutes', async () => {
    const short = new LiveBus(db.sql, logger, { retentionMs: 60_000 });
    expect(short.retentionMs).toBe(MIN_RETENTION_MS);
    const a = await here.publish(stale(400));
    const b = await here.publish(stale(401));
    await db.sql.query(`UPDATE live_events SET created_at = now() - interval '9 minutes' WHERE id = $1`, [a]);
    await short.sweep();
    expect(await db.sql.query('SELECT 1 FROM live_events WHERE id = $1', [a])).toHaveLength(1);
    // Everything is old now: all goes but the newest, so a tab holding its id has missed nothing.
    await db.sql.query(`UPDATE live_events SET created_at = now() - interval '1 hour'`);
    await short.sweep();
    const left = await db.sql.query<{ id: string }>('SELECT id::text AS id FROM live_events');
    expect(left).toEqual([{ id: b }]);
    const resumed = there.subscribe({ lastEventId: b, accept: () => true });
    const next = take(resumed, 1);
    await new Promise((r) => setTimeout(r, 50));
    const c = await here.publish(stale(402));
    expect((await next).map((e) => e.id)).toEqual([c]);
  });
});
