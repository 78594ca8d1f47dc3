// The expiry check over a real database with a controllable clock: each warning once per
// login (a repeat check or a second process sends nothing), a new login starts over, and the
// deadline itself turns into reauth_required.
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../security/keyring.ts';
import type { StoredSecurityEvent } from '../security/security-events.ts';
import { checkSchwabExpiry } from './expiry.ts';
import { FakeSchwab } from './fake/server.ts';
import { storeIssuedTokens, testDeps, TestClock } from './testing.ts';

const H = 60 * 60 * 1000;
const keyring = Keyring.parse(`e1:${Buffer.alloc(32, 5).toString('base64')}`);

describe('Schwab expiry check', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  beforeAll(async () => {
    db = await createTestDatabase();
    fake = new FakeSchwab();
    await fake.start();
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  it('warns at 72, 24, 6 and 1 hours, each once per login, with an alert', async () => {
    const clock = new TestClock();
    const alerted: StoredSecurityEvent[] = [];
    const deps = testDeps({ db, keyring, fake, clock, alerted });
    await storeIssuedTokens(deps, fake, clock);
    const warned: number[] = [];
    // Every 30 minutes over the whole week, with a second "process" checking at the same moments.
    for (let t = 0; t < 7 * 24 * H - 1; t += H / 2) {
      const [a, b] = await Promise.all([checkSchwabExpiry(deps), checkSchwabExpiry(deps)]);
      for (const r of [a, b]) if (r.warned !== null) warned.push(r.warned);
      clock.advance(H / 2);
    }
    expect(warned).toEqual([72, 24, 6, 1]);
    const events = await db.prisma.securityEvent.findMany({ where: { type: 'schwab.expiring' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.severity, (e.details as { hoursLeft: number }).hoursLeft])).toEqual([
      ['warning', 72],
      ['warning', 24],
      ['warning', 6],
      ['warning', 1],
    ]);
    expect(alerted.map((e) => e.type)).toEqual(Array(4).fill('schwab.expiring'));

    // The deadline: reauth required, critical, once.
    clock.advance(H);
    expect(await checkSchwabExpiry(deps)).toEqual({ warned: null, reauthRequired: true });
    expect(await checkSchwabExpiry(deps)).toEqual({ warned: null, reauthRequired: false });
    expect(await db.prisma.securityEvent.count({ where: { type: 'schwab.reauth_required', severity: 'critical' } })).toBe(1);

    // A new login starts the warnings over.
    await storeIssuedTokens(deps, fake, clock);
    clock.advance(7 * 24 * H - 71 * H);
    expect((await checkSchwabExpiry(deps)).warned).toBe(72);
    expect((await checkSchwabExpiry(deps)).warned).toBeNull();
  });
});
