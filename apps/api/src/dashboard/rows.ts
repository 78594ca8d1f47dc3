// The rows the positions and trades reads need, read with one plain SQL statement each
// through the raw driver: these two reads are the dashboard's hottest, and Prisma's
// per-row mapping and Decimal objects cost more than the query itself. Money columns come
// back as text (exact), ids as text; timestamps as Date (pg and PGlite both parse them).
import { newYorkMidnight, shiftDate, type DashboardExportTradesInput } from '@jutsu/shared';
import type { SqlConnection } from '@jutsu/db';
import type { TradeCursor } from './cursor.ts';

export interface AccountRow {
  accountHash: string;
  isPaper: boolean;
  balancesAt: Date | null;
  liquidationValue: string | null;
  cash: string | null;
  buyingPower: string | null;
  longMarketValue: string | null;
}

export interface PositionRow {
  accountHash: string;
  symbol: string;
  assetType: string;
  isPaper: boolean;
  quantity: string;
  averagePrice: string;
  marketValue: string;
  dayPnl: string | null;
  updatedAt: Date;
}

export interface LiveTradeRow {
  id: string;
  accountHash: string | null;
  executedAt: Date;
  symbol: string;
  side: string;
  quantity: string;
  price: string;
  fees: string;
  realizedPnl: string | null;
  strategy: string | null;
  orderId: string | null;
  status: string;
  isPaper: boolean;
}

/** Every brokerage account, oldest first (the order the Prisma reads use). */
export function readAccounts(sql: SqlConnection): Promise<AccountRow[]> {
  return sql.query<AccountRow>(
    `SELECT account_hash AS "accountHash", is_paper AS "isPaper", balances_at AS "balancesAt",
            liquidation_value::text AS "liquidationValue", cash::text AS cash,
            buying_power::text AS "buyingPower", long_market_value::text AS "longMarketValue"
       FROM brokerage_accounts ORDER BY created_at ASC, id ASC`,
  );
}

/** An account's latest snapshot (the balances when the sync has none yet). */
export async function readLatestSnapshot(sql: SqlConnection, accountHash: string): Promise<{ equity: string; cash: string; positionsValue: string } | null> {
  const rows = await sql.query<{ equity: string; cash: string; positionsValue: string }>(
    `SELECT equity::text AS equity, cash::text AS cash, positions_value::text AS "positionsValue"
       FROM performance_snapshots WHERE account_hash = $1 ORDER BY taken_at DESC, id DESC LIMIT 1`,
    [accountHash],
  );
  return rows[0] ?? null;
}

/** The open (non-zero) positions of these accounts, by symbol then account. */
export function readOpenPositions(sql: SqlConnection, accountHashes: readonly string[]): Promise<PositionRow[]> {
  if (accountHashes.length === 0) return Promise.resolve([]);
  return sql.query<PositionRow>(
    `SELECT account_hash AS "accountHash", symbol, asset_type AS "assetType", is_paper AS "isPaper",
            quantity::text AS quantity, average_price::text AS "averagePrice", market_value::text AS "marketValue",
            day_pnl::text AS "dayPnl", updated_at AS "updatedAt"
       FROM positions WHERE account_hash = ANY($1::text[]) AND quantity <> 0
      ORDER BY symbol ASC, account_hash ASC`,
    [[...accountHashes]],
  );
}

/** A config override's JSON value, or undefined when none is set. */
export async function readConfigValue(sql: SqlConnection, key: string): Promise<unknown> {
  const rows = await sql.query<{ value: unknown }>('SELECT value FROM config_overrides WHERE key = $1', [key]);
  return rows[0]?.value;
}

export type TradeFilters = DashboardExportTradesInput;

/**
 * The WHERE clause of the trade filters (all bound parameters): side and status match
 * their given, upper and lower case spellings, as the stored values vary.
 */
export function tradeFilterSql(f: TradeFilters, after?: TradeCursor): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const conds: string[] = [];
  const bind = (v: unknown) => `$${params.push(v)}`;
  const variants = (s: string) => [...new Set([s, s.toUpperCase(), s.toLowerCase()])];
  if (f.symbol) conds.push(`symbol = ${bind(f.symbol.toUpperCase())}`);
  if (f.side) conds.push(`side = ANY(${bind(variants(f.side))}::text[])`);
  if (f.status) conds.push(`status = ANY(${bind(variants(f.status))}::text[])`);
  if (f.mode) conds.push(`is_paper = ${bind(f.mode === 'paper')}`);
  if (f.from) conds.push(`executed_at >= ${bind(newYorkMidnight(f.from))}`);
  if (f.to) conds.push(`executed_at < ${bind(newYorkMidnight(shiftDate(f.to, 1)))}`);
  if (after) {
    const at = bind(after.executedAt);
    conds.push(`(executed_at < ${at} OR (executed_at = ${at} AND id < ${bind(after.id.toString())}::bigint))`);
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/** At most `take` trades matching the filters (and after the cursor), newest first. */
export function readTrades(sql: SqlConnection, f: TradeFilters, take: number, after?: TradeCursor): Promise<LiveTradeRow[]> {
  const { where, params } = tradeFilterSql(f, after);
  params.push(take);
  return sql.query<LiveTradeRow>(
    `SELECT id::text AS id, account_hash AS "accountHash", executed_at AS "executedAt", symbol, side,
            quantity::text AS quantity, price::text AS price, fees::text AS fees, realized_pnl::text AS "realizedPnl",
            strategy, order_id AS "orderId", status, is_paper AS "isPaper"
       FROM live_trades ${where}
      ORDER BY executed_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
}
