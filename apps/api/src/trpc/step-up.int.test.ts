// STEP_UP_MAX_AGE_SECONDS shortens the recent-sign-in window a sensitive procedure declares,
// and never lengthens it; auth.reauthenticate opens the window again.
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../auth/accounts.ts';
import { createClient, startHarness, type Harness } from '../testing/harness.ts';
import { stepUpWindowMs } from './middleware.ts';

const PASSWORD = 'lantern orbit cactus meadow';

async function reasonOfFailure(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return (err.data as { reason?: string } | undefined)?.reason ?? String(err.data?.code);
    throw err;
  }
  return undefined;
}

async function signedInAdmin(h: Harness, username: string) {
  await createAccount(h.services.prisma, { username, password: PASSWORD, role: 'admin' });
  const held: { token?: string } = {};
  const c = createClient(h, { cookies: new Map(), token: () => held.token });
  const res = await c.client.auth.login.mutate({ username, password: PASSWORD });
  if (res.status !== 'ok') throw new Error('unexpected second factor');
  held.token = res.accessToken;
  /** Makes the session's last password check `ageMs` old. */
  const age = async (ageMs: number) => {
    await h.services.prisma.session.updateMany({ where: { user: { username } }, data: { authTime: new Date(Date.now() - ageMs) } });
  };
  return { ...c, age };
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
