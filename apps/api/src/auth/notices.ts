// Mails that tell the owner something changed on the account. What an attacker controls (the
// browser's user agent, a passkey's name) is quoted, stripped of control characters, cut short
// and defanged, so it can never read as our own words or become a link in the mail client.
import type { User } from '@jutsu/db';
import type { RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { randomToken, sha256 } from './secrets.ts';

export type NoticeDeps = Pick<AppServices, 'prisma' | 'mailer' | 'config' | 'logger'>;

/** How long a mailed "this wasn't me" link works. */
export const NOT_ME_TTL_MS = 7 * 86_400_000;

const UNTRUSTED_MAX = 120;

/** Attacker-controlled text for a plain-text mail: “quoted”, one line, at most 120 characters, no links. */
export function quoteUntrusted(text: string | null | undefined): string {
  if (!text) return 'unknown';
  let t = text
    .normalize('NFC')
    // Control characters, line breaks and bidi overrides out: one plain line.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.length > UNTRUSTED_MAX) t = `${t.slice(0, UNTRUSTED_MAX - 1)}…`;
  // Nothing a mail client would turn into a link: schemes, www. and bare domains defanged.
  t = t
    .replace(/([a-z][a-z0-9+.-]*):\/\//gi, '$1[:]//')
    .replace(/\bwww\./gi, 'www[.]')
    .replace(/(?<=[a-z0-9-])\.(?=[a-z]{2,}\b)/gi, '[.]')
    .replace(/[“”"]/g, "'");
  return `“${t}”`;
}

/** The address a notice goes to: the account's email, or the alert address for an admin without one. */
export function noticeAddress(deps: Pick<NoticeDeps, 'config'>, user: Pick<User, 'email' | 'role'>): string | undefined {
  return user.email ?? (user.role === 'admin' ? deps.config.SECURITY_ALERT_EMAIL : undefined);
}

/** A new single-use "this wasn't me" link for the account. */
export async function notMeLink(deps: Pick<NoticeDeps, 'prisma' | 'config'>, userId: string): Promise<string> {
  const token = randomToken();
  await deps.prisma.userActionToken.create({ data: { tokenHash: sha256(token), userId, purpose: 'not_me', expiresAt: new Date(Date.now() + NOT_ME_TTL_MS) } });
  return `${deps.config.PUBLIC_URL}/not-me/${token}`;
}

/** The body of a notice that offers the "this wasn't me" link: what happened, when, from where, and the link. */
export function notMeNoticeText(what: string, actor: RequestActor, link: string): string {
  return [
    what,
    '',
    `When: ${new Date().toISOString()}`,
    `From: ${actor.ip}`,
    `Browser: ${quoteUntrusted(actor.userAgent)}`,
    '',
    'If this was you, there is nothing to do.',
    'If it was NOT you, open this link: it signs out every session, removes what was added',
    'since, and lets only the holder of this link set a new password (it works once, for 7 days):',
    '',
    link,
  ].join('\n');
}

/** Every password change is told to the owner, with a link to act if it was not them. */
export function sendPasswordChangedNotice(deps: NoticeDeps, actor: RequestActor, user: User): void {
  void (async () => {
    const to = noticeAddress(deps, user);
    if (!deps.mailer || !to) return;
    const link = await notMeLink(deps, user.id);
    await deps.mailer.sendWithRetry({
      to,
      subject: '[Jutsu Labs] your password was changed',
      text: notMeNoticeText(`The password of your account ${user.username} was just changed.`, actor, link),
    });
  })().catch((err: unknown) => deps.logger.error({ err }, 'could not send password-changed notice'));
}
