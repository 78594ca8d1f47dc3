// The performance maths against examples worked out by hand (the arithmetic is in the comments).
import { describe, expect, it } from 'vitest';
import {
  alignBenchmark,
  alphaBeta,
  cagr,
  computeMetrics,
  drawdownSeries,
  maxDrawdown,
  monthlyReturns,
  periodReturns,
  pnlSplit,
  rebase,
  simpleReturn,
  timeWeightedReturn,
  wealthIndex,
  winRate,
  type EquityPoint,
} from './metrics.ts';

describe('time-weighted return', () => {
  it('does not count a deposit in the middle of the range as a return', () => {
    // Day 2 gains 9.09 % on 110 and then 100 is deposited at the end of the day.
    const points: EquityPoint[] = [
      { date: '2026-03-02', equity: '100' },
      { date: '2026-03-03', equity: '110' },
      { date: '2026-03-04', equity: '220', flow: '100' },
      { date: '2026-03-05', equity: '198' },
    ];
    // r1 = 110/100 − 1 = 0.1
    // r2 = (220 − 100)/110 − 1 = 120/110 − 1 = 0.090909…
    // r3 = 198/220 − 1 = −0.1
    // TWR = 1.1 × (120/110) × 0.9 − 1 = 1.2 × 0.9 − 1 = 0.08
    const r = periodReturns(points);
    expect(r.map((x) => x.date)).toEqual(['2026-03-03', '2026-03-04', '2026-03-05']);
    expect(r[0]!.ret).toBeCloseTo(0.1, 12);
    expect(r[1]!.ret).toBeCloseTo(10 / 110, 12);
    expect(r[2]!.ret).toBeCloseTo(-0.1, 12);
    expect(timeWeightedReturn(r)).toBeCloseTo(0.08, 12);
    // The raw equity change would call the deposit a 98 % gain: 198/100 − 1.
    expect(simpleReturn(points)).toBeCloseTo(0.98, 12);
  });

  it('does not count a withdrawal as a loss', () => {
    // 200 → 220 (+10 %); day 2 grows 220 to 242 (+10 %) and 100 is withdrawn: 142;
    // day 3 grows 142 to 156.2 (+10 %).
    const points: EquityPoint[] = [
      { date: '2026-03-02', equity: '200' },
      { date: '2026-03-03', equity: '220' },
      { date: '2026-03-04', equity: '142', flow: '-100' },
      { date: '2026-03-05', equity: '156.2' },
    ];
    // r2 = (142 − (−100))/220 − 1 = 242/220 − 1 = 0.1; TWR = 1.1³ − 1 = 0.331
    expect(periodReturns(points).map((x) => x.ret)).toEqual([expect.closeTo(0.1, 12), expect.closeTo(0.1, 12), expect.closeTo(0.1, 12)]);
    expect(timeWeightedReturn(periodReturns(points))).toBeCloseTo(0.331, 12);
    // 156.2/200 − 1 = −0.219: the raw change is a "loss" that never happened.
    expect(simpleReturn(points)).toBeCloseTo(-0.219, 12);
    // And the withdrawal is not a drawdown: the index only rose.
    expect(maxDrawdown(wealthIndex(points))).toEqual({ depth: 0, peakDate: null, troughDate: null, recoveryDate: null });
  });

  it('ignores a flow on the base day (it is already in the starting equity)', () => {
    const r = periodReturns([
      { date: '2026-03-02', equity: '150', flow: '50' },
      { date: '2026-03-03', equity: '165' },
    ]);
    // 165/150 − 1 = 0.1
    expect(r[0]!.ret).toBeCloseTo(0.1, 12);
  });
});

describe('risk metrics', () => {
  // Returns +10 %, −10 %, +10 % over exactly four calendar years (1461 days = 4 × 365.25).
  const points: EquityPoint[] = [
    { date: '2021-01-01', equity: '100' },
    { date: '2022-06-01', equity: '110' },
    { date: '2023-06-01', equity: '99' },
    { date: '2025-01-01', equity: '108.9' },
  ];

  it('computes every metric of a three-period series', () => {
    const m = computeMetrics(points);
    // TWR = 1.1 × 0.9 × 1.1 − 1 = 1.089 − 1 = 0.089
    expect(m.twr).toBeCloseTo(0.089, 12);
    // CAGR = 1.089^(1/4) − 1 = 0.0215437…
    expect(m.cagr).toBeCloseTo(0.0215437474, 9);
    // mean = 0.1/3 = 0.033333; deviations 0.066667, −0.133333, 0.066667;
    // squares sum = 0.0044444 + 0.0177778 + 0.0044444 = 0.0266667; / (3 − 1) = 0.0133333;
    // sd = 0.1154701; × √252 (15.8745079) = 1.8330303
    expect(m.volatility).toBeCloseTo(1.8330302780, 9);
    // Sharpe = 0.033333 / 0.1154701 × 15.8745079 = 0.2886751 × 15.8745079 = 4.5825757
    expect(m.sharpe).toBeCloseTo(4.5825756950, 9);
    // downside deviation = sqrt((0 + 0.01 + 0)/3) = 0.0577350;
    // Sortino = 0.033333 / 0.057735 × 15.8745079 = 0.5773503 × 15.8745079 = 9.1651514
    expect(m.sortino).toBeCloseTo(9.1651513899, 9);
    // index 1, 1.1, 0.99, 1.089: peak 1.1 (2022-06-01), trough 0.99 (2023-06-01),
    // depth 0.99/1.1 − 1 = −0.1, not recovered (1.089 < 1.1)
    expect(m.maxDrawdown?.depth).toBeCloseTo(-0.1, 12);
    expect(m.maxDrawdown).toMatchObject({ peakDate: '2022-06-01', troughDate: '2023-06-01', recoveryDate: null });
    // Calmar = 0.0215437 / 0.1 = 0.215437
    expect(m.calmar).toBeCloseTo(0.215437474, 8);
    expect(m.bestDay).toEqual({ date: '2022-06-01', ret: expect.closeTo(0.1, 12) });
    expect(m.worstDay).toEqual({ date: '2023-06-01', ret: expect.closeTo(-0.1, 12) });
    expect(m.alpha).toBeNull();
    expect(m.beta).toBeNull();
  });

  it('applies the risk-free rate per trading day', () => {
    // rf = 2.52 % a year = 0.0001 a day. Sharpe = (0.0333333 − 0.0001)/0.1154701 × √252 = 4.5688280
    expect(computeMetrics(points, { riskFree: 0.0252 }).sharpe).toBeCloseTo(((0.1 / 3 - 0.0001) / 0.11547005383792516) * Math.sqrt(252), 9);
    expect(computeMetrics(points, { riskFree: 0.0252 }).sharpe).toBeCloseTo(4.568828, 5);
  });

  it('dates the recovery from a drawdown', () => {
    const idx = wealthIndex([
      { date: '2026-01-02', equity: '100' },
      { date: '2026-01-05', equity: '80' },
      { date: '2026-01-06', equity: '90' },
      { date: '2026-01-07', equity: '100' },
      { date: '2026-01-08', equity: '95' },
    ]);
    // peak 1 on 01-02, trough 0.8 on 01-05 (−20 %), back to 1 on 01-07
    expect(maxDrawdown(idx)).toEqual({ depth: expect.closeTo(-0.2, 12), peakDate: '2026-01-02', troughDate: '2026-01-05', recoveryDate: '2026-01-07' });
    // underwater: 0, −0.2, −0.1, 0, −0.05
    expect(drawdownSeries(idx).map((d) => d.drawdown)).toEqual([0, expect.closeTo(-0.2, 12), expect.closeTo(-0.1, 12), 0, expect.closeTo(-0.05, 12)]);
  });

  it('gives null, never NaN, for a range with one data point', () => {
    const m = computeMetrics([{ date: '2026-03-02', equity: '100' }], { benchmark: [{ date: '2026-03-02', close: '500' }] });
    for (const [k, v] of Object.entries(m)) if (k !== 'benchmarkPeriods') expect([k, v]).toEqual([k, null]);
    expect(m.benchmarkPeriods).toBe(0);
    expect(drawdownSeries(wealthIndex([{ date: '2026-03-02', equity: '100' }]))).toEqual([{ date: '2026-03-02', drawdown: 0 }]);
    expect(JSON.stringify(m)).not.toMatch(/NaN|Infinity/);
  });

  it('gives a flat series zero volatility and no Sharpe, Sortino or Calmar', () => {
    const m = computeMetrics([
      { date: '2026-03-02', equity: '100' },
      { date: '2026-03-03', equity: '100' },
      { date: '2026-03-04', equity: '100' },
    ]);
    expect(m.twr).toBe(0);
    expect(m.volatility).toBe(0);
    expect(m.sharpe).toBeNull();
    expect(m.sortino).toBeNull();
    expect(m.maxDrawdown?.depth).toBe(0);
    expect(m.calmar).toBeNull();
  });

  it('needs three points for volatility (two returns) but two for the return itself', () => {
    const m = computeMetrics([
      { date: '2026-03-02', equity: '100' },
      { date: '2026-03-03', equity: '101' },
    ]);
    expect(m.twr).toBeCloseTo(0.01, 12);
    expect(m.volatility).toBeNull();
    expect(m.sharpe).toBeNull();
    expect(m.sortino).toBeNull();
  });

  it('computes CAGR over calendar years', () => {
    // 1.4641 = 1.1⁴ over 2021-01-01 → 2025-01-01 (1461 days = 4 years of 365.25): 10 % a year.
    expect(cagr(0.4641, '2021-01-01', '2025-01-01')).toBeCloseTo(0.1, 12);
    expect(cagr(0.1, '2025-01-01', '2025-01-01')).toBeNull();
    expect(cagr(-1, '2021-01-01', '2025-01-01')).toBeNull();
  });
});

describe('benchmark alignment, alpha and beta', () => {
  // Portfolio: 03-04 is missing (a gap), 03-09 exists. Benchmark: 03-04 exists (skipped over),
  // 03-09 is missing (so that period is dropped).
  const points: EquityPoint[] = [
    { date: '2026-03-02', equity: '100' },
    { date: '2026-03-03', equity: '102' }, // +2 %
    { date: '2026-03-05', equity: '100.98' }, // 100.98/102 − 1 = −1 %
    { date: '2026-03-06', equity: '104.0094' }, // 104.0094/100.98 − 1 = +3 %
    { date: '2026-03-09', equity: '105.049494' }, // +1 %, no benchmark close that day
  ];
  const closes = [
    { date: '2026-03-02', close: '200' },
    { date: '2026-03-03', close: '202' }, // +1 %
    { date: '2026-03-04', close: '190' },
    { date: '2026-03-05', close: '199.98' }, // 199.98/202 − 1 = −1 % (over the portfolio's 03-03 → 03-05)
    { date: '2026-03-06', close: '203.9796' }, // +2 %
    { date: '2026-03-10', close: '210' },
  ];

  it('pairs periods by their end dates and drops a period the benchmark cannot cover', () => {
    const aligned = alignBenchmark(periodReturns(points), closes);
    expect(aligned.map((a) => a.date)).toEqual(['2026-03-03', '2026-03-05', '2026-03-06']);
    expect(aligned.map((a) => a.benchmark)).toEqual([expect.closeTo(0.01, 12), expect.closeTo(-0.01, 12), expect.closeTo(0.02, 12)]);
    expect(aligned.map((a) => a.portfolio)).toEqual([expect.closeTo(0.02, 12), expect.closeTo(-0.01, 12), expect.closeTo(0.03, 12)]);
  });

  it('computes beta and annualised alpha from the aligned pairs', () => {
    // rp = 0.02, −0.01, 0.03 (mean 1/75); rb = 0.01, −0.01, 0.02 (mean 1/150)
    // deviations p: 1/150, −7/300, 1/60; b: 1/300, −1/60, 1/75
    // Σ dp·db = 1/45000 + 7/18000 + 1/4500 = 0.000633333; Σ db² = 0.000466667
    // beta = 0.000633333 / 0.000466667 = 19/14 = 1.357142857
    // alpha per day = 1/75 − 19/14 × 1/150 = 28/2100 − 19/2100 = 3/700; × 252 = 1.08
    const ab = alphaBeta(alignBenchmark(periodReturns(points), closes));
    expect(ab?.beta).toBeCloseTo(19 / 14, 9);
    expect(ab?.alpha).toBeCloseTo(1.08, 9);
    const m = computeMetrics(points, { benchmark: closes });
    expect(m.beta).toBeCloseTo(19 / 14, 9);
    expect(m.benchmarkPeriods).toBe(3);
  });

  it('has no beta against a flat benchmark or a single aligned period', () => {
    expect(alphaBeta([{ date: 'a', portfolio: 0.01, benchmark: 0.01 }])).toBeNull();
    expect(alphaBeta([{ date: 'a', portfolio: 0.01, benchmark: 0 }, { date: 'b', portfolio: 0.02, benchmark: 0 }])).toBeNull();
  });

  it('rebases the benchmark to the starting equity', () => {
    // 202/200 × 1000 = 1010; 199.98/200 × 1000 = 999.9
    expect(rebase(closes.slice(0, 4), '1000')).toEqual([
      { date: '2026-03-02', value: '1000', ret: 0 },
      { date: '2026-03-03', value: '1010', ret: expect.closeTo(0.01, 12) },
      { date: '2026-03-04', value: '950', ret: expect.closeTo(-0.05, 12) },
      { date: '2026-03-05', value: '999.9', ret: expect.closeTo(-0.0001, 12) },
    ]);
  });
});

describe('trades, P&L and months', () => {
  it('counts the win rate over closed trades only', () => {
    // closed: 10, −5, 0, 3 (the null is an opening trade): wins 2, losses 1 → 2/4 = 0.5
    expect(winRate([{ realizedPnl: '10' }, { realizedPnl: '-5' }, { realizedPnl: '0' }, { realizedPnl: null }, { realizedPnl: '3' }])).toEqual({ closed: 4, wins: 2, losses: 1, winRate: 0.5 });
    expect(winRate([{ realizedPnl: null }])).toEqual({ closed: 0, wins: 0, losses: 0, winRate: null });
  });

  it('splits realized and unrealized P&L exactly, as decimal strings', () => {
    // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004; 10.5 − 3.25 + 0.1 + 0.2 = 7.55; 100.01 − 0.02 = 99.99
    expect(pnlSplit(['10.5', '-3.25', null, '0.1', '0.2'], ['100.01', '-0.02'])).toEqual({ realized: '7.55', unrealized: '99.99', total: '107.54' });
    expect(pnlSplit([], [])).toEqual({ realized: '0', unrealized: '0', total: '0' });
  });

  it('compounds returns per calendar month', () => {
    const r = periodReturns([
      { date: '2026-01-30', equity: '100' },
      { date: '2026-02-02', equity: '110' }, // +10 % (February)
      { date: '2026-02-27', equity: '121' }, // +10 % (February)
      { date: '2026-03-02', equity: '108.9' }, // −10 % (March)
    ]);
    // February: 1.1 × 1.1 − 1 = 0.21; March −0.1; January has only the base point.
    expect(monthlyReturns(r)).toEqual([
      { year: 2026, month: 2, ret: expect.closeTo(0.21, 12) },
      { year: 2026, month: 3, ret: expect.closeTo(-0.1, 12) },
    ]);
  });
});
