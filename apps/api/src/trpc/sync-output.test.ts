import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { syncOutput } from './sync-output.ts';

describe('syncOutput', () => {
  const schema = z.object({ amount: z.string().regex(/^-?\d+(\.\d+)?$/), at: z.date() });

  it('returns what the schema parses, unknown keys stripped', () => {
    const at = new Date(0);
    expect(syncOutput(schema)({ amount: '1.5', at, secret: 'x' })).toEqual({ amount: '1.5', at });
  });

  it('refuses what the schema refuses', () => {
    expect(() => syncOutput(schema)({ amount: '1e3', at: new Date(0) })).toThrow();
    expect(() => syncOutput(schema)({ amount: 1.5, at: new Date(0) })).toThrow();
  });
});
