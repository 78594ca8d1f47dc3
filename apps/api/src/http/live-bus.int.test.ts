// The live bus: the publisher delivers its own event at once (before the database round
// trip) and exactly once; other processes receive it through LISTEN/NOTIFY; junk on the
// channel is ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { createLogger } from '../logger.ts';
import { eventually } from '../testing/harness.ts';
import { LIVE_CHANNEL, LiveBus, type LiveEvent } from './live-bus.ts';

describe('live bus', () => {
  let db: TestDatabase;
  let here: LiveBus;
  let there: LiveBus;
  const seenHere: LiveEvent[] = [];
  const seenThere: LiveEvent[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    const logger = createLogger({ level: 'silent' });
    here = new LiveBus(db.sql, logger);
    there = new LiveBus(db.sql, logger);
    await here.start();
    await there.start();
    here.onEvent((e) => seenHere.push(e));
    there.onEvent((e) => seenThere.push(e));
  });
  afterAll(async () => {
    await here?.stop();
    await there?.stop();
    await db?.destroy();
  });

  it('delivers locally before publish resolves, once, and to the other process through NOTIFY', async () => {
    const event: LiveEvent = { type: 'session.revoked', userId: 'u1', sessionIds: ['s1'], reason: 'logout' };
    const published = here.publish(event);
    expect(seenHere).toEqual([event]); // synchronously, before any database round trip
    await published;
    await eventually(async () => expect(seenThere).toEqual([event]));
    // Its own notification came back to `here` too, and was not delivered a second time.
    await new Promise((r) => setTimeout(r, 200));
    expect(seenHere).toEqual([event]);
  });

  it('ignores malformed payloads and payloads without an event', async () => {
    const before = seenThere.length;
    await db.sql.notify(LIVE_CHANNEL, 'not json');
    await db.sql.notify(LIVE_CHANNEL, JSON.stringify({ origin: 'x' }));
    await db.sql.notify(LIVE_CHANNEL, 'null');
    const marker: LiveEvent = { type: 'user.disabled', userId: 'u2' };
    await here.publish(marker);
    await eventually(async () => expect(seenThere.at(-1)).toEqual(marker));
    expect(seenThere.length).toBe(before + 1);
  });
});
