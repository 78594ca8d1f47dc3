// Account commands and first-admin creation, as real processes on a real database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@jutsu/db';
import { runCli } from '../testing/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-users-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function usersIn(dir: string) {
  const db = await openDatabase({ dataDir: dir });
  try {
    return await db.prisma.user.findMany({ orderBy: { username: 'asc' } });
  } finally {
    await db.close();
  }
}

describe('jutsu users', () => {
  const dir = path.join(tmp, 'users');
  const pw = 'lantern orbit cactus meadow';

  it('creates an admin from piped answers and refuses a weak password', async () => {
    const weak = await runCli(['users', 'create', '--role', 'admin'], { PGLITE_DIR: dir }, { input: `boss\npassword123\npassword123\n` });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/not created/);
    const ok = await runCli(['users', 'create', '--role', 'admin'], { PGLITE_DIR: dir }, { input: `Boss\n${pw}\n${pw}\n` });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/created admin boss/);
    expect(ok.stdout + ok.stderr).not.toContain(pw);
    const users = await usersIn(dir);
    expect(users.map((u) => [u.username, u.role])).toEqual([['boss', 'admin']]);
    expect(users[0]!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('refuses mismatched repeats and an unknown role', async () => {
    expect((await runCli(['users', 'create', '--role', 'admin'], { PGLITE_DIR: dir }, { input: `x2\n${pw}\n${pw}x\n` })).code).toBe(1);
    expect((await runCli(['users', 'create', '--role', 'root'], { PGLITE_DIR: dir }, { input: '' })).code).toBe(2);
  });

  it('unlocks a locked account', async () => {
    const db = await openDatabase({ dataDir: dir });
    await db.prisma.user.update({ where: { username: 'boss' }, data: { lockedAt: new Date(), lockedReason: 'test', failedLoginCount: 100 } });
    await db.close();
    const res = await runCli(['users', 'unlock', 'BOSS'], { PGLITE_DIR: dir });
    expect(res.code).toBe(0);
    const [boss] = await usersIn(dir);
    expect(boss!.lockedAt).toBeNull();
    expect(boss!.failedLoginCount).toBe(0);
    expect((await runCli(['users', 'unlock', 'nobody'], { PGLITE_DIR: dir })).code).toBe(1);
  });
});

describe('first admin from ADMIN_USERNAME / ADMIN_PASSWORD', () => {
  it('refuses to start with a password the policy rejects', async () => {
    const res = await runCli(['serve'], { PGLITE_DIR: path.join(tmp, 'fa1'), PORT: '0', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin12345' }, { timeoutMs: 40_000 });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/ADMIN_PASSWORD is not acceptable/);
    expect(res.stdout + res.stderr).not.toContain('admin12345');
  });

  it('creates the admin once when there are no users', async () => {
    const dir = path.join(tmp, 'fa2');
    const env = { PGLITE_DIR: dir, PORT: '0', ADMIN_USERNAME: 'owner', ADMIN_PASSWORD: 'quartz lemon bicycle thunder' };
    const res = await runCli(['serve'], env, { until: /listening/, timeoutMs: 40_000 });
    expect(res.stdout + res.stderr).toMatch(/first admin created/);
    expect(res.stdout + res.stderr).not.toContain('quartz lemon bicycle thunder');
    const users = await usersIn(dir);
    expect(users.map((u) => [u.username, u.role])).toEqual([['owner', 'admin']]);
  });
});
