// A service run with no request at all: key rotation as a scheduled job would run it,
// with a system actor. The security log names the job; no address or browser is made up.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { createAccount } from '../auth/accounts.ts';
import { actorLabel, systemActor } from './actor.ts';
import { rotateEncryptionKeys } from './key-rotation.ts';
import { keyIdOf, Keyring } from './keyring.ts';
import { SecurityEvents } from './security-events.ts';

const OLD = `old:${randomBytes(32).toString('base64')}`;
const NEW = `new:${randomBytes(32).toString('base64')}`;

describe('services without a request', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.destroy());

  it('rotates the keys as system:<job> and the security log says so', async () => {
    const user = await createAccount(db.prisma, { username: 'keyholder', password: 'correct horse battery staple 93', role: 'trader' });
    const column = 'users.totp_secret' as const;
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await db.prisma.user.update({ where: { id: user.id }, data: { totpSecret: Keyring.parse(OLD).encrypt(secret, { column, rowId: user.id }) } });

    const keyring = Keyring.parse(`${NEW},${OLD}`);
    const securityEvents = new SecurityEvents(db.prisma);
    const report = await rotateEncryptionKeys({ prisma: db.prisma, keyring, securityEvents }, systemActor('nightly-rekey'));

    expect(report.columns.find((c) => c.column === column)).toMatchObject({ total: 1, rotated: 1 });
    const stored = (await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).totpSecret!;
    expect(keyIdOf(stored)).toBe('new');
    expect(Keyring.parse(NEW).decrypt(stored, { column, rowId: user.id })).toBe(secret);

    const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'encryption.keys_rotated' }, orderBy: { id: 'desc' } });
    expect(event.details).toMatchObject({ actor: 'system:nightly-rekey', primaryKeyId: 'new', rotated: 1, problems: 0 });
    expect(event).toMatchObject({ severity: 'warning', ip: null, userAgent: null, userId: null, username: null });
    expect(await securityEvents.verify()).toMatchObject({ ok: true });
  });

  it('prints a system actor as system:<job> and refuses job names that are not plain identifiers', () => {
    expect(actorLabel(systemActor('schwab.token-refresh'))).toBe('system:schwab.token-refresh');
    for (const bad of ['', 'Has Space', 'x'.repeat(65), 'line\nbreak', '../etc', 'ünïcode']) {
      expect(() => systemActor(bad), bad).toThrow(/system job name/);
    }
  });
});
