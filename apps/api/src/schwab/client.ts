import {
  parseSchwabJson,
  schwabAccountNumbersSchema,
  schwabAccountSchema,
  schwabAccountsSchema,
  schwabMarketHoursSchema,
  schwabOrderRequestSchema,
  schwabOrderSchema,
  schwabOrdersSchema,
  schwabPriceHistorySchema,
  schwabQuotesSchema,
  schwabTransactionsSchema,
  type SchwabOrderRequest,
} from '@jutsu/shared';
import { type z } from 'zod';
import { checkSchwabBaseUrl, SchwabError } from './errors.ts';
import { DEFAULT_RETRY_POLICY, defaultSchwabBucket, parseRetryAfter, retryDelay, type RetryPolicy, type TokenBucket } from './retry.ts';

export interface SchwabClientOptions {
  /** e.g. https://api.schwabapi.com (the fake server's URL in tests). */
  baseUrl: string;
  /** Supplies a current access token; the token broker owns refreshing. */
  getAccessToken: () => Promise<string>;
  /** Per attempt, covering the answer's body too. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  bucket?: TokenBucket;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Allows http:// to a loopback host (tests, e2e and the local demo only). */
  allowInsecureHttp?: boolean;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_ORDER_WINDOW_MS = 60 * 24 * 60 * 60 * 1000;
const HASH = /^[A-Za-z0-9_-]{1,128}$/;
const SYMBOL = /^[A-Z$][A-Z0-9./$]{0,15}$/;

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * Typed client for Schwab's Trader and Market Data APIs. Every answer goes through the
 * shared schemas; every failure is a `SchwabError` whose message holds no body or token.
 */
export class SchwabClient {
  private readonly base: URL;
  private readonly policy: RetryPolicy;
  private readonly bucket: TokenBucket;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;

  constructor(private readonly options: SchwabClientOptions) {
    this.base = checkSchwabBaseUrl(options.baseUrl, options.allowInsecureHttp);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.bucket = options.bucket ?? defaultSchwabBucket();
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async accountNumbers() {
    return this.get('/trader/v1/accounts/accountNumbers', {}, schwabAccountNumbersSchema);
  }

  async accounts() {
    return this.get('/trader/v1/accounts', { fields: 'positions' }, schwabAccountsSchema);
  }

  async account(hash: string) {
    return this.get(`/trader/v1/accounts/${checkHash(hash)}`, { fields: 'positions' }, schwabAccountSchema);
  }

  async orders(hash: string, range: { from: Date; to: Date }) {
    checkRange(range.from, range.to, MAX_ORDER_WINDOW_MS, 'orders');
    return this.get(
      `/trader/v1/accounts/${checkHash(hash)}/orders`,
      { fromEnteredTime: range.from.toISOString(), toEnteredTime: range.to.toISOString() },
      schwabOrdersSchema,
    );
  }

  async order(hash: string, orderId: string) {
    return this.get(`/trader/v1/accounts/${checkHash(hash)}/orders/${checkOrderId(orderId)}`, {}, schwabOrderSchema);
  }

  /** Places an order; Schwab answers 201 with an empty body and the new id in `Location`. */
  async placeOrder(hash: string, order: SchwabOrderRequest): Promise<{ orderId: string }> {
    const body = schwabOrderRequestSchema.safeParse(order);
    if (!body.success) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Order request is not valid');
    const res = await this.request('POST', `/trader/v1/accounts/${checkHash(hash)}/orders`, {}, body.data);
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 201 && res.status !== 200) {
      throw new SchwabError('SCHWAB_BAD_RESPONSE', `Unexpected status ${res.status} for order placement`, { status: res.status });
    }
    const orderId = orderIdFromLocation(res.headers.get('location'), hash);
    if (orderId === null) throw new SchwabError('SCHWAB_BAD_RESPONSE', 'Order placement answer has no usable Location header');
    return { orderId };
  }

  async cancelOrder(hash: string, orderId: string): Promise<void> {
    const res = await this.request('DELETE', `/trader/v1/accounts/${checkHash(hash)}/orders/${checkOrderId(orderId)}`, {});
    await res.body?.cancel().catch(() => undefined);
  }

  async transactions(hash: string, range: { start: Date; end: Date; types: readonly string[] }) {
    checkRange(range.start, range.end, 365 * 24 * 60 * 60 * 1000, 'transactions');
    return this.get(
      `/trader/v1/accounts/${checkHash(hash)}/transactions`,
      { startDate: range.start.toISOString(), endDate: range.end.toISOString(), types: range.types.join(',') },
      schwabTransactionsSchema,
    );
  }

  async quotes(symbols: readonly string[]) {
    if (symbols.length === 0 || symbols.length > 500 || !symbols.every((s) => SYMBOL.test(s))) {
      throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Symbols are not valid');
    }
    return this.get('/marketdata/v1/quotes', { symbols: symbols.join(',') }, schwabQuotesSchema);
  }

  /** Daily bars between two instants (Schwab takes epoch milliseconds). */
  async priceHistory(symbol: string, range: { start: Date; end: Date }) {
    if (!SYMBOL.test(symbol)) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Symbol is not valid');
    checkRange(range.start, range.end, 20 * 366 * 24 * 60 * 60 * 1000, 'price history');
    return this.get(
      '/marketdata/v1/pricehistory',
      {
        symbol,
        periodType: 'year',
        frequencyType: 'daily',
        startDate: String(range.start.getTime()),
        endDate: String(range.end.getTime()),
      },
      schwabPriceHistorySchema,
    );
  }

  /** Equity market hours for one day, `YYYY-MM-DD`. */
  async marketHours(date: string) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Date is not valid');
    return this.get('/marketdata/v1/markets', { markets: 'equity', date }, schwabMarketHoursSchema);
  }

  private async get<S extends z.ZodType>(path: string, query: Record<string, string>, schema: S): Promise<z.output<S>> {
    const res = await this.request('GET', path, query);
    let text: string;
    try {
      text = await readLimited(res);
    } catch {
      throw new SchwabError('SCHWAB_UNAVAILABLE', `Schwab answer for ${path} could not be read`);
    }
    let json: unknown;
    try {
      json = parseSchwabJson(text);
    } catch {
      throw new SchwabError('SCHWAB_BAD_RESPONSE', `Schwab answer for ${path} is not JSON`, { status: res.status });
    }
    const parsed = schema.safeParse(json);
    // The issues name fields and expectations, never values; still, keep only the paths.
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => i.path.filter((p) => typeof p === 'number' || /^[A-Za-z]{1,40}$/.test(String(p))).join('.'))
        .join(', ');
      throw new SchwabError('SCHWAB_BAD_RESPONSE', `Schwab answer for ${path} has an unexpected shape (${where})`, {
        status: res.status,
      });
    }
    return parsed.data;
  }

  /** One logical call: pacing, per-attempt timeout, retries; resolves only on a 2xx. */
  private async request(method: Method, path: string, query: Record<string, string>, body?: unknown): Promise<Response> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const idempotent = method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      const wait = this.bucket.reserve();
      if (wait > 0) await this.sleep(wait);
      const token = await this.options.getAccessToken();
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
        const delay = retryDelay(this.policy, { kind: 'unavailable', attempt, idempotent }, this.options.random);
        if (delay === null) {
          throw new SchwabError('SCHWAB_UNAVAILABLE', timedOut ? `Schwab did not answer ${path} in time` : `Schwab unreachable for ${path}`, {
            timedOut,
          });
        }
        await this.sleep(delay);
        continue;
      }
      if (res.ok) return res;
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 429) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), (this.options.now ?? Date.now)());
        const delay = retryDelay(this.policy, { kind: 'rate_limited', attempt, idempotent, retryAfterMs }, this.options.random);
        if (delay === null) {
          throw new SchwabError('SCHWAB_RATE_LIMITED', `Schwab rate limit reached for ${path}`, {
            status: 429,
            ...(retryAfterMs === null ? {} : { retryAfterMs }),
          });
        }
        await this.sleep(delay);
        continue;
      }
      if (res.status === 401) throw new SchwabError('SCHWAB_UNAUTHORIZED', `Schwab refused the access token for ${path}`, { status: 401 });
      if (res.status >= 500) {
        const delay = retryDelay(this.policy, { kind: 'unavailable', attempt, idempotent }, this.options.random);
        if (delay === null) throw new SchwabError('SCHWAB_UNAVAILABLE', `Schwab failed (${res.status}) for ${path}`, { status: res.status });
        await this.sleep(delay);
        continue;
      }
      throw new SchwabError('SCHWAB_REFUSED', `Schwab refused ${method} ${path} (${res.status})`, { status: res.status });
    }
  }
}

async function readLimited(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new Error('too large');
  const buf = await res.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) throw new Error('too large');
  return new TextDecoder('utf-8', { fatal: true }).decode(buf);
}

/** The order id from `Location: …/accounts/{hash}/orders/{id}`, only for that account. */
export function orderIdFromLocation(location: string | null, hash: string): string | null {
  if (!location) return null;
  let path: string;
  try {
    path = new URL(location, 'https://placeholder.invalid').pathname;
  } catch {
    return null;
  }
  const m = /\/accounts\/([^/]+)\/orders\/(\d{1,30})\/?$/.exec(path);
  return m && m[1] === hash ? (m[2] ?? null) : null;
}

function checkHash(hash: string): string {
  if (!HASH.test(hash)) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Account hash is not valid');
  return hash;
}

function checkOrderId(id: string): string {
  if (!/^\d{1,30}$/.test(id)) throw new SchwabError('SCHWAB_INVALID_REQUEST', 'Order id is not valid');
  return id;
}

function checkRange(from: Date, to: Date, maxMs: number, what: string): void {
  const span = to.getTime() - from.getTime();
  if (!Number.isFinite(span) || span < 0 || span > maxMs) {
    throw new SchwabError('SCHWAB_INVALID_REQUEST', `Date range for ${what} is not valid`);
  }
}
