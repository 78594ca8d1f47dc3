// Live orders against the fake Schwab over real HTTP and a real database: one order per intent
// however often and from however many processes it is sent; a crash between placing and
// recording never places a second order and the fill is still recorded; the slippage guard,
// the fill timeout, the kill switch's cancellations and the reconciliation's findings.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Decimal from 'decimal.js';
import { openDatabase, type Database } from '@jutsu/db';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keyring } from '../security/keyring.ts';
import { systemActor } from '../security/actor.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { SchwabClient } from '../schwab/client.ts';
import { runSync } from '../schwab/sync.ts';
import { accessCtx, TOKEN_ROW_ID } from '../schwab/token-broker.ts';
import { connectSchwab, createIntent, liveTestDeps, setConfig, setEngine, type LiveTestDeps } from './live-testing.ts';
import { cancelAllWorkingOrders, recoverIntents, RECOVERY_GRACE_MS, sendLiveIntent, slippageBps } from './orders.ts';
import { reconcile } from './reconcile.ts';
import { processArgs } from '../testing/process-entry.ts';

const keyring = Keyring.parse(`b1:${Buffer.alloc(32, 7).toString('base64')}`);
const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('live orders', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let t: LiveTestDeps;
  let hash: string;
  const extra: Database[] = [];

  /** The live price of a symbol at the fake, as the quote's last price. */
  async function last(symbol: string): Promise<Decimal> {
    const [q] = await (await t.orders.liveBroker()).quotes([symbol]);
    return q!.last;
  }

  /** An order placed at the broker by someone else (Schwab's own app). */
  async function externalOrder(body: { symbol: string; instruction: 'BUY' | 'SELL'; quantity: string; price?: string }): Promise<string> {
    const client = new SchwabClient({ baseUrl: fake.baseUrl, allowInsecureHttp: true, getAccessToken: () => t.schwab.broker.getAccessToken(), sleep: async () => undefined });
    const { orderId } = await client.placeOrder(hash, {
      session: 'NORMAL',
      duration: 'DAY',
      orderType: body.price ? 'LIMIT' : 'MARKET',
      ...(body.price ? { price: body.price } : {}),
      orderStrategyType: 'SINGLE',
      orderLegCollection: [{ instruction: body.instruction, quantity: body.quantity, instrument: { symbol: body.symbol, assetType: 'EQUITY' } }],
    });
    return orderId;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(async () => {
    await db.sql.exec(
      'DELETE FROM live_trades; DELETE FROM order_intents; DELETE FROM security_events; DELETE FROM positions; DELETE FROM brokerage_accounts; DELETE FROM schwab_tokens; DELETE FROM config_overrides; DELETE FROM system_state;',
    );
    fake = new FakeSchwab();
    await fake.start();
    t = liveTestDeps(db, keyring, fake);
    hash = await connectSchwab(t.schwab, fake);
    await setEngine(db, 'live');
  });
  afterEach(async () => {
    await fake.close();
    for (const d of extra.splice(0)) await d.close();
  });

  it('places one order, follows it to the fill and records the trade with its slippage', async () => {
    const price = await last('AAPL');
    const intended = price.plus('0.01'); // the ask: the fake fills market orders at the last price
    const id = await createIntent(db, hash, { symbol: 'AAPL', side: 'BUY', quantity: '3', intendedPrice: intended.toFixed() });
    const res = await sendLiveIntent(t.orders, id);
    expect(res).toMatchObject({ intentId: id, status: 'filled', sent: true, error: null });
    expect(fake.counters.orders.placed).toBe(1);
    const intent = await db.prisma.orderIntent.findUniqueOrThrow({ where: { id } });
    expect(intent.brokerOrderId).toBe(res.brokerOrderId);
    expect(intent.sentAt).not.toBeNull();
    expect(intent.filledQuantity.toString()).toBe('3');
    expect(intent.averageFillPrice!.toString()).toBe(price.toFixed());
    const trade = await db.prisma.liveTrade.findUniqueOrThrow({ where: { intentId: id } });
    expect(trade).toMatchObject({ orderId: res.brokerOrderId, symbol: 'AAPL', side: 'buy', isPaper: false, strategy: 'rebalancer', status: 'filled' });
    expect(trade.quantity.toString()).toBe('3');
    expect(trade.price.toString()).toBe(price.toFixed());
    expect(trade.intendedPrice!.toString()).toBe(intended.toFixed());
    expect((trade.details as { slippageBps: string }).slippageBps).toBe(slippageBps('BUY', intended, price).toFixed());
    expect(Number((trade.details as { slippageBps: string }).slippageBps)).toBeLessThan(0); // filled better than the ask
    expect(t.published.some((e) => e.type === 'trades.changed')).toBe(true);
    // Sending it again does nothing: it is no longer pending.
    expect(await sendLiveIntent(t.orders, id)).toMatchObject({ sent: false, status: 'filled' });
    expect(fake.counters.orders.placed).toBe(1);
    expect(await db.prisma.liveTrade.count()).toBe(1);
  });

  it('places one order when the same intent is sent many times at once, from two database connections', async () => {
    let other = t;
    if (db.url) {
      const second = await openDatabase({ url: db.url });
      extra.push(second);
      other = liveTestDeps(second, keyring, fake);
    }
    const id = await createIntent(db, hash, { intendedPrice: (await last('AAPL')).toFixed() });
    const results = await Promise.all([...Array.from({ length: 4 }, () => sendLiveIntent(t.orders, id)), ...Array.from({ length: 4 }, () => sendLiveIntent(other.orders, id))]);
    expect(fake.counters.orders.placed).toBe(1);
    expect(results.filter((r) => r.sent)).toHaveLength(1);
    expect(fake.ordersOf(hash)).toHaveLength(1);
    expect(await db.prisma.liveTrade.count({ where: { intentId: id } })).toBe(1);
  });

  it('refuses to send when the engine is not live or is halted, without calling the broker', async () => {
    await setEngine(db, 'paper');
    const a = await createIntent(db, hash, { intendedPrice: '100' });
    expect(await sendLiveIntent(t.orders, a)).toMatchObject({ sent: false, status: 'rejected', error: 'NOT_LIVE_MODE' });
    await setEngine(db, 'live', 'halted');
    const b = await createIntent(db, hash, { intendedPrice: '100' });
    expect(await sendLiveIntent(t.orders, b)).toMatchObject({ sent: false, status: 'cancelled', error: 'ENGINE_HALTED' });
    expect(fake.counters.orders.placed).toBe(0);
  });

  it('cancels the rest of an order whose fills slip beyond the guard, and records what filled', async () => {
    await setConfig(db, 'guards.max_slippage_bps', 50);
    fake.setOrderBehaviour({ fillAfterPolls: 1, fillStepShares: 2, fillOffsetBps: 100 });
    const intended = await last('MSFT');
    const id = await createIntent(db, hash, { symbol: 'MSFT', quantity: '10', intendedPrice: intended.toFixed() });
    const res = await sendLiveIntent(t.orders, id);
    expect(res).toMatchObject({ status: 'cancelled', error: 'SLIPPAGE_EXCEEDED' });
    const [order] = fake.ordersOf(hash);
    expect(order).toMatchObject({ status: 'CANCELED', filledQuantity: 2 });
    expect(fake.counters.orders.cancelled).toBe(1);
    const trade = await db.prisma.liveTrade.findUniqueOrThrow({ where: { intentId: id } });
    expect(trade.quantity.toString()).toBe('2');
    expect(trade.status).toBe('partially_filled');
    expect(new Decimal((trade.details as { slippageBps: string }).slippageBps).gt(50)).toBe(true);
    const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.slippage_exceeded' } });
    expect(event.severity).toBe('warning');
  });

  it('records a market order that slipped while filling at once, and warns', async () => {
    await setConfig(db, 'guards.max_slippage_bps', 20);
    fake.setOrderBehaviour({ fillOffsetBps: 80 });
    const intended = await last('AAPL');
    const id = await createIntent(db, hash, { quantity: '1', intendedPrice: intended.toFixed() });
    expect(await sendLiveIntent(t.orders, id)).toMatchObject({ status: 'filled', error: 'SLIPPAGE_EXCEEDED' });
    expect(await db.prisma.liveTrade.count({ where: { intentId: id } })).toBe(1);
    expect(await db.prisma.securityEvent.count({ where: { type: 'engine.slippage_exceeded', severity: 'warning' } })).toBe(1);
  });

  it('cancels an order that does not fill within the fill timeout', async () => {
    await setConfig(db, 'orders.fill_timeout_seconds', 5);
    fake.setOrderBehaviour({ holdMarketOrders: true });
    const id = await createIntent(db, hash, { quantity: '1', intendedPrice: (await last('AAPL')).toFixed() });
    const res = await sendLiveIntent(t.orders, id);
    expect(res).toMatchObject({ status: 'cancelled', error: 'FILL_TIMEOUT' });
    expect(fake.ordersOf(hash)[0]!.status).toBe('CANCELED');
    expect(await db.prisma.liveTrade.count()).toBe(0);
  });

  it('after a failure between placing and recording, recovery adopts the order instead of sending again, and records the fill', async () => {
    const crashing = liveTestDeps(db, keyring, fake, {
      afterPlace: () => {
        throw new Error('process died');
      },
    });
    const id = await createIntent(db, hash, { intendedPrice: (await last('AAPL')).toFixed() });
    await expect(sendLiveIntent(crashing.orders, id)).rejects.toThrow('process died');
    const left = await db.prisma.orderIntent.findUniqueOrThrow({ where: { id } });
    expect([left.status, left.brokerOrderId, fake.counters.orders.placed]).toEqual(['sending', null, 1]);
    // A retry of the same intent does not send it again.
    expect(await sendLiveIntent(t.orders, id)).toMatchObject({ sent: false, status: 'sending' });
    const report = await recoverIntents(t.orders);
    expect(report).toMatchObject({ adopted: [id], recorded: [id], unknown: [], expired: [] });
    expect(fake.counters.orders.placed).toBe(1);
    const intent = await db.prisma.orderIntent.findUniqueOrThrow({ where: { id } });
    expect(intent.status).toBe('filled');
    expect(intent.brokerOrderId).toBe(fake.ordersOf(hash)[0]!.orderId.toString());
    expect(await db.prisma.liveTrade.count({ where: { intentId: id } })).toBe(1);
    expect(await recoverIntents(t.orders)).toMatchObject({ adopted: [], recorded: [] });
  });

  it('marks a crashed intent unknown, with a critical event, when several broker orders could be it', async () => {
    const id = await createIntent(db, hash, { symbol: 'MSFT', quantity: '2', intendedPrice: '100', status: 'sending', sentAt: new Date() });
    const a = await externalOrder({ symbol: 'MSFT', instruction: 'SELL', quantity: '1' }); // other side: not a candidate
    const b = await externalOrder({ symbol: 'MSFT', instruction: 'BUY', quantity: '2' });
    const c = await externalOrder({ symbol: 'MSFT', instruction: 'BUY', quantity: '2' });
    const report = await recoverIntents(t.orders);
    expect(report.unknown).toEqual([id]);
    expect((await db.prisma.orderIntent.findUniqueOrThrow({ where: { id } })).status).toBe('unknown');
    const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.order_unknown' } });
    expect(event.severity).toBe('critical');
    expect((event.details as { candidates: string[] }).candidates.sort()).toEqual([b, c].sort());
    expect((event.details as { candidates: string[] }).candidates).not.toContain(a);
    expect(fake.counters.orders.placed).toBe(3);
  });

  it('marks a crashed intent the broker never received as not sent once the grace period passed, and never sends it', async () => {
    const fresh = await createIntent(db, hash, { intendedPrice: '100', status: 'sending', sentAt: new Date() });
    const old = await createIntent(db, hash, { symbol: 'MSFT', intendedPrice: '100', status: 'sending', sentAt: new Date(Date.now() - RECOVERY_GRACE_MS - 5_000) });
    const report = await recoverIntents(t.orders);
    expect(report.expired).toEqual([old]);
    expect((await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: old } })).error).toBe('NOT_SENT');
    expect((await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: fresh } })).status).toBe('sending'); // still within grace
    expect(fake.counters.orders.placed).toBe(0);
  });

  it('the kill switch cancels every working order at the broker, ours and others, and withdraws unsent intents', async () => {
    const price = await last('AAPL');
    const low = price.times('0.5').toDecimalPlaces(2).toFixed();
    const ours = await createIntent(db, hash, { orderType: 'LIMIT', limitPrice: low, quantity: '1', intendedPrice: low });
    expect(await sendLiveIntent(t.orders, ours, { track: false })).toMatchObject({ status: 'working', sent: true });
    const theirs = await externalOrder({ symbol: 'AAPL', instruction: 'BUY', quantity: '1', price: low });
    const unsent = await createIntent(db, hash, { symbol: 'MSFT', intendedPrice: '100' });
    expect(fake.ordersOf(hash).map((o) => o.status)).toEqual(['WORKING', 'WORKING']);
    const report = await cancelAllWorkingOrders(t.orders, systemActor('engine.kill-switch'));
    expect(report.failed).toEqual([]);
    expect(report.withdrawn).toEqual([unsent]);
    expect(report.cancelled.sort()).toEqual([(await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: ours } })).brokerOrderId, theirs].sort());
    expect(fake.ordersOf(hash).map((o) => o.status)).toEqual(['CANCELED', 'CANCELED']);
    expect(await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: ours } })).toMatchObject({ status: 'cancelled', error: 'ENGINE_HALTED' });
    expect(await db.prisma.orderIntent.findUniqueOrThrow({ where: { id: unsent } })).toMatchObject({ status: 'cancelled', error: 'ENGINE_HALTED' });
    expect(await sendLiveIntent(t.orders, unsent)).toMatchObject({ sent: false });
    expect(fake.counters.orders.placed).toBe(2);
    expect(await db.prisma.securityEvent.count({ where: { type: 'engine.orders_cancelled' } })).toBe(1);
  });

  it('reconciliation records fills of our orders it recognises and reports an order placed outside the app', async () => {
    // Ours: placed, never followed (the tracker died); the sync has since recorded the fill by order id.
    const id = await createIntent(db, hash, { quantity: '2', intendedPrice: (await last('AAPL')).toFixed() });
    const sent = await sendLiveIntent(t.orders, id, { track: false });
    await runSync(t.schwab, { kind: 'system', name: 'system:schwab.sync' });
    const clean = await reconcile(t.orders, systemActor('scheduler.reconcile'));
    expect(clean).toMatchObject({ ok: true, recorded: [id], mismatches: [] });
    const trades = await db.prisma.liveTrade.findMany({ where: { orderId: sent.brokerOrderId } });
    expect(trades).toHaveLength(1);
    expect(trades[0]!.intentId).toBe(id);
    expect(await db.prisma.securityEvent.count({ where: { type: 'engine.reconciled', severity: 'info' } })).toBe(1);

    const outside = await externalOrder({ symbol: 'MSFT', instruction: 'SELL', quantity: '5' });
    const report = await reconcile(t.orders, systemActor('scheduler.reconcile'));
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual(
      expect.arrayContaining([
        { kind: 'order_unknown', orderId: outside, symbol: 'MSFT', side: 'SELL', quantity: '5', status: 'filled' },
        { kind: 'position_differs', symbol: 'MSFT', recorded: '20', broker: '15' },
      ]),
    );
    const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.reconciliation_mismatch' } });
    expect(event.severity).toBe('critical');
    expect(JSON.stringify(event.details)).toContain(outside);
    expect(fake.counters.orders.placed).toBe(2);
  });

  // Starting a TypeScript child process takes a while on a loaded machine: generous limits.
  describe('separate processes (PostgreSQL)', () => {
    function child(env: Record<string, string>) {
      const proc = spawn(process.execPath, processArgs('src/testing/live-order-process.ts'), {
        cwd: apiDir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: db.url!,
          ENCRYPTION_KEYS: `b1:${Buffer.alloc(32, 7).toString('base64')}`,
          SCHWAB_BASE_URL: fake.baseUrl,
          SCHWAB_CLIENT_ID: fake.clientId,
          SCHWAB_CLIENT_SECRET: fake.clientSecret,
          SCHWAB_CALLBACK_URL: fake.redirectUri,
          ...env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      const ready = new Promise<void>((resolve) =>
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready\n')) resolve();
        }),
      );
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
        proc.on('close', (code, signal) => resolve({ code, signal, out, err })),
      );
      return { proc, ready, exit, go: () => proc.stdin.write('go\n') };
    }

    it('after kill -9 between placing and recording: no second order, the fill recorded by recovery', async (ctx) => {
      if (!db.url) return ctx.skip();
      const id = await createIntent(db, hash, { quantity: '4', intendedPrice: (await last('AAPL')).toFixed() });
      const c = child({ INTENT_ID: id, CRASH: '1' });
      await c.ready;
      c.go();
      const done = await c.exit;
      expect(done.signal, done.err.slice(0, 500)).toBe('SIGKILL');
      expect(fake.counters.orders.placed).toBe(1);
      const left = await db.prisma.orderIntent.findUniqueOrThrow({ where: { id } });
      expect([left.status, left.brokerOrderId]).toEqual(['sending', null]);
      // The restarted API: a retry sends nothing, recovery finds the order and records the fill.
      expect(await sendLiveIntent(t.orders, id)).toMatchObject({ sent: false });
      expect(await recoverIntents(t.orders)).toMatchObject({ adopted: [id], recorded: [id] });
      expect(fake.counters.orders.placed).toBe(1);
      const trade = await db.prisma.liveTrade.findUniqueOrThrow({ where: { intentId: id } });
      expect(trade.quantity.toString()).toBe('4');
      expect(trade.orderId).toBe(fake.ordersOf(hash)[0]!.orderId.toString());
    }, 120_000);

    it('two API processes sending the same intent at once place one order', async (ctx) => {
      if (!db.url) return ctx.skip();
      const id = await createIntent(db, hash, { quantity: '1', intendedPrice: (await last('AAPL')).toFixed() });
      const a = child({ INTENT_ID: id });
      const b = child({ INTENT_ID: id });
      await Promise.all([a.ready, b.ready]);
      a.go();
      b.go();
      const results = (await Promise.all([a.exit, b.exit, sendLiveIntent(t.orders, id).then((r) => ({ out: JSON.stringify(r) }))])).map(
        (r) => JSON.parse(r.out.trim().split('\n').at(-1)!) as { sent?: boolean; error?: string },
      );
      expect(results.filter((r) => r.error)).toEqual([]);
      expect(results.filter((r) => r.sent)).toHaveLength(1);
      expect(fake.counters.orders.placed).toBe(1);
      await until('the fill', async () => (await db.prisma.liveTrade.count({ where: { intentId: id } })) === 1);
    }, 120_000);
  });

  it('never stores or logs the access token with an order', async () => {
    const id = await createIntent(db, hash, { quantity: '1', intendedPrice: (await last('AAPL')).toFixed() });
    await sendLiveIntent(t.orders, id);
    const row = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
    const token = keyring.decrypt(row.accessToken, accessCtx);
    const intent = await db.prisma.orderIntent.findUniqueOrThrow({ where: { id } });
    const trade = await db.prisma.liveTrade.findUniqueOrThrow({ where: { intentId: id } });
    expect(JSON.stringify({ intent, trade }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(token);
  });
});
