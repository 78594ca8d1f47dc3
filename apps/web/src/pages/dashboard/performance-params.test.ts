import { describe, expect, it } from 'vitest';
import { parsePerformanceParams, performanceInput, performanceParams, rangeOptions } from './performance-params.ts';

const parse = (q: string) => parsePerformanceParams(new URLSearchParams(q));

describe('performance choices in the URL', () => {
  it('round-trips named, yearly and custom ranges with the benchmark', () => {
    for (const choice of [
      { range: 'mtd', benchmark: 'QQQ' },
      { range: 'year:2024', benchmark: 'none' },
      { range: 'custom', from: '2025-01-02', to: '2025-06-30', benchmark: 'SPY' },
    ] as const) {
      expect(parsePerformanceParams(performanceParams(choice))).toEqual(choice);
    }
  });

  it('falls back to year to date against SPY on anything invalid', () => {
    expect(parse('range=forever&benchmark=DOW')).toEqual({ range: 'ytd', benchmark: 'SPY' });
    expect(parse('from=2025-06-30&to=2025-01-02')).toEqual({ range: 'ytd', benchmark: 'SPY' });
    expect(parse('from=2025-01-02')).toEqual({ range: 'ytd', benchmark: 'SPY' });
    expect(parse('range=year:1850')).toEqual({ range: 'ytd', benchmark: 'SPY' });
  });

  it('builds the API input (no benchmark when none is chosen)', () => {
    expect(performanceInput({ range: '1y', benchmark: 'none' })).toEqual({ range: '1y' });
    expect(performanceInput({ range: 'custom', from: '2025-01-02', to: '2025-02-03', benchmark: 'QQQ' })).toEqual({ from: '2025-01-02', to: '2025-02-03', benchmark: 'QQQ' });
  });

  it('offers the named ranges, recent calendar years and custom', () => {
    const options = rangeOptions(2026, 3);
    expect(options[0]!.items.map((i) => i.value)).toEqual(['today', 'wtd', 'mtd', 'ytd', '1y', '5y', 'max']);
    expect(options[1]!.items.map((i) => i.value)).toEqual(['year:2026', 'year:2025', 'year:2024']);
    expect(options[2]!.items[0]!.value).toBe('custom');
  });
});
