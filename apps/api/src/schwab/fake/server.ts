import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { centsToNumber, dayOf, easternOffset, isoDay, isWeekday, parseCents, SimulatedMarket } from './market.ts';

/*
 * A real HTTP server that behaves like Schwab's OAuth, Trader and Market Data APIs closely
 * enough for tests, e2e and a local demo: same paths, bodies, status codes and token rules.
 * Time comes from an injectable clock; faults can be switched on from code or over
 * `/__admin/*` (the fake listens on 127.0.0.1 only, and the admin routes exist only here).
 */

const ACCESS_TTL_MS = 30 * 60 * 1000;
const REFRESH_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const CODE_TTL_MS = 30 * 1000;
const MAX_BODY = 64 * 1024;

export interface FakeSchwabOptions {
  clientId?: string;
  clientSecret?: string;
  /** The registered callback; must be https, and matched exactly. */
  redirectUri?: string;
  seed?: string;
  /** Epoch ms; tests pass a controllable clock. */
  now?: () => number;
  /** Whether a refresh returns a new refresh token (the old one then stops working). */
  rotateRefreshTokens?: boolean;
  /** Starting cash of each account, whole dollars. */
  startingCash?: number;
}

/**
 * - `hang`: never answers, and does nothing (the caller times out).
 * - `lost_answer`: does what was asked (places the order, refreshes the token), then never
 *   answers: the caller cannot tell it from `hang`.
 * - `unauthorized`: the API answers 401 to the access token; the token endpoint refuses the
 *   grant (400 invalid_grant), as when Schwab revoked the login.
 */
export const FAULT_KINDS = ['rate_limit', 'server_error', 'hang', 'lost_answer', 'bad_response', 'unauthorized'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultScope = 'api' | 'token' | 'all';

export interface FaultOptions {
  scope?: FaultScope;
  retryAfterSeconds?: number;
  /** Only requests whose path starts with this (e.g. `/trader/v1/accounts/<hash>/orders`). */
  path?: string;
  /** Only requests with this method (e.g. POST: placing an order, not reading one). */
  method?: string;
}

interface Fault {
  kind: FaultKind;
  remaining: number;
  scope: FaultScope;
  retryAfterSeconds: number;
  path: string | null;
  method: string | null;
}

interface Grant {
  refreshToken: string;
  /** Hard deadline: 7 days after the authorization_code exchange; refreshing never moves it. */
  refreshExpiresAt: number;
  accessTokens: Map<string, number>;
}

interface PendingCode {
  redirectUri: string;
  challenge: string | null;
  expiresAt: number;
  used: boolean;
  grant: Grant | null;
}

interface Position {
  quantity: number;
  /** Total cost, cents. */
  cost: number;
}

interface FakeOrder {
  orderId: number;
  session: string;
  duration: string;
  orderType: 'MARKET' | 'LIMIT';
  enteredTime: string;
  closeTime?: string;
  status: 'WORKING' | 'FILLED' | 'CANCELED';
  symbol: string;
  instruction: 'BUY' | 'SELL';
  quantity: number;
  limitCents: number | null;
  /** Executions so far (a partial fill leaves the order working). */
  fills: { quantity: number; price: number; time: string }[];
  /** How many times the order was read (the delayed-fill behaviour counts these). */
  polls: number;
}

/**
 * How placed orders fill (tests of the order lifecycle set it; the default is Schwab's usual
 * behaviour for a liquid stock: a market order fills at once, at the live price).
 */
export interface OrderBehaviour {
  /** A market order fills only once it has been read this many times. */
  fillAfterPolls: number;
  /** Each fill covers at most this many shares (more leave the order partially filled and working). */
  fillStepShares: number | null;
  /** Market fills this many basis points worse than the live price (buys higher, sells lower). */
  fillOffsetBps: number;
  /** Market orders never fill (they stay working until cancelled). */
  holdMarketOrders: boolean;
}

const DEFAULT_ORDER_BEHAVIOUR: OrderBehaviour = { fillAfterPolls: 0, fillStepShares: null, fillOffsetBps: 0, holdMarketOrders: false };

export interface OrderCounters {
  placed: number;
  cancelled: number;
}

interface FakeTransaction {
  activityId: number;
  /** The order a TRADE came from (Schwab sends it on trade activity). */
  orderId?: number;
  time: string;
  type: string;
  netAmount: number;
  item: { symbol: string; amount: number; price: number; cost: number; positionEffect: string } | null;
}

interface FakeAccount {
  accountNumber: string;
  hashValue: string;
  type: 'MARGIN' | 'CASH';
  cash: number;
  positions: Map<string, Position>;
  orders: FakeOrder[];
  transactions: FakeTransaction[];
}

export interface TokenRequestCounters {
  authorization_code: number;
  refresh_token: number;
  refused: number;
}

export class FakeSchwab {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly market: SimulatedMarket;
  readonly counters: { token: TokenRequestCounters; api: number; orders: OrderCounters } = {
    token: { authorization_code: 0, refresh_token: 0, refused: 0 },
    api: 0,
    orders: { placed: 0, cancelled: 0 },
  };
  private orderBehaviour: OrderBehaviour = { ...DEFAULT_ORDER_BEHAVIOUR };

  private readonly baseNow: () => number;
  private clockOffsetMs = 0;
  private readonly rotate: boolean;
  private readonly codes = new Map<string, PendingCode>();
  private grants: Grant[] = [];
  private faults: Fault[] = [];
  private delayMs = 0;
  private readonly accounts: FakeAccount[];
  private nextOrderId = 1_000_000_001;
  private nextActivityId = 70_000_000_001;
  private server: Server | null = null;
  private url: string | null = null;
  private readonly jwtKey = randomBytes(32);
  /** Every token handed out, so e2e can look for them in logs and dumps afterwards. */
  private readonly issued: { access: string[]; refresh: string[] } = { access: [], refresh: [] };

  constructor(options: FakeSchwabOptions = {}) {
    this.clientId = options.clientId ?? 'fake-client-id';
    this.clientSecret = options.clientSecret ?? 'fake-client-secret';
    this.redirectUri = options.redirectUri ?? 'https://127.0.0.1:8182/api/schwab/callback';
    if (new URL(this.redirectUri).protocol !== 'https:') throw new Error('Schwab requires an https callback URL');
    this.baseNow = options.now ?? Date.now;
    this.rotate = options.rotateRefreshTokens ?? true;
    this.market = new SimulatedMarket(options.seed ?? 'jutsu');
    const cash = (options.startingCash ?? 100_000) * 100;
    this.accounts = [
      this.makeAccount('10004321', 'MARGIN', cash, { AAPL: 50, MSFT: 20 }),
      this.makeAccount('20008765', 'CASH', cash / 2, { VTI: 30 }),
    ];
  }

  now(): number {
    return this.baseNow() + this.clockOffsetMs;
  }

  /** Moves this fake's time forward (for e2e/demo, over the admin endpoint). */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  get baseUrl(): string {
    if (!this.url) throw new Error('fake Schwab is not started');
    return this.url;
  }

  accountList(): readonly { accountNumber: string; hashValue: string }[] {
    return this.accounts.map(({ accountNumber, hashValue }) => ({ accountNumber, hashValue }));
  }

  /** The next `count` requests in `scope` (and on `path`, with `method`, when given) fail this way. */
  failNext(kind: FaultKind, count = 1, opts: FaultOptions = {}): void {
    this.faults.push({
      kind,
      remaining: count,
      scope: opts.scope ?? 'api',
      retryAfterSeconds: opts.retryAfterSeconds ?? 1,
      path: opts.path ?? null,
      method: opts.method?.toUpperCase() ?? null,
    });
  }

  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  clearFaults(): void {
    this.faults = [];
    this.delayMs = 0;
  }

  /** Every access and refresh token stops working, as after a password change at Schwab. */
  revokeAllTokens(): void {
    this.grants = [];
  }

  /** Sets a symbol's live price (decimal text with at most 2 decimals) and fills crossed limit orders. */
  setPrice(symbol: string, price: string): void {
    const cents = parseCents(price);
    if (cents === null || cents <= 0) throw new RangeError('price must be a positive amount with at most 2 decimals');
    this.market.setPrice(symbol, cents);
    for (const account of this.accounts) {
      for (const order of account.orders) if (order.status === 'WORKING') this.tryFill(account, order);
    }
  }

  /** Changes how orders placed from now on (and working ones) fill. */
  setOrderBehaviour(change: Partial<OrderBehaviour>): void {
    const next = { ...this.orderBehaviour, ...change };
    if (!Number.isSafeInteger(next.fillAfterPolls) || next.fillAfterPolls < 0 || next.fillAfterPolls > 1_000_000) throw new RangeError('fillAfterPolls');
    if (next.fillStepShares !== null && (!Number.isSafeInteger(next.fillStepShares) || next.fillStepShares < 1)) throw new RangeError('fillStepShares');
    if (!Number.isSafeInteger(next.fillOffsetBps) || Math.abs(next.fillOffsetBps) > 10_000) throw new RangeError('fillOffsetBps');
    if (typeof next.holdMarketOrders !== 'boolean') throw new RangeError('holdMarketOrders');
    this.orderBehaviour = next;
  }

  /** Every order of an account as Schwab would answer it (tests inspect what reached the broker). */
  ordersOf(hash: string): ReturnType<FakeSchwab['orderJson']>[] {
    return (this.accounts.find((a) => a.hashValue === hash)?.orders ?? []).map((o) => this.orderJson(o));
  }

  /** An access token issued through a full login, for tests that only exercise the API. */
  issueTokensForTest(): { accessToken: string; refreshToken: string } {
    const grant = this.newGrant();
    const accessToken = this.newAccessToken(grant);
    return { accessToken, refreshToken: grant.refreshToken };
  }

  /** `tls`: serve https (a production-mode API reaches Schwab over https only; e2e trusts this certificate). */
  async start(port = 0, tls?: { key: string; cert: string }): Promise<string> {
    const listener: RequestListener = (req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, { message: 'fake failure' });
        else res.destroy();
      });
    };
    const server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, listener) : createServer(listener);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const { port: actual } = server.address() as AddressInfo;
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${actual}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname;
    if (path.startsWith('/__admin/')) return this.admin(req, res, path);

    const scope = path.startsWith('/v1/oauth/token') ? 'token' : path.startsWith('/v1/oauth/') ? null : 'api';
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (scope === 'api') this.counters.api++;
    const fault = scope === null ? null : this.takeFault(scope, path, req.method ?? 'GET');
    if (fault?.kind === 'hang') return; // never answers; close() ends the socket
    // Acted on as usual, into an answer that is never sent; close() ends the socket.
    if (fault?.kind === 'lost_answer') return this.route(req, new ServerResponse(req), url, null);
    if (fault?.kind === 'rate_limit') {
      res.setHeader('retry-after', String(fault.retryAfterSeconds));
      return send(res, 429, { errors: [{ status: 429, title: 'Too Many Requests' }] });
    }
    if (fault?.kind === 'server_error') return send(res, 500, { errors: [{ status: 500, title: 'Internal Server Error' }] });
    if (fault?.kind === 'unauthorized') {
      await readBody(req).catch(() => '');
      if (scope === 'token') {
        this.counters.token.refused++;
        return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      }
      return send(res, 401, { errors: [{ status: 401, title: 'Unauthorized', detail: 'Client not authorized' }] });
    }
    return this.route(req, res, url, fault);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, fault: Fault | null): Promise<void> {
    const path = url.pathname;
    if (path === '/v1/oauth/authorize') return req.method === 'POST' ? this.authorizeAllow(req, res) : this.authorizePage(url, res);
    if (path === '/v1/oauth/token' && req.method === 'POST') return this.token(req, res);

    const token = /^Bearer ([A-Za-z0-9._~+/=@-]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.accessTokenValid(token)) {
      return send(res, 401, { errors: [{ status: 401, title: 'Unauthorized', detail: 'Client not authorized' }] });
    }
    if (fault?.kind === 'bad_response') {
      // Wrong types, plus the caller's token, so tests can prove neither reaches an error message.
      return send(res, 200, [{ accountNumber: 1234, hashValue: false, echo: token }]);
    }
    return this.api(req, res, url);
  }

  private takeFault(scope: 'api' | 'token', path: string, method: string): Fault | null {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (f.scope === scope || f.scope === 'all') && (f.path === null || path.startsWith(f.path)) && (f.method === null || f.method === method),
    );
    if (!fault) return null;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  // ---- OAuth ----

  private authorizeProblem(params: URLSearchParams): string | null {
    if (params.get('client_id') !== this.clientId) return 'Unknown client_id';
    if (params.get('redirect_uri') !== this.redirectUri) return 'redirect_uri does not match the registered callback';
    if ((params.get('response_type') ?? 'code') !== 'code') return 'Unsupported response_type';
    const method = params.get('code_challenge_method');
    if (params.get('code_challenge') && method !== 'S256') return 'Only S256 code challenges are accepted';
    return null;
  }

  private authorizePage(url: URL, res: ServerResponse): void {
    const problem = this.authorizeProblem(url.searchParams);
    if (problem) return sendHtml(res, 400, `<h1>Authorization error</h1><p>${escapeHtml(problem)}</p>`);
    const fields = ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(url.searchParams.get(k) ?? '')}">`)
      .join('');
    sendHtml(
      res,
      200,
      `<h1>Fake Schwab</h1><p>Allow <b>${escapeHtml(this.clientId)}</b> to access your accounts?</p>` +
        `<form method="post" action="/v1/oauth/authorize">${fields}<button type="submit" name="decision" value="allow">Allow</button></form>`,
    );
  }

  private async authorizeAllow(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams(await readBody(req));
    const problem = this.authorizeProblem(params);
    if (problem) return sendHtml(res, 400, `<h1>Authorization error</h1><p>${escapeHtml(problem)}</p>`);
    const code = `C0.${randomBytes(24).toString('base64url')}@`;
    this.codes.set(code, {
      redirectUri: this.redirectUri,
      challenge: params.get('code_challenge') || null,
      expiresAt: this.now() + CODE_TTL_MS,
      used: false,
      grant: null,
    });
    // Schwab's redirect carries the code percent-encoded: "...%40".
    const target = `${this.redirectUri}?code=${encodeURIComponent(code)}&session=${randomBytes(8).toString('hex')}&state=${encodeURIComponent(params.get('state') ?? '')}`;
    res.writeHead(302, { location: target, 'cache-control': 'no-store' });
    res.end();
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, error: string, description: string) => {
      this.counters.token.refused++;
      send(res, status, { error, error_description: description });
    };
    if (!this.basicAuthValid(req.headers.authorization)) {
      await readBody(req).catch(() => '');
      return refuse(401, 'invalid_client', 'Client authentication failed');
    }
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readBody(req));
    } catch {
      return refuse(400, 'invalid_request', 'Malformed request');
    }
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      this.counters.token.authorization_code++;
      const code = form.get('code') ?? '';
      const pending = this.codes.get(code);
      if (!pending) return refuse(400, 'invalid_grant', 'Invalid authorization code');
      if (pending.used) {
        // A replayed code revokes what its first use issued.
        if (pending.grant) this.grants = this.grants.filter((g) => g !== pending.grant);
        return refuse(400, 'invalid_grant', 'Authorization code already used');
      }
      pending.used = true;
      if (this.now() > pending.expiresAt) return refuse(400, 'invalid_grant', 'Authorization code expired');
      if (form.get('redirect_uri') !== pending.redirectUri) return refuse(400, 'invalid_grant', 'redirect_uri mismatch');
      if (pending.challenge !== null) {
        const verifier = form.get('code_verifier') ?? '';
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !safeEqual(computed, pending.challenge)) {
          return refuse(400, 'invalid_grant', 'PKCE verification failed');
        }
      }
      // A new login ends every earlier one at once.
      this.grants = [];
      const grant = this.newGrant();
      pending.grant = grant;
      return send(res, 200, this.tokenBody(grant, this.newAccessToken(grant)));
    }
    if (grantType === 'refresh_token') {
      this.counters.token.refresh_token++;
      const grant = this.grants.find((g) => safeEqual(g.refreshToken, form.get('refresh_token') ?? ''));
      if (!grant) return refuse(400, 'invalid_grant', 'Invalid refresh token');
      if (this.now() >= grant.refreshExpiresAt) {
        this.grants = this.grants.filter((g) => g !== grant);
        return refuse(400, 'refresh_token_authentication_error', 'Failed refresh token authentication');
      }
      if (this.rotate) {
        grant.refreshToken = randomToken();
        this.issued.refresh.push(grant.refreshToken);
      }
      return send(res, 200, this.tokenBody(grant, this.newAccessToken(grant)));
    }
    return refuse(400, 'unsupported_grant_type', 'Unsupported grant_type');
  }

  private basicAuthValid(header: string | undefined): boolean {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!m?.[1]) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) return false;
    // RFC 6749 §2.3.1: both parts are form-encoded before joining.
    const id = decodeFormComponent(decoded.slice(0, sep));
    const secret = decodeFormComponent(decoded.slice(sep + 1));
    return id !== null && secret !== null && safeEqual(id, this.clientId) && safeEqual(secret, this.clientSecret);
  }

  private newGrant(): Grant {
    const grant: Grant = { refreshToken: randomToken(), refreshExpiresAt: this.now() + REFRESH_TTL_MS, accessTokens: new Map() };
    this.grants.push(grant);
    this.issued.refresh.push(grant.refreshToken);
    return grant;
  }

  private newAccessToken(grant: Grant): string {
    const token = `I0.${randomBytes(32).toString('base64url')}@`;
    grant.accessTokens.set(token, this.now() + ACCESS_TTL_MS);
    this.issued.access.push(token);
    return token;
  }

  private accessTokenValid(token: string): boolean {
    const now = this.now();
    return this.grants.some((g) => (g.accessTokens.get(token) ?? 0) > now);
  }

  private tokenBody(grant: Grant, accessToken: string) {
    return {
      expires_in: ACCESS_TTL_MS / 1000,
      token_type: 'Bearer',
      scope: 'api',
      refresh_token: grant.refreshToken,
      access_token: accessToken,
      id_token: this.idToken(),
    };
  }

  private idToken(): string {
    const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(this.now() / 1000);
    const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: 'fake-user', aud: this.clientId, iss: this.url ?? 'fake', iat: now, exp: now + 3600 })}`;
    return `${body}.${createHmac('sha256', this.jwtKey).update(body).digest('base64url')}`;
  }

  // ---- Trader and Market Data ----

  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/trader/v1/accounts/accountNumbers') return send(res, 200, this.accountList());
    if (method === 'GET' && path === '/trader/v1/accounts') {
      return send(res, 200, this.accounts.map((a) => this.accountJson(a, q.get('fields') === 'positions')));
    }
    if (method === 'GET' && path === '/marketdata/v1/quotes') return send(res, 200, this.quotes(q.get('symbols') ?? ''));
    if (method === 'GET' && path === '/marketdata/v1/pricehistory') return this.priceHistory(res, q);
    if (method === 'GET' && path === '/marketdata/v1/markets') return this.marketHours(res, q);

    const m = /^\/trader\/v1\/accounts\/([^/]+)(\/orders(?:\/(\d+))?|\/transactions)?$/.exec(path);
    const account = m ? this.accounts.find((a) => a.hashValue === m[1]) : undefined;
    if (!m || !account) return send(res, 404, { errors: [{ status: 404, title: 'Not Found' }] });
    const [, , sub, orderId] = m;
    if (sub === undefined && method === 'GET') return send(res, 200, this.accountJson(account, q.get('fields') === 'positions'));
    if (sub === '/transactions' && method === 'GET') return this.transactions(res, account, q);
    if (sub === '/orders' && method === 'GET') return this.listOrders(res, account, q);
    if (sub === '/orders' && method === 'POST') return this.placeOrder(req, res, account);
    if (orderId !== undefined) {
      const order = account.orders.find((o) => String(o.orderId) === orderId);
      if (!order) return send(res, 404, { errors: [{ status: 404, title: 'Order not found' }] });
      if (method === 'GET') {
        order.polls++;
        if (order.status === 'WORKING') this.tryFill(account, order);
        return send(res, 200, this.orderJson(order));
      }
      if (method === 'DELETE') {
        if (order.status !== 'WORKING') return send(res, 400, { message: 'Order is not cancelable' });
        this.counters.orders.cancelled++;
        order.status = 'CANCELED';
        order.closeTime = this.stamp();
        res.writeHead(200).end();
        return;
      }
    }
    send(res, 405, { errors: [{ status: 405, title: 'Method Not Allowed' }] });
  }

  private makeAccount(accountNumber: string, type: 'MARGIN' | 'CASH', cash: number, holdings: Record<string, number>): FakeAccount {
    const positions = new Map<string, Position>();
    const day = dayOf(this.now());
    for (const [symbol, quantity] of Object.entries(holdings)) {
      // Bought a year ago, at that day's close.
      const bought = this.market.barsThrough(symbol, day - 365).at(-1)?.close ?? 10_000;
      positions.set(symbol, { quantity, cost: bought * quantity });
    }
    const hashValue = createHash('sha256').update(`fake:${accountNumber}`).digest('hex').toUpperCase();
    return { accountNumber, hashValue, type, cash, positions, orders: [], transactions: [] };
  }

  private accountJson(account: FakeAccount, withPositions: boolean) {
    const now = this.now();
    const day = dayOf(now);
    let longValue = 0;
    const positions = [...account.positions].map(([symbol, p]) => {
      const price = this.market.price(symbol, now);
      const prev = this.market.previousClose(symbol, day);
      const value = price * p.quantity;
      longValue += value;
      const dayPl = (price - prev) * p.quantity;
      return {
        shortQuantity: 0,
        averagePrice: round4(p.cost / p.quantity / 100),
        currentDayProfitLoss: centsToNumber(dayPl),
        currentDayProfitLossPercentage: round4((dayPl / (prev * p.quantity)) * 100),
        longQuantity: p.quantity,
        settledLongQuantity: p.quantity,
        instrument: { assetType: 'EQUITY', cusip: cusipOf(symbol), symbol },
        marketValue: centsToNumber(value),
        longOpenProfitLoss: centsToNumber(value - p.cost),
      };
    });
    const liquidation = account.cash + longValue;
    return {
      securitiesAccount: {
        type: account.type,
        accountNumber: account.accountNumber,
        roundTrips: 0,
        isDayTrader: false,
        ...(withPositions ? { positions } : {}),
        currentBalances: {
          cashBalance: centsToNumber(account.cash),
          buyingPower: centsToNumber(account.type === 'MARGIN' ? account.cash * 2 : account.cash),
          equity: centsToNumber(liquidation),
          liquidationValue: centsToNumber(liquidation),
          longMarketValue: centsToNumber(longValue),
        },
      },
      aggregatedBalance: { currentLiquidationValue: centsToNumber(liquidation), liquidationValue: centsToNumber(liquidation) },
    };
  }

  private quotes(symbols: string) {
    const now = this.now();
    const out: Record<string, unknown> = {};
    for (const symbol of symbols.split(',').filter((s) => /^[A-Z]{1,5}$/.test(s)).slice(0, 500)) {
      const last = this.market.price(symbol, now);
      const close = this.market.previousClose(symbol, dayOf(now));
      out[symbol] = {
        assetMainType: 'EQUITY',
        symbol,
        realtime: true,
        quote: {
          lastPrice: centsToNumber(last),
          bidPrice: centsToNumber(last - 1),
          askPrice: centsToNumber(last + 1),
          closePrice: centsToNumber(close),
          netChange: centsToNumber(last - close),
          netPercentChange: round4(((last - close) / close) * 100),
          totalVolume: this.market.barsThrough(symbol, dayOf(now)).at(-1)?.volume ?? 0,
          quoteTime: now,
          tradeTime: now,
        },
      };
    }
    return out;
  }

  private priceHistory(res: ServerResponse, q: URLSearchParams): void {
    const symbol = q.get('symbol') ?? '';
    if (!/^[A-Z]{1,5}$/.test(symbol)) return send(res, 400, { errors: [{ status: 400, title: 'Bad Request', detail: 'symbol' }] });
    const end = Number(q.get('endDate') ?? this.now());
    const start = Number(q.get('startDate') ?? end - 365 * 86_400_000);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end) {
      return send(res, 400, { errors: [{ status: 400, title: 'Bad Request', detail: 'dates' }] });
    }
    const candles = this.market.bars(symbol, dayOf(start), Math.min(dayOf(end), dayOf(this.now()))).map((b) => ({
      open: centsToNumber(b.open),
      high: centsToNumber(b.high),
      low: centsToNumber(b.low),
      close: centsToNumber(b.close),
      volume: b.volume,
      datetime: b.day * 86_400_000 + 5 * 3_600_000,
    }));
    send(res, 200, { symbol, empty: candles.length === 0, candles, previousClose: null });
  }

  private marketHours(res: ServerResponse, q: URLSearchParams): void {
    const date = q.get('date') ?? isoDay(dayOf(this.now()));
    if (q.get('markets') !== 'equity' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      return send(res, 400, { errors: [{ status: 400, title: 'Bad Request' }] });
    }
    const day = dayOf(Date.parse(`${date}T00:00:00Z`));
    const off = easternOffset(day);
    const at = (hm: string) => `${date}T${hm}:00${off}`;
    const open = isWeekday(day);
    send(res, 200, {
      equity: {
        [open ? 'EQ' : 'equity']: {
          date,
          marketType: 'EQUITY',
          product: 'EQ',
          isOpen: open,
          ...(open
            ? {
                sessionHours: {
                  preMarket: [{ start: at('07:00'), end: at('09:30') }],
                  regularMarket: [{ start: at('09:30'), end: at('16:00') }],
                  postMarket: [{ start: at('16:00'), end: at('20:00') }],
                },
              }
            : {}),
        },
      },
    });
  }

  private listOrders(res: ServerResponse, account: FakeAccount, q: URLSearchParams): void {
    const from = Date.parse(q.get('fromEnteredTime') ?? '');
    const to = Date.parse(q.get('toEnteredTime') ?? '');
    if (Number.isNaN(from) || Number.isNaN(to) || to < from || to - from > 60 * 86_400_000) {
      return send(res, 400, { message: 'fromEnteredTime and toEnteredTime are required, at most 60 days apart' });
    }
    const orders = account.orders.filter((o) => {
      const t = parseStamp(o.enteredTime);
      return t >= from && t <= to;
    });
    send(res, 200, orders.map((o) => this.orderJson(o)).reverse());
  }

  private async placeOrder(req: IncomingMessage, res: ServerResponse, account: FakeAccount): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { message: 'Invalid JSON' });
    }
    const o = body as Record<string, unknown> | null;
    const leg = Array.isArray(o?.orderLegCollection) && o.orderLegCollection.length === 1 ? (o.orderLegCollection[0] as Record<string, unknown>) : null;
    const instrument = leg?.instrument as Record<string, unknown> | undefined;
    const symbol = typeof instrument?.symbol === 'string' && /^[A-Z]{1,5}$/.test(instrument.symbol) ? instrument.symbol : null;
    const instruction = leg?.instruction === 'BUY' || leg?.instruction === 'SELL' ? leg.instruction : null;
    const quantity = Number(leg?.quantity);
    const orderType = o?.orderType === 'MARKET' || o?.orderType === 'LIMIT' ? o.orderType : null;
    const limitCents = orderType === 'LIMIT' ? parseCents(String(o?.price ?? '')) : null;
    if (!symbol || !instruction || !Number.isSafeInteger(quantity) || quantity <= 0 || !orderType || (orderType === 'LIMIT' && !limitCents)) {
      return send(res, 400, { message: 'Order is not valid', errors: ['orderLegCollection, orderType or price'] });
    }
    const held = account.positions.get(symbol)?.quantity ?? 0;
    if (instruction === 'SELL' && held < quantity) return send(res, 400, { message: 'Not enough shares to sell' });
    const price = limitCents ?? this.market.price(symbol, this.now());
    if (instruction === 'BUY' && account.cash < price * quantity) return send(res, 400, { message: 'Not enough buying power' });
    const order: FakeOrder = {
      orderId: this.nextOrderId++,
      session: String(o?.session ?? 'NORMAL'),
      duration: String(o?.duration ?? 'DAY'),
      orderType,
      enteredTime: this.stamp(),
      status: 'WORKING',
      symbol,
      instruction,
      quantity,
      limitCents,
      fills: [],
      polls: 0,
    };
    account.orders.push(order);
    this.counters.orders.placed++;
    this.tryFill(account, order);
    res.writeHead(201, { location: `${this.baseUrl}/trader/v1/accounts/${account.hashValue}/orders/${order.orderId}` }).end();
  }

  /**
   * Market orders fill at the live price (after `fillAfterPolls` reads, `fillOffsetBps` worse);
   * limit orders when the live price crosses the limit. A fill covers at most `fillStepShares`.
   */
  private tryFill(account: FakeAccount, order: FakeOrder): void {
    const b = this.orderBehaviour;
    const live = this.market.price(order.symbol, this.now());
    let price = live;
    if (order.orderType === 'MARKET') {
      if (b.holdMarketOrders || order.polls < b.fillAfterPolls) return;
      const worse = Math.round((live * b.fillOffsetBps) / 10_000);
      price = order.instruction === 'BUY' ? live + worse : Math.max(1, live - worse);
    }
    const crossed =
      order.orderType === 'MARKET' ||
      (order.limitCents !== null && (order.instruction === 'BUY' ? live <= order.limitCents : live >= order.limitCents));
    if (!crossed) return;
    const done = order.fills.reduce((n, f) => n + f.quantity, 0);
    const quantity = Math.min(order.quantity - done, b.fillStepShares ?? Number.MAX_SAFE_INTEGER);
    if (quantity <= 0) return;
    const pos = account.positions.get(order.symbol) ?? { quantity: 0, cost: 0 };
    const amount = price * quantity;
    if (order.instruction === 'BUY') {
      if (account.cash < amount) return; // stays working until affordable
      account.cash -= amount;
      pos.quantity += quantity;
      pos.cost += amount;
    } else {
      if (pos.quantity < quantity) return;
      pos.cost -= Math.round((pos.cost * quantity) / pos.quantity);
      pos.quantity -= quantity;
      account.cash += amount;
    }
    if (pos.quantity === 0) account.positions.delete(order.symbol);
    else account.positions.set(order.symbol, pos);
    const time = this.stamp();
    order.fills.push({ quantity, price, time });
    if (done + quantity === order.quantity) {
      order.status = 'FILLED';
      order.closeTime = time;
    }
    account.transactions.push({
      activityId: this.nextActivityId++,
      orderId: order.orderId,
      time,
      type: 'TRADE',
      netAmount: order.instruction === 'BUY' ? -amount : amount,
      item: {
        symbol: order.symbol,
        amount: quantity,
        price,
        cost: order.instruction === 'BUY' ? -amount : amount,
        positionEffect: order.instruction === 'BUY' ? 'OPENING' : 'CLOSING',
      },
    });
  }

  private orderJson(o: FakeOrder) {
    const filled = o.fills.reduce((n, f) => n + f.quantity, 0);
    return {
      session: o.session,
      duration: o.duration,
      orderType: o.orderType,
      complexOrderStrategyType: 'NONE',
      quantity: o.quantity,
      filledQuantity: filled,
      remainingQuantity: o.status === 'WORKING' ? o.quantity - filled : 0,
      ...(o.limitCents !== null ? { price: centsToNumber(o.limitCents) } : {}),
      orderLegCollection: [
        { orderLegType: 'EQUITY', legId: 1, instrument: { assetType: 'EQUITY', symbol: o.symbol }, instruction: o.instruction, quantity: o.quantity },
      ],
      orderStrategyType: 'SINGLE',
      orderId: o.orderId,
      cancelable: o.status === 'WORKING',
      status: o.status,
      enteredTime: o.enteredTime,
      ...(o.closeTime ? { closeTime: o.closeTime } : {}),
      ...(o.fills.length
        ? {
            orderActivityCollection: o.fills.map((f) => ({
              activityType: 'EXECUTION',
              executionType: 'FILL',
              quantity: f.quantity,
              executionLegs: [{ legId: 1, quantity: f.quantity, price: centsToNumber(f.price), time: f.time }],
            })),
          }
        : {}),
    };
  }

  private transactions(res: ServerResponse, account: FakeAccount, q: URLSearchParams): void {
    const start = Date.parse(q.get('startDate') ?? '');
    const end = Date.parse(q.get('endDate') ?? '');
    const types = (q.get('types') ?? '').split(',').filter(Boolean);
    if (Number.isNaN(start) || Number.isNaN(end) || end < start || types.length === 0) {
      return send(res, 400, { message: 'startDate, endDate and types are required' });
    }
    const list = account.transactions
      .filter((t) => types.includes(t.type) && parseStamp(t.time) >= start && parseStamp(t.time) <= end)
      .map((t) => ({
        activityId: t.activityId,
        ...(t.orderId === undefined ? {} : { orderId: t.orderId }),
        time: t.time,
        accountNumber: account.accountNumber,
        type: t.type,
        status: 'VALID',
        subAccount: 'CASH',
        tradeDate: t.time,
        netAmount: centsToNumber(t.netAmount),
        transferItems: t.item
          ? [
              {
                instrument: { assetType: 'EQUITY', symbol: t.item.symbol },
                amount: t.item.amount,
                cost: centsToNumber(t.item.cost),
                price: centsToNumber(t.item.price),
                positionEffect: t.item.positionEffect,
              },
            ]
          : [],
      }));
    send(res, 200, list);
  }

  private stamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, '+0000');
  }

  // ---- admin (fake only) ----

  private async admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/__admin/counters') return send(res, 200, this.counters);
    if (req.method === 'GET' && path === '/__admin/issued') return send(res, 200, this.issued);
    if (req.method !== 'POST') return send(res, 405, { error: 'POST' });
    let body: Record<string, unknown>;
    try {
      body = (JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>) ?? {};
    } catch {
      return send(res, 400, { error: 'invalid JSON' });
    }
    try {
      switch (path) {
        case '/__admin/fault': {
          const kind = body.kind as FaultKind;
          if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new RangeError('kind');
          const scope = (body.scope ?? 'api') as FaultScope;
          if (!['api', 'token', 'all'].includes(scope)) throw new RangeError('scope');
          const count = Number(body.count ?? 1);
          const retryAfterSeconds = Number(body.retryAfterSeconds ?? 1);
          if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new RangeError('count');
          if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0 || retryAfterSeconds > 3_600) throw new RangeError('retryAfterSeconds');
          const path = body.path === undefined ? undefined : String(body.path);
          const method = body.method === undefined ? undefined : String(body.method).toUpperCase();
          if (path !== undefined && !/^\/[\w./-]{0,300}$/.test(path)) throw new RangeError('path');
          if (method !== undefined && !['GET', 'POST', 'PUT', 'DELETE'].includes(method)) throw new RangeError('method');
          this.failNext(kind, count, { scope, retryAfterSeconds, ...(path ? { path } : {}), ...(method ? { method } : {}) });
          break;
        }
        case '/__admin/delay': {
          const ms = Number(body.ms ?? 0);
          if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) throw new RangeError('ms');
          this.setDelay(ms);
          break;
        }
        case '/__admin/clear':
          this.clearFaults();
          break;
        case '/__admin/revoke':
          this.revokeAllTokens();
          break;
        case '/__admin/price':
          this.setPrice(String(body.symbol), String(body.price));
          break;
        case '/__admin/orders':
          this.setOrderBehaviour(body as Partial<OrderBehaviour>);
          break;
        case '/__admin/clock': {
          const advanceMs = Number(body.advanceMs ?? 0);
          if (!Number.isSafeInteger(advanceMs) || advanceMs < 0) throw new RangeError('advanceMs');
          this.advanceClock(advanceMs);
          break;
        }
        default:
          return send(res, 404, { error: 'unknown admin route' });
      }
    } catch (err) {
      return send(res, 400, { error: err instanceof Error ? err.message : 'invalid' });
    }
    res.writeHead(204).end();
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Fake Schwab</title></head><body>${body}</body></html>`);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function decodeFormComponent(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function cusipOf(symbol: string): string {
  return createHash('sha256').update(symbol).digest('hex').slice(0, 9).toUpperCase();
}

function parseStamp(stamp: string): number {
  return Date.parse(stamp.replace(/\+0000$/, 'Z'));
}
