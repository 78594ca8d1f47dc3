// The token broker against the fake Schwab over real HTTP and a real database: one refresh
// for many callers and for two database connections (two "processes"), the original 7-day
// deadline kept, a 401 refreshed once, a refused refresh token ends all trying.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '@jutsu/db';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keyring } from '../security/keyring.ts';
import { processArgs } from '../testing/process-entry.ts';
import { FakeSchwab } from './fake/server.ts';
import { storeIssuedTokens, testDeps, TestClock } from './testing.ts';
import { accessCtx, refreshCtx, SchwabConnectionError, TOKEN_ROW_ID } from './token-broker.ts';
import { namedAdvisoryLock } from './wiring.ts';

const KEYS = `b1:${Buffer.alloc(32, 9).toString('base64')}`;
const keyring = Keyring.parse(KEYS);
const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The broker in a real second process (see testing/schwab-broker-process.ts). */
function brokerProcess(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; result: Promise<string> } {
  const child = spawn(process.execPath, processArgs('src/testing/schwab-broker-process.ts'), {
    cwd: apiDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) onReady();
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', () => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (last.startsWith('[') || last.startsWith('{')) resolve(last);
      else reject(new Error(`broker process failed: ${err.slice(0, 500)}`));
    });
  });
  return { child, ready, result };
}

describe('token broker', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let clock: TestClock;
  const extra: Database[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(async () => {
    await db.sql.exec('DELETE FROM schwab_tokens; DELETE FROM security_events;');
    clock = new TestClock();
    fake = new FakeSchwab({ now: () => clock.ms });
    await fake.start();
  });
  afterEach(async () => {
    await fake.close();
    for (const d of extra.splice(0)) await d.close();
  });

  it('uses the stored token while more than five minutes remain, without asking Schwab', async () => {
    const deps = testDeps({ db, keyring, fake, clock });
    const issued = await storeIssuedTokens(deps, fake, clock);
    expect(await deps.broker.getAccessToken()).toBe(issued.accessToken);
    clock.advance(24 * 60 * 1000); // 6 minutes left
    expect(await deps.broker.getAccessToken()).toBe(issued.accessToken);
    expect(fake.counters.token.refresh_token).toBe(0);
  });

  it('refreshes once for many callers near expiry, keeps the original deadline and stores the rotated refresh token', async () => {
    const deps = testDeps({ db, keyring, fake, clock });
    const issued = await storeIssuedTokens(deps, fake, clock);
    const before = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    clock.advance(26 * 60 * 1000); // 4 minutes left
    const tokens = await Promise.all(Array.from({ length: 8 }, () => deps.broker.getAccessToken()));
    expect(fake.counters.token.refresh_token).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(issued.accessToken);
    const after = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    expect(after.refreshExpiresAt.getTime()).toBe(before.refreshExpiresAt.getTime());
    expect(after.accessExpiresAt.getTime()).toBe(clock.ms + 30 * 60 * 1000);
    expect(keyring.decrypt(after.refreshToken, refreshCtx)).not.toBe(issued.refreshToken);
    expect(keyring.decrypt(after.accessToken, accessCtx)).toBe(tokens[0]);
    // The rotated token is the one that works next time.
    clock.advance(28 * 60 * 1000);
    await deps.broker.getAccessToken();
    expect(fake.counters.token.refresh_token).toBe(2);
    expect(fake.counters.token.refused).toBe(0);
    expect(await db.prisma.securityEvent.count({ where: { type: 'schwab.refreshed' } })).toBe(2);
  });

  it('makes exactly one token request when two brokers on two database connections refresh at once', async () => {
    let second: Database = db;
    let lockA = namedAdvisoryLock(db.sql);
    let lockB = lockA; // PGlite: one connection in one process, one queue
    if (db.url) {
      second = await openDatabase({ url: db.url });
      extra.push(second);
      lockB = namedAdvisoryLock(second.sql);
      lockA = namedAdvisoryLock(db.sql);
    }
    const a = testDeps({ db, keyring, fake, clock, lock: lockA });
    const b = testDeps({ db: second, keyring, fake, clock, lock: lockB });
    await storeIssuedTokens(a, fake, clock);
    clock.advance(27 * 60 * 1000);
    const tokens = await Promise.all([...Array.from({ length: 5 }, () => a.broker.getAccessToken()), ...Array.from({ length: 5 }, () => b.broker.getAccessToken())]);
    expect(fake.counters.token.refresh_token).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.counters.token.refused).toBe(0);
  });

  it('makes exactly one token request when two real processes refresh at once (PostgreSQL)', async (ctx) => {
    if (!db.url) return ctx.skip(); // PGlite is one process's embedded database
    const deps = testDeps({ db, keyring, fake: fake, clock: new TestClock() });
    // The processes use real time: the stored token has two minutes left.
    await storeIssuedTokens(deps, fake, new TestClock(Date.now()), 2 * 60 * 1000);
    const env = {
      DATABASE_URL: db.url,
      ENCRYPTION_KEYS: KEYS,
      SCHWAB_BASE_URL: fake.baseUrl,
      SCHWAB_CLIENT_ID: fake.clientId,
      SCHWAB_CLIENT_SECRET: fake.clientSecret,
      SCHWAB_CALLBACK_URL: fake.redirectUri,
      CALLS: '3',
    };
    clock.ms = Date.now(); // the fake shares the processes' clock now
    const procs = [brokerProcess(env), brokerProcess(env)];
    try {
      await Promise.all(procs.map((p) => p.ready));
      for (const p of procs) p.child.stdin!.write('go\n');
      const answers = (await Promise.all(procs.map((p) => p.result))).map((line) => JSON.parse(line) as string[]);
      expect(fake.counters.token.refresh_token).toBe(1);
      expect(fake.counters.token.refused).toBe(0);
      const row = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
      const stored = createHash('sha256').update(keyring.decrypt(row.accessToken, accessCtx)).digest('hex');
      expect(answers.flat()).toEqual(Array(6).fill(stored));
    } finally {
      for (const p of procs) p.child.kill('SIGKILL');
    }
  }, 60_000);

  it('after a 401 refreshes once and repeats the call once', async () => {
    const deps = testDeps({ db, keyring, fake, clock });
    await storeIssuedTokens(deps, fake, clock);
    // A token Schwab no longer honours, though our clock says it is fresh.
    await db.prisma.schwabToken.update({ where: { id: TOKEN_ROW_ID }, data: { accessToken: keyring.encrypt('I0.revoked-token@', accessCtx) } });
    const numbers = await deps.broker.withClient((c) => c.accountNumbers());
    expect(numbers.length).toBe(2);
    expect(fake.counters.token.refresh_token).toBe(1);
    // Still refused after the refresh: the error comes back, no second refresh.
    fake.revokeAllTokens();
    await expect(deps.broker.withClient((c) => c.accountNumbers())).rejects.toMatchObject({ code: 'SCHWAB_REAUTH_REQUIRED' });
    expect(fake.counters.token.refresh_token).toBe(2);
  });

  it('turns a refused refresh token into reauth_required once, and stops asking Schwab', async () => {
    const deps = testDeps({ db, keyring, fake, clock });
    await storeIssuedTokens(deps, fake, clock);
    fake.advanceClock(8 * 24 * 60 * 60 * 1000); // Schwab's side says the 7 days are over
    clock.advance(26 * 60 * 1000);
    const results = await Promise.allSettled([deps.broker.getAccessToken(), deps.broker.getAccessToken()]);
    for (const r of results) expect(r.status === 'rejected' && r.reason instanceof SchwabConnectionError && r.reason.code).toBe('SCHWAB_REAUTH_REQUIRED');
    expect(fake.counters.token.refresh_token).toBe(1);
    const row = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    expect(row.reauthRequiredAt).not.toBeNull();
    const events = await db.prisma.securityEvent.findMany({ where: { type: 'schwab.reauth_required' } });
    expect(events.map((e) => e.severity)).toEqual(['critical']);
    await expect(deps.broker.getAccessToken()).rejects.toMatchObject({ code: 'SCHWAB_REAUTH_REQUIRED' });
    expect(fake.counters.token.refresh_token).toBe(1);
  });

  it('does not refresh past its own copy of the 7-day deadline', async () => {
    const deps = testDeps({ db, keyring, fake, clock });
    await storeIssuedTokens(deps, fake, clock);
    clock.advance(7 * 24 * 60 * 60 * 1000);
    await expect(deps.broker.getAccessToken()).rejects.toMatchObject({ code: 'SCHWAB_REAUTH_REQUIRED' });
    expect(fake.counters.token.refresh_token).toBe(0);
  });

  it('answers not connected without a token row', async () => {
    const deps = testDeps({ db, keyring, fake, clock });
    await expect(deps.broker.getAccessToken()).rejects.toMatchObject({ code: 'SCHWAB_NOT_CONNECTED' });
  });
});
