// The limiter itself, in memory and (when REDIS_URL is set) on Redis shared by two instances.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rateLimitBuckets, RateLimitedError, RateLimits } from './rate-limit.ts';

const buckets = { tiny: { points: 2, duration: 60, by: 'ip' as const } };

async function refusals(limits: RateLimits, key: string, n: number): Promise<RateLimitedError[]> {
  const out: RateLimitedError[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await limits.consume('tiny', key);
    } catch (e) {
      out.push(e as RateLimitedError);
    }
  }
  return out;
}

describe('RateLimits', () => {
  it('refuses past the limit with a retry-after, marking only the first refusal', async () => {
    const limits = new RateLimits(buckets);
    const r = await refusals(limits, 'k', 5);
    expect(r).toHaveLength(3);
    expect(r.every((e) => e instanceof RateLimitedError && e.retryAfterSeconds > 0)).toBe(true);
    expect(r.map((e) => e.firstRefusal)).toEqual([true, false, false]);
    await expect(refusals(limits, 'other', 2)).resolves.toHaveLength(0);
  });

  it('resizes only per-minute buckets from RATE_LIMITS, leaving the others as they were', () => {
    const base = rateLimitBuckets({ loginPerMinute: 5 });
    const sized = rateLimitBuckets({ loginPerMinute: 5, perMinute: { api: 6000, public: 7 } });
    expect(sized.api).toEqual({ ...base.api, points: 6000 });
    expect(sized.public).toEqual({ ...base.public, points: 7 });
    expect({ ...sized, api: base.api, public: base.public }).toEqual(base);
    // The per-account penalty buckets are not per-minute budgets: refused, not silently resized.
    expect(() => rateLimitBuckets({ loginPerMinute: 5, perMinute: { loginAccount: 1000 } })).toThrow(/cannot be set per minute/);
    expect(() => rateLimitBuckets({ loginPerMinute: 5, perMinute: { nope: 1 } })).toThrow(/cannot be set per minute/);
  });

  it('rejects an unknown bucket loudly', async () => {
    await expect(new RateLimits(buckets).consume('nope', 'k')).rejects.toThrow(/unknown rate-limit bucket/);
  });

  it.runIf(process.env.REDIS_URL)('shares counters between API replicas through Redis', async () => {
    const prefix = `t:${randomBytes(6).toString('hex')}`;
    const a = new RateLimits(buckets, { redisUrl: process.env.REDIS_URL, keyPrefix: prefix });
    const b = new RateLimits(buckets, { redisUrl: process.env.REDIS_URL, keyPrefix: prefix });
    try {
      await new Promise((r) => setTimeout(r, 200)); // let both connect
      expect(await refusals(a, 'ip:1', 2)).toHaveLength(0);
      expect(await refusals(b, 'ip:1', 1)).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('progressive account delay', () => {
  const acct = { loginAccount: { points: 2, duration: 900, by: 'account' as const } };
  it('reserves attempts before they are checked: free ones first, then one at a time with doubling waits', async () => {
    const limits = new RateLimits(acct);
    const a1 = await limits.reserve('loginAccount', 'alice');
    const a2 = await limits.reserve('loginAccount', 'alice');
    expect([a1.ok, a2.ok]).toEqual([true, true]);
    // Past the free attempts: one slot, held until the attempt settles.
    const a3 = await limits.reserve('loginAccount', 'alice');
    const a4 = await limits.reserve('loginAccount', 'alice');
    expect(a3.ok).toBe(true);
    expect(a4).toEqual({ ok: false, retryAfterSeconds: expect.any(Number) });
    if (!a3.ok) throw new Error('unreachable');
    await limits.settleFailure('loginAccount', 'alice', a3.attempt);
    const after = await limits.reserve('loginAccount', 'alice');
    // Attempt 3 was one over the free two: a 2 s wait before the next slot.
    expect(after.ok).toBe(false);
    if (after.ok) throw new Error('unreachable');
    expect(after.retryAfterSeconds).toBe(2);
    expect((await limits.reserve('loginAccount', 'bob')).ok).toBe(true);
    await limits.reset('loginAccount', 'alice');
    expect((await limits.reserve('loginAccount', 'alice')).ok).toBe(true);
  });

  it('lets exactly the free attempts plus one through a parallel burst', async () => {
    const limits = new RateLimits(acct);
    const results = await Promise.all(Array.from({ length: 20 }, () => limits.reserve('loginAccount', 'carol')));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
  });
});
