import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSchwab } from './server.ts';

const DAY = 86_400_000;

let now: number;
let fake: FakeSchwab;
let base: string;

beforeEach(async () => {
  now = Date.parse('2026-03-10T15:00:00Z');
  fake = new FakeSchwab({ now: () => now });
  base = await fake.start();
});
afterEach(() => fake.close());

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Clicks "Allow" and returns the code exactly as it appears in the redirect (still %40-encoded). */
async function authorize(challenge?: string, overrides: Record<string, string> = {}) {
  const form = new URLSearchParams({
    client_id: fake.clientId,
    redirect_uri: fake.redirectUri,
    state: 'st-1',
    ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
    ...overrides,
  });
  const res = await fetch(`${base}/v1/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  return res;
}

async function code(challenge?: string) {
  const res = await authorize(challenge);
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.startsWith(`${fake.redirectUri}?`)).toBe(true);
  expect(location).toMatch(/code=[^&]+%40&/);
  return new URL(location).searchParams.get('code')!; // decoded once: ends in "@"
}

async function token(form: Record<string, string>, auth = basic(fake.clientId, fake.clientSecret)) {
  const res = await fetch(`${base}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function login() {
  const { verifier, challenge } = pkce();
  const c = await code(challenge);
  const res = await token({ grant_type: 'authorization_code', code: c, redirect_uri: fake.redirectUri, code_verifier: verifier });
  expect(res.status).toBe(200);
  return res.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string; id_token: string };
}

const accountNumbers = (accessToken: string) =>
  fetch(`${base}/trader/v1/accounts/accountNumbers`, { headers: { authorization: `Bearer ${accessToken}` } });

describe('fake Schwab authorize page', () => {
  it('shows an Allow form for the registered client and callback only', async () => {
    const ok = await fetch(
      `${base}/v1/oauth/authorize?${new URLSearchParams({ client_id: fake.clientId, redirect_uri: fake.redirectUri, response_type: 'code', state: '"><script>' })}`,
    );
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('>Allow</button>');
    expect(html).not.toContain('<script>');

    const bads: Record<string, string>[] = [{ client_id: 'someone-else' }, { redirect_uri: `${fake.redirectUri}/` }, { redirect_uri: fake.redirectUri.replace('https', 'http') }];
    for (const bad of bads) {
      const q = new URLSearchParams({ client_id: fake.clientId, redirect_uri: fake.redirectUri, response_type: 'code', ...bad });
      expect((await fetch(`${base}/v1/oauth/authorize?${q}`)).status).toBe(400);
      expect((await authorize(undefined, bad)).status).toBe(400);
    }
  });

  it('refuses an http callback at registration', () => {
    expect(() => new FakeSchwab({ redirectUri: 'http://127.0.0.1/cb' })).toThrow(/https/);
  });
});

describe('fake Schwab token endpoint', () => {
  it('issues Schwab-shaped tokens for a code with the right PKCE verifier', async () => {
    const t = await login();
    expect(t).toMatchObject({ expires_in: 1800, token_type: 'Bearer', scope: 'api' });
    expect(t.id_token.split('.')).toHaveLength(3);
    expect((await accountNumbers(t.access_token)).status).toBe(200);
    expect(fake.counters.token.authorization_code).toBe(1);
  });

  it('refuses a PKCE verifier that does not match the challenge', async () => {
    const { challenge } = pkce();
    const c = await code(challenge);
    const res = await token({ grant_type: 'authorization_code', code: c, redirect_uri: fake.redirectUri, code_verifier: pkce().verifier });
    expect(res).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'PKCE verification failed' } });
  });

  it('refuses a code used twice, and revokes what its first use issued', async () => {
    const { verifier, challenge } = pkce();
    const c = await code(challenge);
    const form = { grant_type: 'authorization_code', code: c, redirect_uri: fake.redirectUri, code_verifier: verifier };
    const first = await token(form);
    expect(first.status).toBe(200);
    const second = await token(form);
    expect(second).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await accountNumbers(first.body.access_token as string)).status).toBe(401);
  });

  it('refuses a code after 30 seconds', async () => {
    const { verifier, challenge } = pkce();
    const c = await code(challenge);
    now += 31_000;
    const res = await token({ grant_type: 'authorization_code', code: c, redirect_uri: fake.redirectUri, code_verifier: verifier });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'Authorization code expired' } });
  });

  it('refuses a code sent still percent-encoded (decoded zero times) or with a different redirect_uri', async () => {
    const { verifier, challenge } = pkce();
    const c = await code(challenge);
    const encoded = await token({ grant_type: 'authorization_code', code: c.replace('@', '%40'), redirect_uri: fake.redirectUri, code_verifier: verifier });
    expect(encoded.status).toBe(400);
    const c2 = await code(challenge);
    const other = await token({ grant_type: 'authorization_code', code: c2, redirect_uri: `${fake.redirectUri}?x=1`, code_verifier: verifier });
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a wrong client secret or client id with invalid_client', async () => {
    const { verifier, challenge } = pkce();
    const c = await code(challenge);
    const form = { grant_type: 'authorization_code', code: c, redirect_uri: fake.redirectUri, code_verifier: verifier };
    expect(await token(form, basic(fake.clientId, 'wrong-secret'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token(form, basic('other', fake.clientSecret))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token(form, 'Bearer x')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // The refused attempts did not burn the code.
    expect((await token(form)).status).toBe(200);
  });

  it('rotates refresh tokens: the new one works, the old one is refused', async () => {
    const t = await login();
    const r1 = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(t.refresh_token);
    expect((await accountNumbers(r1.body.access_token as string)).status).toBe(200);
    expect(await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(fake.counters.token.refresh_token).toBe(2);
  });

  it('refuses refreshing 7 days after the original login, however often it was refreshed', async () => {
    const t = await login();
    let refresh = t.refresh_token;
    for (let day = 1; day <= 6; day++) {
      now += DAY;
      const r = await token({ grant_type: 'refresh_token', refresh_token: refresh });
      expect(r.status).toBe(200);
      refresh = r.body.refresh_token as string;
    }
    now += DAY;
    expect(await token({ grant_type: 'refresh_token', refresh_token: refresh })).toEqual({
      status: 400,
      body: { error: 'refresh_token_authentication_error', error_description: 'Failed refresh token authentication' },
    });
  });

  it('expires access tokens after 30 minutes', async () => {
    const t = await login();
    now += 29 * 60_000;
    expect((await accountNumbers(t.access_token)).status).toBe(200);
    now += 2 * 60_000;
    expect((await accountNumbers(t.access_token)).status).toBe(401);
  });

  it('a new login ends the previous one at once', async () => {
    const first = await login();
    await login();
    expect((await accountNumbers(first.access_token)).status).toBe(401);
    expect((await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).status).toBe(400);
  });

  it('lists every token it issued on the admin endpoint, rotated ones included (for the e2e leak scan)', async () => {
    const t = await login();
    const r1 = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token });
    const issued = (await (await fetch(`${base}/__admin/issued`)).json()) as { access: string[]; refresh: string[] };
    expect(issued).toEqual({ access: [t.access_token, r1.body.access_token], refresh: [t.refresh_token, r1.body.refresh_token] });
  });

  it('revoke (from code or the admin endpoint) ends every token', async () => {
    const t = await login();
    const res = await fetch(`${base}/__admin/revoke`, { method: 'POST' });
    expect(res.status).toBe(204);
    expect((await accountNumbers(t.access_token)).status).toBe(401);
    expect((await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token })).status).toBe(400);
  });
});

describe('fake Schwab faults and market', () => {
  it('answers 429 with Retry-After for the next N calls, set over the admin endpoint', async () => {
    const { accessToken } = fake.issueTokensForTest();
    await fetch(`${base}/__admin/fault`, { method: 'POST', body: JSON.stringify({ kind: 'rate_limit', count: 2, retryAfterSeconds: 3 }) });
    for (let i = 0; i < 2; i++) {
      const res = await accountNumbers(accessToken);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
    }
    expect((await accountNumbers(accessToken)).status).toBe(200);
    expect(fake.counters.api).toBe(3);
  });

  it('fails only requests on a path and method, answers 401 or invalid_grant, and can act without answering', async () => {
    const t = await login();
    const hash = fake.accountList()[0]!.hashValue;
    const orders = `/trader/v1/accounts/${hash}/orders`;
    const headers = { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json' };
    const place = (signal?: AbortSignal) =>
      fetch(`${base}${orders}`, {
        method: 'POST',
        headers,
        signal: signal ?? null,
        body: JSON.stringify({
          session: 'NORMAL',
          duration: 'DAY',
          orderType: 'MARKET',
          orderStrategyType: 'SINGLE',
          orderLegCollection: [{ instruction: 'BUY', quantity: 1, instrument: { symbol: 'AAPL', assetType: 'EQUITY' } }],
        }),
      });
    const range = new URLSearchParams({ fromEnteredTime: new Date(now - DAY).toISOString(), toEnteredTime: new Date(now + DAY).toISOString() });
    const admin = (body: object) => fetch(`${base}/__admin/fault`, { method: 'POST', body: JSON.stringify(body) });

    expect((await admin({ kind: 'server_error', path: orders, method: 'post' })).status).toBe(204);
    expect((await accountNumbers(t.access_token)).status).toBe(200); // another path
    expect((await fetch(`${base}${orders}?${range}`, { headers })).status).toBe(200); // same path, GET
    expect((await place()).status).toBe(500);
    expect(fake.counters.orders.placed).toBe(0);

    // Acts, never answers: the order exists although the caller saw only a timeout.
    fake.failNext('lost_answer', 1, { path: orders, method: 'POST' });
    await expect(place(AbortSignal.timeout(300))).rejects.toThrow();
    expect(fake.counters.orders.placed).toBe(1);
    expect(fake.ordersOf(hash)).toHaveLength(1);

    // `hang` does nothing at all.
    fake.failNext('hang', 1, { path: orders, method: 'POST' });
    await expect(place(AbortSignal.timeout(300))).rejects.toThrow();
    expect(fake.counters.orders.placed).toBe(1);

    await admin({ kind: 'unauthorized', scope: 'all', count: 2 });
    expect((await accountNumbers(t.access_token)).status).toBe(401);
    const refused = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
    // One-off: the login itself still works afterwards.
    expect((await accountNumbers(t.access_token)).status).toBe(200);
    expect((await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token })).status).toBe(200);

    for (const bad of [{ kind: 'explode' }, { kind: 'hang', path: 'no-slash' }, { kind: 'hang', method: 'TRACE' }]) expect((await admin(bad)).status).toBe(400);
  });

  it('generates the same year of daily bars for the same seed, and moves a price on demand', async () => {
    const other = new FakeSchwab({ now: () => now });
    const otherBase = await other.start();
    try {
      const q = new URLSearchParams({ symbol: 'AAPL', periodType: 'year', frequencyType: 'daily', startDate: String(now - 365 * DAY), endDate: String(now) });
      const get = async (b: string, token: string) =>
        (await (await fetch(`${b}/marketdata/v1/pricehistory?${q}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          candles: { close: number; datetime: number }[];
        };
      const a = await get(base, fake.issueTokensForTest().accessToken);
      const b = await get(otherBase, other.issueTokensForTest().accessToken);
      expect(a.candles.length).toBeGreaterThanOrEqual(250);
      expect(a.candles.length).toBeLessThanOrEqual(262);
      expect(a).toEqual(b);
      expect(new Set(a.candles.map((c) => c.close)).size).toBeGreaterThan(100);
    } finally {
      await other.close();
    }

    const { accessToken } = fake.issueTokensForTest();
    const quote = async () =>
      ((await (await fetch(`${base}/marketdata/v1/quotes?symbols=AAPL`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as {
        AAPL: { quote: { lastPrice: number } };
      }).AAPL.quote.lastPrice;
    await fetch(`${base}/__admin/price`, { method: 'POST', body: JSON.stringify({ symbol: 'AAPL', price: '123.45' }) });
    expect(await quote()).toBe(123.45);
    expect((await fetch(`${base}/__admin/price`, { method: 'POST', body: JSON.stringify({ symbol: 'AAPL', price: '-1' }) })).status).toBe(400);
  });

  it('fills a sell limit only when the price rises to it, and refuses selling more than is held', async () => {
    const { accessToken } = fake.issueTokensForTest();
    const hash = fake.accountList()[0]!.hashValue;
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const order = (quantity: number, price: string) =>
      fetch(`${base}/trader/v1/accounts/${hash}/orders`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          session: 'NORMAL',
          duration: 'DAY',
          orderType: 'LIMIT',
          price,
          orderStrategyType: 'SINGLE',
          orderLegCollection: [{ instruction: 'SELL', quantity, instrument: { symbol: 'MSFT', assetType: 'EQUITY' } }],
        }),
      });
    const status = async (location: string) => ((await (await fetch(location, { headers })).json()) as { status: string }).status;
    expect((await order(21, '500.00')).status).toBe(400);
    fake.setPrice('MSFT', '400.00');
    const placed = await order(5, '450.00');
    expect(placed.status).toBe(201);
    const location = placed.headers.get('location')!;
    expect(await status(location)).toBe('WORKING');
    fake.setPrice('MSFT', '449.99');
    expect(await status(location)).toBe('WORKING');
    fake.setPrice('MSFT', '450.00');
    expect(await status(location)).toBe('FILLED');
    const account = (await (await fetch(`${base}/trader/v1/accounts/${hash}?fields=positions`, { headers })).json()) as {
      securitiesAccount: { positions: { instrument: { symbol: string }; longQuantity: number }[] };
    };
    expect(account.securitiesAccount.positions.find((p) => p.instrument.symbol === 'MSFT')?.longQuantity).toBe(15);
  });
});
