import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { createAccount } from '../auth/accounts.ts';
import { createLogger } from '../logger.ts';
import { canonicalJson } from './canonical-json.ts';
import { CHECKPOINT_MESSAGE, GENESIS_HASH, legacyHashEvent, parseCheckpoints, PRUNED_EVENT, SecurityEvents, SUPPRESSED_EVENT, type Checkpoint } from './security-events.ts';

const SECRET = randomBytes(48).toString('base64');

async function rows(db: TestDatabase) {
  return db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' } });
}

describe('security log hash chain', () => {
  let db: TestDatabase;
  let log: SecurityEvents;
  beforeAll(async () => {
    db = await createTestDatabase();
    log = new SecurityEvents(db.prisma, { secretKey: SECRET });
  });
  afterAll(async () => db?.destroy());

  it('links every row to the one before it, keyed', async () => {
    const a = await log.record({ type: 'test.a', details: { z: 1, a: [1, { y: 2, b: 3 }] } });
    const b = await log.record({ type: 'test.b', severity: 'critical', ip: '10.0.0.1' });
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect(b.hashVersion).toBe(2);
    expect(await log.verify()).toMatchObject({ ok: true, count: 2, problems: [] });
    // Another key does not verify the same rows.
    const other = await new SecurityEvents(db.prisma, { secretKey: randomBytes(48).toString('base64') }).verify();
    expect(other.ok).toBe(false);
    expect(other.problems.map((p) => p.kind)).toEqual(['edited', 'edited']);
  });

  it('keeps one unbroken chain under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.record({ type: 'test.concurrent', details: { i } })));
    expect(await log.verify()).toMatchObject({ ok: true });
    const all = await rows(db);
    expect(new Set(all.map((r) => r.prevHash)).size).toBe(all.length); // no fork
  });

  it('names every edited row, not only the first', async () => {
    const [, second, , , fifth] = await rows(db);
    await db.sql.query(`UPDATE security_events SET ip = '6.6.6.6' WHERE id = $1`, [second!.id.toString()]);
    await db.sql.query(`UPDATE security_events SET details = '{"forged":true}' WHERE id = $1`, [fifth!.id.toString()]);
    const res = await log.verify();
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => [p.id, p.kind])).toEqual([
      [second!.id, 'edited'],
      [fifth!.id, 'edited'],
    ]);
    expect(res.count).toBe((await rows(db)).length); // walked to the end
    await db.sql.query(`UPDATE security_events SET ip = $2 WHERE id = $1`, [second!.id.toString(), second!.ip]);
    await db.sql.query(`UPDATE security_events SET details = $2 WHERE id = $1`, [fifth!.id.toString(), JSON.stringify(fifth!.details)]);
    expect((await log.verify()).ok).toBe(true);
  });

  it('names the row after a deleted one, and still checks the rest', async () => {
    const all = await rows(db);
    await db.sql.query('DELETE FROM security_events WHERE id = $1', [all[1]!.id.toString()]);
    await db.sql.query(`UPDATE security_events SET type = 'forged' WHERE id = $1`, [all[10]!.id.toString()]);
    const res = await log.verify();
    expect(res.problems.map((p) => [p.id, p.kind])).toEqual([
      [all[2]!.id, 'link'],
      [all[10]!.id, 'edited'],
    ]);
    await db.sql.query(`UPDATE security_events SET type = $2 WHERE id = $1`, [all[10]!.id.toString(), all[10]!.type]);
  });

  it('names the user of an event that only knew the id, as the name was then', async () => {
    const user = await createAccount(db.prisma, { username: 'renamed-later', password: 'lantern orbit cactus meadow', role: 'viewer' });
    const byId = await log.record({ type: 'test.by_id', userId: user.id });
    const named = await log.record({ type: 'test.named', userId: user.id, username: 'typed-name' });
    await db.prisma.user.update({ where: { id: user.id }, data: { username: 'new-name' } });
    expect(byId.username).toBe('renamed-later');
    expect(named.username).toBe('typed-name');
    expect((await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'test.by_id' } })).username).toBe('renamed-later');
    expect((await log.record({ type: 'test.nobody' })).username).toBeNull();
  });
});

describe('what is hashed is what is stored', () => {
  let db: TestDatabase;
  let log: SecurityEvents;
  beforeAll(async () => {
    db = await createTestDatabase();
    log = new SecurityEvents(db.prisma, { secretKey: SECRET });
  });
  afterAll(async () => db?.destroy());

  it('stores lone surrogates as U+FFFD, drops NUL, normalises to NFC, everywhere', async () => {
    const e = await log.record({
      type: 'test.\uD800odd\u0000',
      username: 'eve\uDC00\u0000',
      ip: '1.2.3.4\u0000',
      userAgent: 'agent\uD83D',
      details: {
        'k\u0000ey\uD800': 'v\u0000al\uDFFF',
        nested: { list: ['\uD800', 'e\u0301', 'ok 😀'], deep: { 'x\u0000': '\u0000' } },
        '__proto__': 'stays data',
        n: Number.NaN,
        big: 12n,
        when: new Date('2026-01-02T03:04:05.000Z'),
      },
    });
    expect(e.username).toBe('eve\uFFFD');
    expect(e.type).toBe('test.\uFFFDodd');
    expect(e.userAgent).toBe('agent\uFFFD');
    const stored = await db.prisma.securityEvent.findUniqueOrThrow({ where: { id: e.id } });
    expect(stored.username).toBe('eve\uFFFD');
    expect(stored.details).toEqual({
      'key\uFFFD': 'val\uFFFD',
      nested: { list: ['\uFFFD', '\u00E9', 'ok 😀'], deep: { x: '' } },
      '__proto__': 'stays data',
      n: null,
      big: '12',
      when: '2026-01-02T03:04:05.000Z',
    });
    expect(await log.verify()).toMatchObject({ ok: true, count: 1 });
  });

  it('bounds lengths without splitting a surrogate pair', async () => {
    const e = await log.record({ type: 't', username: 'a'.repeat(511) + '😀', details: { big: 'x'.repeat(100_000), many: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])) } });
    expect(e.username).toBe('a'.repeat(511));
    const d = e.details as { big: string; many: Record<string, number> };
    expect(d.big.length).toBe(1024);
    expect(Object.keys(d.many)).toHaveLength(64);
    const huge = await log.record({ type: 't', details: { list: Array.from({ length: 64 }, () => 'y'.repeat(1024)) } });
    expect(huge.details).toMatchObject({ truncated: true });
    expect((await log.verify()).ok).toBe(true);
  });
});

describe('checkpoints and rewrites', () => {
  let db: TestDatabase;
  let log: SecurityEvents;
  let checkpoint: Checkpoint;
  beforeAll(async () => {
    db = await createTestDatabase();
    log = new SecurityEvents(db.prisma, { secretKey: SECRET });
  });
  beforeEach(async () => {
    await db.sql.query('DELETE FROM security_events');
    for (let i = 0; i < 6; i++) await log.record({ type: 'test.row', details: { i } });
    checkpoint = (await log.head())!;
  });
  afterAll(async () => db?.destroy());

  it('reports truncation of the newest rows only against a checkpoint', async () => {
    const all = await rows(db);
    await db.sql.query('DELETE FROM security_events WHERE id >= $1', [all[4]!.id.toString()]);
    expect((await log.verify()).ok).toBe(true); // the table alone cannot tell
    const res = await log.verify({ checkpoints: [checkpoint] });
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([expect.objectContaining({ id: checkpoint.id, kind: 'checkpoint', reason: expect.stringMatching(/truncated/) })]);
  });

  it('detects a consistent rewrite by someone without the key', async () => {
    // The attacker recomputes every row under a key of their own, linking correctly.
    const forgedKey = randomBytes(32);
    let prev = GENESIS_HASH;
    for (const r of await rows(db)) {
      const row = { ...r, details: { i: 99 }, prevHash: prev };
      const hash = createHmac('sha256', forgedKey).update(canonicalJson([2, r.id.toString(), r.createdAt.toISOString(), r.type, r.severity, r.userId, r.username, r.ip, r.userAgent, row.details, prev])).digest('hex');
      await db.sql.query('UPDATE security_events SET details = $2, prev_hash = $3, hash = $4 WHERE id = $1', [r.id.toString(), JSON.stringify(row.details), prev, hash]);
      prev = hash;
    }
    const res = await log.verify();
    expect(res.problems).toHaveLength(6);
    expect(new Set(res.problems.map((p) => p.kind))).toEqual(new Set(['edited']));
  });

  it('detects a rewrite into the old unkeyed scheme: downgrade after keyed rows, or by the checkpoint', async () => {
    const all = await rows(db);
    // Only the tail rewritten as unkeyed: refused as a downgrade.
    let prev = all[2]!.hash;
    for (const r of all.slice(3)) {
      const hash = legacyHashEvent({ ...r, prevHash: prev });
      await db.sql.query('UPDATE security_events SET hash_version = 1, prev_hash = $2, hash = $3 WHERE id = $1', [r.id.toString(), prev, hash]);
      prev = hash;
    }
    expect((await log.verify()).problems.map((p) => p.kind)).toEqual(['downgrade', 'downgrade', 'downgrade']);
    // The whole table rewritten as unkeyed looks like a pre-migration log; the checkpoint catches it.
    prev = GENESIS_HASH;
    for (const r of all) {
      const hash = legacyHashEvent({ ...r, details: { i: -1 }, prevHash: prev });
      await db.sql.query(`UPDATE security_events SET hash_version = 1, details = '{"i":-1}', prev_hash = $2, hash = $3 WHERE id = $1`, [r.id.toString(), prev, hash]);
      prev = hash;
    }
    const res = await log.verify({ checkpoints: [checkpoint] });
    expect(res.problems).toEqual([expect.objectContaining({ id: checkpoint.id, kind: 'checkpoint', reason: expect.stringMatching(/rewritten/) })]);
  });

  it('verifies rows written before the chain was keyed, and the keyed rows linked after them', async () => {
    const all = await rows(db);
    // What the migration leaves: the old rows as version 1 with their SHA-256 chain.
    let prev = GENESIS_HASH;
    for (const r of all) {
      const hash = createHash('sha256').update(prev).update(canonicalJson([r.id.toString(), r.createdAt.toISOString(), r.type, r.severity, r.userId, r.username, r.ip, r.userAgent, r.details, prev])).digest('hex');
      await db.sql.query('UPDATE security_events SET hash_version = 1, prev_hash = $2, hash = $3 WHERE id = $1', [r.id.toString(), prev, hash]);
      prev = hash;
    }
    const keyed = await log.record({ type: 'test.after_migration' });
    expect(keyed.prevHash).toBe(prev);
    expect(await log.verify()).toMatchObject({ ok: true, legacy: 6, count: 7 });
    await db.sql.query(`UPDATE security_events SET type = 'forged' WHERE id = $1`, [all[1]!.id.toString()]);
    expect((await log.verify()).problems.map((p) => [p.id, p.kind])).toEqual([[all[1]!.id, 'edited']]);
  });

});

describe('checkpoint lines', () => {
  it('logs the head at shutdown and every N events, in a form verify reads back', async () => {
    const db = await createTestDatabase();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) });
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET, logger, checkpointEvery: 3 });
    for (let i = 0; i < 4; i++) await log.record({ type: 'test.row' });
    await log.stop();
    const cps = parseCheckpoints(lines.filter((l) => l.includes(CHECKPOINT_MESSAGE)).join('\n'));
    const all = await rows(db);
    expect(cps).toEqual([
      { id: all[2]!.id, hash: all[2]!.hash },
      { id: all[3]!.id, hash: all[3]!.hash },
    ]);
    expect((await log.verify({ checkpoints: cps })).ok).toBe(true);
    await db.destroy();
  });

  it('reads checkpoints from log lines', () => {
    const text = [
      '{"level":30,"securityLogHead":"12:' + 'a'.repeat(64) + '","msg":"security log checkpoint"}',
      'garbage',
      '7:' + 'b'.repeat(64),
    ].join('\n');
    expect(parseCheckpoints(text)).toEqual([
      { id: 12n, hash: 'a'.repeat(64) },
      { id: 7n, hash: 'b'.repeat(64) },
    ]);
  });
});

describe('retention', () => {
  let db: TestDatabase;
  let clock: Date;
  let log: SecurityEvents;
  beforeAll(async () => {
    db = await createTestDatabase();
    clock = new Date('2026-01-01T00:00:00Z');
    log = new SecurityEvents(db.prisma, { secretKey: SECRET, retentionDays: 90, now: () => clock });
  });
  afterAll(async () => db?.destroy());

  const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);

  it('prunes old info rows, keeps warnings and critical ones, and the chain still verifies', async () => {
    for (let i = 0; i < 30; i++) {
      clock = day(i);
      await log.record({ type: 'old', severity: i % 5 === 0 ? 'warning' : i % 7 === 0 ? 'critical' : 'info', details: { i } });
    }
    const checkpoint = (await log.head())!;
    clock = day(100); // rows of days 0–9 are older than 90 days
    const pruned = await log.prune();
    expect(pruned?.type).toBe(PRUNED_EVENT);
    const left = await rows(db);
    const oldLeft = left.filter((r) => r.type === 'old' && r.createdAt < day(10));
    expect(oldLeft.map((r) => r.severity)).toEqual(['warning', 'warning', 'critical']); // days 0, 5, 7
    expect(left.filter((r) => r.type === 'old' && r.createdAt >= day(10))).toHaveLength(20);
    const res = await log.verify({ checkpoints: [checkpoint] });
    expect(res).toMatchObject({ ok: true, problems: [] });
    expect(res.notes.join('\n')).toMatch(/retention run/);
    expect(await log.prune()).toBeUndefined(); // nothing more to do
  });

  it('a second run later covers the next stretch, and both still verify', async () => {
    clock = day(115);
    const second = await log.prune();
    expect(second).toBeDefined();
    expect(await log.verify()).toMatchObject({ ok: true });
  });

  it('deleting a kept row inside a pruned stretch is still tampering', async () => {
    const kept = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'old', severity: 'critical' }, orderBy: { id: 'asc' } });
    await db.sql.query('DELETE FROM security_events WHERE id = $1', [kept.id.toString()]);
    const res = await log.verify();
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => p.kind)).toContain('pruned-range');
  });
});

describe('per-address budget', () => {
  let db: TestDatabase;
  afterAll(async () => db?.destroy());

  it('writes at most the budget per address per minute, then one summary row', async () => {
    db = await createTestDatabase();
    let clock = new Date('2026-01-01T00:00:00Z');
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET, perAddressPerMinute: 5, now: () => clock });
    for (let i = 0; i < 50; i++) await log.recordFromRequest({ type: 'token.invalid', severity: 'warning', ip: '203.0.113.9' });
    await log.recordFromRequest({ type: 'token.invalid', severity: 'warning', ip: '203.0.113.10' }); // another address is not starved
    await log.recordFromRequest({ type: 'auth.lockout', severity: 'critical', ip: '203.0.113.9' }); // critical always written
    await log.recordFromRequest({ type: 'auth.login', userId: null, ip: '203.0.113.9', details: {} });
    expect(await db.prisma.securityEvent.count({ where: { ip: '203.0.113.9' } })).toBe(6);
    clock = new Date(clock.getTime() + 61_000);
    await log.flushSuppressed();
    const summary = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: SUPPRESSED_EVENT } });
    expect(summary).toMatchObject({ ip: '203.0.113.9', severity: 'warning', details: expect.objectContaining({ suppressed: 46, byType: { 'token.invalid': 45, 'auth.login': 1 } }) });
    // A new window has a new budget.
    await log.recordFromRequest({ type: 'token.invalid', severity: 'warning', ip: '203.0.113.9' });
    expect(await db.prisma.securityEvent.count({ where: { ip: '203.0.113.9' } })).toBe(8);
    expect((await log.verify()).ok).toBe(true);
  });
});
