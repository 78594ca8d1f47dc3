/**
 * Performance maths for the dashboard: pure functions, no database, no clock.
 *
 * Conventions (what a reader of the numbers needs to know):
 * - Input is one equity value per point (normally the last snapshot of each New York trading
 *   day) and the net EXTERNAL cash flow (deposits +, withdrawals −) that happened after the
 *   previous point up to and including this point's day.
 * - Flows happen at the END of the day: the money arrives after the day's market move, so it
 *   is in E_t but earned nothing yet. The sub-period return is
 *       r_t = (E_t − F_t) / E_{t−1} − 1
 *   A deposit is therefore never a return. The first point is the base: its own flows are
 *   already in E_0.
 * - Time-weighted return TWR = Π(1 + r_t) − 1; the wealth index I_0 = 1, I_t = I_{t−1}(1 + r_t).
 *   Drawdowns are measured on that index, so a withdrawal is not a drawdown and a deposit
 *   does not hide one.
 * - Money stays in decimal.js until a return (a ratio) is formed; ratios are plain numbers.
 * - Annualisation: 252 trading days for volatility, Sharpe, Sortino and alpha; CAGR uses
 *   calendar time, years = days / 365.25.
 * - Volatility is the sample standard deviation (n − 1) of daily returns × √252.
 *   Sharpe = (mean(r) − rf/252) / sd(r) × √252. Sortino uses the downside deviation
 *   sqrt(mean(min(0, r − rf/252)²)) over all returns. Calmar = CAGR / |max drawdown|.
 * - Beta = cov(rp, rb) / var(rb) over aligned periods (sample statistics); alpha is
 *   annualised Jensen's alpha: (mean(rp) − rf_d − β(mean(rb) − rf_d)) × 252.
 * - A metric that cannot be computed (too few points, zero volatility, zero drawdown, a
 *   non-positive base) is null, never NaN or Infinity.
 */
import { Decimal } from 'decimal.js';

export type IsoDate = string;
export const TRADING_DAYS = 252;
const DAYS_PER_YEAR = 365.25;

export interface EquityPoint {
  date: IsoDate;
  equity: Decimal.Value;
  /** Net external flow since the previous point, through this point's day (deposit +, withdrawal −). */
  flow?: Decimal.Value;
}

export interface PeriodReturn {
  /** The point the period starts from. */
  prevDate: IsoDate;
  /** The point the period ends at (its return is reported on this date). */
  date: IsoDate;
  ret: number;
}

/** Sub-period returns r_t = (E_t − F_t) / E_{t−1} − 1; a period whose base is ≤ 0 is skipped. */
export function periodReturns(points: readonly EquityPoint[]): PeriodReturn[] {
  const out: PeriodReturn[] = [];
  for (let i = 1; i < points.length; i++) {
    const prev = new Decimal(points[i - 1]!.equity);
    if (prev.lte(0)) continue;
    const cur = new Decimal(points[i]!.equity).minus(points[i]!.flow ?? 0);
    out.push({ prevDate: points[i - 1]!.date, date: points[i]!.date, ret: cur.div(prev).minus(1).toNumber() });
  }
  return out;
}

/** Time-weighted return over the periods; null when there is none. */
export function timeWeightedReturn(returns: readonly PeriodReturn[]): number | null {
  if (returns.length === 0) return null;
  return returns.reduce((acc, r) => acc * (1 + r.ret), 1) - 1;
}

/** Last equity over first, ignoring flows: what TWR corrects. Null below two points. */
export function simpleReturn(points: readonly EquityPoint[]): number | null {
  if (points.length < 2) return null;
  const first = new Decimal(points[0]!.equity);
  if (first.lte(0)) return null;
  return new Decimal(points[points.length - 1]!.equity).div(first).minus(1).toNumber();
}

export interface IndexPoint {
  date: IsoDate;
  index: number;
}

/** The wealth index: 1 at the first point, compounded by each period's return. */
export function wealthIndex(points: readonly EquityPoint[]): IndexPoint[] {
  if (points.length === 0) return [];
  const byDate = new Map(periodReturns(points).map((r) => [r.date, r.ret]));
  let level = 1;
  return points.map((p, i) => {
    if (i > 0) level *= 1 + (byDate.get(p.date) ?? 0);
    return { date: p.date, index: level };
  });
}

function daysBetween(a: IsoDate, b: IsoDate): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}

/** Compound annual growth of the TWR between two dates; null when it cannot be defined. */
export function cagr(twr: number | null, firstDate: IsoDate, lastDate: IsoDate): number | null {
  if (twr === null || 1 + twr <= 0) return null;
  const years = daysBetween(firstDate, lastDate) / DAYS_PER_YEAR;
  if (years <= 0) return null;
  return finite(Math.pow(1 + twr, 1 / years) - 1);
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); null below two values. */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Annualised volatility of daily returns; null below two returns. */
export function volatility(returns: readonly PeriodReturn[]): number | null {
  const sd = sampleStd(returns.map((r) => r.ret));
  return sd === null ? null : sd * Math.sqrt(TRADING_DAYS);
}

/** Annualised Sharpe ratio; null when volatility is missing or zero. `riskFree` is annual. */
export function sharpe(returns: readonly PeriodReturn[], riskFree = 0): number | null {
  const xs = returns.map((r) => r.ret);
  const sd = sampleStd(xs);
  if (sd === null || sd === 0) return null;
  return finite(((mean(xs) - riskFree / TRADING_DAYS) / sd) * Math.sqrt(TRADING_DAYS));
}

/** Annualised Sortino ratio; null below two returns or without any downside. */
export function sortino(returns: readonly PeriodReturn[], riskFree = 0): number | null {
  if (returns.length < 2) return null;
  const rf = riskFree / TRADING_DAYS;
  const xs = returns.map((r) => r.ret);
  const dd = Math.sqrt(mean(xs.map((x) => Math.min(0, x - rf) ** 2)));
  if (dd === 0) return null;
  return finite(((mean(xs) - rf) / dd) * Math.sqrt(TRADING_DAYS));
}

export interface MaxDrawdown {
  /** Negative fraction, e.g. −0.1 for a 10 % fall; 0 when the index never fell. */
  depth: number;
  peakDate: IsoDate | null;
  troughDate: IsoDate | null;
  /** First date the index got back to the peak; null while still under water. */
  recoveryDate: IsoDate | null;
}

/** The underwater series: index / running peak − 1 (0 at a new high). */
export function drawdownSeries(index: readonly IndexPoint[]): { date: IsoDate; drawdown: number }[] {
  let peak = -Infinity;
  return index.map((p) => {
    peak = Math.max(peak, p.index);
    return { date: p.date, drawdown: peak > 0 ? p.index / peak - 1 : 0 };
  });
}

/** The deepest fall from a peak, with its dates; null below two points. */
export function maxDrawdown(index: readonly IndexPoint[]): MaxDrawdown | null {
  if (index.length < 2) return null;
  let peak = index[0]!;
  let best: MaxDrawdown = { depth: 0, peakDate: null, troughDate: null, recoveryDate: null };
  let bestPeak: IndexPoint | null = null;
  let bestTroughIdx = -1;
  index.forEach((p, i) => {
    if (p.index > peak.index) peak = p;
    const depth = p.index / peak.index - 1;
    if (depth < best.depth) {
      best = { depth, peakDate: peak.date, troughDate: p.date, recoveryDate: null };
      bestPeak = peak;
      bestTroughIdx = i;
    }
  });
  if (bestPeak !== null) {
    const level = (bestPeak as IndexPoint).index;
    best.recoveryDate = index.slice(bestTroughIdx + 1).find((p) => p.index >= level)?.date ?? null;
  }
  return best;
}

/** CAGR over the depth of the maximum drawdown; null without a drawdown. */
export function calmar(cagrValue: number | null, mdd: MaxDrawdown | null): number | null {
  if (cagrValue === null || mdd === null || mdd.depth === 0) return null;
  return finite(cagrValue / Math.abs(mdd.depth));
}

export interface DayReturn {
  date: IsoDate;
  ret: number;
}

export function bestAndWorstDay(returns: readonly PeriodReturn[]): { best: DayReturn | null; worst: DayReturn | null } {
  if (returns.length === 0) return { best: null, worst: null };
  let best = returns[0]!;
  let worst = returns[0]!;
  for (const r of returns) {
    if (r.ret > best.ret) best = r;
    if (r.ret < worst.ret) worst = r;
  }
  return { best: { date: best.date, ret: best.ret }, worst: { date: worst.date, ret: worst.ret } };
}

export interface WinRate {
  /** Trades with a realized P&L (the closing side of a round trip). */
  closed: number;
  wins: number;
  losses: number;
  /** wins / closed; a break-even trade is closed but not a win. Null without closed trades. */
  winRate: number | null;
}

export function winRate(trades: readonly { realizedPnl: Decimal.Value | null }[]): WinRate {
  let closed = 0;
  let wins = 0;
  let losses = 0;
  for (const t of trades) {
    if (t.realizedPnl === null) continue;
    closed++;
    const pnl = new Decimal(t.realizedPnl);
    if (pnl.gt(0)) wins++;
    else if (pnl.lt(0)) losses++;
  }
  return { closed, wins, losses, winRate: closed === 0 ? null : wins / closed };
}

export interface Close {
  date: IsoDate;
  close: Decimal.Value;
}

export interface AlignedReturn {
  date: IsoDate;
  portfolio: number;
  benchmark: number;
}

/**
 * Pairs each portfolio period (prevDate → date) with the benchmark's return over the same
 * dates: close(date) / close(prevDate) − 1. A period is dropped when the benchmark has no
 * close on either end (a holiday in its data, or missing data), so nothing is interpolated;
 * a portfolio gap simply yields a longer benchmark period.
 */
export function alignBenchmark(returns: readonly PeriodReturn[], closes: readonly Close[]): AlignedReturn[] {
  const byDate = new Map(closes.map((c) => [c.date, new Decimal(c.close)]));
  const out: AlignedReturn[] = [];
  for (const r of returns) {
    const a = byDate.get(r.prevDate);
    const b = byDate.get(r.date);
    if (!a || !b || a.lte(0)) continue;
    out.push({ date: r.date, portfolio: r.ret, benchmark: b.div(a).minus(1).toNumber() });
  }
  return out;
}

/** Beta and annualised alpha against the benchmark; null below two aligned periods or a flat benchmark. */
export function alphaBeta(aligned: readonly AlignedReturn[], riskFree = 0): { alpha: number; beta: number } | null {
  if (aligned.length < 2) return null;
  const rp = aligned.map((a) => a.portfolio);
  const rb = aligned.map((a) => a.benchmark);
  const mp = mean(rp);
  const mb = mean(rb);
  let cov = 0;
  let varB = 0;
  for (let i = 0; i < aligned.length; i++) {
    cov += (rp[i]! - mp) * (rb[i]! - mb);
    varB += (rb[i]! - mb) ** 2;
  }
  if (varB === 0) return null;
  const beta = cov / varB; // the (n − 1) divisors cancel
  const rf = riskFree / TRADING_DAYS;
  const alpha = (mp - rf - beta * (mb - rf)) * TRADING_DAYS;
  return Number.isFinite(alpha) && Number.isFinite(beta) ? { alpha, beta } : null;
}

/** Realized (closed trades) against unrealized (open positions) P&L, as decimal strings. */
export function pnlSplit(realized: readonly (Decimal.Value | null)[], unrealized: readonly Decimal.Value[]): { realized: string; unrealized: string; total: string } {
  const r = realized.reduce<Decimal>((acc, v) => (v === null ? acc : acc.plus(v)), new Decimal(0));
  const u = unrealized.reduce<Decimal>((acc, v) => acc.plus(v), new Decimal(0));
  return { realized: r.toFixed(), unrealized: u.toFixed(), total: r.plus(u).toFixed() };
}

export interface MonthlyReturn {
  year: number;
  /** 1–12. */
  month: number;
  ret: number;
}

/** Compounded returns per calendar month, each period counted in the month its end date falls in. */
export function monthlyReturns(returns: readonly PeriodReturn[]): MonthlyReturn[] {
  const months = new Map<string, number>();
  for (const r of returns) {
    const key = r.date.slice(0, 7);
    months.set(key, (months.get(key) ?? 1) * (1 + r.ret));
  }
  return [...months].map(([key, growth]) => ({ year: Number(key.slice(0, 4)), month: Number(key.slice(5, 7)), ret: growth - 1 }));
}

/** A benchmark rebased to a starting value: value_t = start × close_t / close_0. */
export function rebase(closes: readonly Close[], start: Decimal.Value): { date: IsoDate; value: string; ret: number }[] {
  if (closes.length === 0) return [];
  const base = new Decimal(closes[0]!.close);
  if (base.lte(0)) return [];
  return closes.map((c) => {
    const growth = new Decimal(c.close).div(base);
    return { date: c.date, value: growth.times(start).toDecimalPlaces(8).toFixed(), ret: growth.minus(1).toNumber() };
  });
}

export interface PerformanceMetrics {
  twr: number | null;
  simpleReturn: number | null;
  cagr: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  maxDrawdown: MaxDrawdown | null;
  bestDay: DayReturn | null;
  worstDay: DayReturn | null;
  alpha: number | null;
  beta: number | null;
  /** How many periods alpha and beta were computed over. */
  benchmarkPeriods: number;
}

/** Every return metric of a daily series at once (trade and P&L figures are separate). */
export function computeMetrics(points: readonly EquityPoint[], opts: { riskFree?: number; benchmark?: readonly Close[] } = {}): PerformanceMetrics {
  const rf = opts.riskFree ?? 0;
  const returns = periodReturns(points);
  const twr = timeWeightedReturn(returns);
  const growth = points.length >= 2 ? cagr(twr, points[0]!.date, points[points.length - 1]!.date) : null;
  const mdd = maxDrawdown(wealthIndex(points));
  const { best, worst } = bestAndWorstDay(returns);
  const aligned = opts.benchmark ? alignBenchmark(returns, opts.benchmark) : [];
  const ab = alphaBeta(aligned, rf);
  return {
    twr,
    simpleReturn: simpleReturn(points),
    cagr: growth,
    volatility: volatility(returns),
    sharpe: sharpe(returns, rf),
    sortino: sortino(returns, rf),
    calmar: calmar(growth, mdd),
    maxDrawdown: mdd,
    bestDay: best,
    worstDay: worst,
    alpha: ab?.alpha ?? null,
    beta: ab?.beta ?? null,
    benchmarkPeriods: aligned.length,
  };
}
