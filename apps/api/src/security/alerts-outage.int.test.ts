// Both alert sinks down for an outage many times longer than the retry backoff: critical events
// raised meanwhile wait in the outbox, the worker shows degraded, and once the SMTP server and
// the webhook receiver are back every alert reaches each of them exactly once, although two
// workers (two connections to the same database where the server allows) race for the outbox.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@jutsu/db';
import { createTestDatabase, testDatabaseKind } from '@jutsu/db/testing';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { eventually } from '../testing/harness.ts';
import { startSmtp, type TestSmtp } from '../testing/smtp.ts';
import { Workers } from '../workers.ts';
import { Alerts } from './alerts.ts';
import { Mailer } from './mailer.ts';
import { SecurityEvents } from './security-events.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real webhook receiver that can go down and come back on the same port; counts bodies by event id. */
class WebhookReceiver {
  readonly byEvent = new Map<string, number>();
  private server: http.Server | undefined;
  port = 0;

  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const id = (JSON.parse(body) as { event: { id: string } }).event.id;
        this.byEvent.set(id, (this.byEvent.get(id) ?? 0) + 1);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}


/** The event id each mail names ("Event: type (#id)"), counted. */
function mailsByEvent(servers: TestSmtp[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of servers.flatMap((s) => s.messages)) {
    const id = /\(#(\d+)\)/.exec(m.raw)?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe(`alert sinks down, then back (${testDatabaseKind()})`, () => {
  it('keeps every alert through a long outage and delivers each once per sink, with two workers racing', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.destroy());
    const hook = new WebhookReceiver();
    await hook.up();
    cleanups.push(() => hook.down());
    const smtps: TestSmtp[] = [await startSmtp()];
    cleanups.push(async () => {
      for (const s of smtps) await s.close();
    });
    const smtpPort = smtps[0]!.port;
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        SECRET_KEY: randomBytes(48).toString('base64'),
        ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`,
        PUBLIC_URL: 'http://app.test',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtpPort),
        SECURITY_ALERT_EMAIL: 'owner@example.test',
        SECURITY_ALERT_WEBHOOK_URL: `http://127.0.0.1:${hook.port}/hook`,
      },
      { persistDevSecrets: false },
    );
    const logger = createLogger({ level: 'silent' });
    // Backoff of milliseconds instead of seconds: the outage below outlasts dozens of them.
    const fast = { backoffMs: (n: number) => Math.min(100, 5 * 2 ** n), pollMs: 40 };
    const worker = (d: Database) => {
      const mailer = new Mailer(config);
      const alerts = new Alerts(d.prisma, config, logger, mailer, fast);
      const workers = new Workers(logger);
      workers.register(alerts);
      cleanups.push(async () => {
        await workers.stopAll();
        mailer.close();
      });
      return { alerts, workers, state: () => workers.health()[0]!.state };
    };
    const a = worker(db);
    await a.workers.startAll();
    // Critical events reach the outbox as in the server: through the log's listener.
    const log = new SecurityEvents(db.prisma, { secretKey: config.SECRET_KEY });
    log.onEvent((e) => {
      if (e.severity === 'critical') void a.alerts.enqueue(e);
    });
    const raise = async (i: number) => (await log.record({ type: 'test.intrusion', severity: 'critical', details: { i } })).id.toString();

    // Working sinks first.
    const before = await raise(0);
    await eventually(async () => expect([mailsByEvent(smtps).get(before), hook.byEvent.get(before)]).toEqual([1, 1]), 20_000);
    expect(a.state()).toBe('running');

    // Both sinks go down; critical events keep coming.
    await smtps[0]!.close();
    await hook.down();
    const during: string[] = [];
    for (let i = 1; i <= 6; i++) {
      during.push(await raise(i));
      await sleep(60);
    }
    // Long relative to the backoff: every delivery failed at least 15 times (the outbox used to
    // give up after 10), and the worker says it is degraded.
    await eventually(async () => {
      const rows = await db.prisma.alertDelivery.findMany({ where: { eventId: { in: during.map(BigInt) } } });
      expect(rows).toHaveLength(during.length * 2);
      expect(Math.min(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(15);
    }, 60_000);
    expect(a.state()).toBe('degraded');
    expect(a.workers.health()[0]!.lastError?.message).toMatch(/(email|webhook) delivery failed/);
    const waiting = await db.prisma.alertDelivery.groupBy({ by: ['status'], where: { eventId: { in: during.map(BigInt) } }, _count: { _all: true } });
    expect(waiting.map((g) => g.status).filter((s) => s !== 'pending' && s !== 'sending')).toEqual([]);
    expect(during.map((id) => [mailsByEvent(smtps).get(id), hook.byEvent.get(id)])).toEqual(during.map(() => [undefined, undefined]));

    // A second worker joins (its own connection on PostgreSQL), the sinks come back on the same
    // addresses, and both workers are kicked at the same moment over the same due rows.
    let second: Database = db;
    if (db.url) {
      second = await openDatabase({ url: db.url });
      cleanups.push(() => second.close());
    }
    const b = worker(second);
    await b.workers.startAll();
    smtps.push(await startSmtp({ port: smtpPort }));
    await hook.up();
    await db.prisma.alertDelivery.updateMany({ where: { status: 'pending' }, data: { nextAttemptAt: new Date() } });
    await Promise.all([a.alerts.kick(), b.alerts.kick(), a.alerts.kick(), b.alerts.kick()]);
    await eventually(async () => expect(await db.prisma.alertDelivery.count({ where: { status: { not: 'delivered' } } })).toBe(0), 30_000);
    // Several more passes of both find nothing left to send.
    await sleep(300);
    await Promise.all([a.alerts.kick(), b.alerts.kick()]);

    const mails = mailsByEvent(smtps);
    for (const id of [before, ...during]) {
      expect([id, mails.get(id), hook.byEvent.get(id)]).toEqual([id, 1, 1]);
    }
    expect(smtps[1]!.messages).toHaveLength(during.length);
    expect([...hook.byEvent.values()].reduce((x, y) => x + y, 0)).toBe(during.length + 1);
    // Degraded, then healthy again, on both (the one that may have delivered nothing too).
    await eventually(async () => expect([a.state(), b.state()]).toEqual(['running', 'running']), 10_000);
  });
});
