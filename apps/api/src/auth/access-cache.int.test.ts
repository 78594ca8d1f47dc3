// The in-memory authority cache must never let a changed session or user act on the old
// state: every change the session guard depends on, made by another API process or by plain
// SQL outside the API, is refused on the next call here; a lost notification connection
// turns caching off; and a read that raced a change never stores the old answer.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, reasonOf, TestBrowser } from '../testing/browser.ts';
import { eventually, startHarness, type Harness } from '../testing/harness.ts';
import { AccessCache } from './access-cache.ts';
import { createAccount } from './accounts.ts';
import type { AuthState } from './auth-state.ts';

const PASSWORD = 'lantern orbit cactus meadow';
let seq = 0;

describe('authority cache across two API processes', () => {
  let db: TestDatabase;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    db = await createTestDatabase();
    // One deployment, two replicas: the same keys, one database.
    const env = { SECRET_KEY: randomBytes(48).toString('base64'), ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`, LOGIN_RATE_LIMIT: '1000' };
    a = await startHarness(env, { db });
    b = await startHarness(env, { db });
    await eventually(async () => {
      if (!a.services.accessCache.active || !b.services.accessCache.active) throw new Error('not listening yet');
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.destroy();
  });

  async function signedIn(role: 'admin' | 'trader' | 'viewer' = 'admin') {
    const username = `cache${++seq}${Date.now() % 10_000}`;
    const user = await createAccount(a.services.prisma, { username, password: PASSWORD, role, email: null });
    const onA = new TestBrowser(a);
    await onA.signedIn(username, PASSWORD);
    const onB = new TestBrowser(b);
    onB.token = onA.token;
    // Warm both processes' caches.
    await onA.client.auth.sessions.query();
    await onB.client.auth.sessions.query();
    return { user, onA, onB };
  }

  it('answers a repeated call from memory', async () => {
    const { onB } = await signedIn();
    const before = b.services.accessCache.hits;
    await onB.client.auth.sessions.query();
    await onB.client.auth.sessions.query();
    expect(b.services.accessCache.hits - before).toBe(2);
  });

  it('a session revoked on one process is refused on the other', async () => {
    const { onA, onB } = await signedIn();
    await onA.client.auth.logout.mutate();
    const started = Date.now();
    // The NOTIFY is sent at commit, before process A even answers; allow for its delivery.
    const err = await eventually(async () => failure(onB.client.auth.sessions.query()), 2_000);
    expect(reasonOf(err)).toBe('SESSION_REVOKED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a change made through this process holds on its very next call, without waiting for the notification', async () => {
    const admin = await signedIn('admin');
    const target = await signedIn('admin');
    await target.onA.client.admin.users.list.query();
    await admin.onA.client.admin.users.setRole.mutate({ id: target.user.id, role: 'viewer' });
    expect((await failure(target.onA.client.admin.users.list.query())).message).toMatch(/permission/);
    await target.onA.client.auth.logout.mutate();
    expect(reasonOf(await failure(target.onA.client.auth.sessions.query()))).toBe('SESSION_REVOKED');
  });

  const outsideChanges: { name: string; sql: (userId: string, sessionId: string, jti: string) => string; call: (t: TestBrowser) => Promise<unknown>; expect: string | RegExp }[] = [
    { name: 'session revoked', sql: (_u, s) => `UPDATE sessions SET revoked_at = now() WHERE id = '${s}'`, call: (t) => t.client.auth.sessions.query(), expect: 'SESSION_REVOKED' },
    { name: 'session expired', sql: (_u, s) => `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = '${s}'`, call: (t) => t.client.auth.sessions.query(), expect: 'SESSION_REVOKED' },
    { name: 'session deleted', sql: (_u, s) => `DELETE FROM sessions WHERE id = '${s}'`, call: (t) => t.client.auth.sessions.query(), expect: 'SESSION_REVOKED' },
    { name: 'token blacklisted', sql: (u, _s, j) => `INSERT INTO blacklisted_tokens (jti, user_id, expires_at, reason) VALUES ('${j}', '${u}', now() + interval '1 hour', 'test')`, call: (t) => t.client.auth.sessions.query(), expect: 'SESSION_REVOKED' },
    { name: 'user disabled', sql: (u) => `UPDATE users SET disabled_at = now() WHERE id = '${u}'`, call: (t) => t.client.auth.sessions.query(), expect: 'ACCOUNT_DISABLED' },
    { name: 'password change forced', sql: (u) => `UPDATE users SET must_change_password = true WHERE id = '${u}'`, call: (t) => t.client.auth.sessions.query(), expect: 'PASSWORD_CHANGE_REQUIRED' },
    { name: 'admin demoted', sql: (u) => `UPDATE users SET role = 'viewer' WHERE id = '${u}'`, call: (t) => t.client.admin.users.list.query(), expect: /permission/ },
  ];

  for (const c of outsideChanges) {
    it(`plain SQL outside the API (${c.name}) is seen by both processes`, async () => {
      const { user, onA, onB } = await signedIn();
      await onA.client.admin.users.list.query();
      await onB.client.admin.users.list.query();
      const claims = await a.services.accessTokens.verify(onA.token!);
      await db.sql.query(c.sql(user.id, claims.sid, claims.jti));
      for (const t of [onA, onB]) {
        const err = await eventually(async () => failure(c.call(t)), 2_000);
        if (typeof c.expect === 'string') expect(reasonOf(err)).toBe(c.expect);
        else expect(err.message).toMatch(c.expect);
      }
    });
  }

  it('a refresh (last_used_at) or a failed sign-in counter does not empty the cache', async () => {
    const { user, onB } = await signedIn();
    await db.sql.query(`UPDATE users SET failed_login_count = failed_login_count + 1 WHERE id = $1`, [user.id]);
    await db.sql.query(`UPDATE sessions SET last_used_at = now() WHERE user_id = $1`, [user.id]);
    // A change that does notify, for someone else, marks when every earlier notification has arrived.
    const other = await signedIn();
    await db.sql.query(`UPDATE users SET role = 'trader' WHERE id = $1`, [other.user.id]);
    await eventually(async () => expect(reasonOf(await failure(other.onB.client.admin.users.list.query()))).toBeUndefined(), 2_000);
    const before = b.services.accessCache.hits;
    await onB.client.auth.sessions.query();
    expect(b.services.accessCache.hits - before).toBe(1);
  });

  it.runIf(process.env.JUTSU_TEST_DB === 'postgres')('a lost LISTEN connection turns caching off until it is back, and empties it', async () => {
    const { onB } = await signedIn();
    expect(b.services.accessCache.size).toBeGreaterThan(0);
    await db.sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN jutsu_auth'`);
    await eventually(async () => expect(b.services.accessCache.active).toBe(false), 3_000);
    expect(b.services.accessCache.size).toBe(0);
    const before = b.services.accessCache.hits;
    await onB.client.auth.sessions.query();
    await onB.client.auth.sessions.query();
    expect(b.services.accessCache.hits).toBe(before);
    await eventually(async () => expect(b.services.accessCache.active).toBe(true), 10_000);
    await onB.client.auth.sessions.query();
    await onB.client.auth.sessions.query();
    expect(b.services.accessCache.hits).toBeGreaterThan(before);
  });
});

describe('authority cache on its own', () => {
  const state = (userId: string): AuthState => ({
    userId,
    username: 'u',
    role: 'viewer',
    sessionId: 's',
    jti: 'j',
    tokenExpiresAt: new Date(Date.now() + 60_000),
    authTime: new Date(),
    amr: ['pwd'],
    mustChangePassword: false,
  });

  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
  });

  async function listeningCache(opts: ConstructorParameters<typeof AccessCache>[2] = {}) {
    const cache = new AccessCache(db.sql, { warn: () => undefined }, opts);
    await cache.start();
    return { cache };
  }

  it('never stores an answer read before a drop (the read raced a change)', async () => {
    const { cache } = await listeningCache();
    try {
      const ticket = cache.ticket();
      cache.dropUser('someone-else');
      cache.set('j1', { state: state('u1'), sessionExpiresAt: new Date(Date.now() + 60_000) }, ticket);
      expect(cache.get('j1')).toBeUndefined();
      cache.set('j1', { state: state('u1'), sessionExpiresAt: new Date(Date.now() + 60_000) }, cache.ticket());
      expect(cache.get('j1')?.state.userId).toBe('u1');
    } finally {
      await cache.stop();
    }
  });

  it('an entry ends with its session and after the time limit', async () => {
    let now = Date.now();
    const { cache } = await listeningCache({ ttlMs: 1_000, now: () => now });
    try {
      cache.set('j1', { state: state('u1'), sessionExpiresAt: new Date(now + 500) }, cache.ticket());
      cache.set('j2', { state: state('u2'), sessionExpiresAt: new Date(now + 60_000) }, cache.ticket());
      now += 600;
      expect(cache.get('j1')).toBeUndefined();
      expect(cache.get('j2')).toBeDefined();
      now += 500;
      expect(cache.get('j2')).toBeUndefined();
    } finally {
      await cache.stop();
    }
  });

  it('"some user exists" is forgotten when a user is deleted outside the API, and never stored from a read that raced a drop', async () => {
    const { cache } = await listeningCache();
    try {
      const ticket = cache.ticket();
      cache.dropUser('someone');
      cache.noteUsersExist(ticket);
      expect(cache.knownUsersExist()).toBe(false);
      const [row] = await db.sql.query<{ id: string }>(
        `INSERT INTO users (id, username, password_hash, role, updated_at) VALUES (gen_random_uuid(), 'gone${Date.now() % 10_000}', 'x', 'viewer', now()) RETURNING id::text AS id`,
      );
      cache.noteUsersExist(cache.ticket());
      expect(cache.knownUsersExist()).toBe(true);
      await db.sql.query('DELETE FROM users WHERE id = $1', [row!.id]);
      await eventually(async () => expect(cache.knownUsersExist()).toBe(false), 2_000);
    } finally {
      await cache.stop();
    }
    expect(cache.knownUsersExist()).toBe(false);
  });

  it('is bounded in size, and caches nothing before it listens or after it stops', async () => {
    const { cache } = await listeningCache({ maxEntries: 2 });
    try {
      for (const j of ['a', 'b', 'c']) cache.set(j, { state: state('u'), sessionExpiresAt: new Date(Date.now() + 60_000) }, cache.ticket());
      expect(cache.size).toBe(2);
      expect(cache.get('a')).toBeUndefined();
      await cache.stop();
      cache.set('d', { state: state('u'), sessionExpiresAt: new Date(Date.now() + 60_000) }, cache.ticket());
      expect(cache.get('d')).toBeUndefined();
      const idle = new AccessCache(db.sql, { warn: () => undefined });
      idle.set('e', { state: state('u'), sessionExpiresAt: new Date(Date.now() + 60_000) }, idle.ticket());
      expect(idle.get('e')).toBeUndefined();
    } finally {
      await cache.stop();
    }
  });
});
