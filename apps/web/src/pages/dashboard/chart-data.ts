// Turning API series into chart points. Charts draw with floats (pixels); the exact decimal
// strings stay what the tables and figures show.
import type { Time, UTCTimestamp } from 'lightweight-charts';
import { MARKET_TIME_ZONE, zonedFormatter } from '../../lib/format.ts';

export type ChartPoint = { time: Time; value: number } | { time: Time };

const nyParts = zonedFormatter(MARKET_TIME_ZONE);

/**
 * The chart library labels timestamps in UTC; an intraday axis should read New York time, so
 * each instant is shifted to the UTC timestamp that has New York's wall-clock reading.
 */
export function newYorkWallTime(instant: Date): UTCTimestamp {
  const p: Record<string, number> = {};
  for (const part of nyParts.formatToParts(instant)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return (Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000) as UTCTimestamp;
}

/** Points in time order with unique times (a later duplicate wins). */
export function orderedPoints(points: ChartPoint[]): ChartPoint[] {
  const key = (t: Time) => (typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(`${t}T00:00:00Z`) / 1000 : Date.UTC(t.year, t.month - 1, t.day) / 1000);
  const byTime = new Map<number, ChartPoint>();
  for (const point of points) byTime.set(key(point.time), point);
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([, point]) => point);
}

/** Daily points with an empty point at each gap's first day, so the line breaks there instead of bridging it. */
export function withGaps(points: Array<{ date: string; value: number }>, gaps: ReadonlyArray<{ from: string }>): ChartPoint[] {
  const present = new Set(points.map((p) => p.date));
  const holes = gaps.filter((g) => !present.has(g.from)).map((g) => ({ time: g.from as Time }));
  return orderedPoints([...points.map((p) => ({ time: p.date as Time, value: p.value })), ...holes]);
}
