// Critical security events go out by email and/or webhook through an outbox table: a sink
// that is down is retried with backoff and never blocks or fails the request that raised it.
import { createHmac } from 'node:crypto';
import type { PrismaClient } from '@jutsu/db';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from './mailer.ts';
import type { StoredSecurityEvent } from './security-events.ts';

const MAX_ATTEMPTS = 10;
const backoffMs = (attempts: number) => Math.min(3_600_000, 1_000 * 2 ** attempts);

export class Alerts {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly webhookKey: Buffer;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly mailer: Mailer | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.webhookKey = createHmac('sha256', config.SECRET_KEY).update('jutsu:webhook-signature').digest();
  }

  get channels(): string[] {
    const c: string[] = [];
    if (this.mailer && this.config.SECURITY_ALERT_EMAIL) c.push('email');
    if (this.config.SECURITY_ALERT_WEBHOOK_URL) c.push('webhook');
    return c;
  }

  async enqueue(event: StoredSecurityEvent): Promise<void> {
    const channels = this.channels;
    if (channels.length === 0) return;
    await this.prisma.alertDelivery.createMany({ data: channels.map((channel) => ({ eventId: event.id, channel })) });
    this.kick();
  }

  start(intervalMs = 2_000): void {
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
  }

  /** Runs one delivery pass now (coalesced with one already running). */
  kick(): Promise<void> {
    this.running ??= this.deliverDue()
      .catch((err: unknown) => this.logger.error({ err }, 'alert delivery pass failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async deliverDue(): Promise<void> {
    const due = await this.prisma.alertDelivery.findMany({
      where: { status: 'pending', nextAttemptAt: { lte: new Date() } },
      include: { event: true },
      orderBy: { id: 'asc' },
      take: 20,
    });
    for (const d of due) {
      // Claim it, so another replica's pass does not send it too.
      const claimed = await this.prisma.alertDelivery.updateMany({ where: { id: d.id, status: 'pending' }, data: { status: 'sending' } });
      if (claimed.count === 0) continue;
      try {
        if (d.channel === 'email') await this.sendEmail(d.event);
        else await this.sendWebhook(d.event);
        await this.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'delivered', deliveredAt: new Date(), attempts: { increment: 1 } } });
      } catch (err) {
        const attempts = d.attempts + 1;
        const message = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
        this.logger.warn({ channel: d.channel, eventId: d.eventId.toString(), attempts, error: message }, 'alert delivery failed; will retry');
        await this.prisma.alertDelivery.update({
          where: { id: d.id },
          data: {
            status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
            attempts,
            lastError: message,
            nextAttemptAt: new Date(Date.now() + backoffMs(attempts)),
          },
        });
      }
    }
  }

  private describe(e: { id: bigint; createdAt: Date; type: string; severity: string; username: string | null; userId: string | null; ip: string | null; userAgent: string | null; details: unknown }) {
    return {
      id: e.id.toString(),
      at: e.createdAt.toISOString(),
      type: e.type,
      severity: e.severity,
      user: e.username ?? e.userId,
      ip: e.ip,
      userAgent: e.userAgent,
      details: e.details,
    };
  }

  private async sendEmail(e: Parameters<Alerts['describe']>[0]): Promise<void> {
    const d = this.describe(e);
    await this.mailer!.send({
      to: this.config.SECURITY_ALERT_EMAIL!,
      subject: `[Jutsu Labs] security alert: ${d.type}`,
      text: [
        `A critical security event was recorded on ${this.config.PUBLIC_URL}.`,
        '',
        `Event:      ${d.type} (#${d.id})`,
        `When:       ${d.at}`,
        `Account:    ${d.user ?? '-'}`,
        `From:       ${d.ip ?? '-'} ${d.userAgent ?? ''}`,
        `Details:    ${JSON.stringify(d.details)}`,
        '',
        `Review the security log: ${this.config.PUBLIC_URL}/admin/security-log`,
      ].join('\n'),
    });
  }

  private async sendWebhook(e: Parameters<Alerts['describe']>[0]): Promise<void> {
    const body = JSON.stringify({ source: 'jutsu-labs', event: this.describe(e) });
    const signature = createHmac('sha256', this.webhookKey).update(body).digest('hex');
    const res = await this.fetchImpl(this.config.SECURITY_ALERT_WEBHOOK_URL!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-jutsu-signature': `sha256=${signature}` },
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
