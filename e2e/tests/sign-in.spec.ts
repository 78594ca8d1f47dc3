// Signing in as a person does it: typing into the form, through nginx, with the refresh
// cookie, the live session event and the password policy all real. Two browser contexts are
// two devices (separate cookie jars, so separate sessions).
import { expect, test, type Browser, type Page } from '../fixtures.ts';
import { signIn } from '../people.ts';
import { startStack, type Stack } from '../stack.ts';

const OWNER = 'owner';
const PASSWORD = 'lantern orbit cactus meadow';
const NEW_PASSWORD = 'quiet harbour violin ember drift';

/** A second device: its own cookie jar, signed in on the security settings. */
async function signInOnNewDevice(browser: Browser, stack: Stack, password = PASSWORD): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${stack.baseURL}/settings/security`);
  await expect(page).toHaveURL(/\/login\?next=/);
  await signIn(page, OWNER, password);
  await expect(page).toHaveURL(/\/settings\/security$/);
  return page;
}

function sessionRows(page: Page) {
  return page.getByTestId('session-row');
}

test.describe('sessions across devices', () => {
  test.describe.configure({ mode: 'serial' });
  let stack: Stack;
  let first: Page;
  let second: Page;

  test.beforeAll(async () => {
    // The per-address login limit (5 a minute) has its own test below with its own stack;
    // here it would only count this file's sign-ins.
    stack = await startStack({ ADMIN_USERNAME: OWNER, ADMIN_PASSWORD: PASSWORD, LOGIN_RATE_LIMIT: '30' });
  });
  test.afterAll(async () => stack?.stop());

  test('a wrong password is refused with a clear error', async ({ browser }) => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${stack.baseURL}/login`);
    // The form appears once the page has asked the refresh cookie for a session (none here).
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    await page.screenshot({ path: 'test-results/sign-in-login-page.png', fullPage: true });
    await signIn(page, OWNER, 'not the right password');
    await expect(page.getByRole('alert')).toContainText('Incorrect username or password.');
    await expect(page).toHaveURL(/\/login$/);
    await page.context().close();
  });

  test('signs in by typing, lists sessions, and revoking one ends it live on the other device', async ({ browser }) => {
    first = await (await browser.newContext()).newPage();
    await first.goto(`${stack.baseURL}/settings/security`);
    await expect(first).toHaveURL(/\/login\?next=%2Fsettings%2Fsecurity$/);
    await signIn(first, OWNER, PASSWORD);
    await expect(first).toHaveURL(/\/settings\/security$/);
    await expect(first.getByRole('button', { name: `Account menu for ${OWNER}` })).toBeVisible();
    await expect(sessionRows(first)).toHaveCount(1);
    await expect(sessionRows(first).first()).toContainText('This device');
    await expect(sessionRows(first).first()).toContainText('127.0.0.1');

    second = await signInOnNewDevice(browser, stack);

    // A reload forgets the in-memory token: the session comes back from the refresh cookie.
    await first.reload();
    await expect(first).toHaveURL(/\/settings\/security$/);
    await expect(sessionRows(first)).toHaveCount(2);
    const current = sessionRows(first).filter({ hasText: 'This device' });
    const other = sessionRows(first).filter({ hasNotText: 'This device' });
    await expect(current).toHaveCount(1);
    await expect(other).toHaveCount(1);
    await expect(other).toContainText(/Chrome/);
    await expect(current.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
    await first.screenshot({ path: 'test-results/sign-in-security-settings.png', fullPage: true });

    await other.getByRole('button', { name: 'Revoke' }).click();
    await expect(sessionRows(first)).toHaveCount(1);

    // No reload on the second device: the live session event (or the socket closing) does it.
    await expect(second).toHaveURL(/\/login\?next=%2Fsettings%2Fsecurity$/);
    await expect(second.getByRole('alert')).toContainText('Your session was ended');
    await second.screenshot({ path: 'test-results/sign-in-session-ended.png', fullPage: true });
    // And it really is over: a reload does not bring it back.
    await second.reload();
    await expect(second.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  });

  test('changing the password (strength meter live) signs out the other device', async ({ browser }) => {
    await second.context().close();
    second = await signInOnNewDevice(browser, stack);

    const newPassword = first.getByLabel('New password', { exact: true });
    const change = first.getByRole('button', { name: 'Change password' });
    await first.getByLabel('Current password').fill(PASSWORD);
    await expect(first.getByTestId('password-strength')).toBeVisible();

    await newPassword.fill('password1234');
    await expect(first.getByTestId('password-problems')).toContainText(/at least 15 characters|Too easy to guess/);
    await expect(change).toBeDisabled();

    await newPassword.fill(NEW_PASSWORD);
    await expect(first.getByTestId('password-problems')).toHaveCount(0);
    await expect(first.getByTestId('password-strength')).toContainText('Meets the password rules');
    await expect(change).toBeDisabled(); // not confirmed yet
    await first.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await expect(change).toBeEnabled();
    await first.screenshot({ path: 'test-results/sign-in-change-password.png', fullPage: true });
    await change.click();
    await expect(first.getByTestId('password-changed')).toContainText('1 other session was signed out');

    await expect(second).toHaveURL(/\/login/);
    await expect(second.getByRole('alert')).toContainText('Your session was ended because the password was changed');

    // The old password is gone; the new one works.
    await signIn(second, OWNER, PASSWORD);
    await expect(second.getByRole('alert')).toContainText('Incorrect username or password.');
    await signIn(second, OWNER, NEW_PASSWORD);
    await expect(second).toHaveURL(/\/settings\/security$/);
  });

  test('signing out ends the session here and in the other tab of the same browser', async () => {
    // A second tab shares the first tab's cookie (and session), but has its own access token.
    const tab = await first.context().newPage();
    await tab.goto(`${stack.baseURL}/settings/security`);
    await expect(tab.getByRole('button', { name: `Account menu for ${OWNER}` })).toBeVisible();

    await first.getByRole('button', { name: `Account menu for ${OWNER}` }).click();
    await first.getByRole('menuitem', { name: 'Sign out' }).click();
    await expect(first).toHaveURL(/\/login/);
    await expect(first.getByRole('status').filter({ hasText: 'You have signed out.' })).toBeVisible();

    await expect(tab).toHaveURL(/\/login/);
    await expect(tab.getByRole('alert')).toContainText('Your session was ended because you signed out in another tab');
    await first.reload();
    await expect(first.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  });
});

test.describe('per-address sign-in limit', () => {
  let stack: Stack;
  test.beforeAll(async () => {
    stack = await startStack({ ADMIN_USERNAME: OWNER, ADMIN_PASSWORD: PASSWORD });
  });
  test.afterAll(async () => stack?.stop());

  test('the 6th sign-in within a minute from one address is refused by the API', async ({ page }) => {
    await page.goto(`${stack.baseURL}/login`);
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
    // A different (unknown) name each time, so the per-account throttle never applies: only
    // the per-address bucket (5 a minute) can refuse. A short pause keeps nginx's own /api/auth
    // limit (5 r/s, burst 10) out of the picture.
    for (let attempt = 1; attempt <= 6; attempt++) {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/auth.login'));
      await signIn(page, `nobody-${attempt}`, 'wrong password');
      const response = await answer;
      if (attempt < 6) {
        expect(response.status(), `attempt ${attempt}`).toBe(401);
        await expect(page.getByRole('alert')).toContainText('Incorrect username or password.');
        await page.waitForTimeout(300);
      } else {
        // Refused by the API (JSON with its reason), not by nginx (HTML).
        expect(response.status()).toBe(429);
        expect(response.headers()['content-type']).toContain('application/json');
        expect(await response.text()).toContain('RATE_LIMITED');
      }
    }
    await expect(page.getByRole('alert')).toContainText('Too many sign-in attempts.');
    await expect(page.getByRole('alert')).toContainText(/Try again in \d+ s\./);
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeDisabled();
    await page.screenshot({ path: 'test-results/sign-in-rate-limited.png', fullPage: true });
  });
});
