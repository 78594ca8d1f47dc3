/**
 * Deterministic simulated market for the fake Schwab server. Prices are integer cents, so
 * every value the fake emits is an exact two-decimal number. Daily bars come from a seeded
 * random walk per symbol that starts on a fixed anchor day, so a given (seed, symbol, day)
 * always gives the same bar whatever "now" is. Weekends are closed; holidays are not modelled.
 */

const DAY_MS = 86_400_000;
const ANCHOR_DAY = Math.floor(Date.UTC(2020, 0, 1) / DAY_MS);

export interface Bar {
  /** Days since the epoch (UTC). */
  day: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function isWeekday(day: number): boolean {
  const dow = new Date(day * DAY_MS).getUTCDay();
  return dow !== 0 && dow !== 6;
}

export function dayOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

interface Walk {
  rand: () => number;
  bars: Bar[];
  lastClose: number;
}

export class SimulatedMarket {
  private readonly walks = new Map<string, Walk>();
  private readonly overrides = new Map<string, number>();

  constructor(private readonly seed: string) {}

  /** Every trading day's bar from the anchor up to and including `day`. */
  barsThrough(symbol: string, day: number): Bar[] {
    let walk = this.walks.get(symbol);
    if (!walk) {
      const rand = prng(hash32(`${this.seed}:${symbol}`));
      walk = { rand, bars: [], lastClose: 2_000 + Math.floor(rand() * 48_000) };
      this.walks.set(symbol, walk);
    }
    let next = (walk.bars.at(-1)?.day ?? ANCHOR_DAY - 1) + 1;
    for (; next <= day; next++) {
      if (!isWeekday(next)) continue;
      const r = walk.rand;
      const open = Math.max(100, Math.round(walk.lastClose * (1 + (r() - 0.5) * 0.01)));
      const close = Math.max(100, Math.round(open * (1 + (r() - 0.5) * 0.04)));
      const high = Math.max(open, close) + Math.floor(r() * open * 0.01);
      const low = Math.max(1, Math.min(open, close) - Math.floor(r() * open * 0.01));
      const volume = 100_000 + Math.floor(r() * 5_000_000);
      walk.bars.push({ day: next, open, high, low, close, volume });
      walk.lastClose = close;
    }
    return walk.bars;
  }

  bars(symbol: string, fromDay: number, toDay: number): Bar[] {
    return this.barsThrough(symbol, toDay).filter((b) => b.day >= fromDay && b.day <= toDay);
  }

  /** Close of the last trading day strictly before `day`. */
  previousClose(symbol: string, day: number): number {
    // The walk is cached and may already run past `day`: look for the last bar before it.
    const bars = this.barsThrough(symbol, day - 1);
    for (let i = bars.length - 1; i >= 0; i--) if (bars[i]!.day < day) return bars[i]!.close;
    return 10_000;
  }

  /** The live price (cents): a price set on demand, else today's (or the last trading day's) close. */
  price(symbol: string, now: number): number {
    return this.overrides.get(symbol) ?? this.barsThrough(symbol, dayOf(now)).at(-1)?.close ?? 10_000;
  }

  setPrice(symbol: string, cents: number): void {
    if (!Number.isSafeInteger(cents) || cents <= 0) throw new RangeError('price must be positive whole cents');
    this.overrides.set(symbol, cents);
  }
}

/** "12.34" from 1234 cents, as a JSON number with an exact two-decimal text. */
export function centsToNumber(cents: number): number {
  return cents / 100;
}

/** Whole cents from a decimal text with at most two decimals, or null. */
export function parseCents(text: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** US Eastern offset for a day (DST from the second Sunday of March to the first Sunday of November). */
export function easternOffset(day: number): '-04:00' | '-05:00' {
  const d = new Date(day * DAY_MS);
  const year = d.getUTCFullYear();
  const nthSunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(year, month, 1));
    return dayOf(first.getTime()) + ((7 - first.getUTCDay()) % 7) + (n - 1) * 7;
  };
  return day >= nthSunday(2, 2) && day < nthSunday(10, 1) ? '-04:00' : '-05:00';
}
