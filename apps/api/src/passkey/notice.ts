// The owner's notice when a passkey is added: a new passkey is a new way into the account,
// so the owner hears of it at once (the account's email, or SECURITY_ALERT_EMAIL for an
// admin without one), like a sign-in from a new device.
import type { User } from '@jutsu/db';
import type { RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { quoteUntrusted } from '../auth/notices.ts';

export type PasskeyNoticeDeps = Pick<AppServices, 'mailer' | 'config' | 'logger'>;

/** Sent in the background: a mail problem is logged, never the caller's failure. */
export function sendPasskeyAddedNotice(deps: PasskeyNoticeDeps, actor: RequestActor, input: { user: User; passkeyName: string }): void {
  void send(deps, actor, input.user, input.passkeyName).catch((err: unknown) => deps.logger.error({ err }, 'could not send passkey-added notice'));
}

async function send(deps: PasskeyNoticeDeps, actor: RequestActor, user: User, passkeyName: string): Promise<void> {
  const { mailer, config } = deps;
  const to = user.email ?? (user.role === 'admin' ? config.SECURITY_ALERT_EMAIL : undefined);
  if (!mailer || !to) return;
  const mail = {
    to,
    subject: '[Jutsu Labs] a passkey was added to your account',
    text: [
      `A passkey was added to your account ${user.username}.`,
      'It can sign in to the account without the password.',
      '',
      `Passkey: ${quoteUntrusted(passkeyName)}`,
      `When: ${new Date().toISOString()}`,
      `From: ${actor.ip}`,
      `Browser: ${quoteUntrusted(actor.userAgent)}`,
      '',
      'If this was you, there is nothing to do.',
      '',
      'If it was NOT you: sign in, remove the passkey (Security,',
      'Passkeys), change your password and sign out your other',
      'sessions, then tell your administrator. Whoever added it',
      'knew your password or had a signed-in session.',
      '',
      config.PUBLIC_URL,
    ].join('\n'),
  };
  await mailer.sendWithRetry(mail);
}
