// dashboard.*: the read side of the trading dashboard (overview, positions, trade history,
// performance) and the trade export. Dates in inputs are New York calendar dates
// (`YYYY-MM-DD`, America/New_York); money and quantities in outputs are decimal strings,
// never floats; returns and ratios are plain numbers (fractions: 0.05 = 5 %), null when
// they cannot be computed.
import { z } from 'zod';

/** A decimal number as a string, e.g. "-1234.5": what every money or quantity field carries. */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/);

export const MAX_RANGE_YEARS = 50;
export const TRADES_PAGE_MAX = 200;
export const TRADE_SIDES = ['BUY', 'SELL', 'BUY_TO_COVER', 'SELL_SHORT'] as const;
export const TRADE_MODES = ['paper', 'live'] as const;
export const BENCHMARKS = ['SPY', 'QQQ'] as const;
export const PERFORMANCE_RANGES = ['today', 'wtd', 'mtd', 'ytd', '1y', '5y', 'max'] as const;

function realDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** A calendar date in New York, `YYYY-MM-DD`, between 1900 and 2199. */
export const isoDateSchema = z
  .string()
  .regex(/^(19|20|21)\d{2}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(realDate, 'not a calendar date');

function yearsBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / (365.25 * 86_400_000);
}

/** from ≤ to and at most 50 years apart; reported on the field that is wrong. */
function checkDates(v: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (v.from === undefined || v.to === undefined) return;
  if (v.from > v.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from is after to' });
  else if (yearsBetween(v.from, v.to) > MAX_RANGE_YEARS) ctx.addIssue({ code: 'custom', path: ['to'], message: `a range may span at most ${MAX_RANGE_YEARS} years` });
}

export const accountHashSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

export const tradeFilterFields = {
  /** Exact symbol (case-insensitive). */
  symbol: z
    .string()
    .regex(/^[A-Za-z0-9./$^_ -]{1,32}$/)
    .optional(),
  side: z.enum(TRADE_SIDES).optional(),
  /** e.g. `filled`, `cancelled` (case-insensitive). */
  status: z
    .string()
    .regex(/^[A-Za-z_]{1,32}$/)
    .optional(),
  mode: z.enum(TRADE_MODES).optional(),
  /** First New York date included. */
  from: isoDateSchema.optional(),
  /** Last New York date included. */
  to: isoDateSchema.optional(),
};

export const dashboardTradesInput = z
  .object({
    /** The `nextCursor` of the previous page; absent for the newest page. Opaque. */
    cursor: z.string().max(256).optional(),
    limit: z.number().int().min(1).max(TRADES_PAGE_MAX).default(50),
    ...tradeFilterFields,
  })
  .superRefine(checkDates);
export type DashboardTradesInput = z.input<typeof dashboardTradesInput>;

export const dashboardExportTradesInput = z.object(tradeFilterFields).superRefine(checkDates);
export type DashboardExportTradesInput = z.input<typeof dashboardExportTradesInput>;

export const dashboardPositionsInput = z.object({ accountHash: accountHashSchema.optional() }).optional();

const rangeSchema = z.union([z.enum(PERFORMANCE_RANGES), z.string().regex(/^year:(19|20|21)\d{2}$/, 'expected year:YYYY')]);

/** Either a named range or an explicit from/to (both inclusive New York dates), never both. */
export const dashboardPerformanceInput = z
  .object({
    range: rangeSchema.optional(),
    from: isoDateSchema.optional(),
    to: isoDateSchema.optional(),
    benchmark: z.enum(BENCHMARKS).optional(),
    /** Annual risk-free rate for Sharpe, Sortino and alpha (0.04 = 4 %); default 0. */
    riskFreeRate: z.number().min(0).max(0.25).optional(),
  })
  .superRefine((v, ctx) => {
    const custom = v.from !== undefined || v.to !== undefined;
    if (v.range !== undefined && custom) ctx.addIssue({ code: 'custom', path: ['range'], message: 'give a range or from/to, not both' });
    else if (v.range === undefined && !custom) ctx.addIssue({ code: 'custom', path: ['range'], message: 'give a range or from/to' });
    else if (custom && (v.from === undefined || v.to === undefined)) ctx.addIssue({ code: 'custom', path: [v.from === undefined ? 'from' : 'to'], message: 'from and to go together' });
    else checkDates(v, ctx);
  });
export type DashboardPerformanceInput = z.input<typeof dashboardPerformanceInput>;

// ───────────────────────────── outputs ─────────────────────────────

export const FRESHNESS = ['fresh', 'amber', 'red'] as const;
export const freshnessSchema = z.object({
  verdict: z.enum(FRESHNESS),
  /** Why it is not fresh: `never_synced`, `no_account`, `delayed` (over 2 intervals), `stale` (over 5). */
  reason: z.string().nullable(),
  ageSeconds: z.number().nullable(),
  syncIntervalSeconds: z.number(),
});
export type Freshness = z.infer<typeof freshnessSchema>;

export const dashboardOverviewOutput = z.object({
  asOf: z.date(),
  accounts: z.array(
    z.object({
      accountHash: z.string(),
      numberLast4: z.string(),
      nickname: z.string().nullable(),
      isPaper: z.boolean(),
      lastSyncedAt: z.date().nullable(),
      balancesAt: z.date().nullable(),
    }),
  ),
  /** Where the balances came from: the sync's balances, the latest snapshot, or nothing yet. */
  balancesSource: z.enum(['balances', 'snapshot', 'none']),
  netLiquidation: decimalString.nullable(),
  cash: decimalString.nullable(),
  /** Only the sync's balances carry it: null when they come from a snapshot. */
  buyingPower: decimalString.nullable(),
  positionsValue: decimalString.nullable(),
  /** positionsValue / netLiquidation. */
  investedPct: z.number().nullable(),
  /** Equity now − previous New York day's last equity − today's deposits (+ withdrawals). */
  dayPnl: decimalString.nullable(),
  dayPnlPct: z.number().nullable(),
  positionCount: z.number().int(),
  /** The oldest last sync among the accounts: the figure is only as fresh as that. */
  lastSyncedAt: z.date().nullable(),
  freshness: freshnessSchema,
  engine: z.object({ state: z.string(), mode: z.enum(TRADE_MODES) }),
  /** Today's intraday equity (all accounts summed per snapshot time). */
  sparkline: z.array(z.object({ at: z.date(), equity: decimalString })),
});
export type DashboardOverview = z.infer<typeof dashboardOverviewOutput>;

const allocationSlice = z.object({ key: z.string(), marketValue: decimalString, weight: z.number().nullable() });

export const dashboardPositionsOutput = z.object({
  asOf: z.date(),
  positions: z.array(
    z.object({
      accountHash: z.string(),
      symbol: z.string(),
      assetType: z.string(),
      isPaper: z.boolean(),
      quantity: decimalString,
      averagePrice: decimalString,
      /** marketValue / quantity. */
      lastPrice: decimalString.nullable(),
      marketValue: decimalString,
      costBasis: decimalString,
      dayPnl: decimalString.nullable(),
      openPnl: decimalString,
      openPnlPct: z.number().nullable(),
      /** Share of the weight base (see `weightBasis`). */
      weight: z.number().nullable(),
      /** The engine's target share (config `strategy.targets`), when one is set for the symbol. */
      targetWeight: z.number().nullable(),
      /** weight − targetWeight. */
      drift: z.number().nullable(),
      updatedAt: z.date(),
    }),
  ),
  totals: z.object({ marketValue: decimalString, costBasis: decimalString, openPnl: decimalString, dayPnl: decimalString.nullable() }),
  /** What weights are fractions of: net liquidation when balances are known, else the positions' total. */
  weightBasis: z.enum(['netLiquidation', 'positions']),
  weightBase: decimalString,
  targetsConfigured: z.boolean(),
  allocation: z.object({ bySymbol: z.array(allocationSlice), byAssetType: z.array(allocationSlice) }),
});
export type DashboardPositions = z.infer<typeof dashboardPositionsOutput>;

export const tradeRowSchema = z.object({
  id: z.string(),
  accountHash: z.string().nullable(),
  executedAt: z.date(),
  symbol: z.string(),
  side: z.string(),
  quantity: decimalString,
  price: decimalString,
  /** quantity × price. */
  notional: decimalString,
  fees: decimalString,
  realizedPnl: decimalString.nullable(),
  strategy: z.string().nullable(),
  orderId: z.string().nullable(),
  status: z.string(),
  mode: z.enum(TRADE_MODES),
});
export type TradeRow = z.infer<typeof tradeRowSchema>;

export const dashboardTradesOutput = z.object({
  items: z.array(tradeRowSchema),
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type DashboardTrades = z.infer<typeof dashboardTradesOutput>;

export const EXPORT_MAX_ROWS = 100_000;
export const dashboardExportTradesOutput = z.object({
  filename: z.string(),
  contentType: z.literal('text/csv'),
  rowCount: z.number().int(),
  /** True when the filtered set had more than EXPORT_MAX_ROWS rows (the newest were kept). */
  truncated: z.boolean(),
  csv: z.string(),
});
export type DashboardExportTrades = z.infer<typeof dashboardExportTradesOutput>;

/** `unfilled`: the snapshot job recorded why it could not fill the day (`detail`). */
export const GAP_REASONS = ['no_snapshot', 'partial_accounts', 'unfilled'] as const;

const dayReturn = z.object({ date: z.string(), ret: z.number() }).nullable();

export const performanceMetricsSchema = z.object({
  twr: z.number().nullable(),
  simpleReturn: z.number().nullable(),
  cagr: z.number().nullable(),
  volatility: z.number().nullable(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  calmar: z.number().nullable(),
  maxDrawdown: z
    .object({ depth: z.number(), peakDate: z.string().nullable(), troughDate: z.string().nullable(), recoveryDate: z.string().nullable() })
    .nullable(),
  bestDay: dayReturn,
  worstDay: dayReturn,
  alpha: z.number().nullable(),
  beta: z.number().nullable(),
  benchmarkPeriods: z.number().int(),
  winRate: z.number().nullable(),
  closedTrades: z.number().int(),
  winningTrades: z.number().int(),
  losingTrades: z.number().int(),
  /** Realized P&L of trades executed in the range. */
  realizedPnl: decimalString,
  /** Unrealized P&L of the positions held now. */
  unrealizedPnl: decimalString,
  startEquity: decimalString.nullable(),
  endEquity: decimalString.nullable(),
  /** Net deposits (+) and withdrawals (−) the series' returns were measured net of. */
  netFlows: decimalString,
});
export type PerformanceMetricsOutput = z.infer<typeof performanceMetricsSchema>;

export const dashboardPerformanceOutput = z.object({
  range: z.object({ kind: z.string(), fromDate: z.string().nullable(), toDate: z.string(), from: z.date().nullable(), to: z.date() }),
  /** `today` is intraday (every snapshot); every other range is one point per New York day. */
  granularity: z.enum(['intraday', 'daily']),
  series: z.array(
    z.object({
      date: z.string(),
      at: z.date(),
      equity: decimalString,
      /** External flow since the previous point (deposit +, withdrawal −). */
      flow: decimalString,
      /** Time-weighted return since the first point. */
      cumulativeReturn: z.number(),
      /** The last point before the range: the base its first return is measured from. */
      base: z.boolean(),
    }),
  ),
  /** Trading days with no usable equity: shown as breaks, never interpolated. */
  gaps: z.array(z.object({ from: z.string(), to: z.string(), reason: z.enum(GAP_REASONS), detail: z.string().max(200).optional() })),
  benchmark: z
    .object({
      symbol: z.enum(BENCHMARKS),
      /** Closes rebased to the first point's equity (`value`) and as a return since then (`ret`). */
      series: z.array(z.object({ date: z.string(), close: decimalString, value: decimalString, ret: z.number() })),
    })
    .nullable(),
  /** The underwater series of the time-weighted index: 0 at a high, −0.1 ten percent below it. */
  drawdown: z.array(z.object({ date: z.string(), at: z.date(), drawdown: z.number() })),
  monthlyReturns: z.array(z.object({ year: z.number().int(), month: z.number().int(), ret: z.number() })),
  metrics: performanceMetricsSchema,
});
export type DashboardPerformance = z.infer<typeof dashboardPerformanceOutput>;
