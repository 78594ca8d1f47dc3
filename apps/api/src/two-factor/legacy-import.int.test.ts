// Importing the earlier system's plaintext 2FA data: stored encrypted and hashed, and the
// secrets and backup codes people already hold keep working. JSON file always; the
// database URL against a real PostgreSQL database when TEST_DATABASE_URL is set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@jutsu/db';
import { createServerDatabase } from '@jutsu/db/testing';
import { startHarness, type Harness } from '../testing/harness.ts';
import { importLegacyTwoFactor, LegacyImportError, readLegacyDatabase, readLegacyJsonFile, type LegacyTwoFactorRecord } from './legacy-import.ts';
import { browser, closeBrowsers, codeAt, failure, newUser, PASSWORD, reasonOf, stepNow } from './testing.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-legacy-'));
const legacyCode = () => {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const pick = () => a[Math.floor(Math.random() * a.length)];
  return `${Array.from({ length: 4 }, pick).join('')}-${Array.from({ length: 4 }, pick).join('')}`;
};

describe('legacy 2FA import', () => {
  let h: Harness;
  const secrets: string[] = [PASSWORD];

  beforeAll(async () => {
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '1000' });
  });
  afterAll(async () => {
    closeBrowsers();
    h?.expectLogsFreeOf(secrets);
    await h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Local accounts plus the earlier system's rows for them. */
  async function fixture() {
    const full = await newUser(h, 'lg');
    const noCodes = await newUser(h, 'lg');
    const short = await newUser(h, 'lg');
    const unfinished = await newUser(h, 'lg');
    const secret = generateSecret({ length: 20 });
    const secret2 = generateSecret({ length: 16 });
    const codes = [legacyCode(), legacyCode(), 'OIL0-1LO1'];
    secrets.push(secret, secret2, ...codes);
    const records: LegacyTwoFactorRecord[] = [
      // as the earlier system stored it: upper-case name, JSON text of codes
      { username: full.username.toUpperCase(), totp_secret: secret, backup_codes: JSON.stringify(codes) },
      { username: noCodes.username, totp_secret: secret2.toLowerCase(), backup_codes: null },
      { username: short.username, totp_secret: 'JBSWY3DPEHPK3PXP', backup_codes: [] },
      { username: unfinished.username, totp_secret: generateSecret({ length: 20 }), backup_codes: [], totp_enabled: false },
      { username: 'nobody-here', totp_secret: generateSecret({ length: 20 }), backup_codes: [] },
    ];
    return { full, noCodes, short, unfinished, secret, secret2, codes, records };
  }

  async function expectImported(f: Awaited<ReturnType<typeof fixture>>, records: LegacyTwoFactorRecord[]) {
    const { prisma, keyring, securityEvents } = h.services;
    const outcomes = await importLegacyTwoFactor({ prisma, keyring, securityEvents }, records);
    expect(outcomes.map((o) => [o.username, o.status])).toEqual([
      [f.full.username, 'imported'],
      [f.noCodes.username, 'imported'],
      [f.short.username, 'skipped'],
      [f.unfinished.username, 'skipped'],
      ['nobody-here', 'skipped'],
    ]);
    expect(outcomes[0]).toMatchObject({ backupCodes: 3 });
    expect(outcomes[2]!.note).toMatch(/80 bits/);

    // Stored encrypted and hashed, nothing in plain text.
    const user = await prisma.user.findUniqueOrThrow({ where: { id: f.full.user.id } });
    expect(user.totpEnabledAt).not.toBeNull();
    expect(user.totpSecret).not.toContain(f.secret);
    expect(user.totpSecret).not.toMatch(/^[A-Z2-7]+=*$/);
    expect(keyring.decrypt(user.totpSecret!, { column: 'users.totp_secret', rowId: user.id })).toBe(f.secret);
    const rows = await prisma.backupCode.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.codeHash.startsWith('$argon2id$')).toBe(true);
      for (const c of f.codes) expect(r.codeHash).not.toContain(c.replace('-', ''));
    }
    expect((await prisma.user.findUniqueOrThrow({ where: { id: f.short.user.id } })).totpEnabledAt).toBeNull();
    expect((await prisma.user.findUniqueOrThrow({ where: { id: f.unfinished.user.id } })).totpEnabledAt).toBeNull();
    expect(await prisma.securityEvent.count({ where: { type: 'two_factor.imported', userId: { in: [f.full.user.id, f.noCodes.user.id] } } })).toBe(2);

    // The authenticators and codes people hold keep working, typed any way.
    expect((await browser(h).signIn(f.full.username, await codeAt(f.secret, stepNow()))).status).toBe('ok');
    expect((await browser(h).signIn(f.noCodes.username, await codeAt(f.secret2, stepNow()))).status).toBe('ok');
    expect((await browser(h).signIn(f.full.username, f.codes[0]!.toLowerCase())).backupCodesRemaining).toBe(2);
    expect((await browser(h).signIn(f.full.username, f.codes[1]!.replace('-', ' '))).status).toBe('ok');
    expect((await browser(h).signIn(f.full.username, '0110-1101')).backupCodesRemaining).toBe(0); // "OIL0-1LO1" read with look-alikes
    expect(reasonOf(await failure(browser(h).signIn(f.full.username, f.codes[0]!)))).toBe('CODE_INVALID');

    // Running it again changes nothing.
    const again = await importLegacyTwoFactor({ prisma, keyring, securityEvents }, records);
    expect(again.filter((o) => o.status === 'imported')).toEqual([]);
    expect(again[0]!.note).toMatch(/already has two-factor/);
  }

  it('imports the documented JSON file format', async () => {
    const f = await fixture();
    const file = path.join(tmp, 'users.json');
    fs.writeFileSync(file, JSON.stringify(f.records));
    const records = await readLegacyJsonFile(file);
    expect(records).toHaveLength(5);
    await expectImported(f, records);
  });

  it('refuses a file in another shape, naming what is wrong', async () => {
    const file = path.join(tmp, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ users: [] }));
    await expect(readLegacyJsonFile(file)).rejects.toBeInstanceOf(LegacyImportError);
    fs.writeFileSync(file, JSON.stringify([{ username: 'a', totp_secret: 5 }]));
    await expect(readLegacyJsonFile(file)).rejects.toThrow(/0\.totp_secret/);
    fs.writeFileSync(file, '[{"username": ');
    await expect(readLegacyJsonFile(file)).rejects.toThrow(/cannot read .* as JSON/);
  });

  it('dry run reports without writing', async () => {
    const f = await fixture();
    const { prisma, keyring, securityEvents } = h.services;
    const outcomes = await importLegacyTwoFactor({ prisma, keyring, securityEvents }, f.records, { dryRun: true });
    expect(outcomes.filter((o) => o.status === 'imported')).toHaveLength(2);
    expect((await prisma.user.findUniqueOrThrow({ where: { id: f.full.user.id } })).totpEnabledAt).toBeNull();
  });

  describe.runIf(process.env.TEST_DATABASE_URL)('from the earlier system’s PostgreSQL database', () => {
    it('reads users(username, totp_secret, backup_codes JSON text) and imports them', async () => {
      const f = await fixture();
      const legacy = await createServerDatabase();
      try {
        const conn = await openDatabase({ url: legacy.url });
        try {
          await conn.sql.query('CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL, email text, password_hash text, totp_secret text, totp_enabled boolean, backup_codes text)');
          for (const r of f.records) {
            const codes = r.backup_codes === null || r.backup_codes === undefined ? null : typeof r.backup_codes === 'string' ? r.backup_codes : JSON.stringify(r.backup_codes);
            await conn.sql.query('INSERT INTO users (username, totp_secret, totp_enabled, backup_codes) VALUES ($1, $2, $3, $4)', [r.username, r.totp_secret, r.totp_enabled ?? true, codes]);
          }
          await conn.sql.query(`INSERT INTO users (username, totp_secret, backup_codes) VALUES ('no2fa', NULL, NULL)`);
        } finally {
          await conn.close();
        }
        const records = await readLegacyDatabase(legacy.url);
        expect(records.map((r) => r.username).sort()).toEqual(f.records.map((r) => r.username).sort());
        // The database returns rows by name; the import reports in the order read.
        const byName = new Map(records.map((r) => [r.username, r]));
        await expectImported(f, f.records.map((r) => byName.get(r.username)!));
      } finally {
        await legacy.drop();
      }
    });
  });
});
