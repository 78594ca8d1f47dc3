// Backups that restore: a database with users, two-factor, a passkey, Schwab tokens, trades,
// configuration history and a security log goes to one file, is wiped, comes back, and people sign in as before. The keys never
// travel in the file, and the wrong keys are refused before anything is touched.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Database } from '@jutsu/db';
import { createServerDatabase, testDatabaseKind, type TestDatabase } from '@jutsu/db/testing';
import { SoftAuthenticator } from '../passkey/testing/soft-authenticator.ts';
import { accessCtx, refreshCtx, TOKEN_ROW_ID } from '../schwab/token-broker.ts';
import { Keyring } from '../security/keyring.ts';
import { startHarness } from '../testing/harness.ts';
import { TestBrowser } from '../testing/browser.ts';
import { browser, closeBrowsers, codeAt, enrol, settleInStep, stepNow } from '../two-factor/testing.ts';
import { BackupError } from './archive.ts';
import { createBackup, restoreBackup, type BackupTarget } from './service.ts';

const KEY = randomBytes(32);
const ENCRYPTION_KEYS = `bk1:${KEY.toString('base64')}`;
const SECRET_KEY = randomBytes(48).toString('base64');
const cleanups: (() => Promise<void>)[] = [];

/** A database of the configured kind that outlives one server: a PGlite directory or a server database. */
async function durableDatabase(): Promise<{ target: BackupTarget; open(): Promise<TestDatabase>; wipe(): Promise<void> }> {
  if (testDatabaseKind() === 'postgres') {
    const server = await createServerDatabase();
    cleanups.push(() => server.drop());
    const open = async (): Promise<TestDatabase> => {
      const db = await openDatabase({ url: server.url });
      await migrate(db.sql);
      return { ...db, url: server.url, destroy: () => db.close() };
    };
    return {
      target: { databaseUrl: server.url, pgliteDir: '' },
      open,
      async wipe() {
        const db = await openDatabase({ url: server.url });
        await db.sql.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
        await db.close();
      },
    };
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-backup-'));
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'pglite');
  return {
    target: { databaseUrl: undefined, pgliteDir: dir },
    async open() {
      const db: Database = await openDatabase({ dataDir: dir });
      await migrate(db.sql);
      return { ...db, url: undefined, destroy: () => db.close() };
    },
    async wipe() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const env = { ENCRYPTION_KEYS, SECRET_KEY, TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '1000' };

describe('backup and restore', () => {
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('restores users, two-factor, passkeys, trades and the security log; people sign in as before', async () => {
    const store = await durableDatabase();
    const keyring = Keyring.parse(ENCRYPTION_KEYS);

    // 1. A database in use.
    let h = await startHarness(env, { db: await store.open() });
    await settleInStep(8);
    const s = stepNow();
    const person = await enrol(h, { enableStep: s - 1 });
    const authenticator = new SoftAuthenticator();
    const options = await person.b.client.passkey.registrationOptions.mutate();
    await person.b.client.passkey.register.mutate({ response: authenticator.createCredential(options), name: 'Desk' });
    await h.services.prisma.liveTrade.createMany({
      data: [
        { symbol: 'QQQ', side: 'buy', quantity: '12.5', price: '431.27', executedAt: new Date('2026-11-30T15:45:00Z'), orderId: 'o-1' },
        { symbol: 'SPY', side: 'sell', quantity: '3', price: '598.10', executedAt: new Date('2026-12-01T15:55:00Z'), orderId: 'o-2' },
      ],
    });
    // The brokerage login, encrypted as the OAuth callback stores it, and a configuration change with its history.
    const schwabAccess = `sa-${randomBytes(12).toString('hex')}`;
    const schwabRefresh = `sr-${randomBytes(12).toString('hex')}`;
    await h.services.prisma.schwabToken.create({
      data: {
        id: TOKEN_ROW_ID,
        accessToken: keyring.encrypt(schwabAccess, accessCtx),
        refreshToken: keyring.encrypt(schwabRefresh, refreshCtx),
        accessExpiresAt: new Date(Date.now() + 30 * 60_000),
        refreshExpiresAt: new Date(Date.now() + 7 * 24 * 60 * 60_000),
      },
    });
    await h.services.prisma.configHistory.create({ data: { key: 'strategy.drift_band_pct', oldValue: '5', newValue: '3', reason: 'tighter band' } });
    const history = await h.services.prisma.configHistory.findMany({ orderBy: { id: 'asc' } });
    const trades = await h.services.prisma.liveTrade.findMany({ orderBy: { id: 'asc' } });
    const events = await h.services.prisma.securityEvent.count();
    closeBrowsers();
    await h.close();
    await (h.db as TestDatabase).destroy();

    // 2. The backup holds no key, in any spelling.
    const { file, manifest } = await createBackup(store.target, keyring);
    expect(Object.keys(manifest.keys)).toEqual(['bk1']);
    for (const spelling of [KEY.toString('base64'), KEY.toString('hex'), KEY.toString('base64url'), SECRET_KEY]) {
      expect(file.includes(Buffer.from(spelling))).toBe(false);
    }
    expect(file.includes(KEY)).toBe(false);
    for (const token of [schwabAccess, schwabRefresh]) expect(file.includes(Buffer.from(token))).toBe(false);

    // 3. The wrong keys are refused before anything is touched.
    const wrong = Keyring.parse(`bk1:${randomBytes(32).toString('base64')}`);
    const refused = await restoreBackup(store.target, wrong, file, { confirm: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackupError);
    expect((refused as BackupError).kind).toBe('wrong_keys');
    expect((refused as BackupError).message).toMatch(/"bk1"/);
    const untouched = await store.open();
    expect(await untouched.prisma.liveTrade.count()).toBe(2);
    await untouched.destroy();
    // A damaged file too.
    const damaged = Buffer.from(file);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 10) ^ 0xff, damaged.length - 10);
    expect(((await restoreBackup(store.target, keyring, damaged, { confirm: true }).catch((e: unknown) => e)) as BackupError).kind).toBe('damaged');

    // 4. Wipe, then restore (a dry run first changes nothing).
    await store.wipe();
    expect(((await restoreBackup(store.target, keyring, file, { confirm: false }).catch((e: unknown) => e)) as BackupError).kind).toBe('not_confirmed');
    const report = await restoreBackup(store.target, keyring, file, { confirm: true });
    expect(report.encryptedValues).toBeGreaterThanOrEqual(1);

    // 5. The same data; the log verifies; the person signs in with a TOTP code and with the passkey.
    h = await startHarness(env, { db: await store.open() });
    try {
      expect(await h.services.prisma.liveTrade.findMany({ orderBy: { id: 'asc' } })).toEqual(trades);
      expect(await h.services.prisma.configHistory.findMany({ orderBy: { id: 'asc' } })).toEqual(history);
      const schwab = await h.services.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
      expect(keyring.decrypt(schwab.accessToken, accessCtx)).toBe(schwabAccess);
      expect(keyring.decrypt(schwab.refreshToken, refreshCtx)).toBe(schwabRefresh);
      expect(await h.services.prisma.securityEvent.count()).toBe(events);
      expect((await h.services.securityEvents.verify()).ok).toBe(true);
      const again = browser(h);
      const res = await again.signIn(person.username, await codeAt(person.secret, stepNow()));
      expect(res.status).toBe('ok');
      const pk = new TestBrowser(h, { 'x-forwarded-for': '192.0.2.77' });
      const authOptions = await pk.client.passkey.authenticationOptions.mutate({});
      expect((await pk.client.passkey.authenticate.mutate({ response: authenticator.getAssertion(authOptions) })).status).toBe('ok');
      pk.close();
    } finally {
      closeBrowsers();
      await h.close();
      await (h.db as TestDatabase).destroy();
    }
  }, 180_000);
});
