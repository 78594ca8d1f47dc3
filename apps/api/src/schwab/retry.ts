/** Retry and pacing rules for calls to Schwab, as pure functions of their inputs. */

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the caller gets SCHWAB_RATE_LIMITED. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

export type FailureKind = 'rate_limited' | 'unavailable';

export interface RetryInput {
  kind: FailureKind;
  /** How many attempts have been made so far (1 after the first failure). */
  attempt: number;
  /** Whether repeating the request cannot act twice (GET, DELETE). */
  idempotent: boolean;
  retryAfterMs?: number | null;
}

/**
 * Milliseconds to wait before the next attempt, or null to give up.
 * - 429: the server did not act, so any method may repeat; wait Retry-After (or back off).
 * - 5xx / network / timeout: only idempotent requests repeat. A POST that placed an order may
 *   have reached Schwab before the failure, and repeating it could place the order twice.
 * Backoff is exponential with full jitter: random in [0, min(max, base·2^(attempt-1))].
 */
export function retryDelay(policy: RetryPolicy, input: RetryInput, random: () => number = Math.random): number | null {
  if (input.attempt >= policy.maxAttempts) return null;
  const backoff = Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (input.attempt - 1)));
  if (input.kind === 'rate_limited') {
    const wait = input.retryAfterMs ?? backoff;
    return wait > policy.maxRetryAfterMs ? null : wait;
  }
  return input.idempotent ? backoff : null;
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d{1,7}$/.test(value)) return Number(value) * 1000;
  if (!/GMT$/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Client-side token bucket so one process stays under Schwab's ~120 requests a minute:
 * `capacity` calls at once, refilled evenly over `perMs`. `reserve` takes a token now or
 * books the next one and says how long to wait for it; waiting callers keep their order.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  /** Reserve one token; returns the milliseconds to wait before using it (0 = now). */
  reserve(): number {
    const t = this.now();
    const rate = this.capacity / this.perMs;
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.updatedAt) * rate);
    this.updatedAt = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / rate);
  }
}

/** 110 a minute: a margin under Schwab's documented ~120. */
export function defaultSchwabBucket(): TokenBucket {
  return new TokenBucket(110, 60_000);
}
