// Rate limits per named bucket (procedure meta picks the bucket). Memory by default, Redis
// when REDIS_URL is set so several API replicas share the counters.
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface BucketSpec {
  points: number;
  /** Window in seconds. */
  duration: number;
  /** What the counter is keyed by: the caller's address, or the signed-in user (address when anonymous). */
  by: 'ip' | 'user' | 'account';
}

export function rateLimitBuckets(opts: { loginPerMinute: number; accountFreeFailures?: number; perMinute?: Partial<Record<string, number>> }) {
  const buckets = {
    /** Ordinary authenticated API traffic. */
    api: { points: 600, duration: 60, by: 'user' },
    /** Public reads (status, invitation inspect). */
    public: { points: 120, duration: 60, by: 'ip' },
    /** Password login: per address; per account is the lockout in auth/. */
    login: { points: opts.loginPerMinute, duration: 60, by: 'ip' },
    /**
     * Failed sign-ins per account name (known or not, so it reveals nothing): after the free
     * failures each further one doubles the wait, up to 15 minutes. Used by auth/, not meta.
     */
    loginAccount: { points: opts.accountFreeFailures ?? 5, duration: 900, by: 'account' },
    /** Second-factor step and other credential checks. */
    secondFactor: { points: 10, duration: 60, by: 'ip' },
    /** Passkey sign-in: its own bucket, so password hammering cannot block it. */
    passkeyLogin: { points: 20, duration: 60, by: 'ip' },
    refresh: { points: 60, duration: 60, by: 'ip' },
    /** Sensitive account changes (password, 2FA, passkeys). */
    sensitive: { points: 10, duration: 60, by: 'user' },
    invitationPublic: { points: 10, duration: 60, by: 'ip' },
    admin: { points: 120, duration: 60, by: 'user' },
    /** WebSocket subscriptions being opened. */
    subscribe: { points: 60, duration: 60, by: 'user' },
    /** Refusals of the per-account throttle: only the first in a minute is logged. Used by auth/, not meta. */
    loginAccountRefusals: { points: 1, duration: 60, by: 'account' },
    /** Wrong step-up answers (password re-entry) per session: at the limit the session ends. Used by auth/, not meta. */
    stepUpFailures: { points: 3, duration: 3600, by: 'account' },
  } satisfies Record<string, BucketSpec>;
  // RATE_LIMITS (config.ts names which buckets it may resize; all of them count per minute).
  for (const [name, points] of Object.entries(opts.perMinute ?? {})) {
    const spec: BucketSpec | undefined = (buckets as Record<string, BucketSpec>)[name];
    if (!spec || spec.duration !== 60 || points === undefined) throw new Error(`rate limit ${name} cannot be set per minute`);
    (buckets as Record<string, BucketSpec>)[name] = { ...spec, points };
  }
  return buckets;
}
export type RateLimitBucket = keyof ReturnType<typeof rateLimitBuckets>;

export class RateLimitedError extends Error {
  constructor(
    readonly bucket: string,
    readonly retryAfterSeconds: number,
    /** True for the first refusal in a window: the one worth a security event. */
    readonly firstRefusal: boolean,
  ) {
    super(`rate limit exceeded for ${bucket}`);
    this.name = 'RateLimitedError';
  }
}

export class RateLimits {
  private limiters = new Map<string, RateLimiterAbstract>();
  private redis: Redis | undefined;

  constructor(
    readonly buckets: Record<string, BucketSpec>,
    opts: { redisUrl?: string | undefined; keyPrefix?: string } = {},
  ) {
    const prefix = opts.keyPrefix ?? 'jutsu:rl';
    if (opts.redisUrl) {
      this.redis = new Redis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
      this.redis.on('error', () => undefined); // the insurance limiter covers outages
    }
    const all = Object.entries(buckets).flatMap(([name, spec]): [string, BucketSpec][] =>
      spec.by === 'account' ? [[name, spec], [`${name}:block`, { points: 1, duration: 900, by: 'account' }]] : [[name, spec]],
    );
    for (const [name, spec] of all) {
      const memory = new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points: spec.points, duration: spec.duration });
      this.limiters.set(
        name,
        this.redis
          ? new RateLimiterRedis({
              storeClient: this.redis,
              keyPrefix: `${prefix}:${name}`,
              points: spec.points,
              duration: spec.duration,
              insuranceLimiter: memory,
            })
          : memory,
      );
    }
  }

  spec(bucket: string): BucketSpec {
    const s = this.buckets[bucket];
    if (!s) throw new Error(`unknown rate-limit bucket ${bucket}`);
    return s;
  }

  async consume(bucket: string, key: string, points = 1): Promise<void> {
    const limiter = this.limiters.get(bucket);
    if (!limiter) throw new Error(`unknown rate-limit bucket ${bucket}`);
    try {
      await limiter.consume(key, points);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const spec = this.spec(bucket);
        throw new RateLimitedError(bucket, Math.max(1, Math.ceil(err.msBeforeNext / 1000)), err.consumedPoints === spec.points + points);
      }
      throw err;
    }
  }

  /**
   * Reserves one attempt in a penalty bucket BEFORE the secret is checked, atomically, so a
   * batch of parallel attempts cannot all be evaluated: each attempt is counted at once;
   * within the free ones it goes ahead; past them only one attempt at a time may go ahead,
   * and only when the previous failure's wait is over (the block counter holds the slot).
   * Settle with `settleFailure` (sets the wait) or `reset` (success).
   */
  async reserve(bucket: string, key: string): Promise<{ ok: true; attempt: number } | { ok: false; retryAfterSeconds: number }> {
    const counter = this.limiters.get(bucket);
    const blocker = this.limiters.get(`${bucket}:block`);
    if (!counter || !blocker) throw new Error(`${bucket} is not a penalty bucket`);
    const attempt = (await counter.penalty(key, 1)).consumedPoints;
    if (attempt <= this.spec(bucket).points) return { ok: true, attempt };
    try {
      await blocker.consume(key, 1);
      return { ok: true, attempt };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      throw err;
    }
  }

  /** After a failed reserved attempt: past the free ones, wait 2^(attempts over) s (max 15 min). */
  async settleFailure(bucket: string, key: string, attempt: number): Promise<void> {
    const blocker = this.limiters.get(`${bucket}:block`);
    if (!blocker) throw new Error(`${bucket} is not a penalty bucket`);
    const over = attempt - this.spec(bucket).points;
    if (over > 0) await blocker.block(key, Math.min(900, 2 ** over));
  }

  /** Gives back a reserved attempt that turned out not to be a failure, and frees the slot. */
  async release(bucket: string, key: string): Promise<void> {
    await this.limiters.get(bucket)?.reward(key, 1);
    await this.limiters.get(`${bucket}:block`)?.delete(key);
  }

  /** Counts one event against `key` and returns the count in the current window (never refuses). */
  async hit(bucket: string, key: string): Promise<number> {
    const counter = this.limiters.get(bucket);
    if (!counter) throw new Error(`unknown rate-limit bucket ${bucket}`);
    return (await counter.penalty(key, 1)).consumedPoints;
  }

  async reset(bucket: string, key: string): Promise<void> {
    await this.limiters.get(bucket)?.delete(key);
    await this.limiters.get(`${bucket}:block`)?.delete(key);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}
