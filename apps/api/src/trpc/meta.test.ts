// Every procedure must declare its protection: who may call, rate-limit bucket, audit event.
import { describe, expect, it } from 'vitest';
import { rateLimitBuckets } from '../security/rate-limit.ts';
import { appRouter } from './app-router.ts';
import type { ProcedureMeta } from './meta.ts';

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>);
const buckets = Object.keys(rateLimitBuckets({ loginPerMinute: 5 }));

describe('procedure meta', () => {
  it('finds the procedures', () => {
    expect(procedures.map(([p]) => p)).toContain('system.info');
  });

  it.each(procedures)('%s declares auth, rateLimit and audit', (_path, proc) => {
    const meta = proc._def.meta;
    expect(meta?.auth).toMatch(/^(public|authenticated|admin|trader|viewer)$/);
    expect(meta?.rateLimit === false || buckets.includes(meta?.rateLimit as string)).toBe(true);
    expect(meta?.audit === false || (typeof meta?.audit === 'string' && meta.audit.length > 0)).toBe(true);
  });
});
