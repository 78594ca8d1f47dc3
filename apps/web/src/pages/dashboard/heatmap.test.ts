import { describe, expect, it } from 'vitest';
import { compoundReturns, heatBucket, heatmapRows } from './heatmap.ts';

describe('heatBucket', () => {
  it('is symmetric around zero with flat in the middle', () => {
    expect(heatBucket(0)).toBe('flat');
    expect(heatBucket(0.0049)).toBe('flat');
    expect(heatBucket(-0.0049)).toBe('flat');
    expect(heatBucket(0.005)).toBe('gain-1');
    expect(heatBucket(-0.005)).toBe('loss-1');
    expect(heatBucket(0.0199)).toBe('gain-1');
    expect(heatBucket(0.02)).toBe('gain-2');
    expect(heatBucket(-0.049)).toBe('loss-2');
    expect(heatBucket(0.05)).toBe('gain-3');
    expect(heatBucket(-0.3)).toBe('loss-3');
  });

  it('treats a non-finite value as flat rather than a colour', () => {
    expect(heatBucket(Number.NaN)).toBe('flat');
  });
});

describe('heatmapRows', () => {
  it('groups by year (newest first), places months and compounds the year', () => {
    const rows = heatmapRows([
      { year: 2025, month: 12, ret: 0.1 },
      { year: 2026, month: 1, ret: 0.1 },
      { year: 2026, month: 3, ret: -0.1 },
    ]);
    expect(rows.map((r) => r.year)).toEqual([2026, 2025]);
    expect(rows[0]!.months).toEqual([0.1, null, -0.1, null, null, null, null, null, null, null, null, null]);
    expect(rows[0]!.total).toBeCloseTo(-0.01, 12);
    expect(rows[1]!.total).toBeCloseTo(0.1, 12);
    expect(compoundReturns([])).toBe(0);
  });
});
