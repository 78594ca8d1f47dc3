// Display formatting in one place so every screen shows times, money and quantities the same way.
import { groupedMagnitude, parseDecimal, roundDecimal, shiftDecimal, trimDecimal, type ExactDecimal } from './decimal-string.ts';

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time as HH:MM:SS (24 h), independent of the browser's locale. */
export function formatClockTime(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** Local date and time, e.g. "2025-11-23 12:04:05". */
export function formatDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${formatClockTime(date)}`;
}

/** A duration in seconds as "3d 4h 5m 6s", leaving out leading zero units. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3_600), 'h'],
    [Math.floor((seconds % 3_600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const firstNonZero = parts.findIndex(([value]) => value > 0);
  if (firstNonZero === -1) return '0s';
  return parts
    .slice(firstNonZero)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

// ---- Money, quantities and percentages (decimal strings from the API, never floats) ----

/** U+2212, the typographic minus: as wide as "+", so signed columns line up. */
export const MINUS = '\u2212';

function signOf(value: ExactDecimal): '' | '-' | '+' {
  return value.units < 0n ? '-' : value.units > 0n ? '+' : '';
}

/**
 * A dollar amount as "$1,234.56" (negative: "−$1,234.56"), rounded half away from zero to
 * `decimals` places. A value that rounds to zero has no sign.
 */
export function formatMoney(amount: string, decimals = 2): string {
  const value = roundDecimal(parseDecimal(amount), decimals);
  return `${signOf(value) === '-' ? MINUS : ''}$${groupedMagnitude(value)}`;
}

/** Profit or loss with its sign always shown: "+$12.30", "−$4.00", "$0.00". */
export function formatSignedMoney(amount: string, decimals = 2): string {
  const value = roundDecimal(parseDecimal(amount), decimals);
  const sign = signOf(value);
  return `${sign === '-' ? MINUS : sign}$${groupedMagnitude(value)}`;
}

/**
 * A ratio as a percentage: "0.1234" → "12.34%". With `signed`, a gain or loss:
 * "+12.34%" / "−3.10%" ("0.00%" when it rounds to zero).
 */
export function formatPercent(ratio: string, { decimals = 2, signed = false }: { decimals?: number; signed?: boolean } = {}): string {
  const value = roundDecimal(shiftDecimal(parseDecimal(ratio), 2), decimals);
  const sign = signOf(value);
  const shown = sign === '-' ? MINUS : signed ? sign : '';
  return `${shown}${groupedMagnitude(value)}%`;
}

/**
 * A quantity (shares, contracts) as exact as it is, without padding: "1,234.5", "100",
 * "0.00012". More than `maxDecimals` fraction digits are rounded away.
 */
export function formatQuantity(quantity: string, maxDecimals = 6): string {
  let value = parseDecimal(quantity);
  if (value.scale > maxDecimals) value = roundDecimal(value, maxDecimals);
  value = trimDecimal(value);
  return `${signOf(value) === '-' ? MINUS : ''}${groupedMagnitude(value)}`;
}

// ---- Times ----

/** How long ago `then` was, seen at `now`: "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago" ("in 12 s" when ahead). */
export function formatRelativeTime(then: Date, now: Date): string {
  const ms = now.getTime() - then.getTime();
  const seconds = Math.floor(Math.abs(ms) / 1000);
  if (seconds < 1) return 'just now';
  const [value, unit] =
    seconds < 60 ? [seconds, 's'] : seconds < 3_600 ? [Math.floor(seconds / 60), 'min'] : seconds < 86_400 ? [Math.floor(seconds / 3_600), 'h'] : [Math.floor(seconds / 86_400), 'd'];
  return ms >= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** The exchange's clock: market hours, order times and the trading day are in New York time. */
export const MARKET_TIME_ZONE = 'America/New_York';

/** The browser's own time zone (the person's), e.g. "Europe/Berlin". */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const zonedFormatters = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per zone giving the date, 24-hour time and zone name as parts. */
export function zonedFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = zonedFormatters.get(timeZone);
  if (!formatter) {
    // en-US only for the parts (numbers and the zone's short name); the layout is ours.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    zonedFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** An instant as "2026-03-09 09:30:00 EDT" in the given IANA time zone. */
export function formatInTimeZone(instant: Date, timeZone: string): string {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of zonedFormatter(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

export interface MarketAndLocalTime {
  /** In New York (the exchange's time). */
  market: string;
  /** In the person's zone. */
  local: string;
  /** Both zones show the same wall-clock time: one of the two is enough on screen. */
  same: boolean;
}

/** A UTC instant on the exchange's clock and on the person's, e.g. for an order or a fill. */
export function formatMarketAndLocalTime(instant: Date, personTimeZone: string = browserTimeZone()): MarketAndLocalTime {
  const market = formatInTimeZone(instant, MARKET_TIME_ZONE);
  const local = formatInTimeZone(instant, personTimeZone);
  return { market, local, same: market === local };
}
