import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, TokenBucket } from './retry.ts';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

describe('retryDelay', () => {
  it('honours Retry-After on 429, for any method', () => {
    expect(retryDelay(policy, { kind: 'rate_limited', attempt: 1, idempotent: false, retryAfterMs: 2_000 })).toBe(2_000);
  });

  it('gives up on a Retry-After longer than the policy allows', () => {
    expect(retryDelay(policy, { kind: 'rate_limited', attempt: 1, idempotent: true, retryAfterMs: 60_000 })).toBeNull();
  });

  it('backs off exponentially with jitter, capped, on 5xx for idempotent calls', () => {
    const top = () => 0.999999;
    const delays = [1, 2, 3].map((attempt) => retryDelay(policy, { kind: 'unavailable', attempt, idempotent: true }, top));
    expect(delays).toEqual([99, 199, 399]);
    expect(retryDelay({ ...policy, maxAttempts: 10 }, { kind: 'unavailable', attempt: 8, idempotent: true }, top)).toBe(999);
    expect(retryDelay(policy, { kind: 'unavailable', attempt: 2, idempotent: true }, () => 0)).toBe(0);
  });

  it('never repeats a non-idempotent call after a server or network failure', () => {
    expect(retryDelay(policy, { kind: 'unavailable', attempt: 1, idempotent: false })).toBeNull();
  });

  it('stops after the bounded number of attempts', () => {
    expect(retryDelay(policy, { kind: 'unavailable', attempt: 4, idempotent: true })).toBeNull();
    expect(retryDelay(policy, { kind: 'rate_limited', attempt: 4, idempotent: true, retryAfterMs: 1 })).toBeNull();
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-02T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Fri, 02 Jan 2026 10:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Fri, 02 Jan 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then spaces calls at the refill rate', () => {
    let t = 0;
    const bucket = new TokenBucket(120, 60_000, () => t);
    const waits = Array.from({ length: 122 }, () => bucket.reserve());
    expect(waits.slice(0, 120).every((w) => w === 0)).toBe(true);
    expect(waits[120]).toBe(500);
    expect(waits[121]).toBe(1_000);
    t = 60_000;
    // A minute later the debt is repaid and the bucket is (almost) full again.
    expect(bucket.reserve()).toBe(0);
  });

  it('books waiting callers so no window of the period sees more than capacity + refill', () => {
    const bucket = new TokenBucket(10, 1_000, () => 0);
    const startTimes = Array.from({ length: 40 }, () => bucket.reserve());
    expect(startTimes.filter((at) => at < 1_000)).toHaveLength(19);
    expect(startTimes.filter((at) => at >= 1_000 && at < 2_000)).toHaveLength(10);
  });
});
