// Monthly returns heatmap: each cell's colour bucket (the text always carries the signed
// figure too, so colour is never the only signal). Buckets are symmetric around zero.

export type HeatBucket = 'loss-3' | 'loss-2' | 'loss-1' | 'flat' | 'gain-1' | 'gain-2' | 'gain-3';

/** |return| below 0.5 % is flat; then up to 2 %, up to 5 %, and beyond. */
export const HEAT_THRESHOLDS = [0.005, 0.02, 0.05] as const;

export function heatBucket(ret: number): HeatBucket {
  const size = Math.abs(ret);
  if (!Number.isFinite(ret) || size < HEAT_THRESHOLDS[0]) return 'flat';
  const level = size < HEAT_THRESHOLDS[1] ? 1 : size < HEAT_THRESHOLDS[2] ? 2 : 3;
  return `${ret > 0 ? 'gain' : 'loss'}-${level}` as HeatBucket;
}

/** Background and text colours (Mantine palette) chosen for AA contrast of the text on them. */
export const HEAT_COLORS: Record<HeatBucket, { bg: string; fg: string }> = {
  'loss-3': { bg: 'red.8', fg: 'white' },
  'loss-2': { bg: 'red.3', fg: 'black' },
  'loss-1': { bg: 'red.1', fg: 'black' },
  flat: { bg: 'gray.1', fg: 'black' },
  'gain-1': { bg: 'teal.1', fg: 'black' },
  'gain-2': { bg: 'teal.3', fg: 'black' },
  'gain-3': { bg: 'teal.9', fg: 'white' },
};

/** Compounds monthly returns into the year's: (1+r1)(1+r2)… − 1. */
export function compoundReturns(rets: readonly number[]): number {
  return rets.reduce((acc, r) => acc * (1 + r), 1) - 1;
}

export interface HeatmapYear {
  year: number;
  /** Index 0 = January; null where the month has no return. */
  months: Array<number | null>;
  total: number;
}

/** Rows of the heatmap, newest year first. */
export function heatmapRows(monthly: ReadonlyArray<{ year: number; month: number; ret: number }>): HeatmapYear[] {
  const byYear = new Map<number, Array<number | null>>();
  for (const { year, month, ret } of monthly) {
    if (month < 1 || month > 12) continue;
    const months = byYear.get(year) ?? Array<number | null>(12).fill(null);
    months[month - 1] = ret;
    byYear.set(year, months);
  }
  return [...byYear.entries()]
    .sort(([a], [b]) => b - a)
    .map(([year, months]) => ({ year, months, total: compoundReturns(months.filter((m): m is number => m !== null)) }));
}
