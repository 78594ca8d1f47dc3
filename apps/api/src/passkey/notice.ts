// The owner's notice when a passkey is added: a new passkey is a new way into the account,
// so the owner hears of it at once (the account's email, or SECURITY_ALERT_EMAIL for an
// admin without one), like a sign-in from a new device.
import type { User } from '@jutsu/db';
import type { Context } from '../trpc/context.ts';

export function sendPasskeyAddedNotice(ctx: Context, user: User, passkeyName: string): void {
  void send(ctx, user, passkeyName).catch((err: unknown) => ctx.services.logger.error({ err }, 'could not send passkey-added notice'));
}

async function send(ctx: Context, user: User, passkeyName: string): Promise<void> {
  const { mailer, config } = ctx.services;
  const to = user.email ?? (user.role === 'admin' ? config.SECURITY_ALERT_EMAIL : undefined);
  if (!mailer || !to) return;
  const mail = {
    to,
    subject: '[Jutsu Labs] a passkey was added to your account',
    text: [
      `A passkey was added to your account ${user.username}.`,
      'It can sign in to the account without the password.',
      '',
      `Passkey: ${passkeyName}`,
      `When: ${new Date().toISOString()}`,
      `From: ${ctx.ip}`,
      `Browser: ${ctx.userAgent ?? 'unknown'}`,
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
