import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchwabClient, orderIdFromLocation, type SchwabClientOptions } from './client.ts';
import { SchwabError } from './errors.ts';
import { FakeSchwab } from './fake/server.ts';
import { TokenBucket } from './retry.ts';

const DAY = 86_400_000;

let now: number;
let fake: FakeSchwab;
let accessToken: string;
let sleeps: number[];

beforeEach(async () => {
  now = Date.parse('2026-03-10T15:00:00Z');
  fake = new FakeSchwab({ now: () => now });
  await fake.start();
  accessToken = fake.issueTokensForTest().accessToken;
  sleeps = [];
});
afterEach(() => fake.close());

function client(overrides: Partial<SchwabClientOptions> = {}) {
  return new SchwabClient({
    baseUrl: fake.baseUrl,
    allowInsecureHttp: true,
    getAccessToken: async () => accessToken,
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 5_000 },
    random: () => 0.5,
    // Records the waits the client asks for, and waits a token amount of real time.
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 5)));
    },
    timeoutMs: 2_000,
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<SchwabError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SchwabError);
  return err as SchwabError;
}

describe('SchwabClient against the fake server', () => {
  it('parses every read endpoint into exact decimals', async () => {
    const c = client();
    const numbers = await c.accountNumbers();
    expect(numbers.map((a) => a.accountNumber)).toEqual(['10004321', '20008765']);
    const hash = numbers[0]!.hashValue;

    const accounts = await c.accounts();
    expect(accounts).toHaveLength(2);
    const one = await c.account(hash);
    const aapl = one.securitiesAccount.positions.find((p) => p.instrument.symbol === 'AAPL');
    expect(aapl?.longQuantity).toBe('50');
    expect(aapl?.marketValue).toMatch(/^\d+(\.\d{1,2})?$/);

    const quotes = await c.quotes(['AAPL', 'MSFT']);
    expect(Object.keys(quotes).sort()).toEqual(['AAPL', 'MSFT']);
    expect(quotes.AAPL?.quote.lastPrice).toMatch(/^\d+(\.\d{1,2})?$/);
    // Position value = quantity × live price, exactly.
    expect(Number(aapl?.marketValue)).toBeCloseTo(50 * Number(quotes.AAPL?.quote.lastPrice), 6);

    const history = await c.priceHistory('AAPL', { start: new Date(now - 365 * DAY), end: new Date(now) });
    expect(history.candles.length).toBeGreaterThan(250);
    expect(typeof history.candles[0]?.datetime).toBe('number');

    const hours = await c.marketHours('2026-03-10');
    expect(hours.equity.EQ?.isOpen).toBe(true);
    expect(hours.equity.EQ?.sessionHours?.regularMarket?.[0]?.start).toBe('2026-03-10T09:30:00-04:00');
    const weekend = await c.marketHours('2026-03-14');
    expect(Object.values(weekend.equity)[0]?.isOpen).toBe(false);
  });

  it('places, lists, reads and cancels orders; the order id comes from Location', async () => {
    const c = client();
    const hash = (await c.accountNumbers())[0]!.hashValue;
    fake.setPrice('AAPL', '100.00');
    const market = await c.placeOrder(hash, {
      session: 'NORMAL',
      duration: 'DAY',
      orderType: 'MARKET',
      orderStrategyType: 'SINGLE',
      orderLegCollection: [{ instruction: 'BUY', quantity: '10', instrument: { symbol: 'AAPL', assetType: 'EQUITY' } }],
    });
    expect(market.orderId).toMatch(/^\d+$/);
    const filled = await c.order(hash, market.orderId);
    expect(filled).toMatchObject({ status: 'FILLED', filledQuantity: '10', remainingQuantity: '0' });
    expect(filled.orderActivityCollection?.[0]?.executionLegs[0]).toMatchObject({ quantity: '10', price: '100' });

    const limit = await c.placeOrder(hash, {
      session: 'NORMAL',
      duration: 'DAY',
      orderType: 'LIMIT',
      price: '90.50',
      orderStrategyType: 'SINGLE',
      orderLegCollection: [{ instruction: 'BUY', quantity: '1', instrument: { symbol: 'AAPL', assetType: 'EQUITY' } }],
    });
    expect((await c.order(hash, limit.orderId)).status).toBe('WORKING');
    fake.setPrice('AAPL', '90.25');
    expect((await c.order(hash, limit.orderId)).status).toBe('FILLED');

    const working = await c.placeOrder(hash, {
      session: 'NORMAL',
      duration: 'DAY',
      orderType: 'LIMIT',
      price: '1.00',
      orderStrategyType: 'SINGLE',
      orderLegCollection: [{ instruction: 'BUY', quantity: '1', instrument: { symbol: 'MSFT', assetType: 'EQUITY' } }],
    });
    await c.cancelOrder(hash, working.orderId);
    expect((await c.order(hash, working.orderId)).status).toBe('CANCELED');
    expect((await failure(c.cancelOrder(hash, market.orderId))).code).toBe('SCHWAB_REFUSED');

    const orders = await c.orders(hash, { from: new Date(now - DAY), to: new Date(now + DAY) });
    expect(orders.map((o) => o.orderId).sort()).toEqual([market.orderId, limit.orderId, working.orderId].sort());

    const trades = await c.transactions(hash, { start: new Date(now - DAY), end: new Date(now + DAY), types: ['TRADE'] });
    expect(trades).toHaveLength(2);
    expect(trades.map((t) => t.netAmount).sort()).toEqual(['-1000', '-90.25']);

    // A position's value follows the price.
    const before = (await c.account(hash)).securitiesAccount.positions.find((p) => p.instrument.symbol === 'AAPL')!;
    fake.setPrice('AAPL', '200.00');
    const after = (await c.account(hash)).securitiesAccount.positions.find((p) => p.instrument.symbol === 'AAPL')!;
    expect(before.marketValue).toBe('5505.25');
    expect(after.marketValue).toBe('12200');
  });

  it('refuses an orders window over 60 days, bad hashes and bad symbols before sending', async () => {
    const c = client();
    expect((await failure(c.orders('ABC', { from: new Date(now - 61 * DAY), to: new Date(now) }))).code).toBe('SCHWAB_INVALID_REQUEST');
    expect((await failure(c.account('../x'))).code).toBe('SCHWAB_INVALID_REQUEST');
    expect((await failure(c.quotes(['AAPL&x=1']))).code).toBe('SCHWAB_INVALID_REQUEST');
    expect(fake.counters.api).toBe(0);
  });

  it('waits Retry-After on 429 and then succeeds', async () => {
    fake.failNext('rate_limit', 2, { retryAfterSeconds: 1 });
    await client().accountNumbers();
    expect(sleeps).toEqual([1_000, 1_000]);
    expect(fake.counters.api).toBe(3);
  });

  it('gives SCHWAB_RATE_LIMITED with retryAfter when the limit outlasts the attempts', async () => {
    fake.failNext('rate_limit', 5, { retryAfterSeconds: 2 });
    const err = await failure(client().accountNumbers());
    expect(err.code).toBe('SCHWAB_RATE_LIMITED');
    expect(err.details.retryAfterMs).toBe(2_000);
    expect(fake.counters.api).toBe(3);
  });

  it('retries a 500 with growing backoff, then gives SCHWAB_UNAVAILABLE', async () => {
    fake.failNext('server_error', 10);
    const err = await failure(client().quotes(['AAPL']));
    expect(err.code).toBe('SCHWAB_UNAVAILABLE');
    expect(err.details.status).toBe(500);
    expect(sleeps).toEqual([10, 20]);
    expect(fake.counters.api).toBe(3);
  });

  it('recovers when a 500 is transient', async () => {
    fake.failNext('server_error', 1);
    expect(await client().accountNumbers()).toHaveLength(2);
    expect(fake.counters.api).toBe(2);
  });

  it('never repeats an order placement after a 500', async () => {
    const c = client();
    const hash = (await c.accountNumbers())[0]!.hashValue;
    fake.failNext('server_error', 1);
    const err = await failure(
      c.placeOrder(hash, {
        session: 'NORMAL',
        duration: 'DAY',
        orderType: 'MARKET',
        orderStrategyType: 'SINGLE',
        orderLegCollection: [{ instruction: 'BUY', quantity: '1', instrument: { symbol: 'AAPL', assetType: 'EQUITY' } }],
      }),
    );
    expect(err.code).toBe('SCHWAB_UNAVAILABLE');
    expect(fake.counters.api).toBe(2);
  });

  it('times out a hanging call', async () => {
    fake.failNext('hang', 5);
    const started = Date.now();
    const err = await failure(client({ timeoutMs: 150, retry: { maxAttempts: 2 } }).accountNumbers());
    expect(err.code).toBe('SCHWAB_UNAVAILABLE');
    expect(err.details.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.counters.api).toBe(2);
  });

  it('times out a slow answer', async () => {
    fake.setDelay(400);
    const err = await failure(client({ timeoutMs: 100, retry: { maxAttempts: 1 } }).accountNumbers());
    expect(err.details.timedOut).toBe(true);
  });

  it('gives SCHWAB_BAD_RESPONSE for a schema-breaking answer, without the body or the token', async () => {
    fake.failNext('bad_response', 1);
    const err = await failure(client().accountNumbers());
    expect(err.code).toBe('SCHWAB_BAD_RESPONSE');
    const text = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
    expect(text).not.toContain(accessToken);
    expect(text).not.toContain('echo');
    expect(text).not.toContain('1234');
    expect(err.message).toContain('accountNumber');
  });

  it('gives SCHWAB_UNAUTHORIZED for a revoked token, without retrying', async () => {
    fake.revokeAllTokens();
    const err = await failure(client().accountNumbers());
    expect(err.code).toBe('SCHWAB_UNAUTHORIZED');
    expect(err.message).not.toContain(accessToken);
    expect(fake.counters.api).toBe(1);
  });

  it('paces calls through the token bucket', async () => {
    const c = client({ bucket: new TokenBucket(2, 60_000, () => 0) });
    await c.accountNumbers();
    await c.accountNumbers();
    await c.accountNumbers();
    expect(sleeps).toEqual([30_000]);
  });

  it('refuses plain http except to this machine when allowed', () => {
    const make = (baseUrl: string, allowInsecureHttp: boolean) => () => new SchwabClient({ baseUrl, allowInsecureHttp, getAccessToken: async () => 't' });
    expect(make('http://127.0.0.1:1', false)).toThrow(SchwabError);
    expect(make('http://api.schwabapi.com', true)).toThrow(/https/);
    expect(make('https://api.schwabapi.com', false)).not.toThrow();
  });
});

describe('orderIdFromLocation', () => {
  it('reads the id only for the account it was placed in', () => {
    expect(orderIdFromLocation('https://api.schwabapi.com/trader/v1/accounts/ABC123/orders/1002003004', 'ABC123')).toBe('1002003004');
    expect(orderIdFromLocation('/trader/v1/accounts/ABC123/orders/77', 'ABC123')).toBe('77');
    expect(orderIdFromLocation('https://api.schwabapi.com/trader/v1/accounts/OTHER/orders/77', 'ABC123')).toBeNull();
    expect(orderIdFromLocation('https://api.schwabapi.com/trader/v1/accounts/ABC123/orders/abc', 'ABC123')).toBeNull();
    expect(orderIdFromLocation(null, 'ABC123')).toBeNull();
    expect(orderIdFromLocation('', 'ABC123')).toBeNull();
  });
});
