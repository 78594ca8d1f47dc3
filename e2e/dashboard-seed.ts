// Seed data for the dashboard spec. There is no Schwab sync yet, so the figures are written
// straight into the tables the sync will own. The dashboard stack runs on a throw-away
// PostgreSQL database (E2E_POSTGRES_URL, default the local server) rather than the embedded
// one, so this script can write while the API runs: psql for the rows, the API's own CLI
// (`users create`) for the viewer, so the password is hashed exactly as in production.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordSecret } from './leaks/ledger.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_URL = process.env.E2E_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function psql(url: string, sql: string): string {
  const res = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-f', '-'], { input: sql, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`psql failed: ${res.stderr}`);
  return res.stdout;
}

export interface SeedDatabase {
  url: string;
  drop(): void;
}

/** A fresh, empty database on the local PostgreSQL server. */
export function createDatabase(): SeedDatabase {
  const name = `jutsu_e2e_dash_${randomBytes(6).toString('hex')}`;
  psql(SERVER_URL, `CREATE DATABASE ${name};`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => psql(SERVER_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE);`),
  };
}

/** Creates an account through the API's CLI (the database must already be migrated). */
export async function createUser(env: Record<string, string>, role: 'viewer' | 'trader' | 'admin', username: string, password: string): Promise<void> {
  recordSecret('password', password);
  const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js'), 'users', 'create', '--role', role], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(`${username}\n${password}\n${password}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`users create failed (${code}):\n${out}`);
}

/** What the seed puts in, for the spec's assertions. */
export const SEED = {
  netLiquidation: '$100,000.00',
  cash: '$25,000.00',
  buyingPower: '$50,000.00',
  positions: 2,
  /** Balances 100,000 against yesterday's last snapshot of 99,000. */
  dayPnl: '+$1,000.00',
  spyTrades: 3,
  trades: 7,
};

/** Accounts, balances, positions, 7 trades and 90 days of equity snapshots ending now. */
export function seedDashboard(url: string): void {
  psql(
    url,
    `
BEGIN;
INSERT INTO brokerage_accounts (id, account_hash, number_last4, nickname, is_paper, last_synced_at, liquidation_value, cash, buying_power, long_market_value, balances_at)
VALUES (gen_random_uuid(), 'E2EHASH1', '1234', 'Main', false, now(), 100000, 25000, 50000, 75000, now());

INSERT INTO positions (id, account_hash, symbol, quantity, average_price, market_value, unrealized_pnl, asset_type, is_paper, updated_at, day_pnl) VALUES
  (gen_random_uuid(), 'E2EHASH1', 'SPY', 100, 400, 50000, 10000, 'ETF', false, now(), 250),
  (gen_random_uuid(), 'E2EHASH1', 'AAPL', 125, 180, 25000, 2500, 'EQUITY', false, now(), -100);

INSERT INTO live_trades (account_hash, symbol, side, quantity, price, fees, strategy, order_id, status, is_paper, realized_pnl, executed_at) VALUES
  ('E2EHASH1', 'SPY', 'BUY', 60, 390, 0, 'momentum', 'e2e-1', 'filled', false, NULL, now() - interval '40 days'),
  ('E2EHASH1', 'AAPL', 'BUY', 125, 180, 1, 'momentum', 'e2e-2', 'filled', false, NULL, now() - interval '30 days'),
  ('E2EHASH1', 'SPY', 'BUY', 60, 410, 0, 'momentum', 'e2e-3', 'filled', false, NULL, now() - interval '20 days'),
  ('E2EHASH1', 'TLT', 'BUY', 50, 95, 0, 'rebalance', 'e2e-4', 'filled', false, NULL, now() - interval '15 days'),
  ('E2EHASH1', 'TLT', 'SELL', 50, 97.5, 0, 'rebalance', 'e2e-5', 'filled', false, 125, now() - interval '10 days'),
  ('E2EHASH1', 'SPY', 'SELL', 20, 495.25, 0.5, 'rebalance', 'e2e-6', 'filled', false, 1805, now() - interval '5 days'),
  (NULL, 'QQQ', 'BUY', 3, 450, 0, 'paper-test', 'e2e-7', 'cancelled', true, NULL, now() - interval '2 days');

-- One end-of-day snapshot a day for 90 days (a gentle climb to 99,000 at yesterday's close,
-- a minute before midnight in New York), and a few intraday ones today, between New York's
-- midnight and now, for the sparkline: the figures hold at any time of day.
CREATE TEMP TABLE ny AS SELECT (date_trunc('day', now() AT TIME ZONE 'America/New_York') AT TIME ZONE 'America/New_York') AS midnight;
INSERT INTO performance_snapshots (account_hash, taken_at, equity, cash, positions_value, is_paper)
SELECT 'E2EHASH1', ny.midnight - interval '1 minute' - ((d - 1) || ' days')::interval, 99000 - (d - 1) * 100 + (d % 7) * 150, 25000, 74000 - (d - 1) * 100 + (d % 7) * 150, false
FROM generate_series(1, 90) AS d, ny;
UPDATE performance_snapshots SET equity = 99000, positions_value = 74000 WHERE taken_at = (SELECT midnight FROM ny) - interval '1 minute';
INSERT INTO performance_snapshots (account_hash, taken_at, equity, cash, positions_value, is_paper)
SELECT 'E2EHASH1', ny.midnight + (now() - ny.midnight) * (m / 6.0), 100000 - (6 - m) * 2, 25000, 75000 - (6 - m) * 2, false
FROM generate_series(1, 5) AS m, ny;

INSERT INTO system_state (key, value, updated_at) VALUES ('engine.state', '"running"', now());
COMMIT;
`,
  );
}
