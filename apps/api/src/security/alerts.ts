// Critical security events go out by email and/or webhook through an outbox table: a sink
// that is down is retried with backoff and never blocks or fails the request that raised it.
import { createHmac } from 'node:crypto';
import type { PrismaClient } from '@jutsu/db';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Worker, WorkerContext } from '../workers.ts';
import type { Mailer } from './mailer.ts';
import { formatCheckpoint, type StoredSecurityEvent } from './security-events.ts';

/**
 * Seconds doubling up to an hour between attempts, and no last attempt: an alert about an
 * intrusion is still worth sending after a long SMTP or webhook outage (the worker shows
 * `degraded` meanwhile), and dropping it would hide exactly what the owner must see.
 */
export const defaultAlertBackoffMs = (attempts: number): number => Math.min(3_600_000, 1_000 * 2 ** Math.min(attempts, 22));

export interface AlertsOptions {
  /** The webhook's HTTP client. */
  fetch?: typeof fetch;
  /** Wait before the next attempt after `attempts` failed ones. */
  backoffMs?: (attempts: number) => number;
  /** Between passes over the outbox. */
  pollMs?: number;
}
/**
 * A claimed row is `sending` until this lease ends (kept in next_attempt_at). A process that
 * dies mid-send leaves it there; once the lease has run out any pass takes it again, so a
 * crash delays an alert, never loses it. Longer than any send (webhook timeout 10 s).
 */
export const SENDING_LEASE_MS = 5 * 60_000;

/** Also the `alerts` worker: a pass every pollMs, plus one right after each enqueue. */
export class Alerts implements Worker {
  readonly name = 'alerts';
  /** Serving goes on while a sink is down (deliveries wait in the outbox); /readyz shows it. */
  readonly required = false;
  readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private health: WorkerContext | undefined;
  /** What this process last told the registry: healthy again needs a reason (see deliverDue). */
  private degraded = false;
  private readonly webhookKey: Buffer;
  private readonly fetchImpl: typeof fetch;
  private readonly backoffMs: (attempts: number) => number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly mailer: Mailer | undefined,
    opts: AlertsOptions = {},
  ) {
    this.webhookKey = createHmac('sha256', config.SECRET_KEY).update('jutsu:webhook-signature').digest();
    this.fetchImpl = opts.fetch ?? fetch;
    this.backoffMs = opts.backoffMs ?? defaultAlertBackoffMs;
    this.pollMs = opts.pollMs ?? 2_000;
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

  start(ctx?: WorkerContext): void {
    this.stopped = false;
    this.degraded = false;
    this.health = ctx;
    this.timer = setInterval(() => void this.kick(), this.pollMs);
    this.timer.unref();
  }

  /** Runs one delivery pass now (coalesced with one already running); nothing once stopped. */
  kick(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    this.running ??= this.deliverDue()
      .catch((err: unknown) => {
        this.markDegraded(err);
        this.logger.error({ err }, 'alert delivery pass failed');
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async deliverDue(): Promise<void> {
    const due = await this.prisma.alertDelivery.findMany({
      where: { status: { in: ['pending', 'sending'] }, nextAttemptAt: { lte: new Date() } },
      include: { event: true },
      orderBy: { id: 'asc' },
      take: 20,
    });
    let delivered = 0;
    let failed = 0;
    for (const d of due) {
      // Stopping: the send under way finishes, the rest stay pending for the next start or another replica.
      if (this.stopped) break;
      if (d.status === 'sending') this.logger.warn({ channel: d.channel, eventId: d.eventId.toString() }, 'alert delivery lease expired; sending again');
      // Claim it while it is still due in the state read, so another replica's pass (which
      // would find the new lease in the future) does not send it too.
      const claimed = await this.prisma.alertDelivery.updateMany({
        where: { id: d.id, status: d.status, nextAttemptAt: { lte: new Date() } },
        data: { status: 'sending', nextAttemptAt: new Date(Date.now() + SENDING_LEASE_MS) },
      });
      if (claimed.count === 0) continue;
      try {
        const head = await this.prisma.securityEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true, hash: true } });
        // The log's head travels with every alert: a copy outside the database that
        // `jutsu audit verify --checkpoint` can hold the table to later.
        const checkpoint = head ? formatCheckpoint(head) : null;
        if (d.channel === 'email') await this.sendEmail(d.event, checkpoint);
        else await this.sendWebhook(d.event, checkpoint);
        await this.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'delivered', deliveredAt: new Date(), attempts: { increment: 1 } } });
        delivered++;
      } catch (err) {
        failed++;
        const attempts = d.attempts + 1;
        const message = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
        this.logger.warn({ channel: d.channel, eventId: d.eventId.toString(), attempts, error: message }, 'alert delivery failed; will retry');
        this.markDegraded(new Error(`${d.channel} delivery failed: ${message}`));
        await this.prisma.alertDelivery.update({
          where: { id: d.id },
          data: { status: 'pending', attempts, lastError: message, nextAttemptAt: new Date(Date.now() + this.backoffMs(attempts)) },
        });
      }
    }
    // Healthy again after a pass without failures that delivered something, or that found no
    // failed delivery waiting anywhere: another replica may have emptied the outbox, and this
    // one must not stay degraded until the next alert.
    if (!this.degraded || failed > 0) return;
    if (delivered > 0 || (await this.prisma.alertDelivery.count({ where: { status: 'pending', attempts: { gt: 0 } } })) === 0) {
      this.degraded = false;
      this.health?.healthy();
    }
  }

  private markDegraded(err: unknown): void {
    this.degraded = true;
    this.health?.degraded(err);
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

  private async sendEmail(e: Parameters<Alerts['describe']>[0], checkpoint: string | null): Promise<void> {
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
        '',
        `Security log checkpoint: ${checkpoint ?? '-'}`,
        'Keep this mail: `jutsu audit verify --checkpoint <that value>` proves the log was not cut or rewritten since.',
      ].join('\n'),
    });
  }

  private async sendWebhook(e: Parameters<Alerts['describe']>[0], checkpoint: string | null): Promise<void> {
    const body = JSON.stringify({ source: 'jutsu-labs', event: this.describe(e), securityLogCheckpoint: checkpoint });
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

  /** Lets the send under way finish (its outcome recorded), then returns. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
