// Engine through nginx against the fake Schwab server over https: a trader starts the engine,
// pauses entries and resumes, each with a reason; a viewer sees every control disabled with
// the reason written out; an admin with a passkey connects Schwab, goes live through the
// ceremony (a wrong last 4 first, refused in words), runs now and watches the fills arrive on
// the Trades page of a second tab without a reload, then goes back to paper in one click; a
// trader previews and places a paper order on the ticket and finds it on Trades; a price move
// at the broker reaches the Positions page of two open tabs without a reload. Each screen
// is also checked at 390 px wide (no sideways page scroll).
// The stack runs with NODE_ENV=test and ENGINE_MARKET_ALWAYS_OPEN=true (refused in
// production) so the run's market-hours guard passes at any hour; on a throw-away PostgreSQL
// database so the CLI can add the trader and the viewer beside the server.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '../fixtures.ts';
import { createDatabase, createUser, type SeedDatabase } from '../dashboard-seed.ts';
import { startFakeSchwab, type FakeSchwabProcess } from '../fake-schwab.ts';
import { freePort, startStack, type Stack } from '../stack.ts';
import { makeLocalCertificate } from '../tls.ts';

const ADMIN = 'owner';
const TRADER = 'eng-trader';
const VIEWER = 'eng-viewer';
const PASSWORD = 'lantern orbit cactus meadow';

test.use({ ignoreHTTPSErrors: true }); // the fake's consent page uses the throwaway certificate


const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main navigation' });
const accountMenu = (page: Page, username: string) => page.getByRole('button', { name: `Account menu for ${username}` });

async function signIn(page: Page, baseURL: string, username: string): Promise<void> {
  await page.goto(`${baseURL}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(accountMenu(page, username)).toBeVisible({ timeout: 30_000 });
}

async function openEngine(page: Page): Promise<void> {
  await mainNav(page).getByRole('link', { name: 'Engine', exact: true }).click();
  await expect(page).toHaveURL(/\/engine$/);
  // The first load of a lazily loaded page on a busy machine can be slow.
  await expect(page.getByTestId('engine-state')).toBeVisible({ timeout: 30_000 });
}

/** Runs a control through its confirmation dialog, with a reason. */
async function control(page: Page, testId: string, dialogTitle: string, confirm: string, reason: string): Promise<void> {
  await page.getByTestId(testId).getByRole('button').click();
  const dialog = page.getByRole('dialog', { name: dialogTitle });
  await expect(dialog).toBeVisible();
  // The reason is required: the confirm button stays disabled without one.
  await expect(dialog.getByRole('button', { name: confirm, exact: true })).toBeDisabled();
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await expect(dialog).toBeHidden();
}

/** At 390 px the page never scrolls sideways (wide tables scroll inside their own box). */
async function checkNarrow(page: Page): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { timeout: 10_000 })
    .toBeLessThanOrEqual(0);
  if (size) await page.setViewportSize(size);
}

test.describe('engine', () => {
  test.describe.configure({ mode: 'serial', timeout: 180_000 });
  let db: SeedDatabase;
  let stack: Stack;
  let fake: FakeSchwabProcess;
  let callbackOrigin: string;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    const cert = makeLocalCertificate();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-engine-e2e-'));
    const keyFile = path.join(dir, 'key.pem');
    fs.writeFileSync(keyFile, cert.key, { mode: 0o600 });
    // Nothing listens here: the browser's redirect fails, and the person pastes the address.
    callbackOrigin = `https://localhost:${await freePort()}`;
    fake = await startFakeSchwab(`${callbackOrigin}/schwab/callback`, { keyFile, certFile: cert.certFile });
    db = createDatabase();
    const env = { DATABASE_URL: db.url, SECRET_KEY: randomBytes(48).toString('base64'), ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString('base64')}` };
    stack = await startStack({
      ...env,
      NODE_ENV: 'test',
      ENGINE_MARKET_ALWAYS_OPEN: 'true',
      ADMIN_USERNAME: ADMIN,
      ADMIN_PASSWORD: PASSWORD,
      SCHWAB_CLIENT_ID: 'e2e-client',
      SCHWAB_CLIENT_SECRET: 'e2e-client-secret',
      SCHWAB_BASE_URL: fake.url,
      SCHWAB_CALLBACK_URL: `${callbackOrigin}/schwab/callback`,
      NODE_EXTRA_CA_CERTS: cert.certFile,
    });
    await createUser({ ...env, PUBLIC_URL: stack.baseURL }, 'trader', TRADER, PASSWORD);
    await createUser({ ...env, PUBLIC_URL: stack.baseURL }, 'viewer', VIEWER, PASSWORD);
  });
  test.afterAll(async () => {
    await stack?.stop();
    await fake?.stop();
    db?.drop();
  });

  test('a trader starts the engine, pauses entries and resumes, each with a reason', async ({ page }) => {
    await signIn(page, stack.baseURL, TRADER);
    await openEngine(page);
    const state = page.getByTestId('engine-state');
    await expect(state).toHaveAttribute('data-state', 'stopped');
    await expect(page.getByTestId('engine-mode')).toHaveAttribute('data-mode', 'paper');
    // A trader may not pull the kill switch or change the mode: said in words, not only a tooltip.
    await expect(page.getByTestId('control-halt-reason')).toHaveText('Only an admin may do this.');
    await expect(page.getByTestId('control-live-reason')).toHaveText('Only an admin may change the mode.');
    await expect(page.getByTestId('control-pause_entries-reason')).toHaveText('Not available while stopped.');

    await control(page, 'control-start', 'Start the engine?', 'Start', 'Morning start for the e2e proof');
    await expect(state).toHaveAttribute('data-state', 'running');
    await expect(page.getByTestId('engine-since')).toContainText(`by ${TRADER}`);
    await expect(page.getByTestId('engine-since')).toContainText('Morning start for the e2e proof');

    await control(page, 'control-pause_entries', 'Pause new entries?', 'Pause entries', 'Waiting for the CPI print');
    await expect(state).toHaveAttribute('data-state', 'paused_entries');
    await expect(page.getByTestId('control-start-reason')).toHaveText('Not available while paused entries.');

    await control(page, 'control-resume', 'Resume the engine?', 'Resume', 'CPI is out, carry on');
    await expect(state).toHaveAttribute('data-state', 'running');

    const rows = page.getByTestId('engine-transition');
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(0)).toContainText('Entries paused → Running');
    await expect(rows.nth(0)).toContainText('CPI is out, carry on');
    await expect(rows.nth(1)).toContainText('Waiting for the CPI print');
    await expect(rows.nth(2)).toContainText('Stopped → Running');
    await expect(rows.nth(2)).toContainText(TRADER);
    await checkNarrow(page);
  });

  test('a viewer sees every engine control disabled, with the reason', async ({ page }) => {
    await signIn(page, stack.baseURL, VIEWER);
    await openEngine(page);
    await expect(page.getByTestId('engine-state')).toHaveAttribute('data-state', 'running');
    for (const id of ['control-start', 'control-pause_entries', 'control-resume', 'control-stop', 'control-halt', 'control-live', 'control-preview', 'control-run-now']) {
      const c = page.getByTestId(id);
      await expect(c.getByRole('button')).toBeDisabled();
      await expect(page.getByTestId(`${id}-reason`)).not.toBeEmpty();
    }
    await expect(page.getByTestId('control-pause_entries-reason')).toHaveText('Only a trader or an admin may do this.');
    await expect(page.getByTestId('control-halt-reason')).toHaveText('Only an admin may do this.');
    await expect(page.getByTestId('control-run-now-reason')).toHaveText('Only a trader or an admin may preview or run the strategy.');
    await checkNarrow(page);

    await mainNav(page).getByRole('link', { name: 'Orders', exact: true }).click();
    await expect(page.getByTestId('ticket-refusal')).toContainText('Only a trader or an admin may place or cancel orders');
    await expect(page.getByLabel('Symbol')).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Preview' })).toBeDisabled();
    await checkNarrow(page);
  });

  test('an admin with a passkey goes live through the ceremony, runs now and watches the fills arrive on Trades', async ({ page }) => {
    test.setTimeout(240_000);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await signIn(page, stack.baseURL, ADMIN);

    // Going live without a second factor is refused in words.
    await openEngine(page);
    await page.getByTestId('control-live').getByRole('button').click();
    let ceremony = page.getByRole('dialog', { name: 'Switch to live trading?' });
    await expect(ceremony.getByTestId('live-account')).toHaveText('No Schwab account is connected.');
    await ceremony.getByLabel('Last 4 digits of that account').fill('1234');
    await ceremony.getByLabel('Reason').fill('Too early: no second factor yet');
    await ceremony.getByRole('button', { name: 'Switch to live' }).click();
    await expect(ceremony.getByTestId('live-refusal')).toContainText('two-factor sign-in or a passkey');
    await ceremony.getByRole('button', { name: 'Cancel' }).click();

    // A passkey (the sign-in is recent: no confirmation asked).
    await accountMenu(page, ADMIN).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const section = page.getByTestId('passkeys-section');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await section.getByLabel('Passkey name').fill('Desk key');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(section.getByRole('status')).toContainText('added');

    // Connect Schwab through the fake's consent page and the pasted callback address, then sync.
    await mainNav(page).getByRole('link', { name: 'Schwab' }).click();
    await page.route(`${callbackOrigin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'unreachable callback host' }));
    const redirect = page.waitForRequest((r) => r.url().startsWith(`${callbackOrigin}/schwab/callback?`));
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Fake Schwab' })).toBeVisible();
    await page.getByRole('button', { name: 'Allow' }).click();
    const callbackUrl = (await redirect).url();
    await expect(page.getByText('unreachable callback host')).toBeVisible();
    await page.goto(`${stack.baseURL}/admin/schwab`);
    await page.getByLabel("Address after Schwab's login").fill(callbackUrl);
    await page.getByRole('button', { name: 'Finish connecting' }).click();
    await expect(page.getByTestId('schwab-state')).toHaveAttribute('data-state', 'connected');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Synced 2 account(s)' })).toBeVisible({ timeout: 30_000 });

    // The ceremony: the masked account, a wrong last 4 refused in words, then the right one.
    await openEngine(page);
    await expect(page.getByTestId('engine-state')).toHaveAttribute('data-state', 'running');
    await page.getByTestId('control-live').getByRole('button').click();
    ceremony = page.getByRole('dialog', { name: 'Switch to live trading?' });
    const account = ceremony.getByTestId('live-account');
    await expect(account).toHaveText(/^Account …\d{4}$/);
    const last4 = ((await account.textContent()) ?? '').slice(-4);
    const wrong = last4 === '0000' ? '1111' : '0000';
    await ceremony.getByLabel('Last 4 digits of that account').fill(wrong);
    await ceremony.getByLabel('Reason').fill('Going live after the paper month');
    await ceremony.getByRole('button', { name: 'Switch to live' }).click();
    await expect(ceremony.getByTestId('live-refusal')).toHaveText('Those are not the last 4 digits of the connected account. Nothing was changed.');
    await expect(page.getByTestId('engine-mode')).toHaveAttribute('data-mode', 'paper');
    await ceremony.getByLabel('Last 4 digits of that account').fill(last4);
    await ceremony.getByRole('button', { name: 'Switch to live' }).click();
    await expect(ceremony).toBeHidden();
    await expect(page.getByTestId('engine-mode')).toHaveAttribute('data-mode', 'live');
    await expect(page.getByTestId('engine-transition').first()).toContainText('Mode → LIVE');

    // Trades in a second tab of the same session, open before the run.
    const trades = await page.context().newPage();
    await trades.goto(`${stack.baseURL}/trades`);
    await expect(trades.getByTestId('trades-count').or(trades.getByTestId('trades-empty')).first()).toBeVisible({ timeout: 30_000 });
    const before = await trades.getByTestId('trade-row').count();

    // Preview first (nothing placed), then run now in live mode.
    await page.getByTestId('control-preview').getByRole('button').click();
    const preview = page.getByTestId('run-preview');
    await expect(preview).toBeVisible({ timeout: 30_000 });
    await expect(preview.getByTestId('run-summary')).toContainText('Nothing was placed');
    await page.getByTestId('control-run-now').getByRole('button').click();
    const confirmRun = page.getByRole('dialog', { name: 'Run the strategy now?' });
    await expect(confirmRun).toContainText('LIVE');
    await confirmRun.getByRole('button', { name: 'Run now' }).click();
    const run = page.getByTestId('engine-run').first();
    await expect(run).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
    await expect(run.getByTestId('run-intent').filter({ hasText: 'filled' }).first()).toBeVisible({ timeout: 60_000 });

    // The fills arrive on the other tab by themselves.
    await expect.poll(() => trades.getByTestId('trade-row').count(), { timeout: 60_000 }).toBeGreaterThan(before);
    await expect(trades.getByTestId('trade-row').filter({ hasText: 'SPY' }).first()).toBeVisible();
    await checkNarrow(trades);
    await trades.close();
    await checkNarrow(page);
    await page.screenshot({ path: 'test-results/engine-live-run.png', fullPage: true, animations: 'disabled' });

    // Back to paper: one click.
    await page.getByTestId('control-paper').getByRole('button').click();
    await expect(page.getByTestId('engine-mode')).toHaveAttribute('data-mode', 'paper');

    // A price move at the broker reaches Positions in two open tabs, without a reload.
    const tabs = [await page.context().newPage(), await page.context().newPage()];
    for (const tab of tabs) {
      await tab.goto(`${stack.baseURL}/positions`);
      await expect(tab.getByTestId('position-row').filter({ hasText: 'AAPL' })).toBeVisible({ timeout: 30_000 });
    }
    const moved = await page.context().request.post(`${fake.url}/__admin/price`, { data: { symbol: 'AAPL', price: '777.77' } });
    expect(moved.ok()).toBe(true);
    await mainNav(page).getByRole('link', { name: 'Schwab' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Synced 2 account(s)' })).toBeVisible({ timeout: 30_000 });
    for (const tab of tabs) {
      await expect(tab.getByTestId('position-row').filter({ hasText: 'AAPL' }).first()).toContainText('$777.77', { timeout: 30_000 });
      await tab.close();
    }
  });

  test('a trader previews and places a paper order on the ticket and finds it on Trades', async ({ page }) => {
    await signIn(page, stack.baseURL, TRADER);
    await mainNav(page).getByRole('link', { name: 'Orders', exact: true }).click();
    await expect(page).toHaveURL(/\/engine\/orders$/);
    await expect(page.getByTestId('ticket-mode')).toHaveAttribute('data-mode', 'paper', { timeout: 30_000 });

    // Problems are shown beside the fields; nothing is sent.
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByText('Enter a symbol, e.g. SPY.')).toBeVisible();

    await page.getByLabel('Symbol').fill('aapl');
    await page.getByLabel('Quantity (shares)').fill('3');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('order-preview');
    await expect(preview).toBeVisible({ timeout: 30_000 });
    await expect(preview.getByTestId('preview-cost')).toContainText('Estimated cost: $');
    await expect(preview.getByTestId('preview-buying-power')).toContainText('→');
    await checkNarrow(page);
    await page.screenshot({ path: 'test-results/order-ticket-preview.png', fullPage: true, animations: 'disabled' });

    const placeButton = page.getByTestId('place-order');
    await expect(placeButton).toHaveText('Place PAPER order');
    // A double click places one order: the ticket's key is the same for both.
    await placeButton.dblclick();
    await expect(page.getByTestId('ticket-message')).toContainText('PAPER order BUY 3 AAPL: filled', { timeout: 30_000 });

    await mainNav(page).getByRole('link', { name: 'Trades', exact: true }).click();
    const rows = page.getByTestId('trade-row').filter({ hasText: 'AAPL' });
    await expect(rows.filter({ hasText: /paper/i })).toHaveCount(1, { timeout: 30_000 });
  });
});
