// Key rotation end to end on one database: enrol under key A, rotate to B, drop A, and
// everyone still signs in; a server with the wrong keys refuses to start.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartupError } from '../config.ts';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { startHarness, type Harness } from '../testing/harness.ts';
import { checkEncryptionKeys, findUndecryptable, Keyring, keyIdOf, rotateEncryptedColumns } from '../security/keyring.ts';
import { browser, closeBrowsers, codeAt, enrol, PASSWORD, settleInStep, stepNow } from './testing.ts';

const A = `old:${randomBytes(32).toString('base64')}`;
const B = `new:${randomBytes(32).toString('base64')}`;
const material = [A, B].map((k) => k.split(':')[1]!);

async function startupFailure(h: Harness, keys: string | undefined): Promise<string> {
  try {
    await checkEncryptionKeys({ ...h.services, keyring: Keyring.parse(keys) });
  } catch (err) {
    expect(err).toBeInstanceOf(StartupError);
    return (err as Error).message;
  }
  throw new Error('expected the start-up check to fail');
}

describe('encryption keys', () => {
  let db: TestDatabase;
  let h: Harness;
  const enrolled: { username: string; secret: string; userId: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    h = await startHarness({ ENCRYPTION_KEYS: A, TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '1000' }, { db });
  });
  afterAll(async () => {
    closeBrowsers();
    h?.expectLogsFreeOf([...material, ...enrolled.map((e) => e.secret)]);
    await h?.close();
    await db?.destroy();
  });

  it('rotates every stored secret to the first key; with the old key removed, every 2FA user still signs in', async () => {
    await settleInStep();
    const s = stepNow();
    for (let i = 0; i < 2; i++) {
      const e = await enrol(h, { enableStep: s - 1 });
      enrolled.push({ username: e.username, secret: e.secret, userId: e.user.id });
    }
    // One more with an enrolment still pending: that column is rotated too.
    const p = await enrol(h);
    await p.b.client.twoFactor.disable.mutate({ password: PASSWORD, code: p.backupCodes[0]! });
    await p.b.client.twoFactor.setup.mutate();
    expect(await checkEncryptionKeys(h.services)).toBeUndefined();

    // Before rotating, a server with only the new key must not start, and says why.
    const missing = await startupFailure(h, B);
    expect(missing).toMatch(/ENCRYPTION_KEYS cannot decrypt 3 of 3/);
    expect(missing).toContain('key id "old"');
    const none = await startupFailure(h, undefined);
    expect(none).toMatch(/ENCRYPTION_KEYS is not set/);
    const swapped = await startupFailure(h, `old:${material[1]}`);
    expect(swapped).toMatch(/does not decrypt with the key listed as "old"/);
    for (const m of [missing, none, swapped]) for (const k of material) expect(m).not.toContain(k);

    const report = await rotateEncryptedColumns(h.services.prisma, Keyring.parse(`${B},${A}`));
    expect(report.problems).toEqual([]);
    expect(report.columns.filter((c) => c.column.startsWith('users.'))).toEqual([
      { column: 'users.totp_secret', total: 2, rotated: 2, alreadyCurrent: 0, changedMeanwhile: 0 },
      { column: 'users.totp_pending_secret', total: 1, rotated: 1, alreadyCurrent: 0, changedMeanwhile: 0 },
    ]);
    const again = await rotateEncryptedColumns(h.services.prisma, Keyring.parse(`${B},${A}`));
    expect(again.columns.map((c) => c.rotated)).toEqual([0, 0, 0, 0, 0]);
    const rows = await db.sql.query<{ a: string | null; b: string | null }>('SELECT totp_secret AS a, totp_pending_secret AS b FROM users');
    for (const v of rows.flatMap((r) => [r.a, r.b]).filter((x): x is string => x !== null)) expect(keyIdOf(v)).toBe('new');
    closeBrowsers();
    h.expectLogsFreeOf([...material, ...enrolled.map((e) => e.secret), p.secret]);
    await h.close();

    // The old key is gone: the server starts and everyone signs in with their authenticator.
    h = await startHarness({ ENCRYPTION_KEYS: B, TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '1000' }, { db });
    expect(await checkEncryptionKeys(h.services)).toBeUndefined();
    for (const e of enrolled) {
      const res = await browser(h).signIn(e.username, await codeAt(e.secret, s));
      expect(res.status).toBe('ok');
    }
    expect(await startupFailure(h, A)).toContain('key id "new"');
  });

  it('a secret copied to another user does not decrypt there, and start-up names the row problem', async () => {
    const [first, second] = enrolled as [(typeof enrolled)[number], (typeof enrolled)[number]];
    const { prisma, keyring } = h.services;
    const source = await prisma.user.findUniqueOrThrow({ where: { id: first.userId } });
    const target = await prisma.user.findUniqueOrThrow({ where: { id: second.userId } });
    await prisma.user.update({ where: { id: second.userId }, data: { totpSecret: source.totpSecret } });
    expect(() => keyring.decrypt(source.totpSecret!, { column: 'users.totp_secret', rowId: second.userId })).toThrow(/does not decrypt/);
    const found = await findUndecryptable(prisma, keyring);
    expect(found.problems).toEqual([{ column: 'users.totp_secret', rowId: second.userId, kind: 'cannot_decrypt', keyId: 'new' }]);
    // The copied secret's codes do not open the other account.
    const b = browser(h);
    const login = await b.client.auth.login.mutate({ username: second.username, password: PASSWORD });
    if (login.status !== 'second_factor_required') throw new Error('expected a challenge');
    const sessions = await prisma.session.count({ where: { userId: second.userId } });
    await expect(b.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code: await codeAt(first.secret, stepNow()) })).rejects.toThrow();
    expect(await prisma.session.count({ where: { userId: second.userId } })).toBe(sessions);
    const alarm = await prisma.securityEvent.findFirstOrThrow({ where: { type: 'two_factor.secret_unreadable', userId: second.userId } });
    expect(alarm).toMatchObject({ severity: 'critical', details: { kind: 'cannot_decrypt', keyId: 'new' } });
    await prisma.user.update({ where: { id: second.userId }, data: { totpSecret: target.totpSecret } });
    expect((await findUndecryptable(prisma, keyring)).problems).toEqual([]);
  });
});
