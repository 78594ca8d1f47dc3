// The operator's view, as real `jutsu` processes on a real database: keys generate/rotate,
// the start-up check, users reset-2fa and import-legacy-2fa.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Database } from '@jutsu/db';
import { createServerDatabase, testDatabaseKind } from '@jutsu/db/testing';
import { createAccount } from '../auth/accounts.ts';
import { Keyring, keyIdOf } from '../security/keyring.ts';
import { runCli } from '../testing/run-cli.ts';
import { generateBackupCodes, hashBackupCodes, storeBackupCodes } from './backup-codes.ts';
import { sealTotpSecret } from './totp.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-2fa-cli-'));
const A = `old:${randomBytes(32).toString('base64')}`;
const B = `new:${randomBytes(32).toString('base64')}`;
const material = [A, B].map((k) => k.split(':')[1]!);
const USERNAME = 'operator-owner';

describe('jutsu two-factor commands', () => {
  let env: Record<string, string>;
  let open: () => Promise<Database>;
  let drop = async () => undefined as void;
  let secret: string;

  beforeAll(async () => {
    env = { SECRET_KEY: randomBytes(48).toString('base64'), PGLITE_DIR: path.join(tmp, 'pglite'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    if (testDatabaseKind() === 'postgres') {
      const server = await createServerDatabase();
      env.DATABASE_URL = server.url;
      open = () => openDatabase({ url: server.url });
      drop = server.drop;
    } else {
      open = () => openDatabase({ dataDir: env.PGLITE_DIR });
    }
    // An owner with two-factor sign-in, encrypted under the old key.
    const db = await open();
    try {
      await migrate(db.sql);
      const user = await createAccount(db.prisma, { username: USERNAME, password: 'lantern orbit cactus meadow', role: 'admin' });
      secret = generateSecret({ length: 20 });
      await db.prisma.user.update({ where: { id: user.id }, data: { totpSecret: sealTotpSecret(Keyring.parse(A), user.id, secret, 'totp_secret'), totpEnabledAt: new Date() } });
      await storeBackupCodes(db.prisma, user.id, await hashBackupCodes(generateBackupCodes()));
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const noSecretsIn = (out: string) => {
    for (const m of [...material, secret]) expect(out).not.toContain(m);
  };

  it('keys generate prints a new, usable key entry', async () => {
    const res = await runCli(['keys', 'generate', '--id', 'k2026'], {});
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toMatch(/^k2026:[A-Za-z0-9+/]{43}=$/);
    expect(Keyring.parse(res.stdout.trim()).primaryKeyId).toBe('k2026');
    expect(res.stderr).toMatch(/FIRST in ENCRYPTION_KEYS/);
  });

  it('serve refuses to start with keys that cannot decrypt the stored secrets, naming ENCRYPTION_KEYS', async () => {
    const res = await runCli(['serve'], { ...env, ENCRYPTION_KEYS: B }, { timeoutMs: 60_000 });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/ENCRYPTION_KEYS cannot decrypt 1 of 1 stored secret/);
    expect(res.stderr).toContain('key id "old"');
    expect(res.stdout).not.toMatch(/listening/);
    noSecretsIn(res.stdout + res.stderr);
  });

  it('keys rotate re-encrypts with the first key; then serve starts with the old key removed', async () => {
    const res = await runCli(['keys', 'rotate'], { ...env, ENCRYPTION_KEYS: `${B},${A}` }, { timeoutMs: 60_000 });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('users.totp_secret: 1 re-encrypted');
    expect(res.stdout).toContain('You can remove "old" from ENCRYPTION_KEYS');
    noSecretsIn(res.stdout + res.stderr);

    const db = await open();
    try {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { username: USERNAME } });
      expect(keyIdOf(user.totpSecret!)).toBe('new');
      expect(Keyring.parse(B).decrypt(user.totpSecret!, { column: 'users.totp_secret', rowId: user.id })).toBe(secret);
      expect(await db.prisma.securityEvent.count({ where: { type: 'encryption.keys_rotated' } })).toBe(1);
    } finally {
      await db.close();
    }
    const started = await runCli(['serve'], { ...env, ENCRYPTION_KEYS: B }, { until: /listening/, timeoutMs: 60_000 });
    expect(started.stdout + started.stderr).toMatch(/listening/);
    noSecretsIn(started.stdout + started.stderr);
  });

  it('users reset-2fa turns two-factor sign-in off, ends the sessions and records a critical event', async () => {
    let userId: string;
    {
      const db = await open();
      try {
        const user = await db.prisma.user.findUniqueOrThrow({ where: { username: USERNAME } });
        userId = user.id;
        await db.prisma.session.create({ data: { userId, expiresAt: new Date(Date.now() + 86_400_000), authTime: new Date(), amr: ['pwd', 'otp'] } });
      } finally {
        await db.close();
      }
    }
    expect((await runCli(['users', 'reset-2fa'], env)).code).toBe(2);
    const res = await runCli(['users', 'reset-2fa', USERNAME.toUpperCase()], { ...env, ENCRYPTION_KEYS: B });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/two-factor sign-in is off for operator-owner; 1 session\(s\) ended/);
    const db = await open();
    try {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
      expect(user).toMatchObject({ totpSecret: null, totpEnabledAt: null, totpLastStep: null });
      expect(await db.prisma.backupCode.count({ where: { userId } })).toBe(0);
      expect(await db.prisma.session.count({ where: { userId, revokedAt: null } })).toBe(0);
      const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'two_factor.reset', userId } });
      expect(event.severity).toBe('critical');
      expect(event.details).toMatchObject({ via: 'cli', wasEnabled: true, backupCodesDeleted: 10, sessionsRevoked: 1 });
      // Stored for the running API processes, which end that session's open tabs.
      const live = await db.sql.query<{ type: string; payload: unknown }>('SELECT type, payload FROM live_events WHERE user_id = $1', [userId]);
      expect(live).toEqual([{ type: 'session.revoked', payload: { sessionIds: [expect.any(String)], reason: 'two_factor_reset' } }]);
    } finally {
      await db.close();
    }
  });

  it('import-legacy-2fa --file stores the earlier system’s secret encrypted and its codes hashed', async () => {
    const codes = ['MDKS-6RS7', 'GCQB-2L48'];
    const file = path.join(tmp, 'legacy.json');
    fs.writeFileSync(file, JSON.stringify([{ username: USERNAME, totp_secret: secret, backup_codes: codes }]));
    const res = await runCli(['import-legacy-2fa', '--file', file], { ...env, ENCRYPTION_KEYS: B }, { timeoutMs: 60_000 });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/operator-owner: imported \(2 backup codes\)/);
    expect(res.stdout).toMatch(/imported 1, skipped 0/);
    noSecretsIn(res.stdout + res.stderr);
    for (const c of codes) expect(res.stdout + res.stderr).not.toContain(c);
    const db = await open();
    try {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { username: USERNAME } });
      expect(user.totpSecret).not.toContain(secret);
      expect(Keyring.parse(B).decrypt(user.totpSecret!, { column: 'users.totp_secret', rowId: user.id })).toBe(secret);
      const rows = await db.prisma.backupCode.findMany({ where: { userId: user.id } });
      expect(rows).toHaveLength(2);
      for (const r of rows) for (const c of codes) expect(r.codeHash).not.toContain(c.replace('-', ''));
    } finally {
      await db.close();
    }
  });
});
