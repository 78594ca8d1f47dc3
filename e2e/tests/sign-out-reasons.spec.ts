// Being signed out is always explained to the person it happens to. A viewer works in one
// browser while the session ends elsewhere: an admin signs them out, the password is changed
// in another browser, a copied refresh cookie is used after the original moved on, an admin
// disables the account. Each time the viewer's page, untouched, goes to the login page with a
// title naming the cause and a line saying what to do. Runs on a throw-away PostgreSQL
// database so the viewer's account can be made with the API's CLI beside the running server.
import { randomBytes } from 'node:crypto';
import { expect, test, type Browser, type BrowserContext, type Page } from '../fixtures.ts';
import { expectAxeClean } from '../axe.ts';
import { createDatabase, createUser, type SeedDatabase } from '../dashboard-seed.ts';
import { signIn } from '../people.ts';
import { startStack, type Stack } from '../stack.ts';

const ADMIN = 'chief';
const ADMIN_PASSWORD = 'lantern orbit cactus meadow';
const VIEWER = 'traveller';
const FIRST_PASSWORD = 'quiet harbour violin ember drift';
const NEW_PASSWORD = 'copper kettle autumn ribbon sway';
/** Where the viewer works; the login page keeps it as the place to return to. */
const WORKPLACE = '/settings/security';

interface Ending {
  title: string;
  message: string;
}

// Written out here rather than imported from the app: a change of wording is a change the
// person sees, and a fallback to the generic "Signed out" must fail.
const BY_ADMIN: Ending = {
  title: 'Signed out by an administrator',
  message: 'Your session was ended by an administrator. Sign in again to continue; if you cannot, ask your administrator why.',
};
const PASSWORD_CHANGED: Ending = { title: 'Password changed', message: 'Your session was ended because the password was changed. Sign in with the new password.' };
const REUSED: Ending = {
  title: 'Signed out for your safety',
  message:
    'Your session was ended for your safety: it was used from two places at once. Sign in again. If you did not use another browser or copy this one, change your password after signing in.',
};
const DISABLED: Ending = { title: 'Account disabled', message: 'Your session was ended because this account was disabled. Ask an administrator to enable it.' };

const accountMenu = (page: Page, username: string) => page.getByRole('button', { name: `Account menu for ${username}` });

/** The login page in place of the screen the viewer was on, saying why and what to do. */
async function expectSignedOutBecause(page: Page, ending: Ending): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(WORKPLACE)}$`));
  const notice = page.getByTestId('session-notice');
  await expect(notice).toHaveAttribute('role', 'alert');
  await expect(notice.locator('.mantine-Alert-title')).toHaveText(ending.title);
  await expect(notice.locator('.mantine-Alert-message')).toHaveText(ending.message);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
}

test.describe('each sign-out is explained to the person signed out', () => {
  test.describe.configure({ mode: 'serial' });
  let db: SeedDatabase;
  let stack: Stack;
  let admin: Page;
  let viewerPassword = FIRST_PASSWORD;
  const contexts: BrowserContext[] = [];

  /** A browser of its own (own cookie jar, so its own session). */
  async function newBrowser(browser: Browser, userAgent?: string): Promise<Page> {
    const context = await browser.newContext(userAgent ? { userAgent } : {});
    contexts.push(context);
    return context.newPage();
  }

  /** The viewer signs in on a new browser and is at work on the security settings. */
  async function viewerAtWork(browser: Browser): Promise<Page> {
    const page = await newBrowser(browser);
    await page.goto(`${stack.baseURL}${WORKPLACE}`);
    await signIn(page, VIEWER, viewerPassword);
    await expect(page).toHaveURL(new RegExp(`${WORKPLACE}$`));
    await expect(accountMenu(page, VIEWER)).toBeVisible();
    return page;
  }

  /** The admin opens the viewer's Actions menu on the Users screen and confirms `action`. */
  async function adminDoesToViewer(action: string, dialogTitle: string): Promise<void> {
    await admin.goto(`${stack.baseURL}/admin/users`);
    const row = admin.getByTestId('user-row').filter({ hasText: VIEWER });
    await row.getByRole('button', { name: `Actions for ${VIEWER}` }).click();
    await admin.getByRole('menuitem', { name: `${action}…` }).click();
    const dialog = admin.getByRole('dialog', { name: dialogTitle });
    await dialog.getByRole('button', { name: action, exact: true }).click();
    await expect(admin.getByTestId('user-action-outcome')).toBeVisible();
  }

  test.beforeAll(async ({ browser }) => {
    db = createDatabase();
    // Shared with the CLI so both processes read the same keys.
    const env = { DATABASE_URL: db.url, SECRET_KEY: randomBytes(48).toString('base64'), ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString('base64')}` };
    // Room in the per-address sign-in limit for this file's sign-ins, all from one address.
    stack = await startStack({ ...env, ADMIN_USERNAME: ADMIN, ADMIN_PASSWORD, LOGIN_RATE_LIMIT: '30' });
    await createUser({ ...env, PUBLIC_URL: stack.baseURL }, 'viewer', VIEWER, FIRST_PASSWORD);
    admin = await newBrowser(browser);
    await admin.goto(`${stack.baseURL}/admin/users`);
    await signIn(admin, ADMIN, ADMIN_PASSWORD);
    await expect(admin.getByTestId('user-row').filter({ hasText: VIEWER })).toHaveCount(1);
  });
  test.afterEach(async () => {
    const testInfo = test.info();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server output', { body: stack.output().slice(-20_000), contentType: 'text/plain' });
  });
  test.afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await stack?.stop();
    db?.drop();
  });

  test('an admin signs the viewer out everywhere', async ({ browser }) => {
    const viewer = await viewerAtWork(browser);
    await adminDoesToViewer('Sign out everywhere', `Sign ${VIEWER} out everywhere?`);
    await expectSignedOutBecause(viewer, BY_ADMIN);
    await viewer.screenshot({ path: 'test-results/sign-out-by-admin.png', fullPage: true });
  });

  test('the password is changed in another browser; the new one gets back in', async ({ browser }) => {
    const viewer = await viewerAtWork(browser);
    const other = await viewerAtWork(browser);
    await other.getByLabel('Current password').fill(viewerPassword);
    await other.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await other.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await other.getByRole('button', { name: 'Change password' }).click();
    await expect(other.getByTestId('password-changed')).toContainText('1 other session was signed out');
    viewerPassword = NEW_PASSWORD;

    await expectSignedOutBecause(viewer, PASSWORD_CHANGED);
    // Doing what it says works, and leads back to where the viewer was.
    await signIn(viewer, VIEWER, NEW_PASSWORD);
    await expect(viewer).toHaveURL(new RegExp(`${WORKPLACE}$`));
  });

  test('a copied refresh cookie used after the original moved on ends the session, and says so', async ({ browser }) => {
    const viewer = await viewerAtWork(browser);
    // Someone copies this browser's cookies (the refresh cookie among them) …
    const copied = await viewer.context().cookies();
    const refreshBefore = copied.find((c) => c.name.includes('refresh'));
    expect(refreshBefore, 'a refresh cookie after signing in').toBeDefined();
    // … the viewer carries on: a reload restores the session from the cookie, which replaces it
    // (each refresh token works once) …
    await viewer.reload();
    await expect(accountMenu(viewer, VIEWER)).toBeVisible();
    await expect
      .poll(async () => (await viewer.context().cookies()).find((c) => c.name === refreshBefore?.name)?.value)
      .not.toBe(refreshBefore?.value);
    // … and the copy is used in another browser (another user agent: from the browser that
    // used it, a second presentation soon after could be a retry of a lost answer).
    const copy = await newBrowser(browser, 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0');
    await copy.context().addCookies(copied);
    await copy.goto(`${stack.baseURL}${WORKPLACE}`);
    await expect(copy).toHaveURL(/\/login/);
    await expect(copy.getByTestId('session-notice').locator('.mantine-Alert-title')).toHaveText(REUSED.title);

    // The viewer's page, not touched since, says what happened.
    await expectSignedOutBecause(viewer, REUSED);
    await viewer.screenshot({ path: 'test-results/sign-out-refresh-reused.png', fullPage: true });
    await expectAxeClean(viewer, { label: 'login page after a reused refresh token' });
  });

  test('an admin disables the account', async ({ browser }) => {
    const viewer = await viewerAtWork(browser);
    await adminDoesToViewer('Disable', `Disable ${VIEWER}?`);
    await expectSignedOutBecause(viewer, DISABLED);
  });
});
