// Audit notes written right after the answer (recordSoon): in order, in the one chain, never
// lost to a failed write or to shutdown, never written twice.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { createLogger } from '../logger.ts';
import { SecurityEvents } from './security-events.ts';

const SECRET = randomBytes(48).toString('base64');

/** Makes inserts into the log fail (only those of `type` when given), as a database refusing writes would, until healed. */
async function breakLogWrites(db: TestDatabase, type?: string): Promise<() => Promise<void>> {
  const when = type === undefined ? 'true' : `NEW.type = '${type.replace(/'/g, "''")}'`;
  await db.sql.exec(`
    CREATE OR REPLACE FUNCTION test_refuse_security_events() RETURNS trigger AS $$
    BEGIN IF ${when} THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_refuse_security_events BEFORE INSERT ON security_events
      FOR EACH ROW EXECUTE FUNCTION test_refuse_security_events();`);
  return async () => {
    await db.sql.exec(`DROP TRIGGER test_refuse_security_events ON security_events; DROP FUNCTION test_refuse_security_events();`);
  };
}

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination: sink }), lines };
}

describe('security events written after the answer', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.destroy());
  beforeEach(async () => {
    await db.sql.exec('DELETE FROM security_events');
  });

  it('writes queued events in the order queued, in the same chain as events written at once, and the chain verifies', async () => {
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET });
    log.recordSoon({ type: 'test.soon', details: { i: 0 } });
    log.recordSoon({ type: 'test.soon', details: { i: 1 } });
    // Not written yet: the caller's answer does not wait for it.
    expect(await db.prisma.securityEvent.count()).toBe(0);
    const direct = log.record({ type: 'test.now' });
    for (let i = 2; i < 30; i++) log.recordSoon({ type: 'test.soon', details: { i } });
    await direct;
    await log.settled();
    const rows = await db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(31);
    // The chain holds them in the order they were raised, the direct one included.
    expect(rows.map((r) => (r.type === 'test.now' ? 'now' : (r.details as { i: number }).i))).toEqual([0, 1, 'now', ...Array.from({ length: 28 }, (_, i) => i + 2)]);
    expect(await log.verify()).toMatchObject({ ok: true, count: 31, problems: [] });
  });

  it('keeps the time an event was queued, not the time it was written', async () => {
    let now = new Date('2026-03-02T14:30:00.000Z');
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET, now: () => now });
    log.recordSoon({ type: 'test.when' });
    now = new Date('2026-03-02T14:31:00.000Z');
    await log.settled();
    const row = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'test.when' } });
    expect(row.createdAt.toISOString()).toBe('2026-03-02T14:30:00.000Z');
    expect((await log.verify()).ok).toBe(true);
  });

  it('a failed write loses nothing and writes nothing twice: the queue is retried once the database takes writes again', async () => {
    const { logger, lines } = captureLogger();
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET, logger });
    const heal = await breakLogWrites(db);
    try {
      for (let i = 0; i < 5; i++) log.recordSoon({ type: 'test.retry', details: { i } });
      await log.settled();
      expect(await db.prisma.securityEvent.count()).toBe(0);
      expect(lines.some((l) => l.msg === 'could not write queued security events; retrying' && l.queued === 5)).toBe(true);
      log.recordSoon({ type: 'test.retry', details: { i: 5 } });
    } finally {
      await heal();
    }
    // The retry due in a second, or settled() now: either way each event once, in order.
    await log.settled();
    const rows = await db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => (r.details as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5]);
    await new Promise((r) => setTimeout(r, 1200)); // the retry timer, had it survived, would write duplicates now
    expect(await db.prisma.securityEvent.count()).toBe(6);
    expect((await log.verify()).ok).toBe(true);
  });

  it('a caller of record() hears a failed write at once; the queued notes beside it stay for the retry', async () => {
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET });
    const heal = await breakLogWrites(db);
    try {
      log.recordSoon({ type: 'test.queued' });
      await expect(log.record({ type: 'test.direct', severity: 'warning' })).rejects.toThrow(/refused by test/);
    } finally {
      await heal();
    }
    await log.settled();
    const rows = await db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.type)).toEqual(['test.queued']);
    // And the log takes direct writes again.
    await expect(log.record({ type: 'test.direct' })).resolves.toMatchObject({ type: 'test.direct' });
  });

  it('a queued note the database refuses does not hold back a direct write (an alert\'s event) raised after it', async () => {
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET });
    const heal = await breakLogWrites(db, 'test.poison');
    try {
      log.recordSoon({ type: 'test.poison' });
      await expect(log.record({ type: 'test.alert', severity: 'critical' })).resolves.toMatchObject({ type: 'test.alert' });
      await expect(log.record({ type: 'test.alert', severity: 'critical' })).resolves.toMatchObject({ type: 'test.alert' });
      expect((await db.prisma.securityEvent.findMany()).map((r) => r.type)).toEqual(['test.alert', 'test.alert']);
    } finally {
      await heal();
    }
    await log.settled();
    expect((await db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' } })).map((r) => r.type)).toEqual(['test.alert', 'test.alert', 'test.poison']);
    expect((await log.verify()).ok).toBe(true);
  });

  it('the retry happens on its own, without anyone waiting', async () => {
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET });
    const heal = await breakLogWrites(db);
    log.recordSoon({ type: 'test.self_retry' });
    await log.settled();
    await heal();
    await expect.poll(() => db.prisma.securityEvent.count({ where: { type: 'test.self_retry' } }), { timeout: 5000, interval: 100 }).toBe(1);
  });

  it('stop() writes what is queued before returning', async () => {
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET });
    for (let i = 0; i < 250; i++) log.recordSoon({ type: 'test.shutdown', details: { i } }); // more than one batch
    await log.stop();
    expect(await db.prisma.securityEvent.count({ where: { type: 'test.shutdown' } })).toBe(250);
    expect((await log.verify()).ok).toBe(true);
  });

  it('stop() names what it could not write, by type, without the events themselves', async () => {
    const { logger, lines } = captureLogger();
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET, logger });
    const heal = await breakLogWrites(db);
    try {
      log.recordSoon({ type: 'test.lost', username: 'someone', details: { secretish: 'not-in-the-log' } });
      await log.stop();
    } finally {
      await heal();
    }
    const lost = lines.find((l) => l.msg === 'queued security events could not be written before shutdown');
    expect(lost).toMatchObject({ lost: 1, types: ['test.lost'] });
    expect(JSON.stringify(lines)).not.toContain('not-in-the-log');
  });

  it('an anonymous address over its budget is counted, not queued, as when written at once', async () => {
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET, perAddressPerMinute: 3 });
    for (let i = 0; i < 10; i++) await log.recordFromRequest({ type: 'test.anon', ip: '203.0.113.9' }, { soon: true });
    await log.settled();
    expect(await db.prisma.securityEvent.count({ where: { type: 'test.anon' } })).toBe(3);
    await log.stop();
    const summary = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'security_log.suppressed' } });
    expect(summary.details).toMatchObject({ suppressed: 7, written: 3 });
  });
});
