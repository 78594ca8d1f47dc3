/**
 * The New York Stock Exchange calendar and New York date maths, pure, in one place for the API
 * (engine guards, scheduler, snapshots, dashboard, Schwab sync, manual orders). Dates are
 * `YYYY-MM-DD` New York calendar dates; instants are UTC `Date`s; DST comes from the tz
 * database through Intl, so the server's own zone never matters.
 *
 * Holidays are computed from the exchange's rules rather than listed, so they never run out:
 * New Year's Day, Martin Luther King Jr. Day, Washington's Birthday, Good Friday, Memorial Day,
 * Juneteenth (from 2022), Independence Day, Labor Day, Thanksgiving, Christmas. One on a
 * Saturday is observed the Friday before (except New Year's Day, which is then not observed:
 * the exchange never closes on Dec 31 for it); one on a Sunday the Monday after.
 * Half days (13:00 close): July 3, the day after Thanksgiving and Dec 24, each when it is a
 * trading day. Closures announced at short notice (days of mourning, storms) are listed in
 * UNSCHEDULED_CLOSURES; one announced after a release is added there.
 */

export type IsoDate = string;

export const MARKET_TIME_ZONE = 'America/New_York';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const iso = (y: number, m: number, d: number): IsoDate => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

/** A `YYYY-MM-DD` date's parts; RangeError for anything else, Feb 30 included. */
export function parseIsoDate(date: IsoDate): { y: number; m: number; d: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return { y, m: mo, d };
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: IsoDate): number {
  const { y, m, d } = parseIsoDate(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Calendar arithmetic on a date (no time zone involved). */
export function shiftDate(date: IsoDate, days: number): IsoDate {
  const { y, m, d } = parseIsoDate(date);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return iso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The n-th (1-based) given weekday of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): IsoDate {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return iso(year, month, 1 + ((weekday - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = new Date(Date.UTC(year, month - 1, lastDay)).getUTCDay();
  return iso(year, month, lastDay - ((last - weekday + 7) % 7));
}

/** Easter Sunday (anonymous Gregorian algorithm). */
function easter(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

/** A fixed-date holiday as observed: Saturday → Friday before, Sunday → Monday after. */
function observed(date: IsoDate): IsoDate {
  const wd = dayOfWeek(date);
  return wd === 6 ? shiftDate(date, -1) : wd === 0 ? shiftDate(date, 1) : date;
}

const thanksgiving = (year: number) => nthWeekday(year, 11, 4, 4);

const holidayCache = new Map<number, ReadonlyMap<IsoDate, string>>();

/** The exchange's scheduled full-day holidays of a year (observed dates), date → name. */
export function holidays(year: number): ReadonlyMap<IsoDate, string> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const out = new Map<IsoDate, string>();
  const newYear = iso(year, 1, 1);
  if (dayOfWeek(newYear) !== 6) out.set(observed(newYear), "New Year's Day");
  out.set(nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day');
  out.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  out.set(shiftDate(easter(year), -2), 'Good Friday');
  out.set(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2022) out.set(observed(iso(year, 6, 19)), 'Juneteenth');
  out.set(observed(iso(year, 7, 4)), 'Independence Day');
  out.set(nthWeekday(year, 9, 1, 1), 'Labor Day');
  out.set(thanksgiving(year), 'Thanksgiving Day');
  out.set(observed(iso(year, 12, 25)), 'Christmas Day');
  holidayCache.set(year, out);
  return out;
}

/** Full-day closures the rules cannot predict, as the exchange announced them. */
export const UNSCHEDULED_CLOSURES: ReadonlyMap<IsoDate, string> = new Map([
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National Day of Mourning for President Reagan'],
  ['2007-01-02', 'National Day of Mourning for President Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning for President George H. W. Bush'],
  ['2025-01-09', 'National Day of Mourning for President Carter'],
]);

/** Why the exchange is closed on a date that is not a weekend (a holiday or an unscheduled closure), or null. */
export function closureName(date: IsoDate): string | null {
  return holidays(parseIsoDate(date).y).get(date) ?? UNSCHEDULED_CLOSURES.get(date) ?? null;
}

export function isTradingDay(date: IsoDate): boolean {
  const wd = dayOfWeek(date);
  return wd !== 0 && wd !== 6 && closureName(date) === null;
}

/** Trading days that close at 13:00 New York. */
export function isHalfDay(date: IsoDate): boolean {
  if (!isTradingDay(date)) return false;
  const { y, m, d } = parseIsoDate(date);
  if ((m === 7 && d === 3) || (m === 12 && d === 24)) return true;
  return date === shiftDate(thanksgiving(y), 1);
}

export function nextTradingDay(date: IsoDate): IsoDate {
  let d = shiftDate(date, 1);
  while (!isTradingDay(d)) d = shiftDate(d, 1);
  return d;
}

export function previousTradingDay(date: IsoDate): IsoDate {
  let d = shiftDate(date, -1);
  while (!isTradingDay(d)) d = shiftDate(d, -1);
  return d;
}

/** Trading days `from`..`to`, both included. */
export function tradingDaysBetween(from: IsoDate, to: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = from; d <= to; d = shiftDate(d, 1)) if (isTradingDay(d)) out.push(d);
  return out;
}

// ---- New York wall clock ----

const nyParts = new Intl.DateTimeFormat('en-US', {
  timeZone: MARKET_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function newYorkFields(at: Date): { date: IsoDate; minutes: number; offsetMinutes: number } {
  const p = Object.fromEntries(nyParts.formatToParts(at).map((x) => [x.type, x.value])) as Record<string, string>;
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    minutes: Number(p.hour) * 60 + Number(p.minute),
    offsetMinutes: Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000),
  };
}

/** The New York calendar date of an instant. */
export function newYorkDate(at: Date): IsoDate {
  return newYorkFields(at).date;
}

/** Minutes since New York midnight of an instant (wall clock). */
export function newYorkMinutes(at: Date): number {
  return newYorkFields(at).minutes;
}

/** New York's offset from UTC at an instant, in minutes (−300 in winter, −240 in summer). */
export function newYorkOffsetMinutes(at: Date): number {
  return newYorkFields(at).offsetMinutes;
}

/** The UTC instant of a New York wall-clock time on a date (DST handled; a time in the spring-forward gap moves on an hour). */
export function newYorkTime(date: IsoDate, hour: number, minute = 0): Date {
  const { y, m, d } = parseIsoDate(date);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // Two passes: the offset at the guess, then at the corrected instant (they differ on switch days).
  let at = new Date(wall - newYorkOffsetMinutes(new Date(wall)) * 60_000);
  at = new Date(wall - newYorkOffsetMinutes(at) * 60_000);
  return at;
}

/** The instant New York's day `date` begins (midnight is never in a DST gap: switches happen at 02:00). */
export function newYorkMidnight(date: IsoDate): Date {
  return newYorkTime(date, 0, 0);
}

// ---- Sessions ----

/** 9:30 New York on a date. */
export function sessionOpen(date: IsoDate): Date {
  return newYorkTime(date, 9, 30);
}

/** 16:00 New York, or 13:00 on a half day. */
export function sessionClose(date: IsoDate): Date {
  return newYorkTime(date, isHalfDay(date) ? 13 : 16);
}

export interface MarketSession {
  date: IsoDate;
  open: Date;
  close: Date;
  halfDay: boolean;
}

/** The regular session of a date, or null when the exchange is closed that day. */
export function marketSession(date: IsoDate): MarketSession | null {
  if (!isTradingDay(date)) return null;
  return { date, open: sessionOpen(date), close: sessionClose(date), halfDay: isHalfDay(date) };
}

export type MarketStatus = { open: true; session: MarketSession } | { open: false; reason: string };

/** Whether the regular session is open at an instant ([open, close)), and if not, why in words. */
export function marketStatus(at: Date): MarketStatus {
  const date = newYorkDate(at);
  const wd = dayOfWeek(date);
  if (wd === 0 || wd === 6) return { open: false, reason: `${date} is a weekend in New York` };
  const closure = closureName(date);
  if (closure) return { open: false, reason: `the exchange is closed on ${date} (${closure})` };
  const s = marketSession(date)!;
  if (at < s.open) return { open: false, reason: `the market opens at 09:30 New York time on ${date}` };
  if (at >= s.close) return { open: false, reason: `the market closed at ${s.halfDay ? '13:00' : '16:00'} New York time on ${date}` };
  return { open: true, session: s };
}

/** Whether the regular session is open at an instant. */
export function isMarketOpen(at: Date): boolean {
  return marketStatus(at).open;
}
