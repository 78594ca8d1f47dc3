// The brute-force suite that stays: 10,000 wrong passwords against one account from 100
// addresses, in parallel batches and one at a time. The design allows at most the free
// attempts plus one per burst, then one per doubling wait (docs/decisions.md, "Password
// guessing bounds"); the owner signs in by passkey throughout, nothing answers 5xx, and the
// security log grows by a bounded number of rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../passkey/testing/soft-authenticator.ts';
import { TestBrowser, TEST_PASSWORD } from '../testing/browser.ts';
import { startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { createAccount } from './accounts.ts';

const ATTEMPTS = 10_000;
const ADDRESSES = 100;
const FREE = 5;

describe('brute force against one account', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', LOGIN_RATE_LIMIT: '5', LOGIN_DELAY_AFTER_FAILURES: String(FREE), LOCKOUT_THRESHOLD: '100' });
  });
  afterAll(async () => {
    h?.expectLogsFreeOf([TEST_PASSWORD]);
    await h?.close();
  });

  it(`evaluates a bounded number of ${ATTEMPTS} guesses from ${ADDRESSES} addresses while the owner signs in by passkey`, async () => {
    const username = `victim${Date.now() % 100_000}`;
    const user = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role: 'admin' });
    // The owner enrols a passkey first.
    const owner = new TestBrowser(h, { 'x-forwarded-for': '192.0.2.200' });
    await owner.signedIn(username);
    const authenticator = new SoftAuthenticator();
    const regOptions = await owner.client.passkey.registrationOptions.mutate();
    await owner.client.passkey.register.mutate({ response: authenticator.createCredential(regOptions), name: 'Owner laptop' });
    owner.close();
    const eventsBefore = await h.services.prisma.securityEvent.count();

    const statuses = new Map<number, number>();
    const reasons = new Map<string, number>();
    let sent = 0;
    const guess = async () => {
      const i = sent++;
      const res = await fetch(`${h.url}/api/auth/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TEST_ORIGIN, 'x-forwarded-for': `203.0.${Math.floor((i % ADDRESSES) / 250)}.${(i % ADDRESSES) + 1}` },
        body: JSON.stringify({ json: { username, password: `wrong password ${i}` } }),
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const body = (await res.json()) as { error?: { json?: { data?: { reason?: string } } } };
      const reason = body.error?.json?.data?.reason ?? 'none';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    };
    let ownerVisits = 0;
    const ownerSignsInByPasskey = async () => {
      // The owner from home, a phone, the office: each visit its own address (the passkey bucket is per address).
      const b = new TestBrowser(h, { 'x-forwarded-for': `192.0.2.${10 + (ownerVisits++ % 200)}` });
      const options = await b.client.passkey.authenticationOptions.mutate({});
      const res = await b.client.passkey.authenticate.mutate({ response: authenticator.getAssertion(options) });
      expect(res.status).toBe('ok');
      b.close();
    };

    const started = Date.now();
    // Half in parallel batches of one guess per address…
    while (sent < ATTEMPTS / 2) {
      await Promise.all(Array.from({ length: ADDRESSES }, guess));
      if (sent % 1_000 === 0) await ownerSignsInByPasskey();
    }
    // …half one at a time.
    while (sent < ATTEMPTS) {
      await guess();
      if (sent % 1_000 === 0) await ownerSignsInByPasskey();
    }
    const elapsedSeconds = (Date.now() - started) / 1000;

    expect([...statuses.keys()].every((s) => s < 500), JSON.stringify([...statuses])).toBe(true);
    expect([...reasons.keys()].every((r) => r === 'INVALID_CREDENTIALS' || r === 'RATE_LIMITED'), JSON.stringify([...reasons])).toBe(true);
    // Evaluated guesses: the free ones and one more per burst, then one per doubling wait.
    const row = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    const bound = FREE + 1 + Math.ceil(Math.log2(elapsedSeconds + 2)) + 1;
    expect(row.failedLoginCount).toBeGreaterThan(0);
    expect(row.failedLoginCount).toBeLessThanOrEqual(bound);
    expect(reasons.get('INVALID_CREDENTIALS')).toBe(row.failedLoginCount);
    expect(row.lockedAt).toBeNull();
    // The log: about one row per address per minute (its first refusal), not one per guess.
    const written = (await h.services.prisma.securityEvent.count()) - eventsBefore;
    const minutes = Math.ceil(elapsedSeconds / 60) + 1;
    expect(written).toBeLessThanOrEqual(ADDRESSES * minutes + 50);
    expect(written).toBeLessThan(ATTEMPTS / 10);
    console.log(`brute force: ${ATTEMPTS} guesses in ${elapsedSeconds.toFixed(0)} s, ${row.failedLoginCount} evaluated (bound ${bound}), ${written} log rows, statuses ${JSON.stringify([...statuses])}`);
    await ownerSignsInByPasskey();
  }, 600_000);
});
