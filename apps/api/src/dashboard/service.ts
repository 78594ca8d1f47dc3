// The dashboard's reads: everything here only reads the tables the Schwab sync and the
// engine write (brokerage_accounts, positions, live_trades, performance_snapshots,
// cash_flows, market_data, system_state, config_overrides) and shapes them for the
// contract in @jutsu/shared. The maths lives in metrics.ts and ranges.ts.
import { Decimal } from 'decimal.js';
import {
  EXPORT_MAX_ROWS,
  isTradingDay,
  newYorkDate,
  newYorkMidnight,
  shiftDate,
  type DashboardOverview,
  type DashboardPerformance,
  type DashboardPositions,
  type DashboardTrades,
  type Freshness,
  type TradeRow,
} from '@jutsu/shared';
import { Prisma, type PrismaClient, type SqlConnection } from '@jutsu/db';
import { recordedGaps, type RecordedGap } from '../snapshots/service.ts';
import { csvRow, num } from './csv.ts';
import { decodeCursor, encodeCursor, type TradeCursor } from './cursor.ts';
import {
  computeMetrics,
  drawdownSeries,
  monthlyReturns,
  periodReturns,
  pnlSplit,
  rebase,
  wealthIndex,
  winRate,
  type Close,
  type EquityPoint,
} from './metrics.ts';
import { resolveRange, type RangeSpec, type ResolvedRange } from './ranges.ts';
import { readAccounts, readConfigValue, readLatestSnapshot, readOpenPositions, readTrades, type LiveTradeRow, type TradeFilters } from './rows.ts';

export const DEFAULT_SYNC_INTERVAL_SECONDS = 60;

export class InvalidRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRangeError';
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

const dec = (v: Prisma.Decimal | Decimal | string | number): Decimal => new Decimal(v.toString());
/**
 * A NUMERIC column's text in the form Decimal#toFixed gives it ("1.50000000" → "1.5",
 * "0.00000000" → "0"), without building a Decimal: PostgreSQL's text has no exponent and no sign on zero.
 */
export const plainDecimal = (text: string): string => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);
const money = (d: Decimal): string => d.toFixed();
const sum = (xs: readonly Decimal[]): Decimal => xs.reduce((a, b) => a.plus(b), new Decimal(0));
/** A ratio as a plain number, or null when the denominator is zero. */
const ratio = (a: Decimal, b: Decimal): number | null => (b.isZero() ? null : a.div(b).toNumber());

// ───────────────────────────── scope ─────────────────────────────

type Account = Awaited<ReturnType<PrismaClient['brokerageAccount']['findMany']>>[number];

/**
 * The accounts a view covers: the one asked for, else every real-money account, else (when
 * only paper accounts exist) the paper ones. Paper money is never added to real money.
 */
export async function scopeAccounts(prisma: PrismaClient, accountHash?: string): Promise<Account[]> {
  const all = await prisma.brokerageAccount.findMany({ orderBy: { createdAt: 'asc' } });
  if (accountHash !== undefined) return all.filter((a) => a.accountHash === accountHash);
  return all.some((a) => !a.isPaper) ? all.filter((a) => !a.isPaper) : all;
}

// ───────────────────────────── overview ─────────────────────────────

/**
 * How fresh the synced figures are: fresh within two sync intervals, amber up to five,
 * red beyond (or never synced). With several accounts the oldest sync decides.
 */
export function freshness(lastSyncedAt: Date | null, now: Date, syncIntervalSeconds = DEFAULT_SYNC_INTERVAL_SECONDS, hasAccount = true): Freshness {
  const base = { syncIntervalSeconds };
  if (!hasAccount) return { ...base, verdict: 'red', reason: 'no_account', ageSeconds: null };
  if (!lastSyncedAt) return { ...base, verdict: 'red', reason: 'never_synced', ageSeconds: null };
  const age = Math.max(0, Math.round((now.getTime() - lastSyncedAt.getTime()) / 1000));
  if (age > 5 * syncIntervalSeconds) return { ...base, verdict: 'red', reason: 'stale', ageSeconds: age };
  if (age > 2 * syncIntervalSeconds) return { ...base, verdict: 'amber', reason: 'delayed', ageSeconds: age };
  return { ...base, verdict: 'fresh', reason: null, ageSeconds: age };
}

/** `engine.state` / `engine.mode` may be stored as a bare string or as { state } / { mode }. */
export function readEngine(state: unknown, mode: unknown): { state: string; mode: 'paper' | 'live' } {
  const pick = (v: unknown, key: string): unknown => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : v);
  const s = pick(state, 'state');
  const m = pick(mode, 'mode');
  return {
    state: typeof s === 'string' && /^[A-Za-z_-]{1,32}$/.test(s) ? s : 'stopped',
    mode: m === 'live' ? 'live' : 'paper',
  };
}

interface Balances {
  source: 'balances' | 'snapshot' | 'none';
  equity: Decimal | null;
  cash: Decimal | null;
  buyingPower: Decimal | null;
  positionsValue: Decimal | null;
}

type Amount = Prisma.Decimal | string;
interface BalanceColumns {
  accountHash: string;
  balancesAt: Date | null;
  liquidationValue: Amount | null;
  cash: Amount | null;
  buyingPower: Amount | null;
  longMarketValue: Amount | null;
}
type LatestSnapshot = (accountHash: string) => Promise<{ equity: Amount; cash: Amount; positionsValue: Amount } | null>;

/** One account's latest balances: the sync's columns when present, else its latest snapshot. */
async function balancesOf(a: BalanceColumns, latestSnapshot: LatestSnapshot): Promise<Balances> {
  if (a.balancesAt && a.liquidationValue !== null) {
    return {
      source: 'balances',
      equity: dec(a.liquidationValue),
      cash: a.cash === null ? null : dec(a.cash),
      buyingPower: a.buyingPower === null ? null : dec(a.buyingPower),
      positionsValue: a.longMarketValue === null ? null : dec(a.longMarketValue),
    };
  }
  const snap = await latestSnapshot(a.accountHash);
  if (!snap) return { source: 'none', equity: null, cash: null, buyingPower: null, positionsValue: null };
  return { source: 'snapshot', equity: dec(snap.equity), cash: dec(snap.cash), buyingPower: null, positionsValue: dec(snap.positionsValue) };
}

/** Sums a field over accounts; null as soon as one account lacks it. */
function total(bs: readonly Balances[], field: 'equity' | 'cash' | 'buyingPower' | 'positionsValue'): Decimal | null {
  if (bs.length === 0 || bs.some((b) => b[field] === null)) return null;
  return sum(bs.map((b) => b[field]!));
}

async function combineBalances<A>(accounts: readonly A[], balances: (a: A) => Promise<Balances>) {
  const per = await Promise.all(accounts.map(balances));
  const source: Balances['source'] = per.length === 0 || per.every((b) => b.source === 'none') ? 'none' : per.every((b) => b.source === 'balances') ? 'balances' : 'snapshot';
  return { source, equity: total(per, 'equity'), cash: total(per, 'cash'), buyingPower: total(per, 'buyingPower'), positionsValue: total(per, 'positionsValue') };
}

function scopeBalances(prisma: PrismaClient, accounts: readonly Account[]) {
  const latest: LatestSnapshot = (accountHash) => prisma.performanceSnapshot.findFirst({ where: { accountHash }, orderBy: { takenAt: 'desc' } });
  return combineBalances(accounts, (a) => balancesOf(a, latest));
}

/** Carries each account's latest equity forward and sums once every account has reported. */
function combineIntraday(snaps: readonly { accountHash: string | null; takenAt: Date; equity: Prisma.Decimal }[], accounts: number): { at: Date; equity: Decimal }[] {
  const latest = new Map<string, Decimal>();
  const out: { at: Date; equity: Decimal }[] = [];
  for (const s of snaps) {
    latest.set(s.accountHash ?? '', dec(s.equity));
    if (latest.size < accounts) continue;
    const point = { at: s.takenAt, equity: sum([...latest.values()]) };
    if (out.length && out[out.length - 1]!.at.getTime() === s.takenAt.getTime()) out[out.length - 1] = point;
    else out.push(point);
  }
  return out;
}

export async function overview(prisma: PrismaClient, opts: { now?: Date; syncIntervalSeconds?: number } = {}): Promise<DashboardOverview> {
  const now = opts.now ?? new Date();
  const accounts = await scopeAccounts(prisma);
  const hashes = accounts.map((a) => a.accountHash);
  const todayStart = newYorkMidnight(newYorkDate(now));
  const [bal, positionCount, engineRows, todaySnaps, flowsToday] = await Promise.all([
    scopeBalances(prisma, accounts),
    prisma.position.count({ where: { accountHash: { in: hashes }, quantity: { not: 0 } } }),
    prisma.systemState.findMany({ where: { key: { in: ['engine.state', 'engine.mode'] } } }),
    prisma.performanceSnapshot.findMany({ where: { accountHash: { in: hashes }, takenAt: { gte: todayStart, lte: now } }, orderBy: [{ takenAt: 'asc' }, { id: 'asc' }] }),
    prisma.cashFlow.aggregate({ where: { accountHash: { in: hashes }, occurredAt: { gte: todayStart, lte: now } }, _sum: { amount: true } }),
  ]);

  // Day P&L: equity now against each account's last equity before today, net of today's flows.
  let dayPnl: Decimal | null = null;
  let dayPnlPct: number | null = null;
  if (bal.equity !== null && accounts.length > 0) {
    const prev = await Promise.all(hashes.map((h) => prisma.performanceSnapshot.findFirst({ where: { accountHash: h, takenAt: { lt: todayStart } }, orderBy: { takenAt: 'desc' } })));
    if (prev.every((p) => p !== null)) {
      const prevClose = sum(prev.map((p) => dec(p!.equity)));
      dayPnl = bal.equity.minus(prevClose).minus(dec(flowsToday._sum.amount ?? 0));
      dayPnlPct = ratio(dayPnl, prevClose);
    }
  }
  if (dayPnl === null && accounts.length > 0) {
    // No close to compare with yet: the broker's per-position day P&L, when every position has one.
    const positions = await prisma.position.findMany({ where: { accountHash: { in: hashes } }, select: { dayPnl: true } });
    if (positions.length > 0 && positions.every((p) => p.dayPnl !== null)) dayPnl = sum(positions.map((p) => dec(p.dayPnl!)));
  }

  const synced = accounts.map((a) => a.lastSyncedAt);
  const lastSyncedAt = synced.length === 0 || synced.some((s) => s === null) ? null : new Date(Math.min(...synced.map((s) => s!.getTime())));
  const state = new Map(engineRows.map((r) => [r.key, r.value]));
  return {
    asOf: now,
    accounts: accounts.map((a) => ({ accountHash: a.accountHash, numberLast4: a.numberLast4, nickname: a.nickname, isPaper: a.isPaper, lastSyncedAt: a.lastSyncedAt, balancesAt: a.balancesAt })),
    balancesSource: bal.source,
    netLiquidation: bal.equity && money(bal.equity),
    cash: bal.cash && money(bal.cash),
    buyingPower: bal.buyingPower && money(bal.buyingPower),
    positionsValue: bal.positionsValue && money(bal.positionsValue),
    investedPct: bal.equity && bal.positionsValue ? ratio(bal.positionsValue, bal.equity) : null,
    dayPnl: dayPnl && money(dayPnl),
    dayPnlPct,
    positionCount,
    lastSyncedAt,
    freshness: freshness(lastSyncedAt, now, opts.syncIntervalSeconds, accounts.length > 0),
    engine: readEngine(state.get('engine.state'), state.get('engine.mode')),
    sparkline: combineIntraday(todaySnaps, accounts.length).map((p) => ({ at: p.at, equity: money(p.equity) })),
  };
}

// ───────────────────────────── positions ─────────────────────────────

/** `strategy.targets` as { SYMBOL: percent }; anything else is ignored (no targets). */
export function readTargets(value: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100) out.set(k.toUpperCase(), v / 100);
  }
  return out;
}

export async function positions(sql: SqlConnection, opts: { accountHash?: string; now?: Date } = {}): Promise<DashboardPositions> {
  const all = await readAccounts(sql);
  const accounts = opts.accountHash !== undefined ? all.filter((a) => a.accountHash === opts.accountHash) : all.some((a) => !a.isPaper) ? all.filter((a) => !a.isPaper) : all;
  const hashes = accounts.map((a) => a.accountHash);
  const [rows, targetValue, bal] = await Promise.all([
    readOpenPositions(sql, hashes),
    readConfigValue(sql, 'strategy.targets'),
    combineBalances(accounts, (a) => balancesOf(a, (h) => readLatestSnapshot(sql, h))),
  ]);
  const targets = readTargets(targetValue);
  const enriched = rows.map((p) => {
    const quantity = dec(p.quantity);
    const marketValue = dec(p.marketValue);
    const costBasis = quantity.times(dec(p.averagePrice));
    return { p, quantity, marketValue, costBasis, openPnl: marketValue.minus(costBasis) };
  });
  const positionsTotal = sum(enriched.map((e) => e.marketValue));
  const useNetLiq = bal.equity !== null && bal.equity.gt(0);
  const base = useNetLiq ? bal.equity! : positionsTotal;
  // Weights and percentages are plain numbers in the contract: one float division each, not a
  // 20-digit Decimal division converted to a number (the same value to within a few ulps).
  const baseNumber = base.toNumber();
  const weightOf = (v: Decimal) => (base.isZero() ? null : v.toNumber() / baseNumber);

  const slices = (key: (e: (typeof enriched)[number]) => string, extra: [string, Decimal][] = []) => {
    const m = new Map<string, Decimal>();
    for (const e of enriched) m.set(key(e), (m.get(key(e)) ?? new Decimal(0)).plus(e.marketValue));
    for (const [k, v] of extra) m.set(k, (m.get(k) ?? new Decimal(0)).plus(v));
    return [...m].sort((a, b) => b[1].cmp(a[1])).map(([k, v]) => ({ key: k, marketValue: money(v), weight: weightOf(v) }));
  };
  const dayPnls = enriched.map((e) => e.p.dayPnl);
  return {
    asOf: opts.now ?? new Date(),
    positions: enriched
      // Floats order all but near-equal values; those fall back to the exact comparison.
      .map((e) => ({ ...e, size: Math.abs(e.marketValue.toNumber()) }))
      .sort((a, b) => b.size - a.size || b.marketValue.abs().cmp(a.marketValue.abs()))
      .map(({ p, quantity, marketValue, costBasis, openPnl }) => {
        const weight = weightOf(marketValue);
        const target = targets.get(p.symbol.toUpperCase()) ?? null;
        return {
          accountHash: p.accountHash,
          symbol: p.symbol,
          assetType: p.assetType,
          isPaper: p.isPaper,
          quantity: plainDecimal(p.quantity),
          averagePrice: plainDecimal(p.averagePrice),
          lastPrice: quantity.isZero() ? null : money(marketValue.div(quantity).toDecimalPlaces(8)),
          marketValue: plainDecimal(p.marketValue),
          costBasis: money(costBasis),
          dayPnl: p.dayPnl === null ? null : plainDecimal(p.dayPnl),
          openPnl: money(openPnl),
          openPnlPct: costBasis.isZero() ? null : openPnl.toNumber() / Math.abs(costBasis.toNumber()),
          weight,
          targetWeight: target,
          drift: target !== null && weight !== null ? weight - target : null,
          updatedAt: p.updatedAt,
        };
      }),
    totals: {
      marketValue: money(positionsTotal),
      costBasis: money(sum(enriched.map((e) => e.costBasis))),
      openPnl: money(sum(enriched.map((e) => e.openPnl))),
      dayPnl: dayPnls.some((d) => d === null) ? null : money(sum(dayPnls.map((d) => dec(d!)))),
    },
    weightBasis: useNetLiq ? 'netLiquidation' : 'positions',
    weightBase: money(base),
    targetsConfigured: targets.size > 0,
    allocation: {
      bySymbol: slices((e) => e.p.symbol),
      byAssetType: slices((e) => e.p.assetType, useNetLiq && bal.cash !== null ? [['CASH', bal.cash]] : []),
    },
  };
}

// ───────────────────────────── trades ─────────────────────────────

/** A trade as the contract shows it; only the notional is computed (Decimal, as every product). */
export function tradeRow(t: LiveTradeRow): TradeRow {
  return {
    id: t.id,
    accountHash: t.accountHash,
    executedAt: t.executedAt,
    symbol: t.symbol,
    side: t.side,
    quantity: plainDecimal(t.quantity),
    price: plainDecimal(t.price),
    notional: money(new Decimal(t.quantity).times(t.price)),
    fees: plainDecimal(t.fees),
    realizedPnl: t.realizedPnl === null ? null : plainDecimal(t.realizedPnl),
    strategy: t.strategy,
    orderId: t.orderId,
    status: t.status,
    mode: t.isPaper ? 'paper' : 'live',
  };
}

/** One page, newest first; the cursor is the keyset of the previous page's last row. */
export async function trades(sql: SqlConnection, input: TradeFilters & { cursor?: string | undefined; limit: number }): Promise<DashboardTrades> {
  let after: TradeCursor | undefined;
  if (input.cursor !== undefined) {
    const c = decodeCursor(input.cursor);
    if (!c) throw new InvalidCursorError();
    after = c;
  }
  const rows = await readTrades(sql, input, input.limit + 1, after);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { items: page.map(tradeRow), nextCursor: rows.length > input.limit && last ? encodeCursor({ executedAt: last.executedAt, id: BigInt(last.id) }) : null };
}

export const CSV_COLUMNS = ['executed_at_utc', 'date_new_york', 'account', 'symbol', 'side', 'quantity', 'price', 'notional', 'fees', 'realized_pnl', 'strategy', 'order_id', 'status', 'mode'];

/** The whole filtered set (newest first, at most EXPORT_MAX_ROWS) as CSV, safe to open in a spreadsheet. */
export async function exportTrades(sql: SqlConnection, input: TradeFilters, now = new Date()) {
  const rows = await readTrades(sql, input, EXPORT_MAX_ROWS + 1);
  const kept = rows.slice(0, EXPORT_MAX_ROWS).map(tradeRow);
  let csv = csvRow(CSV_COLUMNS);
  for (const t of kept) {
    csv += csvRow([
      t.executedAt.toISOString(),
      newYorkDate(t.executedAt),
      t.accountHash,
      t.symbol,
      t.side,
      num(t.quantity),
      num(t.price),
      num(t.notional),
      num(t.fees),
      num(t.realizedPnl),
      t.strategy,
      t.orderId,
      t.status,
      t.mode,
    ]);
  }
  return {
    filename: `trades-${newYorkDate(now)}.csv`,
    contentType: 'text/csv' as const,
    rowCount: kept.length,
    truncated: rows.length > EXPORT_MAX_ROWS,
    csv,
  };
}

// ───────────────────────────── performance ─────────────────────────────

interface Point {
  label: string;
  date: string;
  at: Date;
  equity: Decimal;
  flow: Decimal;
  base: boolean;
}

/** Daily bars may be stamped at UTC midnight or at a New York time; both mean that New York date. */
function barDate(ts: Date): string {
  return ts.getUTCHours() === 0 && ts.getUTCMinutes() === 0 && ts.getUTCSeconds() === 0 ? ts.toISOString().slice(0, 10) : newYorkDate(ts);
}

/** Looks back this far before a range for the base point its first return starts from. */
const BASE_LOOKBACK_DAYS = 14;

/**
 * The series, gaps, benchmark and metrics for a range. Daily points are each New York
 * day's last snapshot per account, summed over the accounts (a day some account did not
 * report is a gap, not a guess). The point before the range is the base, so MTD's first
 * return is the 1st's own move.
 */
export async function performance(
  prisma: PrismaClient,
  input: { spec: RangeSpec; benchmark?: 'SPY' | 'QQQ' | undefined; riskFreeRate?: number | undefined },
  now = new Date(),
): Promise<DashboardPerformance> {
  let range: ResolvedRange;
  try {
    range = resolveRange(input.spec, now);
  } catch (err) {
    // The contract's schema refuses these first; this keeps the service safe on its own.
    if (err instanceof RangeError) throw new InvalidRangeError(err.message);
    throw err;
  }
  const accounts = await scopeAccounts(prisma);
  const hashes = accounts.map((a) => a.accountHash);
  const intraday = range.kind === 'today';
  const windowStart = range.from ? newYorkMidnight(shiftDate(range.fromDate!, -BASE_LOOKBACK_DAYS)) : new Date(0);
  const accountFilter = hashes.length ? Prisma.sql`account_hash IN (${Prisma.join(hashes)})` : Prisma.sql`FALSE`;

  // The last snapshot of each (account, New York day): one row per day even for years of data.
  const daily = await prisma.$queryRaw<{ account_hash: string; day: string; taken_at: Date; equity: string }[]>`
    SELECT DISTINCT ON (account_hash, day) account_hash, day, taken_at, equity::text AS equity
      FROM (SELECT account_hash, to_char(taken_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD') AS day, taken_at, equity, id
              FROM performance_snapshots
             WHERE ${accountFilter} AND taken_at >= ${windowStart} AND taken_at < ${range.to}) s
     ORDER BY account_hash, day, taken_at DESC, id DESC`;

  // Days on which every account that had started reporting did report.
  const firstDay = new Map<string, string>();
  const byDay = new Map<string, { at: Date; equity: Decimal; accounts: Set<string> }>();
  for (const r of daily) {
    if (!firstDay.has(r.account_hash) || r.day < firstDay.get(r.account_hash)!) firstDay.set(r.account_hash, r.day);
    const d = byDay.get(r.day) ?? { at: r.taken_at, equity: new Decimal(0), accounts: new Set<string>() };
    d.equity = d.equity.plus(r.equity);
    d.accounts.add(r.account_hash);
    if (r.taken_at > d.at) d.at = r.taken_at;
    byDay.set(r.day, d);
  }
  const partial = new Set<string>();
  const complete: { date: string; at: Date; equity: Decimal }[] = [];
  for (const day of [...byDay.keys()].sort()) {
    const d = byDay.get(day)!;
    const expected = [...firstDay].filter(([, first]) => first <= day).length;
    if (d.accounts.size < expected) partial.add(day);
    else complete.push({ date: day, at: d.at, equity: d.equity });
  }

  const inRange = (date: string) => range.fromDate === null || date >= range.fromDate;
  const before = complete.filter((p) => !inRange(p.date));
  const base = before[before.length - 1];
  const points: Point[] = [...(base ? [{ ...base, base: true }] : []), ...complete.filter((p) => inRange(p.date)).map((p) => ({ ...p, base: false }))].map((p) => ({
    label: p.date,
    date: p.date,
    at: p.at,
    equity: p.equity,
    flow: new Decimal(0),
    base: p.base,
  }));

  let intradayPoints: Point[] = [];
  if (intraday) {
    const snaps = await prisma.performanceSnapshot.findMany({ where: { accountHash: { in: hashes }, takenAt: { gte: range.from!, lt: range.to } }, orderBy: [{ takenAt: 'asc' }, { id: 'asc' }] });
    intradayPoints = combineIntraday(snaps, new Set(snaps.map((s) => s.accountHash)).size).map((p) => ({
      label: p.at.toISOString(),
      date: newYorkDate(p.at),
      at: p.at,
      equity: p.equity,
      flow: new Decimal(0),
      base: false,
    }));
  }

  // External flows: each belongs to the first point at or after it (it is in that equity).
  const flowStart = points[0]?.at ?? windowStart;
  const flows = await prisma.cashFlow.findMany({ where: { accountHash: { in: hashes }, occurredAt: { gt: flowStart, lt: range.to } }, orderBy: { occurredAt: 'asc' } });
  const assign = (series: Point[]) => {
    const seriesStart = series[0]?.at;
    for (const f of flows) {
      if (!seriesStart || f.occurredAt <= seriesStart) continue;
      const p = series.find((x) => x.at >= f.occurredAt);
      if (p) p.flow = p.flow.plus(dec(f.amount));
    }
  };
  assign(points);
  // The flows the returns were measured net of (one on a gap day before the range's first point counts).
  const netFlows = sum(points.filter((p) => !p.base).map((p) => p.flow));

  const toEquity = (ps: Point[]): EquityPoint[] => ps.map((p) => ({ date: p.label, equity: p.equity.toFixed(), flow: p.flow.toFixed() }));

  // Benchmark closes over the same days, and the trading calendar they imply.
  const benchSymbol = input.benchmark ?? 'SPY';
  const firstDate = points[0]?.date ?? range.fromDate;
  const bars = await prisma.marketData.findMany({
    where: { symbol: benchSymbol, timeframe: '1d', ts: { gte: firstDate ? newYorkMidnight(shiftDate(firstDate, -1)) : new Date(0), lt: newYorkMidnight(shiftDate(range.toDate, 1)) } },
    orderBy: { ts: 'asc' },
  });
  const closes: Close[] = bars.map((b) => ({ date: barDate(b.ts), close: b.close.toString() })).filter((c) => firstDate === null || c.date >= firstDate);

  // Gaps: weekdays between the first and last point with no complete equity. Where benchmark
  // bars cover the dates, a weekday without a bar is a market holiday, not a gap.
  const gaps: DashboardPerformance['gaps'] = [];
  // Days the snapshot job could not fill, with why (recorded by snapshots/service.ts).
  const recorded = intraday ? new Map<string, RecordedGap>() : await recordedGaps(prisma, range.fromDate, range.toDate);
  const have = new Set(points.map((p) => p.date));
  for (const d of [...recorded.keys()]) if (have.has(d)) recorded.delete(d); // filled since
  if (!intraday && points.length >= 2) {
    const barDays = new Set(closes.map((c) => c.date));
    const barsFrom = closes[0]?.date;
    const barsTo = closes[closes.length - 1]?.date;
    let open: (typeof gaps)[number] | null = null;
    for (let d = shiftDate(points[0]!.date, 1); d < points[points.length - 1]!.date; d = shiftDate(d, 1)) {
      // The calendar's trading days; a day inside the benchmark's bars without a bar is a closure it does not know.
      const noBar = barsFrom !== undefined && d >= barsFrom && d <= barsTo! && !barDays.has(d);
      const tradingDay = isTradingDay(d) && !noBar;
      const missing = tradingDay && !have.has(d);
      const why = recorded.get(d);
      recorded.delete(d);
      const reason = why ? 'unfilled' : partial.has(d) ? 'partial_accounts' : 'no_snapshot';
      if (missing && open && open.reason === reason && open.detail === why?.detail) open.to = d;
      else if (missing) gaps.push((open = { from: d, to: d, reason, ...(why ? { detail: why.detail } : {}) }));
      else if (tradingDay) open = null;
    }
  }
  // Recorded days outside the span between the first and last point (e.g. the latest days).
  for (const [d, why] of recorded) gaps.push({ from: d, to: d, reason: 'unfilled', detail: why.detail });
  gaps.sort((a, b) => a.from.localeCompare(b.from));

  const equity = toEquity(points);
  const metrics = computeMetrics(equity, { riskFree: input.riskFreeRate ?? 0, benchmark: closes });
  const displayed = intraday && base ? [points.find((p) => p.base)!, ...intradayPoints] : intraday ? intradayPoints : points;
  if (intraday) assign(displayed);
  const index = wealthIndex(toEquity(displayed));
  const first = points[0];

  // Trades and P&L in the same scope (real or paper money) as the equity.
  const isPaper = accounts.length > 0 && accounts.every((a) => a.isPaper);
  const tradeScope: Prisma.LiveTradeWhereInput = { isPaper, executedAt: { ...(range.from ? { gte: range.from } : {}), lt: range.to } };
  const [closed, openPositions] = await Promise.all([
    prisma.liveTrade.findMany({ where: { ...tradeScope, realizedPnl: { not: null } }, select: { realizedPnl: true } }),
    prisma.position.findMany({ where: { accountHash: { in: hashes } }, select: { quantity: true, averagePrice: true, marketValue: true } }),
  ]);
  const wr = winRate(closed.map((t) => ({ realizedPnl: t.realizedPnl === null ? null : t.realizedPnl.toString() })));
  const pnl = pnlSplit(
    closed.map((t) => t.realizedPnl?.toString() ?? null),
    openPositions.map((p) => dec(p.marketValue).minus(dec(p.quantity).times(dec(p.averagePrice))).toFixed()),
  );

  return {
    range: { kind: range.kind, fromDate: range.fromDate, toDate: range.toDate, from: range.from, to: range.to },
    granularity: intraday ? 'intraday' : 'daily',
    series: displayed.map((p, i) => ({ date: p.date, at: p.at, equity: money(p.equity), flow: money(p.flow), cumulativeReturn: index[i]!.index - 1, base: p.base })),
    gaps,
    benchmark:
      input.benchmark && first
        ? {
            symbol: input.benchmark,
            series: rebase(closes, first.equity.toFixed()).map((r, i) => ({ date: r.date, close: money(new Decimal(closes[i]!.close)), value: r.value, ret: r.ret })),
          }
        : null,
    drawdown: drawdownSeries(index).map((d, i) => ({ date: displayed[i]!.date, at: displayed[i]!.at, drawdown: d.drawdown })),
    monthlyReturns: monthlyReturns(periodReturns(equity)).map((m) => ({ year: m.year, month: m.month, ret: m.ret })),
    metrics: {
      ...metrics,
      winRate: wr.winRate,
      closedTrades: wr.closed,
      winningTrades: wr.wins,
      losingTrades: wr.losses,
      realizedPnl: pnl.realized,
      unrealizedPnl: pnl.unrealized,
      startEquity: first ? money(first.equity) : null,
      endEquity: points.length ? money(points[points.length - 1]!.equity) : null,
      netFlows: money(netFlows),
    },
  };
}
