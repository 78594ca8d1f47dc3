// Abuse cases for the gate in front of every password and code check: parallel guesses,
// a lock that answers the same for every password, and a stolen session guessing the
// password through step-up, password change or turning two-factor off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, reasonOf, TestBrowser, TEST_PASSWORD } from '../testing/browser.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { createAccount } from './accounts.ts';
import { createLogger } from '../logger.ts';
import { LiveBus } from '../http/live-bus.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { eventually } from '../testing/harness.ts';
import { STEP_UP_FAILURES_PER_SESSION } from './credential-guard.ts';
import { unlockPasswordSignIn } from './unlock.ts';

let seq = 0;
async function newUser(h: Harness) {
  const username = `guard${++seq}${Date.now() % 100_000}`;
  const user = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role: 'trader' });
  return { username, user };
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return reasonOf(err) ?? `untyped: ${String(err)}`;
  }
}

describe('credential guard: parallel guesses and the lock', () => {
  let h: Harness;
  beforeAll(async () => {
    // Per-address limits out of the way: this is about the per-account throttle.
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000', LOGIN_DELAY_AFTER_FAILURES: '5', LOCKOUT_THRESHOLD: '8' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('evaluates at most the free attempts plus one of a parallel batch of 20 wrong passwords', async () => {
    const { username, user } = await newUser(h);
    const b = new TestBrowser(h);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(b.client.auth.login.mutate({ username, password: `wrong guess number ${i}` }))));
    b.close();
    expect(results.every((r) => r === 'INVALID_CREDENTIALS' || r === 'RATE_LIMITED')).toBe(true);
    const evaluated = results.filter((r) => r === 'INVALID_CREDENTIALS').length;
    expect(evaluated).toBeLessThanOrEqual(6);
    const row = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.failedLoginCount).toBe(evaluated);
  });

  it('the same for an unknown account name: the throttle does not reveal which names exist', async () => {
    const b = new TestBrowser(h);
    const nobody = `nobody${++seq}x${Date.now() % 100_000}`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(b.client.auth.login.mutate({ username: nobody, password: `wrong guess ${i}` }))));
    b.close();
    expect(results.filter((r) => r === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(6);
    expect(results.filter((r) => r === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(14);
  });

  it('an unlock from outside the server (the CLI) also clears the throttle of the running server', async () => {
    const { username, user } = await newUser(h);
    const b = new TestBrowser(h);
    // A burst (refused attempts count too), then one more guess once the short wait is over:
    // the account now waits the full 15 minutes.
    await Promise.all(Array.from({ length: 40 }, (_, i) => outcome(b.client.auth.login.mutate({ username, password: `wrong ${i}` }))));
    await eventually(async () => expect(await outcome(b.client.auth.login.mutate({ username, password: 'one more wrong guess' }))).toBe('INVALID_CREDENTIALS'), 20_000);
    const waiting = await failure(b.client.auth.login.mutate({ username, password: TEST_PASSWORD }));
    expect(reasonOf(waiting)).toBe('RATE_LIMITED');
    expect((waiting.data as unknown as { retryAfter: number }).retryAfter).toBeGreaterThan(60);
    await h.services.prisma.user.update({ where: { id: user.id }, data: { lockedAt: new Date(), lockedReason: 'test' } });
    expect(await outcome(b.client.auth.login.mutate({ username, password: TEST_PASSWORD }))).toBe('ACCOUNT_LOCKED');
    // What `jutsu users unlock` does: its own publish-only bus on the same database.
    const cliBus = new LiveBus(h.db.sql, createLogger({ level: 'silent' }));
    await unlockPasswordSignIn({ prisma: h.db.prisma, liveBus: cliBus, securityEvents: new SecurityEvents(h.db.prisma, { secretKey: h.config.SECRET_KEY }) }, { kind: 'system', job: 'cli' }, user);
    // The server hears the event and lets the right password through at once (no wait left).
    await eventually(async () => expect(await outcome(b.client.auth.login.mutate({ username, password: TEST_PASSWORD }))).toBe('ok'), 15_000);
    b.close();
  });

  it('a locked account answers ACCOUNT_LOCKED whatever the password, and evaluates none', async () => {
    const { username, user } = await newUser(h);
    await h.services.prisma.user.update({ where: { id: user.id }, data: { lockedAt: new Date(), lockedReason: 'test', failedLoginCount: 8 } });
    const b = new TestBrowser(h);
    expect(await outcome(b.client.auth.login.mutate({ username, password: 'certainly the wrong one' }))).toBe('ACCOUNT_LOCKED');
    expect(await outcome(b.client.auth.login.mutate({ username, password: TEST_PASSWORD }))).toBe('ACCOUNT_LOCKED');
    b.close();
    const row = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.failedLoginCount).toBe(8);
  });
});

describe('credential guard: a stolen session guessing the password', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000', LOGIN_DELAY_AFTER_FAILURES: '2', LOCKOUT_THRESHOLD: '100' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('step-up guesses share the account throttle with sign-in', async () => {
    const { username } = await newUser(h);
    const a = new TestBrowser(h);
    const b = new TestBrowser(h);
    await a.signedIn(username);
    await b.signedIn(username);
    // Two free wrong answers from one session, one more from another: now the account waits.
    for (let i = 0; i < 2; i++) expect(reasonOf(await failure(a.client.auth.reauthenticate.mutate({ password: `wrong answer ${i}` })))).toBe('INVALID_CREDENTIALS');
    expect(reasonOf(await failure(b.client.auth.reauthenticate.mutate({ password: 'wrong answer b' })))).toBe('INVALID_CREDENTIALS');
    // Even the right password, at the login form or at step-up, is not evaluated during the wait.
    const c = new TestBrowser(h);
    expect(await outcome(c.client.auth.login.mutate({ username, password: TEST_PASSWORD }))).toBe('RATE_LIMITED');
    expect(await outcome(b.client.auth.reauthenticate.mutate({ password: TEST_PASSWORD }))).toBe('RATE_LIMITED');
    for (const x of [a, b, c]) x.close();
  });

  it(`ends the session and raises a critical event after ${STEP_UP_FAILURES_PER_SESSION} wrong step-up answers`, async () => {
    const h2 = await startHarness({ LOGIN_RATE_LIMIT: '1000', LOGIN_DELAY_AFTER_FAILURES: '1000' });
    try {
      const { username, user } = await newUser(h2);
      const thief = new TestBrowser(h2);
      await thief.signedIn(username);
      const reasons: string[] = [];
      for (let i = 0; i < STEP_UP_FAILURES_PER_SESSION; i++) {
        reasons.push(await outcome(thief.client.auth.reauthenticate.mutate({ password: `guess ${i}` })));
      }
      expect(reasons.slice(0, -1).every((r) => r === 'INVALID_CREDENTIALS')).toBe(true);
      expect(reasons.at(-1)).toBe('SESSION_REVOKED');
      // The session is over: the right password is no use to it now.
      expect(await outcome(thief.client.auth.reauthenticate.mutate({ password: TEST_PASSWORD }))).toBe('SESSION_REVOKED');
      expect(await outcome(thief.client.auth.me.query())).toBe('SESSION_REVOKED');
      const event = await h2.services.prisma.securityEvent.findFirst({ where: { userId: user.id, type: 'auth.step_up_abuse' } });
      expect(event?.severity).toBe('critical');
      thief.close();
      // The owner signs in normally.
      const owner = new TestBrowser(h2);
      await owner.signedIn(username);
      owner.close();
    } finally {
      await h2.close();
    }
  });

  it('wrong current passwords in a password change count the same way', async () => {
    const h2 = await startHarness({ LOGIN_RATE_LIMIT: '1000', LOGIN_DELAY_AFTER_FAILURES: '1000' });
    try {
      const { username } = await newUser(h2);
      const thief = new TestBrowser(h2);
      await thief.signedIn(username);
      const reasons: string[] = [];
      for (let i = 0; i < STEP_UP_FAILURES_PER_SESSION; i++) {
        reasons.push(await outcome(thief.client.auth.changePassword.mutate({ currentPassword: `guess ${i}`, newPassword: 'quartz lagoon ember violin' })));
      }
      expect(reasons.at(-1)).toBe('SESSION_REVOKED');
      expect(await outcome(thief.client.auth.me.query())).toBe('SESSION_REVOKED');
      thief.close();
    } finally {
      await h2.close();
    }
  });
});
