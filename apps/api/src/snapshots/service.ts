// Performance snapshots: one per account per trading day at the close, intraday points every
// five minutes of the session, and a backfill of missed trading days from Schwab's
// transactions and daily bars. A day that cannot be filled is recorded with its reason
// (`system_state` key `snapshots.gap.<date>`), so the performance screen shows it as a gap
// with why — never a silent hole. Writes are `INSERT … ON CONFLICT` on (account, taken_at):
// a second run, or two replicas at once, leave one row.
import Decimal from 'decimal.js';
import { Prisma, type PrismaClient } from '@jutsu/db';
import { isMarketOpen, isTradingDay, newYorkDate, newYorkMidnight, previousTradingDay, sessionClose, sessionOpen, shiftDate, tradingDaysBetween, type IsoDate } from '@jutsu/shared';
import type { Logger } from '../logger.ts';
import type { Actor } from '../security/actor.ts';
import { isSchwabError } from '../schwab/errors.ts';
import type { SyncDeps } from '../schwab/sync.ts';
import { SchwabConnectionError } from '../schwab/token-broker.ts';

export const GAP_KEY_PREFIX = 'snapshots.gap.';
export const BACKFILL_MAX_DAYS = 400;
const DAY_MS = 86_400_000;
/** Balances older than this are not an intraday point. */
const INTRADAY_MAX_AGE_MS = 10 * 60_000;
/** Schwab's transaction history answers at most a year per request. */
const TRANSACTION_CHUNK_DAYS = 360;

export type GapReason = 'schwab_unavailable' | 'not_connected' | 'no_price' | 'stale_balances';
export interface RecordedGap {
  date: IsoDate;
  reason: GapReason;
  /** One short sentence for the screen, made here from fixed text (never broker text). */
  detail: string;
  recordedAt: string;
  actor: string;
}

export interface SnapshotDeps {
  prisma: PrismaClient;
  /** The Schwab client (token broker) for the backfill; absent or unconfigured: nothing can be fetched. */
  schwab?: Pick<SyncDeps, 'broker' | 'client' | 'oauth'> | undefined;
  /** `snapshot.appended` on the live bus; best effort. */
  publish?: (e: { snapshotId: string; at: Date }) => Promise<void> | void;
  logger: Logger;
  now?: () => Date;
}

const actorName = (a: Actor) => (a.kind === 'system' ? `system:${a.job}` : a.kind === 'user' ? `user:${a.userId}` : 'anonymous');
const now = (deps: SnapshotDeps) => deps.now?.() ?? new Date();

interface Row {
  accountHash: string;
  takenAt: Date;
  equity: Decimal;
  cash: Decimal;
  positionsValue: Decimal;
  isPaper: boolean;
}

/** Writes rows; `overwrite` for the close (the freshest balances win), not for backfill or intraday. Answers the ids written. */
async function writeRows(prisma: PrismaClient, rows: Row[], overwrite: boolean): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    // Day P&L against the account's last snapshot of an earlier New York day; total against its first.
    const [prev] = await prisma.$queryRaw<{ equity: string }[]>`
      SELECT equity::text AS equity FROM performance_snapshots
       WHERE account_hash = ${r.accountHash} AND taken_at < ${nyMidnightOf(r.takenAt)} ORDER BY taken_at DESC LIMIT 1`;
    const [first] = await prisma.$queryRaw<{ equity: string }[]>`
      SELECT equity::text AS equity FROM performance_snapshots WHERE account_hash = ${r.accountHash} AND taken_at < ${r.takenAt} ORDER BY taken_at ASC LIMIT 1`;
    const dayPnl = prev ? r.equity.minus(prev.equity) : new Decimal(0);
    const totalPnl = first ? r.equity.minus(first.equity) : new Decimal(0);
    const values = Prisma.sql`(${r.accountHash}, ${r.takenAt}, ${r.equity.toFixed()}::numeric, ${r.cash.toFixed()}::numeric, ${r.positionsValue.toFixed()}::numeric, ${dayPnl.toFixed()}::numeric, ${totalPnl.toFixed()}::numeric, ${r.isPaper})`;
    const conflict = overwrite
      ? Prisma.sql`DO UPDATE SET equity = EXCLUDED.equity, cash = EXCLUDED.cash, positions_value = EXCLUDED.positions_value, day_pnl = EXCLUDED.day_pnl, total_pnl = EXCLUDED.total_pnl
          WHERE (performance_snapshots.equity, performance_snapshots.cash, performance_snapshots.positions_value) IS DISTINCT FROM (EXCLUDED.equity, EXCLUDED.cash, EXCLUDED.positions_value)`
      : Prisma.sql`DO NOTHING`;
    const res = await prisma.$queryRaw<{ id: bigint }[]>`
      INSERT INTO performance_snapshots (account_hash, taken_at, equity, cash, positions_value, day_pnl, total_pnl, is_paper)
      VALUES ${values} ON CONFLICT (account_hash, taken_at) ${conflict} RETURNING id`;
    for (const x of res) ids.push(x.id.toString());
  }
  return ids;
}

const nyMidnightOf = (at: Date) => newYorkMidnight(newYorkDate(at));

async function announce(deps: SnapshotDeps, ids: string[], at: Date): Promise<void> {
  const last = ids.at(-1);
  if (!last || !deps.publish) return;
  try {
    await deps.publish({ snapshotId: last, at });
  } catch (err) {
    deps.logger.warn({ err }, 'could not publish a live event');
  }
}

export async function recordGap(deps: Pick<SnapshotDeps, 'prisma' | 'now'>, actor: Actor, gap: { date: IsoDate; reason: GapReason; detail: string }): Promise<void> {
  const value: RecordedGap = { ...gap, recordedAt: (deps.now?.() ?? new Date()).toISOString(), actor: actorName(actor) };
  const key = `${GAP_KEY_PREFIX}${gap.date}`;
  await deps.prisma.systemState.upsert({ where: { key }, create: { key, value: { ...value } }, update: { value: { ...value }, updatedAt: new Date() } });
}

async function clearGap(prisma: PrismaClient, date: IsoDate): Promise<void> {
  await prisma.systemState.deleteMany({ where: { key: `${GAP_KEY_PREFIX}${date}` } });
}

/** Recorded gaps between two dates (inclusive), by date. */
export async function recordedGaps(prisma: PrismaClient, from: IsoDate | null, to: IsoDate): Promise<Map<IsoDate, RecordedGap>> {
  const rows = await prisma.systemState.findMany({
    where: { key: { gte: `${GAP_KEY_PREFIX}${from ?? '0000-00-00'}`, lte: `${GAP_KEY_PREFIX}${to}` } },
    orderBy: { key: 'asc' },
  });
  return new Map(rows.filter((r) => r.key.startsWith(GAP_KEY_PREFIX)).map((r) => [r.key.slice(GAP_KEY_PREFIX.length), r.value as unknown as RecordedGap]));
}

export type EodResult = { ok: true; date: IsoDate; written: number; accounts: number } | { ok: false; date: IsoDate; reason: 'not_trading_day' | 'stale_balances' | 'no_accounts' };

/**
 * The close of `date` for every account, from the balances the sync last wrote, stamped at
 * the session's close (16:00, 13:00 on a half day). Balances not read on that New York day
 * are not that day's close: the day is recorded as a gap instead.
 */
export async function takeEndOfDaySnapshot(deps: SnapshotDeps, actor: Actor, input: { date: IsoDate }): Promise<EodResult> {
  const { date } = input;
  if (!isTradingDay(date)) return { ok: false, date, reason: 'not_trading_day' };
  const accounts = await deps.prisma.brokerageAccount.findMany({ orderBy: { accountHash: 'asc' } });
  if (accounts.length === 0) return { ok: false, date, reason: 'no_accounts' };
  const takenAt = sessionClose(date);
  const fresh = accounts.filter((a) => a.liquidationValue !== null && a.cash !== null && a.balancesAt !== null && newYorkDate(a.balancesAt) === date && a.balancesAt >= sessionOpen(date));
  if (fresh.length < accounts.length) {
    await recordGap(deps, actor, { date, reason: 'stale_balances', detail: 'balances were not read from Schwab that day' });
    if (fresh.length === 0) return { ok: false, date, reason: 'stale_balances' };
  }
  const rows = fresh.map((a) => {
    const equity = new Decimal(a.liquidationValue!.toString());
    const cash = new Decimal(a.cash!.toString());
    return { accountHash: a.accountHash, takenAt, equity, cash, positionsValue: a.longMarketValue ? new Decimal(a.longMarketValue.toString()) : equity.minus(cash), isPaper: a.isPaper };
  });
  const ids = await writeRows(deps.prisma, rows, true);
  if (fresh.length === accounts.length) await clearGap(deps.prisma, date);
  await announce(deps, ids, takenAt);
  return { ok: true, date, written: ids.length, accounts: fresh.length };
}

/** A point of the Today chart: every account's current balances, while the session is open. */
export async function takeIntradayPoint(deps: SnapshotDeps, _actor: Actor): Promise<{ written: number }> {
  const at = now(deps);
  if (!isMarketOpen(at)) return { written: 0 };
  const takenAt = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  const accounts = await deps.prisma.brokerageAccount.findMany({ where: { balancesAt: { gte: new Date(at.getTime() - INTRADAY_MAX_AGE_MS) } } });
  const rows = accounts
    .filter((a) => a.liquidationValue !== null && a.cash !== null)
    .map((a) => {
      const equity = new Decimal(a.liquidationValue!.toString());
      const cash = new Decimal(a.cash!.toString());
      return { accountHash: a.accountHash, takenAt, equity, cash, positionsValue: a.longMarketValue ? new Decimal(a.longMarketValue.toString()) : equity.minus(cash), isPaper: a.isPaper };
    });
  const ids = await writeRows(deps.prisma, rows, false);
  await announce(deps, ids, takenAt);
  return { written: ids.length };
}

export interface BackfillResult {
  filled: IsoDate[];
  gaps: { date: IsoDate; reason: GapReason }[];
}

/** Signed quantity of a trade's item: Schwab's sign when it gives one, else the direction of the cash (a buy costs). */
function quantityDelta(item: { amount: string; cost?: string | undefined }): Decimal {
  const amount = new Decimal(item.amount);
  if (amount.isNegative() || item.cost === undefined || new Decimal(item.cost).isZero()) return amount;
  return new Decimal(item.cost).isNegative() ? amount : amount.negated();
}

/**
 * Fills the trading days after each account's last snapshot (at most BACKFILL_MAX_DAYS back)
 * up to the last completed session. Holdings and cash on a past day are today's minus every
 * transaction since; each is valued at that day's close. What cannot be computed (Schwab
 * unreachable, a missing close) is recorded as a gap with its reason.
 */
export async function backfill(deps: SnapshotDeps, actor: Actor, opts: { maxDays?: number } = {}): Promise<BackfillResult> {
  const at = now(deps);
  const today = newYorkDate(at);
  const end = isTradingDay(today) && at.getTime() >= sessionClose(today).getTime() + 15 * 60_000 ? today : previousTradingDay(today);
  const floor = shiftDate(today, -(opts.maxDays ?? BACKFILL_MAX_DAYS));
  const result: BackfillResult = { filled: [], gaps: [] };
  // Without a Schwab configuration there is no source at all: the read shows such days as `no_snapshot`.
  if (!deps.schwab?.oauth) return result;
  const accounts = await deps.prisma.brokerageAccount.findMany({ orderBy: { accountHash: 'asc' } });
  const gapDays = new Map<IsoDate, { reason: GapReason; detail: string }>();
  const filledDays = new Set<IsoDate>();

  for (const account of accounts) {
    const last = await deps.prisma.performanceSnapshot.findFirst({ where: { accountHash: account.accountHash }, orderBy: { takenAt: 'desc' } });
    if (!last) continue; // a new account: its history starts with its first close
    const from = [shiftDate(newYorkDate(last.takenAt), 1), floor].sort()[1]!;
    const missing = tradingDaysBetween(from, end);
    if (missing.length === 0) continue;
    let computed: Map<IsoDate, Row | { gap: string }>;
    try {
      computed = await reconstruct(deps.schwab, account, missing, at);
    } catch (err) {
      if (err instanceof SchwabConnectionError) {
        for (const d of missing) gapDays.set(d, { reason: 'not_connected', detail: err.code === 'SCHWAB_REAUTH_REQUIRED' ? 'Schwab needed a new login' : 'Schwab was not connected' });
        continue;
      }
      const code = isSchwabError(err) ? err.code : 'UNEXPECTED_ERROR';
      deps.logger.warn({ err, code, days: missing.length }, 'snapshot backfill could not reach Schwab');
      for (const d of missing) gapDays.set(d, { reason: 'schwab_unavailable', detail: 'Schwab unavailable' });
      continue;
    }
    const rows: Row[] = [];
    for (const d of missing) {
      const c = computed.get(d)!;
      if ('gap' in c) gapDays.set(d, { reason: 'no_price', detail: c.gap });
      else {
        rows.push(c);
        filledDays.add(d);
      }
    }
    const ids = await writeRows(deps.prisma, rows, false);
    await announce(deps, ids, at);
  }
  for (const d of [...filledDays].sort()) {
    if (gapDays.has(d)) continue;
    await clearGap(deps.prisma, d);
    result.filled.push(d);
  }
  for (const [date, g] of [...gapDays].sort(([a], [b]) => a.localeCompare(b))) {
    await recordGap(deps, actor, { date, ...g });
    result.gaps.push({ date, reason: g.reason });
  }
  return result;
}

async function reconstruct(
  schwab: Pick<SyncDeps, 'broker' | 'client'>,
  account: { accountHash: string; cash: Prisma.Decimal | null; isPaper: boolean },
  days: IsoDate[],
  at: Date,
): Promise<Map<IsoDate, Row | { gap: string }>> {
  const positions = new Map<string, Decimal>();
  const held = await schwabPositions(schwab, account.accountHash);
  for (const [s, q] of held.positions) positions.set(s, q);
  const cashNow = held.cash ?? new Decimal(account.cash?.toString() ?? '0');
  const firstOpen = sessionOpen(days[0]!);
  const lastDay = days.at(-1)!;

  return schwab.broker.withClient(async (client) => {
    const txs: { time: Date; net: Decimal; items: { symbol: string; delta: Decimal }[] }[] = [];
    for (let start = firstOpen; start < at; start = new Date(start.getTime() + TRANSACTION_CHUNK_DAYS * DAY_MS)) {
      const chunkEnd = new Date(Math.min(at.getTime(), start.getTime() + TRANSACTION_CHUNK_DAYS * DAY_MS));
      const list = await client.transactions(account.accountHash, { start, end: chunkEnd, types: ['TRADE', 'RECEIVE_AND_DELIVER', 'DIVIDEND_OR_INTEREST', 'ACH_RECEIPT', 'ACH_DISBURSEMENT', 'CASH_RECEIPT', 'CASH_DISBURSEMENT', 'ELECTRONIC_FUND', 'WIRE_OUT', 'WIRE_IN', 'JOURNAL'] });
      for (const t of list) {
        txs.push({
          time: new Date(t.time),
          net: new Decimal(t.netAmount),
          items: t.transferItems.filter((i) => i.instrument.symbol && i.instrument.assetType !== 'CURRENCY').map((i) => ({ symbol: i.instrument.symbol!, delta: quantityDelta(i) })),
        });
      }
    }
    const symbols = new Set([...positions.keys(), ...txs.flatMap((t) => t.items.map((i) => i.symbol))]);
    const closes = new Map<string, Map<IsoDate, string>>();
    for (const symbol of symbols) {
      const h = await client.priceHistory(symbol, { start: new Date(firstOpen.getTime() - 7 * DAY_MS), end: new Date(sessionClose(lastDay).getTime() + DAY_MS) });
      closes.set(symbol, new Map(h.candles.map((c) => [newYorkDate(new Date(c.datetime)), c.close])));
    }
    const out = new Map<IsoDate, Row | { gap: string }>();
    for (const d of days) {
      const close = sessionClose(d);
      let cash = cashNow;
      const qty = new Map(positions);
      for (const t of txs) {
        if (t.time < close) continue;
        cash = cash.minus(t.net);
        for (const i of t.items) qty.set(i.symbol, (qty.get(i.symbol) ?? new Decimal(0)).minus(i.delta));
      }
      let value = new Decimal(0);
      let gap: string | null = null;
      for (const [symbol, q] of qty) {
        if (q.isZero()) continue;
        const c = closes.get(symbol)?.get(d);
        if (c === undefined) {
          gap = `no closing price for ${symbol}`;
          break;
        }
        value = value.plus(q.times(c));
      }
      out.set(d, gap ? { gap } : { accountHash: account.accountHash, takenAt: close, equity: cash.plus(value), cash, positionsValue: value, isPaper: account.isPaper });
    }
    return out;
  }, schwab.client);
}

/** Today's holdings and cash as Schwab reports them now (not as last synced: the reconstruction starts from the same instant as the transactions). */
async function schwabPositions(schwab: Pick<SyncDeps, 'broker' | 'client'>, hash: string): Promise<{ positions: Map<string, Decimal>; cash: Decimal | null }> {
  const account = await schwab.broker.withClient((c) => c.account(hash), schwab.client);
  const a = account.securitiesAccount;
  const positions = new Map<string, Decimal>();
  for (const p of a.positions ?? []) {
    const symbol = p.instrument.symbol;
    if (!symbol) continue;
    positions.set(symbol, new Decimal(p.longQuantity).minus(p.shortQuantity));
  }
  return { positions, cash: a.currentBalances.cashBalance !== undefined ? new Decimal(a.currentBalances.cashBalance) : null };
}
