// A sign-in from a browser this account has not used before sends the owner a notice with
// a single-use "this wasn't me" link (revokes every session, requires a new password).
import type { User } from '@jutsu/db';
import type { Context } from '../trpc/context.ts';
import { DEVICE_COOKIE, readCookie, setCookie } from './cookies.ts';
import { randomToken, sha256 } from './secrets.ts';

const DEVICE_COOKIE_MAX_AGE = 400 * 86_400;
export const NOT_ME_TTL_MS = 7 * 86_400_000;

export async function noteDevice(ctx: Context, user: User): Promise<{ isNew: boolean }> {
  const { prisma } = ctx.services;
  let deviceId = readCookie(ctx, DEVICE_COOKIE);
  if (!deviceId) deviceId = randomToken();
  setCookie(ctx, DEVICE_COOKIE, deviceId, DEVICE_COOKIE_MAX_AGE);
  const deviceHash = sha256(deviceId);
  const known = await prisma.knownDevice.findUnique({ where: { userId_deviceHash: { userId: user.id, deviceHash } } });
  if (known) {
    await prisma.knownDevice.update({ where: { id: known.id }, data: { lastSeenAt: new Date(), ip: ctx.ip } });
    return { isNew: false };
  }
  const before = await prisma.knownDevice.count({ where: { userId: user.id } });
  await prisma.knownDevice.create({ data: { userId: user.id, deviceHash, userAgent: ctx.userAgent ?? null, ip: ctx.ip } });
  if (before === 0) return { isNew: false }; // the account's first device is not news
  await ctx.services.securityEvents.record({
    type: 'auth.new_device',
    severity: 'warning',
    userId: user.id,
    username: user.username,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  });
  void sendNotice(ctx, user).catch((err: unknown) => ctx.services.logger.error({ err }, 'could not send new-device notice'));
  return { isNew: true };
}

async function sendNotice(ctx: Context, user: User): Promise<void> {
  const { mailer, config, prisma } = ctx.services;
  const to = user.email ?? (user.role === 'admin' ? config.SECURITY_ALERT_EMAIL : undefined);
  if (!mailer || !to) return;
  const token = randomToken();
  await prisma.userActionToken.create({
    data: { tokenHash: sha256(token), userId: user.id, purpose: 'not_me', expiresAt: new Date(Date.now() + NOT_ME_TTL_MS) },
  });
  const mail = {
    to,
    subject: '[Jutsu Labs] new sign-in to your account',
    text: [
      `Your account ${user.username} was just signed in from a new device.`,
      '',
      `When: ${new Date().toISOString()}`,
      `From: ${ctx.ip}`,
      `Browser: ${ctx.userAgent ?? 'unknown'}`,
      '',
      'If this was you, there is nothing to do.',
      'If it was NOT you, open this link: it signs out every session and makes the account',
      'choose a new password before it can be used again (the link works once, for 7 days):',
      '',
      `${config.PUBLIC_URL}/not-me/${token}`,
    ].join('\n'),
  };
  await mailer.sendWithRetry(mail);
}
