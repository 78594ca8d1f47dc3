// Admin → Schwab as the owner uses it, against the fake Schwab server over https (the API runs
// in production mode, which reaches Schwab over https only, trusting a throwaway certificate).
// The admin adds a passkey (connecting needs a second factor), connects by clicking through
// the fake's consent page, finishes with the pasted address (the registered https callback
// host does not exist here: exactly the case the paste fallback is for), sees the masked
// accounts, syncs, and disconnects. A viewer never sees the screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '../fixtures.ts';
import { startFakeSchwab, type FakeSchwabProcess } from '../fake-schwab.ts';
import { freePort, startStack, type Stack } from '../stack.ts';
import { makeLocalCertificate } from '../tls.ts';

const ADMIN = 'owner';
const VIEWER = 'watcher';
const PASSWORD = 'lantern orbit cactus meadow';

test.use({ ignoreHTTPSErrors: true }); // the fake's consent page uses the throwaway certificate


const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main navigation' });
const accountMenu = (page: Page, username: string) => page.getByRole('button', { name: `Account menu for ${username}` });

async function signIn(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(accountMenu(page, username)).toBeVisible();
}

test.describe('Admin → Schwab', () => {
  let stack: Stack;
  let fake: FakeSchwabProcess;
  let callbackOrigin: string;

  test.beforeAll(async () => {
    const cert = makeLocalCertificate();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-schwab-e2e-'));
    const keyFile = path.join(dir, 'key.pem');
    fs.writeFileSync(keyFile, cert.key, { mode: 0o600 });
    // Nothing listens here: the browser's redirect fails, and the person pastes the address.
    callbackOrigin = `https://localhost:${await freePort()}`;
    fake = await startFakeSchwab(`${callbackOrigin}/schwab/callback`, { keyFile, certFile: cert.certFile });
    stack = await startStack({
      ADMIN_USERNAME: ADMIN,
      ADMIN_PASSWORD: PASSWORD,
      SCHWAB_CLIENT_ID: 'e2e-client',
      SCHWAB_CLIENT_SECRET: 'e2e-client-secret',
      SCHWAB_BASE_URL: fake.url,
      SCHWAB_CALLBACK_URL: `${callbackOrigin}/schwab/callback`,
      NODE_EXTRA_CA_CERTS: cert.certFile,
    });
  });
  test.afterAll(async () => {
    await stack?.stop();
    await fake?.stop();
  });

  test('an admin with a passkey connects through Schwab, sees masked accounts, syncs and disconnects', async ({ page }) => {
    test.setTimeout(120_000);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.goto(`${stack.baseURL}/login`);
    await signIn(page, ADMIN);

    // Without a second factor the server refuses to start a login.
    await mainNav(page).getByRole('link', { name: 'Schwab' }).click();
    await expect(page).toHaveURL(/\/admin\/schwab$/);
    await expect(page.getByTestId('schwab-state')).toHaveAttribute('data-state', 'disconnected');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('Set up two-factor sign-in or a passkey');

    // Add a passkey (the sign-in is recent: no confirmation asked).
    await accountMenu(page, ADMIN).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const section = page.getByTestId('passkeys-section');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await section.getByLabel('Passkey name').fill('Desk key');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(section.getByRole('status')).toContainText('added');

    // Connect: Schwab's (fake) consent page, Allow, and the redirect to the callback address.
    await mainNav(page).getByRole('link', { name: 'Schwab' }).click();
    // The callback host does not exist: answer it with a plain page so the navigation ends
    // (an unanswered one lands on chrome-error later and can cut the next goto short).
    await page.route(`${callbackOrigin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'unreachable callback host' }));
    const redirect = page.waitForRequest((r) => r.url().startsWith(`${callbackOrigin}/schwab/callback?`));
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Fake Schwab' })).toBeVisible();
    await page.getByRole('button', { name: 'Allow' }).click();
    const callbackUrl = (await redirect).url();
    expect(callbackUrl).toMatch(/code=[^&]+%40/);

    // The callback host is unreachable: back to the app, and paste the address.
    await expect(page.getByText('unreachable callback host')).toBeVisible();
    await page.goto(`${stack.baseURL}/admin/schwab`);
    await page.getByLabel("Address after Schwab's login").fill(callbackUrl);
    await page.getByRole('button', { name: 'Finish connecting' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Schwab is connected.' })).toBeVisible();
    await expect(page.getByTestId('schwab-state')).toHaveAttribute('data-state', 'connected');
    await expect(page.getByTestId('countdown-login-ends')).toContainText(/in 6d 23h|in 7d/);

    // The same address again is refused: the state was single-use.
    await page.getByLabel("Address after Schwab's login").fill(callbackUrl);
    await page.getByRole('button', { name: 'Finish connecting' }).click();
    await expect(page.getByRole('alert')).toContainText('not valid any more');

    // Sync: masked accounts, never a full number.
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Synced 2 account(s)' })).toBeVisible();
    const accounts = page.getByTestId('schwab-account');
    await expect(accounts).toHaveCount(2);
    await expect(accounts.filter({ hasText: '…4321' })).toHaveCount(1);
    await expect(accounts.filter({ hasText: '…8765' })).toHaveCount(1);
    await expect(page.locator('body')).not.toContainText('10004321');
    await expect(page.getByTestId('schwab-last-sync')).not.toContainText('never');
    await page.screenshot({ path: 'test-results/schwab-connected.png', fullPage: true, animations: 'disabled' });

    // Disconnect, with confirmation.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Schwab?' });
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Schwab is disconnected.' })).toBeVisible();
    await expect(page.getByTestId('schwab-state')).toHaveAttribute('data-state', 'disconnected');
  });

  test('a viewer never sees the Schwab screen', async ({ page, browser }) => {
    await page.goto(`${stack.baseURL}/login`);
    await signIn(page, ADMIN);
    await mainNav(page).getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const created = page.getByTestId('new-invitation');
    await expect(created).toContainText('you will not see it again');
    const link = await created.getByLabel('Invitation link').inputValue();

    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    await viewer.goto(link);
    await viewer.getByLabel('Username').fill(VIEWER);
    await viewer.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await viewer.getByLabel('Confirm password').fill(PASSWORD);
    await viewer.getByRole('button', { name: 'Accept invitation' }).click();
    await expect(viewer.getByTestId('invitation-accepted')).toContainText(`Welcome, ${VIEWER}`);
    await viewer.getByRole('link', { name: 'Not now' }).click();
    await expect(viewer).toHaveURL(/\/overview$/);
    await expect(accountMenu(viewer, VIEWER)).toBeVisible();
    await expect(mainNav(viewer).getByRole('link', { name: 'Schwab' })).toHaveCount(0);
    await viewer.goto(`${stack.baseURL}/admin/schwab`);
    await expect(viewer.getByTestId('not-allowed')).toBeVisible();
    await expect(viewer.getByTestId('schwab-state')).toHaveCount(0);
    await viewerContext.close();
  });
});
