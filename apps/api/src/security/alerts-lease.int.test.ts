// The alert outbox after a crash: a delivery left `sending` is sent again once its lease ends.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { mailText, startSmtp, type TestSmtp } from '../testing/smtp.ts';
import { Alerts, SENDING_LEASE_MS } from './alerts.ts';
import { Mailer } from './mailer.ts';
import { formatCheckpoint, SecurityEvents } from './security-events.ts';

describe('alert outbox leases', () => {
  let db: TestDatabase;
  let smtp: TestSmtp;
  let alerts: Alerts;
  let log: SecurityEvents;
  let mailer: Mailer;
  let hook: http.Server;
  let config: ReturnType<typeof loadConfig>;
  const hooked: { body: string; signature: string | undefined }[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startSmtp();
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooked.push({ body, signature: req.headers['x-jutsu-signature'] as string | undefined });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    config = loadConfig(
      {
        NODE_ENV: 'test',
        SECRET_KEY: randomBytes(48).toString('base64'),
        ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`,
        PUBLIC_URL: 'http://app.test',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SECURITY_ALERT_EMAIL: 'owner@example.test',
        SECURITY_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
      },
      { persistDevSecrets: false },
    );
    mailer = new Mailer(config);
    alerts = new Alerts(db.prisma, config, createLogger({ level: 'silent' }), mailer);
    log = new SecurityEvents(db.prisma, { secretKey: config.SECRET_KEY });
  });
  afterAll(async () => {
    await alerts?.stop();
    mailer?.close();
    await smtp?.close();
    await new Promise((r) => hook?.close(r));
    await db?.destroy();
  });

  it('sends a delivery stuck in sending past its lease exactly once, with the log checkpoint', async () => {
    const event = await log.record({ type: 'test.crashed_mid_send', severity: 'critical', details: { marker: 'stale-lease' } });
    // What a process that died after claiming leaves behind: `sending`, lease long over.
    await db.prisma.alertDelivery.create({
      data: { eventId: event.id, channel: 'email', status: 'sending', nextAttemptAt: new Date(Date.now() - SENDING_LEASE_MS - 1_000) },
    });
    // One still inside its lease (another process is sending it right now) is left alone.
    const busy = await log.record({ type: 'test.being_sent', severity: 'critical' });
    await db.prisma.alertDelivery.create({ data: { eventId: busy.id, channel: 'email', status: 'sending', nextAttemptAt: new Date(Date.now() + SENDING_LEASE_MS) } });

    await Promise.all([alerts.kick(), alerts.kick()]);
    await alerts.kick();
    const mail = await smtp.waitFor(/test\.crashed_mid_send/);
    expect(mailText(mail.raw)).toContain(formatCheckpoint((await log.head())!));
    await new Promise((r) => setTimeout(r, 300));
    await alerts.kick();
    expect(smtp.messages.filter((m) => m.raw.includes('test.crashed_mid_send'))).toHaveLength(1);
    expect(smtp.messages.filter((m) => m.raw.includes('test.being_sent'))).toHaveLength(0);
    const rows = await db.prisma.alertDelivery.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.eventId, r.status, r.attempts])).toEqual([
      [event.id, 'delivered', 1],
      [busy.id, 'sending', 0],
    ]);
  });

  it('puts the log head into every webhook body, under the signature', async () => {
    const event = await log.record({ type: 'test.webhook', severity: 'critical' });
    await log.record({ type: 'test.after' });
    await alerts.enqueue(event);
    await alerts.kick();
    const got = hooked.find((x) => x.body.includes('test.webhook'))!;
    const body = JSON.parse(got.body) as { securityLogCheckpoint: string };
    expect(body.securityLogCheckpoint).toBe(formatCheckpoint((await log.head())!));
    const key = createHmac('sha256', config.SECRET_KEY).update('jutsu:webhook-signature').digest();
    expect(got.signature).toBe(`sha256=${createHmac('sha256', key).update(got.body).digest('hex')}`);
  });
});
