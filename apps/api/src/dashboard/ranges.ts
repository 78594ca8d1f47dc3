// Range maths for the dashboard. The market's day is New York's: "today", "this week" and
// "this year" start at midnight in America/New_York, whatever the server's zone, and a
// range is always the half-open UTC interval [from, to). The New York date maths themselves
// are the market calendar's (@jutsu/shared).
import { dayOfWeek, newYorkDate, newYorkMidnight, parseIsoDate, shiftDate, type IsoDate } from '@jutsu/shared';

const fmt = ({ y, m, d }: { y: number; m: number; d: number }): IsoDate =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** The same day `years` earlier or later; Feb 29 becomes Feb 28 in a common year. */
export function addYears(date: IsoDate, years: number): IsoDate {
  const { y, m, d } = parseIsoDate(date);
  const last = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  return fmt({ y: y + years, m, d: Math.min(d, last) });
}

export const RANGE_KINDS = ['today', 'wtd', 'mtd', 'ytd', '1y', '5y', 'max'] as const;
export type RangeKind = (typeof RANGE_KINDS)[number];
export type RangeSpec = { range: RangeKind | `year:${number}` } | { from: IsoDate; to: IsoDate };

export interface ResolvedRange {
  /** What was asked for, e.g. `ytd`, `year:2025`, `custom`. */
  kind: string;
  /** First New York date in the range; null for `max` (from the first data on). */
  fromDate: IsoDate | null;
  /** Last New York date in the range (inclusive). */
  toDate: IsoDate;
  /** Inclusive start in UTC; null for `max`. */
  from: Date | null;
  /** Exclusive end in UTC: midnight in New York after `toDate`. */
  to: Date;
}

function resolved(kind: string, fromDate: IsoDate | null, toDate: IsoDate): ResolvedRange {
  return { kind, fromDate, toDate, from: fromDate === null ? null : newYorkMidnight(fromDate), to: newYorkMidnight(shiftDate(toDate, 1)) };
}

/**
 * Turns a range into [from, to) in UTC. Ranges that end "now" end with New York's today
 * (so the current day's snapshots are included); `year:YYYY` and custom ranges end where
 * they say. A custom `to` is inclusive: {from: '2026-03-02', to: '2026-03-06'} is five days.
 */
export function resolveRange(spec: RangeSpec, now: Date = new Date()): ResolvedRange {
  const today = newYorkDate(now);
  if ('from' in spec) {
    parseIsoDate(spec.from);
    parseIsoDate(spec.to);
    if (spec.from > spec.to) throw new RangeError('from is after to');
    return resolved('custom', spec.from, spec.to);
  }
  const { y, m } = parseIsoDate(today);
  const r = spec.range;
  switch (r) {
    case 'today':
      return resolved(r, today, today);
    case 'wtd':
      // Weeks start on Monday: Sunday belongs to the week that began six days earlier.
      return resolved(r, shiftDate(today, -((dayOfWeek(today) + 6) % 7)), today);
    case 'mtd':
      return resolved(r, fmt({ y, m, d: 1 }), today);
    case 'ytd':
      return resolved(r, fmt({ y, m: 1, d: 1 }), today);
    case '1y':
      return resolved(r, shiftDate(addYears(today, -1), 1), today);
    case '5y':
      return resolved(r, shiftDate(addYears(today, -5), 1), today);
    case 'max':
      return resolved(r, null, today);
    default: {
      const year = /^year:(\d{4})$/.exec(r);
      if (!year) throw new RangeError(`unknown range ${r}`);
      const yy = Number(year[1]);
      return resolved(r, fmt({ y: yy, m: 1, d: 1 }), fmt({ y: yy, m: 12, d: 31 }));
    }
  }
}
