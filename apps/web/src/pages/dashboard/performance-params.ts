// The Performance screen's choices live in the URL: ?range=ytd (or year:2025, or
// ?from=2026-01-02&to=2026-03-31) and ?benchmark=SPY|QQQ|none. Anything invalid falls back
// to the defaults (year to date, against SPY).
import { BENCHMARKS, dashboardPerformanceInput, PERFORMANCE_RANGES, type DashboardPerformanceInput } from '@jutsu/shared';

export type Benchmark = (typeof BENCHMARKS)[number] | 'none';
export const DEFAULT_RANGE = 'ytd';
export const DEFAULT_BENCHMARK: Benchmark = 'SPY';

export const RANGE_LABELS: Record<(typeof PERFORMANCE_RANGES)[number], string> = {
  today: 'Today',
  wtd: 'Week to date',
  mtd: 'Month to date',
  ytd: 'Year to date',
  '1y': '1 year',
  '5y': '5 years',
  max: 'Max',
};

export interface PerformanceChoice {
  /** A named range, `year:YYYY`, or `custom` (then from and to are set). */
  range: string;
  from?: string;
  to?: string;
  benchmark: Benchmark;
}

export function parsePerformanceParams(params: URLSearchParams): PerformanceChoice {
  const b = params.get('benchmark');
  const benchmark: Benchmark = b === 'none' || (BENCHMARKS as readonly string[]).includes(b ?? '') ? (b as Benchmark) : DEFAULT_BENCHMARK;
  const from = params.get('from');
  const to = params.get('to');
  if (from && to && dashboardPerformanceInput.safeParse({ from, to }).success) return { range: 'custom', from, to, benchmark };
  const range = params.get('range');
  if (range && dashboardPerformanceInput.safeParse({ range }).success) return { range, benchmark };
  return { range: DEFAULT_RANGE, benchmark };
}

export function performanceParams(choice: PerformanceChoice): URLSearchParams {
  const params = new URLSearchParams();
  if (choice.range === 'custom' && choice.from && choice.to) {
    params.set('from', choice.from);
    params.set('to', choice.to);
  } else if (choice.range !== 'custom') params.set('range', choice.range);
  params.set('benchmark', choice.benchmark);
  return params;
}

/** The API input for a choice. */
export function performanceInput(choice: PerformanceChoice): DashboardPerformanceInput {
  const benchmark = choice.benchmark === 'none' ? {} : { benchmark: choice.benchmark };
  if (choice.range === 'custom') return { from: choice.from!, to: choice.to!, ...benchmark };
  return { range: choice.range as DashboardPerformanceInput['range'], ...benchmark };
}

/** Range picker options: the named ranges, the last `years` calendar years, and custom. */
export function rangeOptions(currentYear: number, years = 10): Array<{ group: string; items: Array<{ value: string; label: string }> }> {
  return [
    { group: 'Period', items: PERFORMANCE_RANGES.map((r) => ({ value: r, label: RANGE_LABELS[r] })) },
    { group: 'Calendar year', items: Array.from({ length: years }, (_, i) => currentYear - i).map((y) => ({ value: `year:${y}`, label: String(y) })) },
    { group: 'Other', items: [{ value: 'custom', label: 'Custom dates…' }] },
  ];
}
