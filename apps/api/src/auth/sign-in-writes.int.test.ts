// What a sign-in writes, and that it writes it all or not at all: the session and its first
// refresh token, the browser among the account's devices, the last sign-in; nothing for an
// account disabled after its password was checked; one device row for two simultaneous
// sign-ins from one new browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '@jutsu/db';
import { createAccount } from './accounts.ts';
import { randomToken, sha256 } from './secrets.ts';
import { completeSignIn } from './sign-in.ts';
import { newSessionId, writeSignIn } from './sign-in-writes.ts';
import type { RequestActor } from '../security/actor.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { TEST_PASSWORD } from '../testing/browser.ts';

let seq = 0;
const actor: RequestActor = { kind: 'anonymous', ip: '198.51.100.7', userAgent: 'sign-in-writes test' };

describe('sign-in writes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  async function newUser(): Promise<User> {
    return createAccount(h.services.prisma, { username: `siw${++seq}x${Date.now() % 10_000}`, password: TEST_PASSWORD, role: 'trader' });
  }
  const countsOf = async (userId: string) => ({
    sessions: await h.services.prisma.session.count({ where: { userId } }),
    tokens: await h.services.prisma.refreshToken.count({ where: { session: { userId } } }),
    devices: await h.services.prisma.knownDevice.count({ where: { userId } }),
  });

  it('opens the session with its first refresh token, notes the browser and the sign-in, and clears the failures only for a password', async () => {
    const user = await newUser();
    await h.services.prisma.user.update({ where: { id: user.id }, data: { failedLoginCount: 3, lastFailedLoginAt: new Date() } });

    const byPasskey = await completeSignIn(h.services, actor, { user, amr: ['passkey'], deviceId: undefined });
    // A passkey does not hand a password guesser fresh free attempts.
    expect((await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).failedLoginCount).toBe(3);

    const out = await completeSignIn(h.services, actor, { user, amr: ['pwd', 'otp'], deviceId: byPasskey.device.id });
    expect(out.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const session = await h.services.prisma.session.findUniqueOrThrow({ where: { id: out.sessionId }, include: { refreshTokens: true } });
    expect(session).toMatchObject({ userId: user.id, amr: ['pwd', 'otp'], ip: actor.ip, userAgent: actor.userAgent, revokedAt: null, passkeyId: null });
    expect(session.expiresAt.getTime()).toBe(out.refreshExpiresAt.getTime());
    expect(session.expiresAt.getTime() - session.authTime.getTime()).toBe(h.services.sessions.policy.lifetimeMs);
    expect(session.refreshTokens.map((t) => [t.tokenHash, t.parentId, t.rotatedAt])).toEqual([[sha256(out.refreshToken), null, null]]);
    // The refresh token it returned works, once.
    expect((await h.services.sessions.rotate(out.refreshToken)).kind).toBe('rotated');

    const after = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({ failedLoginCount: 0, lastFailedLoginAt: null, lastLoginIp: actor.ip });
    expect(after.lastLoginAt!.getTime()).toBeGreaterThanOrEqual(session.createdAt.getTime() - 1);
    // The same browser both times: one device row, its hash only.
    const devices = await h.services.prisma.knownDevice.findMany({ where: { userId: user.id } });
    expect(devices.map((d) => d.deviceHash)).toEqual([sha256(out.device.id)]);
    expect(out.body.user).toMatchObject({ id: user.id, username: user.username, role: 'trader', mustChangePassword: false });
  });

  it('the first browser is not news, a second one is (a warning), and the first one again is known', async () => {
    const user = await newUser();
    const first = await completeSignIn(h.services, actor, { user, amr: ['pwd'], deviceId: undefined });
    expect(first.device.isNew).toBe(false);
    const second = await completeSignIn(h.services, { ...actor, ip: '203.0.113.50' }, { user, amr: ['pwd'], deviceId: undefined });
    expect(second.device.isNew).toBe(true);
    const again = await completeSignIn(h.services, { ...actor, ip: '203.0.113.51' }, { user, amr: ['pwd'], deviceId: first.device.id });
    expect(again.device).toEqual({ id: first.device.id, isNew: false });
    const events = await h.services.prisma.securityEvent.findMany({ where: { userId: user.id, type: 'auth.new_device' } });
    expect(events.map((e) => [e.severity, e.ip])).toEqual([['warning', '203.0.113.50']]);
    const known = await h.services.prisma.knownDevice.findFirstOrThrow({ where: { userId: user.id, deviceHash: sha256(first.device.id) } });
    expect(known.ip).toBe('203.0.113.51'); // last seen from there
    expect((await countsOf(user.id)).devices).toBe(2);
  });

  it('an account disabled after its password was checked gets no session, no token, no device and no sign-in time', async () => {
    const user = await newUser(); // the caller's copy: still enabled
    await h.services.prisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    const before = await countsOf(user.id);
    await expect(completeSignIn(h.services, actor, { user, amr: ['pwd'], deviceId: undefined })).rejects.toMatchObject({ code: 'FORBIDDEN', cause: { reason: 'ACCOUNT_DISABLED' } });
    expect(await countsOf(user.id)).toEqual(before);
    expect((await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastLoginAt).toBeNull();
    // Deleted meanwhile: the same.
    const gone = await newUser();
    await h.services.prisma.user.delete({ where: { id: gone.id } });
    await expect(completeSignIn(h.services, actor, { user: gone, amr: ['pwd'], deviceId: undefined })).rejects.toMatchObject({ cause: { reason: 'ACCOUNT_DISABLED' } });
    expect(await h.services.prisma.session.count({ where: { userId: gone.id } })).toBe(0);
  });

  it('all or nothing: when one part fails (a refresh token hash already stored), no session, device or sign-in time is left', async () => {
    const user = await newUser();
    const w = (refreshToken: string, deviceId: string) => ({
      userId: user.id,
      amr: ['pwd'],
      passwordProved: true,
      passkeyId: undefined,
      ip: actor.ip,
      userAgent: actor.userAgent,
      sessionId: newSessionId(),
      expiresAt: new Date(Date.now() + 3_600_000),
      refreshToken,
      deviceId,
      now: new Date(),
    });
    const token = randomToken();
    const first = w(token, randomToken());
    expect(await writeSignIn(h.services.prisma, first)).toMatchObject({ device: { inserted: true, devicesBefore: 0 } });
    const lastLoginAt = (await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastLoginAt;
    const before = await countsOf(user.id);

    const clash = { ...w(token, randomToken()), now: new Date(Date.now() + 60_000), ip: '192.0.2.99' };
    await expect(writeSignIn(h.services.prisma, clash)).rejects.toThrow();
    expect(await countsOf(user.id)).toEqual(before);
    expect(await h.services.prisma.session.findUnique({ where: { id: clash.sessionId } })).toBeNull();
    const after = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect([after.lastLoginAt, after.lastLoginIp]).toEqual([lastLoginAt, actor.ip]);
  });

  it('two sign-ins at once from one new browser: both succeed, one device row, exactly one of them news', async () => {
    const user = await newUser();
    await completeSignIn(h.services, actor, { user, amr: ['pwd'], deviceId: undefined }); // the account's first browser
    const deviceId = randomToken();
    const both = await Promise.all([0, 1].map(() => completeSignIn(h.services, actor, { user, amr: ['pwd'], deviceId })));
    expect(new Set(both.map((b) => b.sessionId)).size).toBe(2);
    expect(await h.services.prisma.knownDevice.count({ where: { userId: user.id, deviceHash: sha256(deviceId) } })).toBe(1);
    expect(both.filter((b) => b.device.isNew).length).toBe(1);
    expect(await h.services.prisma.securityEvent.count({ where: { userId: user.id, type: 'auth.new_device' } })).toBe(both.filter((b) => b.device.isNew).length);
  });
});
