import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { createAccount } from '../auth/accounts.ts';
import { GENESIS_HASH, SecurityEvents } from './security-events.ts';

describe('security log hash chain', () => {
  let db: TestDatabase;
  let log: SecurityEvents;
  beforeAll(async () => {
    db = await createTestDatabase();
    log = new SecurityEvents(db.prisma);
  });
  afterAll(async () => db?.destroy());

  it('links every row to the one before it', async () => {
    const a = await log.record({ type: 'test.a', details: { z: 1, a: [1, { y: 2, b: 3 }] } });
    const b = await log.record({ type: 'test.b', severity: 'critical', ip: '10.0.0.1' });
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect(await log.verify()).toEqual({ ok: true, count: 2 });
  });

  it('keeps one unbroken chain under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.record({ type: 'test.concurrent', details: { i } })));
    const res = await log.verify();
    expect(res).toMatchObject({ ok: true });
    const rows = await db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' } });
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length); // no fork
  });

  it('names the edited row', async () => {
    const victim = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'test.b' } });
    await db.sql.query(`UPDATE security_events SET ip = '6.6.6.6' WHERE id = $1`, [victim.id.toString()]);
    const res = await log.verify();
    expect(res).toMatchObject({ ok: false, brokenAt: victim.id });
    await db.sql.query(`UPDATE security_events SET ip = '10.0.0.1' WHERE id = $1`, [victim.id.toString()]);
    expect((await log.verify()).ok).toBe(true);
  });

  it('names the row after a deleted one', async () => {
    const rows = await db.prisma.securityEvent.findMany({ orderBy: { id: 'asc' }, take: 3 });
    await db.sql.query('DELETE FROM security_events WHERE id = $1', [rows[1]!.id.toString()]);
    const res = await log.verify();
    expect(res).toMatchObject({ ok: false, brokenAt: rows[2]!.id });
    expect(res.ok ? '' : res.reason).toMatch(/link/);
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
