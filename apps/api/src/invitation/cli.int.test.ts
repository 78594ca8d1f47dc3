// The operator's view, with real `jutsu` processes: the bootstrap link printed at first
// start, and `jutsu invite`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@jutsu/db';
import { createServerDatabase, testDatabaseKind } from '@jutsu/db/testing';
import { sha256 } from '../auth/secrets.ts';
import { systemActor } from '../security/actor.ts';
import { createClient, startHarness } from '../testing/harness.ts';
import { runCli } from '../testing/run-cli.ts';
import { printBootstrapInvitation } from './bootstrap.ts';
import { createInvitation } from './service.ts';

const PASSWORD = 'lantern orbit cactus meadow';
const PUBLIC_URL = 'https://jutsu.example';
const BOOTSTRAP_LINE = /^First start: create the admin account at (https:\/\/jutsu\.example\/invite\/([A-Za-z0-9_-]{43})) \(valid until (\S+)\)$/m;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-invite-'));
let env: Record<string, string>;
let dropServer: (() => Promise<void>) | undefined;

async function open(): Promise<Database> {
  return env.DATABASE_URL ? openDatabase({ url: env.DATABASE_URL }) : openDatabase({ dataDir: env.PGLITE_DIR });
}

beforeAll(async () => {
  env = { PUBLIC_URL, PORT: '0', LOG_LEVEL: 'info', PGLITE_DIR: path.join(tmp, 'db') };
  if (testDatabaseKind() === 'postgres') {
    const server = await createServerDatabase();
    env.DATABASE_URL = server.url;
    dropServer = server.drop;
  }
});
afterAll(async () => {
  await dropServer?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('first start without an admin', () => {
  it('prints a one-time admin link at each start while no account exists, revoking the previous one; it creates the first admin', async () => {
    const serve = () => runCli(['serve'], env, { until: BOOTSTRAP_LINE, timeoutMs: 60_000 });
    const first = await serve();
    const m1 = BOOTSTRAP_LINE.exec(first.stdout);
    expect(m1, first.stdout + first.stderr).not.toBeNull();
    const [, url1, token1, until1] = m1!;
    expect(new Date(until1!).getTime() - Date.now()).toBeGreaterThan(47 * 3_600_000);
    // The link appears on that one line only: never in a structured log line.
    const lines = (first.stdout + first.stderr).split('\n');
    expect(lines.filter((l) => l.includes(token1!))).toEqual([m1![0]]);

    const second = await serve();
    const m2 = BOOTSTRAP_LINE.exec(second.stdout);
    expect(m2, second.stdout + second.stderr).not.toBeNull();
    const [, url2, token2] = m2!;
    expect(url2).not.toBe(url1);

    const db = await open();
    try {
      const rows = await db.prisma.userInvitation.findMany({ orderBy: { createdAt: 'asc' } });
      expect(rows.map((r) => [r.role, r.isBootstrap, r.revokedAt !== null])).toEqual([
        ['admin', true, true],
        ['admin', true, false],
      ]);
      expect(rows.map((r) => r.tokenHash)).toEqual([sha256(token1!), sha256(token2!)]);
      const dump = (await db.sql.query<{ row: string }>('SELECT t::text AS row FROM user_invitations t')).map((r) => r.row).join('\n');
      expect(dump).not.toContain(token1);
      expect(dump).not.toContain(token2);
      expect(await db.prisma.securityEvent.count({ where: { type: 'invitation.created', details: { path: ['bootstrap'], equals: true } } })).toBe(2);

      // Redeem it through a real API on that database.
      const h = await startHarness({ PUBLIC_URL }, { db: { ...db, url: env.DATABASE_URL, destroy: async () => undefined } });
      const { client, close } = createClient(h, { origin: PUBLIC_URL });
      try {
        expect((await client.system.info.query()).bootstrapPending).toBe(true);
        await expect(client.invitation.inspect.mutate({ token: token1! })).rejects.toMatchObject({ data: { reason: 'INVITATION_INVALID' } });
        expect(await client.invitation.inspect.mutate({ token: token2! })).toMatchObject({ role: 'admin', isBootstrap: true, email: null });
        const res = await client.invitation.accept.mutate({ token: token2!, username: 'owner', password: PASSWORD });
        expect(res.user.role).toBe('admin');
        expect((await client.system.info.query()).bootstrapPending).toBe(false);

        // With an account in place, a start prints no link and revokes any bootstrap link left over.
        await createInvitation(db, systemActor('bootstrap'), { role: 'admin', isBootstrap: true });
        const print = vi.spyOn(console, 'log').mockImplementation(() => undefined);
        try {
          await printBootstrapInvitation(h.services);
          expect(print).not.toHaveBeenCalled();
        } finally {
          print.mockRestore();
        }
        expect(await db.prisma.userInvitation.count({ where: { isBootstrap: true, acceptedAt: null, revokedAt: null } })).toBe(0);
        h.expectLogsFreeOf([token1!, token2!]);
      } finally {
        close();
        await h.close();
      }
    } finally {
      await db.close();
    }
  }, 180_000);

  it('jutsu invite prints a single-use link and stores only its hash', async () => {
    const res = await runCli(['invite', '--role', 'trader', '--email', 'Trader@Example.test', '--hours', '24'], env);
    expect(res.code, res.stderr).toBe(0);
    const m = /^(https:\/\/jutsu\.example\/invite\/([A-Za-z0-9_-]{43}))$/m.exec(res.stdout);
    expect(m, res.stdout).not.toBeNull();
    const token = m![2]!;
    const db = await open();
    try {
      const row = await db.prisma.userInvitation.findUniqueOrThrow({ where: { tokenHash: sha256(token) } });
      expect(row).toMatchObject({ role: 'trader', email: 'trader@example.test', isBootstrap: false, createdById: null });
      expect(row.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
      expect(row.expiresAt.getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
      const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'invitation.created' }, orderBy: { id: 'desc' } });
      expect(event.details).toMatchObject({ invitationId: row.id, role: 'trader', via: 'cli' });
    } finally {
      await db.close();
    }
    const bad = await runCli(['invite', '--role', 'root'], env);
    expect(bad.code).toBe(2);
  });
});
