import { describe, expect, it } from 'vitest';
import { freshnessAt } from './freshness.ts';

const server = { verdict: 'fresh', reason: null, ageSeconds: 0, syncIntervalSeconds: 60 } as const;
const synced = new Date('2026-03-02T15:00:00Z');
const at = (seconds: number) => new Date(synced.getTime() + seconds * 1000);

describe('freshnessAt', () => {
  it('turns amber after two intervals and red after five', () => {
    expect(freshnessAt(server, synced, at(120)).verdict).toBe('fresh');
    expect(freshnessAt(server, synced, at(121))).toEqual({ verdict: 'amber', reason: 'delayed', ageSeconds: 121 });
    expect(freshnessAt(server, synced, at(300)).verdict).toBe('amber');
    expect(freshnessAt(server, synced, at(301))).toEqual({ verdict: 'red', reason: 'stale', ageSeconds: 301 });
  });

  it('never looks fresher than the server said', () => {
    expect(freshnessAt({ ...server, verdict: 'red', reason: 'stale' }, synced, at(5)).verdict).toBe('red');
  });

  it('keeps the server verdict and reason when nothing has synced', () => {
    expect(freshnessAt({ ...server, verdict: 'red', reason: 'never_synced', ageSeconds: null }, null, at(5))).toEqual({ verdict: 'red', reason: 'never_synced', ageSeconds: null });
  });
});
