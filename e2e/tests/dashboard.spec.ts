// The dashboard seen by a viewer: lands on Overview after signing in with the seeded figures,
// Trades filters kept in the URL and a CSV export of exactly the rows shown, Performance
// ranges with a drawn chart, and no sideways scrolling of the page on a 390 px phone.
// Runs on a throw-away PostgreSQL database seeded by dashboard-seed.ts.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '../fixtures.ts';
import { createDatabase, createUser, SEED, seedDashboard, type SeedDatabase } from '../dashboard-seed.ts';
import { startStack, type Stack } from '../stack.ts';

const VIEWER = 'dash-viewer';
const PASSWORD = 'lantern orbit cactus meadow';

test.describe('dashboard', () => {
  test.describe.configure({ mode: 'serial' });
  let db: SeedDatabase;
  let stack: Stack;
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    db = createDatabase();
    // Shared with the CLI so both processes read the same keys.
    const env = { DATABASE_URL: db.url, SECRET_KEY: randomBytes(48).toString('base64'), ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString('base64')}` };
    stack = await startStack({ ...env, ADMIN_USERNAME: 'owner', ADMIN_PASSWORD: 'quiet harbour violin ember drift' });
    await createUser({ ...env, PUBLIC_URL: stack.baseURL }, 'viewer', VIEWER, PASSWORD);
    seedDashboard(db.url);
    page = await (await browser.newContext()).newPage();
  });
  test.afterAll(async () => {
    await page?.context().close();
    await stack?.stop();
    db?.drop();
  });

  test('a viewer signs in and lands on Overview with the seeded figures', async () => {
    await page.goto(`${stack.baseURL}/`);
    await expect(page).toHaveURL(/\/login$/);
    await page.getByLabel('Username').fill(VIEWER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).toHaveURL(/\/overview$/);
    await expect(page.getByTestId('figure-net-liquidation')).toHaveText(SEED.netLiquidation);
    await expect(page.getByTestId('figure-cash')).toHaveText(SEED.cash);
    await expect(page.getByTestId('figure-buying-power')).toHaveText(SEED.buyingPower);
    await expect(page.getByTestId('figure-positions')).toHaveText(String(SEED.positions));
    await expect(page.getByTestId('figure-day-pnl')).toContainText(SEED.dayPnl);
    await expect(page.getByTestId('figure-engine')).toContainText('running');
    await expect(page.getByTestId('freshness')).toContainText(/Updated (just now|\d+ (s|min) ago)/);
    // The sparkline is a labelled figure with a canvas inside.
    await expect(page.getByTestId('overview-sparkline')).toHaveAttribute('aria-label', /Equity today/);
    await expect(page.getByTestId('overview-sparkline').locator('canvas').first()).toBeVisible();
    // Dashboard entries first in the navigation, no admin group for a viewer.
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    for (const name of ['Overview', 'Positions', 'Trades', 'Performance']) await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Overview', exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(nav.getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
    await page.screenshot({ path: 'test-results/dashboard-overview.png', fullPage: true });
  });

  test('positions are listed and sort by a clicked header', async () => {
    await page.goto(`${stack.baseURL}/positions`);
    const rows = page.getByTestId('position-row');
    await expect(rows).toHaveCount(SEED.positions);
    await expect(rows.first()).toContainText('SPY'); // default: biggest market value first
    await page.getByRole('button', { name: 'Sort by Symbol' }).click(); // Z→A first
    await expect(rows.first()).toContainText('SPY');
    await page.getByRole('button', { name: 'Sort by Symbol' }).click();
    await expect(rows.first()).toContainText('AAPL');
    await expect(page.getByTestId('allocation-symbol')).toContainText('SPY');
  });

  test('trades filters are kept in the URL and the CSV export matches the rows shown', async () => {
    await page.goto(`${stack.baseURL}/trades`);
    await expect(page.getByTestId('trade-row')).toHaveCount(SEED.trades);
    await page.getByLabel('Symbol').fill('spy');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/\/trades\?symbol=SPY$/);
    await expect(page.getByTestId('trade-row')).toHaveCount(SEED.spyTrades);
    // A reload (or a shared link) shows the same filtered view.
    await page.reload();
    await expect(page.getByLabel('Symbol')).toHaveValue('SPY');
    await expect(page.getByTestId('trade-row')).toHaveCount(SEED.spyTrades);
    const shown = await page.getByTestId('trade-row').count();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(csv.length - 1).toBe(shown); // header + one line a row
    for (const line of csv.slice(1)) expect(line).toContain('SPY');
    await expect(page.getByTestId('export-result')).toContainText(`Exported ${shown} trades`);
    // The export went out as a POST body, never as a URL with a token.
    expect(download.url()).toMatch(/^blob:/);
  });

  test('performance switches ranges and draws the charts', async () => {
    await page.goto(`${stack.baseURL}/performance`);
    await expect(page.getByTestId('equity-chart').locator('canvas').first()).toBeVisible();
    await page.getByRole('combobox', { name: 'Range', exact: true }).click();
    await page.getByRole('option', { name: 'Max', exact: true }).click();
    await expect(page).toHaveURL(/range=max/);
    await expect(page.getByTestId('performance-range')).not.toContainText('updating');
    const canvas = page.getByTestId('equity-chart').locator('canvas').first();
    await expect(canvas).toBeVisible();
    const box = await canvas.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.height).toBeGreaterThan(100);
    await expect(page.getByTestId('equity-chart')).toHaveAttribute('aria-label', /time-weighted return/);
    await expect(page.getByTestId('metric-twr')).toHaveText(/^[+\u2212]?\d/);
    await expect(page.getByTestId('monthly-heatmap')).toBeVisible();
    await page.screenshot({ path: 'test-results/dashboard-performance.png', fullPage: true });
  });

  test('at 390 px wide no page scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/overview', '/positions', '/trades', '/performance']) {
      await page.goto(`${stack.baseURL}${path}`);
      await expect(page.getByRole('heading', { level: 2 })).toBeVisible();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/dashboard-390${path.replace('/', '-')}.png`, fullPage: true });
    }
  });
});
