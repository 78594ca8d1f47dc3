// A sign-in from a browser this account has not used before sends the owner a notice with
// a single-use "this wasn't me" link (revokes every session, requires a new password).
// The browser is known by a random device id kept in a cookie, which the router reads and
// sets; only its hash is stored.
import type { User } from '@jutsu/db';
import { eventBy, type RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { notMeLink, notMeNoticeText } from './notices.ts';
import { randomToken, sha256 } from './secrets.ts';

export const DEVICE_COOKIE_MAX_AGE = 400 * 86_400;

export type NewDeviceDeps = Pick<AppServices, 'prisma' | 'securityEvents' | 'mailer' | 'config' | 'logger'>;

/** Notes the browser for the account; returns the device id to keep in its cookie. */
export async function noteDevice(
  deps: NewDeviceDeps,
  actor: RequestActor,
  input: { user: User; deviceId: string | undefined },
): Promise<{ id: string; isNew: boolean }> {
  const { prisma } = deps;
  const { user } = input;
  const id = input.deviceId ?? randomToken();
  const deviceHash = sha256(id);
  const known = await prisma.knownDevice.findUnique({ where: { userId_deviceHash: { userId: user.id, deviceHash } } });
  if (known) {
    await prisma.knownDevice.update({ where: { id: known.id }, data: { lastSeenAt: new Date(), ip: actor.ip } });
    return { id, isNew: false };
  }
  const before = await prisma.knownDevice.count({ where: { userId: user.id } });
  await prisma.knownDevice.create({ data: { userId: user.id, deviceHash, userAgent: actor.userAgent ?? null, ip: actor.ip } });
  if (before === 0) return { id, isNew: false }; // the account's first device is not news
  await deps.securityEvents.record(eventBy(actor, { type: 'auth.new_device', severity: 'warning', userId: user.id, username: user.username }));
  void sendNotice(deps, actor, user).catch((err: unknown) => deps.logger.error({ err }, 'could not send new-device notice'));
  return { id, isNew: true };
}

async function sendNotice(deps: NewDeviceDeps, actor: RequestActor, user: User): Promise<void> {
  const { mailer, config } = deps;
  const to = user.email ?? (user.role === 'admin' ? config.SECURITY_ALERT_EMAIL : undefined);
  if (!mailer || !to) return;
  const link = await notMeLink(deps, user.id);
  const mail = {
    to,
    subject: '[Jutsu Labs] new sign-in to your account',
    text: notMeNoticeText(`Your account ${user.username} was just signed in from a new device.`, actor, link),
  };
  await mailer.sendWithRetry(mail);
}
