// The alerts worker on a real database and a real local webhook: stopping lets the send under
// way finish and starts nothing new, so a shutdown never cuts an alert in half or sends one twice.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '@jutsu/db/testing';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { Workers } from '../workers.ts';
import { Alerts } from './alerts.ts';
import { SecurityEvents } from './security-events.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A webhook that holds every request until released. */
async function slowWebhook(): Promise<{ url: string; received: string[]; arrived: Promise<void>; release(): void }> {
  const received: string[] = [];
  let arrive!: () => void;
  const arrived = new Promise<void>((r) => (arrive = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(body);
      arrive();
      void released.then(() => res.writeHead(204).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    release();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, arrived, release };
}

describe(`alerts worker (${testDatabaseKind()})`, () => {
  it('stop finishes the send under way, leaves the rest pending, and sends nothing after', { timeout: 90_000 }, async () => {
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(() => db.destroy());
    const hook = await slowWebhook();
    const config = loadConfig(
      { NODE_ENV: 'test', SECRET_KEY: randomBytes(48).toString('base64'), ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`, PUBLIC_URL: 'http://app.test', SECURITY_ALERT_WEBHOOK_URL: hook.url },
      { persistDevSecrets: false },
    );
    const logger = createLogger({ level: 'silent' });
    const events = new SecurityEvents(db.prisma);
    const stored = [];
    for (let i = 0; i < 3; i++) stored.push(await events.record({ type: 'test.critical', severity: 'critical', details: { i } }));
    await db.prisma.alertDelivery.createMany({ data: stored.map((e) => ({ eventId: e.id, channel: 'webhook' })) });

    const alerts = new Alerts(db.prisma, config, logger, undefined);
    const workers = new Workers(logger);
    workers.register(alerts);
    await workers.startAll();
    void alerts.kick();
    await hook.arrived;

    let stopped = false;
    const stopping = workers.stopAll().then(() => (stopped = true));
    await sleep(150);
    expect(stopped).toBe(false); // still waiting for the webhook's answer
    hook.release();
    await stopping;

    expect(hook.received).toHaveLength(1);
    const rows = await db.prisma.alertDelivery.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'pending', 'pending']);

    // After stop, neither a new event nor a kick starts a pass.
    await alerts.enqueue(await events.record({ type: 'test.critical', severity: 'critical' }));
    await alerts.kick();
    await sleep(100);
    expect(hook.received).toHaveLength(1);
    expect(workers.health()).toEqual([expect.objectContaining({ name: 'alerts', state: 'stopped' })]);
  });

  it('is degraded while a sink fails and healthy again after a delivery', { timeout: 90_000 }, async () => {
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(() => db.destroy());
    let fail = true;
    const server = http.createServer((_req, res) => res.writeHead(fail ? 500 : 204).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        SECRET_KEY: randomBytes(48).toString('base64'),
        ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`,
        PUBLIC_URL: 'http://app.test',
        SECURITY_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      },
      { persistDevSecrets: false },
    );
    const logger = createLogger({ level: 'silent' });
    const events = new SecurityEvents(db.prisma);
    const alerts = new Alerts(db.prisma, config, logger, undefined);
    const workers = new Workers(logger);
    workers.register(alerts);
    await workers.startAll();
    cleanups.push(() => workers.stopAll());
    await alerts.enqueue(await events.record({ type: 'test.critical', severity: 'critical' }));
    await alerts.kick();
    const degraded = workers.health()[0]!;
    expect(degraded.state).toBe('degraded');
    expect(degraded.lastError?.message).toMatch(/webhook delivery failed: webhook answered 500/);
    fail = false;
    await db.prisma.alertDelivery.updateMany({ data: { nextAttemptAt: new Date() } });
    await alerts.kick();
    expect(workers.health()[0]!.state).toBe('running');
  });
});
