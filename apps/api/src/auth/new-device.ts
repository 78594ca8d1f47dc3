// A sign-in from a browser this account has not used before sends the owner a notice with
// a single-use "this wasn't me" link (revokes every session, requires a new password).
// The browser is known by a random device id kept in a cookie, which the router reads and
// sets; only its hash is stored.
import type { User } from '@jutsu/db';
import { eventBy, type RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { notMeLink, notMeNoticeText } from './notices.ts';

export const DEVICE_COOKIE_MAX_AGE = 400 * 86_400;

export type NewDeviceDeps = Pick<AppServices, 'prisma' | 'securityEvents' | 'mailer' | 'config' | 'logger'>;

/**
 * Called once the sign-in noted the browser (sign-in-writes.ts): a browser new to an account
 * that already had one is a warning event and a notice to its owner. Returns whether it was new
 * (the account's first device is not news).
 */
export async function announceDevice(
  deps: NewDeviceDeps,
  actor: RequestActor,
  input: { user: User; inserted: boolean; devicesBefore: number },
): Promise<boolean> {
  const { user } = input;
  if (!input.inserted || input.devicesBefore === 0) return false;
  await deps.securityEvents.record(eventBy(actor, { type: 'auth.new_device', severity: 'warning', userId: user.id, username: user.username }));
  void sendNotice(deps, actor, user).catch((err: unknown) => deps.logger.error({ err }, 'could not send new-device notice'));
  return true;
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
