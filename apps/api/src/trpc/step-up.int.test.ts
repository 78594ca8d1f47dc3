// STEP_UP_MAX_AGE_SECONDS shortens the recent-sign-in window a sensitive procedure declares,
// and never lengthens it; auth.reauthenticate opens the window again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../auth/accounts.ts';
import { failure, reasonOf, TEST_PASSWORD as PASSWORD, TestBrowser } from '../testing/browser.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { stepUpWindowMs } from './middleware.ts';

async function reasonOfFailure(p: Promise<unknown>): Promise<string | undefined> {
  return reasonOf(await failure(p));
}

async function signedInAdmin(h: Harness, username: string) {
  await createAccount(h.services.prisma, { username, password: PASSWORD, role: 'admin' });
  const b = new TestBrowser(h);
  await b.signedIn(username);
  /** Makes the session's last password check `ageMs` old. */
  const age = async (ageMs: number) => {
    await h.services.prisma.session.updateMany({ where: { user: { username } }, data: { authTime: new Date(Date.now() - ageMs) } });
  };
  return { client: b.client, close: b.close, age };
}

describe('step-up window', () => {
  it('caps the declared window and never extends it', () => {
    expect(stepUpWindowMs(15, undefined)).toBe(15 * 60_000);
    expect(stepUpWindowMs(15, 30)).toBe(30_000);
    expect(stepUpWindowMs(10, 3600)).toBe(10 * 60_000);
  });

  describe('with STEP_UP_MAX_AGE_SECONDS=30', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ STEP_UP_MAX_AGE_SECONDS: '30' });
    });
    afterAll(async () => h?.close());

    it('asks again after 30 s instead of 15 min, and a password check opens the window again', async () => {
      const admin = await signedInAdmin(h, 'stepper');
      await admin.age(20_000);
      await expect(admin.client.invitation.create.mutate({ role: 'viewer' })).resolves.toMatchObject({ role: 'viewer' });
      await admin.age(31_000);
      const before = await h.services.prisma.userInvitation.count();
      expect(await reasonOfFailure(admin.client.invitation.create.mutate({ role: 'viewer' }))).toBe('REAUTH_REQUIRED');
      expect(await h.services.prisma.userInvitation.count()).toBe(before);
      await admin.client.auth.reauthenticate.mutate({ password: PASSWORD });
      await expect(admin.client.invitation.create.mutate({ role: 'viewer' })).resolves.toMatchObject({ role: 'viewer' });
      admin.close();
    });
  });

  describe('without it', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(async () => h?.close());

    it('keeps the declared 15 minutes', async () => {
      const admin = await signedInAdmin(h, 'stepper');
      await admin.age(14 * 60_000);
      await expect(admin.client.invitation.create.mutate({ role: 'viewer' })).resolves.toMatchObject({ role: 'viewer' });
      await admin.age(16 * 60_000);
      expect(await reasonOfFailure(admin.client.invitation.create.mutate({ role: 'viewer' }))).toBe('REAUTH_REQUIRED');
      admin.close();
    });
  });

  it('refuses a value outside 5 s to 1 h at start-up', async () => {
    await expect(startHarness({ STEP_UP_MAX_AGE_SECONDS: '2' })).rejects.toThrow(/STEP_UP_MAX_AGE_SECONDS/);
  });
});
