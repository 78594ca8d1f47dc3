// What `jutsu demo` puts into a fresh embedded database before the server listens: an admin
// with a random password, a Schwab connection made through the real login flow against the
// simulated broker (its consent page answered here), a first sync, and a year of history
// derived from the broker's own daily bars, so every figure on screen agrees with the broker.
import { randomBytes, randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { newYorkDate, sessionClose } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { completeLogin, initiateLogin } from '../schwab/connection.ts';
import { runSync, type SyncDeps } from '../schwab/sync.ts';

export const DEMO_USERNAME = 'demo';
const HISTORY_DAYS = 366;
const DAY_MS = 86_400_000;

export class DemoSeedError extends Error {}

/** Presses "Allow" on the simulated broker's consent page and answers the redirect it sends. */
async function consent(baseUrl: string, authorizeUrl: string): Promise<string> {
  const page = await fetch(authorizeUrl);
  await page.text();
  if (page.status !== 200) throw new DemoSeedError(`the simulated broker's consent page answered ${page.status}`);
  const q = new URL(authorizeUrl).searchParams;
  const form = new URLSearchParams();
  for (const k of ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']) form.set(k, q.get(k) ?? '');
  form.set('decision', 'allow');
  const res = await fetch(`${baseUrl}/v1/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new DemoSeedError(`the simulated broker's consent answered ${res.status}`);
  return location;
}


export interface DemoSeedResult {
  username: string;
  password: string;
  accounts: number;
  snapshots: number;
  trades: number;
}

/**
 * Seeds an empty database. Refuses one that already has accounts: the demo never writes
 * generated history beside real data.
 */
export async function seedDemo(deps: SyncDeps): Promise<DemoSeedResult> {
  const { prisma } = deps;
  if (!deps.oauth) throw new DemoSeedError('the simulated broker is not configured (SCHWAB_CLIENT_ID/SECRET/BASE_URL)');
  if ((await prisma.user.count()) > 0 || (await prisma.brokerageAccount.count()) > 0) throw new DemoSeedError('the demo only seeds an empty database');
  const now = deps.now?.() ?? new Date();

  const password = randomBytes(15).toString('base64url');
  const admin = await createAccount(prisma, { username: DEMO_USERNAME, password, role: 'admin' });
  await deps.events.record({ type: 'user.created', severity: 'warning', userId: admin.id, username: admin.username, details: { role: 'admin', via: 'demo' } });

  // The login as an admin would make it: hashed state, PKCE, tokens stored encrypted.
  const who = { userId: admin.id, sessionId: randomUUID() };
  const { authorizeUrl } = await initiateLogin(deps, who);
  await completeLogin(deps, who, { url: await consent(deps.oauth.baseUrl, authorizeUrl) });
  const sync = await runSync(deps, { kind: 'system', name: 'system:schwab.sync' });
  if (!sync.ok) throw new DemoSeedError(`the first sync failed: ${sync.error}`);

  const accounts = await prisma.brokerageAccount.findMany({ orderBy: { createdAt: 'asc' } });
  const held = await prisma.position.findMany({ where: { accountHash: { in: accounts.map((a) => a.accountHash) } } });
  const symbols = [...new Set([...held.map((p) => p.symbol), 'SPY'])].sort();
  const start = new Date(now.getTime() - HISTORY_DAYS * DAY_MS);
  const closes = new Map<string, Map<string, string>>();
  await deps.broker.withClient(async (client) => {
    for (const symbol of symbols) {
      const history = await client.priceHistory(symbol, { start, end: now });
      closes.set(symbol, new Map(history.candles.map((c) => [newYorkDate(new Date(c.datetime)), c.close])));
    }
  }, deps.client);

  // Trading dates: those with a SPY bar, from a year ago up to yesterday (today belongs to the live snapshots).
  const today = newYorkDate(now);
  const firstDate = newYorkDate(new Date(now.getTime() - 365 * DAY_MS));
  const dates = [...closes.get('SPY')!.keys()].filter((d) => d >= firstDate && d < today).sort();

  const snapshots: { accountHash: string; takenAt: Date; equity: string; cash: string; positionsValue: string; dayPnl: string; totalPnl: string; isPaper: boolean }[] = [];
  const trades: { accountHash: string; symbol: string; side: string; quantity: string; price: string; strategy: string; orderId: string; status: string; isPaper: boolean; realizedPnl: string | null; executedAt: Date }[] = [];
  for (const account of accounts) {
    const positions = held.filter((p) => p.accountHash === account.accountHash);
    const cash = new Decimal(account.cash?.toString() ?? '0');
    let first: Decimal | null = null;
    let previous: Decimal | null = null;
    for (const date of dates) {
      let value = new Decimal(0);
      let complete = true;
      for (const p of positions) {
        const close = closes.get(p.symbol)?.get(date);
        if (close === undefined) complete = false;
        else value = value.plus(new Decimal(p.quantity.toString()).times(close));
      }
      if (!complete) continue; // no bar, no figure: a gap, never a guess
      const equity = cash.plus(value);
      first ??= equity;
      snapshots.push({
        accountHash: account.accountHash,
        takenAt: sessionClose(date),
        equity: equity.toFixed(),
        cash: cash.toFixed(),
        positionsValue: value.toFixed(),
        dayPnl: previous ? equity.minus(previous).toFixed() : '0',
        totalPnl: equity.minus(first).toFixed(),
        isPaper: account.isPaper,
      });
      previous = equity;
    }
    // The buys behind today's holdings, on the first day of the history, at that day's close.
    for (const p of positions) {
      const price = closes.get(p.symbol)?.get(dates[0]!);
      if (price === undefined) continue;
      trades.push({ accountHash: account.accountHash, symbol: p.symbol, side: 'BUY', quantity: p.quantity.toString(), price, strategy: 'rebalance', orderId: `demo-${account.numberLast4}-open-${p.symbol}`, status: 'filled', isPaper: account.isPaper, realizedPnl: null, executedAt: new Date(sessionClose(dates[0]!).getTime() - 5 * 60_000) });
    }
  }

  // Closed round trips in SPY on the first account (a win rate and realized P&L to show).
  const spy = closes.get('SPY')!;
  const main = accounts[0];
  if (main) {
    for (let i = 10, n = 0; i + 5 < dates.length; i += 23, n++) {
      const buy = spy.get(dates[i]!)!;
      const sell = spy.get(dates[i + 5]!)!;
      const quantity = 10;
      const base = { accountHash: main.accountHash, symbol: 'SPY', quantity: String(quantity), strategy: 'momentum', status: 'filled', isPaper: main.isPaper };
      trades.push({ ...base, side: 'BUY', price: buy, orderId: `demo-${main.numberLast4}-${n}-buy`, realizedPnl: null, executedAt: new Date(sessionClose(dates[i]!).getTime() - 30 * 60_000) });
      trades.push({ ...base, side: 'SELL', price: sell, orderId: `demo-${main.numberLast4}-${n}-sell`, realizedPnl: new Decimal(sell).minus(buy).times(quantity).toFixed(), executedAt: new Date(sessionClose(dates[i + 5]!).getTime() - 30 * 60_000) });
    }
  }

  await prisma.$transaction([prisma.performanceSnapshot.createMany({ data: snapshots, skipDuplicates: true }), prisma.liveTrade.createMany({ data: trades, skipDuplicates: true })]);
  return { username: admin.username, password, accounts: accounts.length, snapshots: snapshots.length, trades: trades.length };
}

