// Every screen, as a person reaches it (links, menus, the burger on a phone), checked by axe
// for WCAG 2.1 AA: at 1280×800 and at 390×844, each screen in one theme and then its colours in the other
// (switched the way another tab's theme toggle switches it, so the app itself re-renders). On a phone no
// page may scroll sideways and the navigation opens from the burger. Dialogs and menus are
// checked while open. Also the keyboard: the skip link, the sign-in fields in order, a visible
// focus ring. Runs on a throw-away PostgreSQL database seeded by dashboard-seed.ts, so the
// dashboard screens show figures, tables and charts rather than empty states.
import { expect as baseExpect, test, type Browser, type BrowserContext, type Page } from '../fixtures.ts';
import { generate } from 'otplib';
import { expectAxeClean } from '../axe.ts';
import { createDatabase, seedDashboard, type SeedDatabase } from '../dashboard-seed.ts';
import { expectNoSidewaysScroll, signIn } from '../people.ts';
import { startStack, type Stack } from '../stack.ts';

// Screens load lazily and the run checks many of them in a row: generous waits on a busy machine.
const expect = baseExpect.configure({ timeout: 30_000 });

const OWNER = 'owner';
const PASSWORD = 'lantern orbit cactus meadow';
/** A sign-in is "old" after this long, so the step-up dialog shows up when asked for. */
const STEP_UP_S = 5;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

type Scheme = 'light' | 'dark';
interface Pass {
  name: string;
  viewport: { width: number; height: number };
  scheme: Scheme;
}
// Each pass checks every screen in both schemes; they start in opposite ones so the toggle
// button is used from each side too.
const PASSES: Pass[] = [
  { name: 'desktop', viewport: DESKTOP, scheme: 'light' },
  { name: 'phone', viewport: PHONE, scheme: 'dark' },
];
const SCHEME_KEY = 'jutsu-color-scheme';
/** The axe rules whose verdict depends on colours (WCAG 1.4.3 contrast, 1.4.1 links told apart by colour alone). */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'] as const;

const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main navigation' });
const accountMenu = (page: Page) => page.getByRole('button', { name: `Account menu for ${OWNER}` });
const isPhone = (page: Page) => (page.viewportSize()?.width ?? DESKTOP.width) < 768;

/**
 * The screen has settled (its heading shown, requests done), then axe and, on a phone, the width
 * rule, in the current scheme and then in the other one, and back. The switch goes through the
 * app's stored preference and the storage event another tab's toggle sends, so the React tree
 * re-renders as for a person's choice; open dialogs and menus stay open meanwhile.
 */
async function checkScreen(page: Page, label: string, heading?: string | RegExp): Promise<void> {
  if (heading) await expect(page.getByRole('heading', { name: heading }).first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  const first = (await page.locator('html').getAttribute('data-mantine-color-scheme')) as Scheme;
  const other: Scheme = first === 'dark' ? 'light' : 'dark';
  await expectAxeClean(page, { label: `${label}, ${first}` });
  // Switching the scheme changes colours only, not structure, names or roles: in the other
  // scheme only the colour rules run (the whole set costs twice the time for nothing new).
  await switchSchemeInPlace(page, other);
  await expectAxeClean(page, { label: `${label}, ${other}`, rules: COLOUR_RULES });
  if (isPhone(page)) await expectNoSidewaysScroll(page, label);
  await switchSchemeInPlace(page, first);
}

async function switchSchemeInPlace(page: Page, scheme: Scheme): Promise<void> {
  await page.evaluate(
    ({ key, value }) => {
      localStorage.setItem(key, value);
      window.dispatchEvent(new StorageEvent('storage', { key, newValue: value, storageArea: localStorage }));
    },
    { key: SCHEME_KEY, value: scheme },
  );
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', scheme);
}

/** Follows a link of the main navigation; on a phone through the burger, which closes again after. */
async function navigate(page: Page, link: string): Promise<void> {
  const item = mainNav(page).getByRole('link', { name: link, exact: true });
  if (isPhone(page)) {
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await expect(item).toBeInViewport();
  }
  await item.click();
  await expect(item).toHaveAttribute('aria-current', 'page');
  if (isPhone(page)) await expect(page.getByRole('button', { name: 'Open navigation' })).toBeVisible();
}

async function useScheme(page: Page, scheme: Scheme): Promise<void> {
  const toggle = page.getByRole('button', { name: `Switch to ${scheme} theme` });
  if (await toggle.isVisible()) await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', scheme);
}

/** The sensitive change asks for the password again: the dialog is checked, then answered. */
async function passStepUp(page: Page, label: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  await expect(dialog).toBeVisible();
  await checkScreen(page, `${label}: step-up dialog`);
  await dialog.getByLabel('Your password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm password' }).click();
  await expect(dialog).toBeHidden();
}

/** Waits out the rest of the step-up window after the last password check. */
async function letSignInAge(since: number): Promise<void> {
  const left = since + (STEP_UP_S + 1) * 1000 - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}

/** Puts the keyboard where a freshly loaded page has it: before the first element, so Tab reaches the first one. */
async function focusPageStart(page: Page): Promise<void> {
  await page.evaluate(() => {
    const start = document.createElement('span');
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
    start.addEventListener('blur', () => start.remove(), { once: true });
  });
}

async function newPage(browser: Browser, pass: Pass, contexts: BrowserContext[]): Promise<Page> {
  const context = await browser.newContext({ viewport: pass.viewport });
  contexts.push(context);
  return context.newPage();
}

test.describe('accessibility of every screen', () => {
  test.describe.configure({ mode: 'serial' });
  let db: SeedDatabase;
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  test.beforeAll(async () => {
    db = createDatabase();
    stack = await startStack({
      DATABASE_URL: db.url,
      ADMIN_USERNAME: OWNER,
      ADMIN_PASSWORD: PASSWORD,
      STEP_UP_MAX_AGE_SECONDS: String(STEP_UP_S),
      LOGIN_RATE_LIMIT: '60',
      // Configured but never reached: the Schwab screen shows its "Not connected" state.
      SCHWAB_CLIENT_ID: 'e2e-client',
      SCHWAB_CLIENT_SECRET: 'e2e-client-secret',
      SCHWAB_BASE_URL: 'https://127.0.0.1:9',
      SCHWAB_CALLBACK_URL: 'https://127.0.0.1:9/schwab/callback',
    });
    seedDashboard(db.url);
  });
  test.afterEach(async () => {
    // A failed screen is easier to explain with what the server said meanwhile.
    const testInfo = test.info();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server output', { body: stack.output().slice(-20_000), contentType: 'text/plain' });
  });
  test.afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await stack?.stop();
    db?.drop();
  });

  for (const pass of PASSES) {
    test(`every screen, ${pass.name}`, async ({ browser }) => {
      test.setTimeout(900_000);
      const page = await newPage(browser, pass, contexts);
      const at = (screen: string) => `${screen} (${pass.name})`;

      // A protected address while signed out leads to the login page.
      await page.goto(`${stack.baseURL}/`);
      await expect(page).toHaveURL(/\/login/);
      await useScheme(page, pass.scheme);
      await checkScreen(page, at('login'), 'Sign in');
      if (isPhone(page)) {
        await page.getByRole('button', { name: 'Open navigation' }).click();
        await expect(mainNav(page).getByRole('link', { name: 'Status', exact: true })).toBeInViewport();
        await checkScreen(page, at('login, navigation open'));
        await page.getByRole('button', { name: 'Close navigation' }).click();
      }
      await signIn(page, OWNER, PASSWORD);
      const signedInAt = Date.now();
      await expect(page).toHaveURL(/\/overview$/);
      await expect(page.getByTestId('figure-net-liquidation')).toBeVisible();
      await checkScreen(page, at('Overview'), 'Overview');

      await navigate(page, 'Positions');
      await expect(page.getByTestId('position-row').first()).toBeVisible();
      await checkScreen(page, at('Positions'), 'Positions');
      await page.getByRole('button', { name: 'Sort by Symbol' }).click();
      await expect(page.locator('th[aria-sort="descending"]')).toHaveCount(1);
      await checkScreen(page, at('Positions, sorted'));

      await navigate(page, 'Trades');
      await expect(page.getByTestId('trade-row').first()).toBeVisible();
      await checkScreen(page, at('Trades'), 'Trades');

      await navigate(page, 'Performance');
      await expect(page.getByTestId('equity-chart').locator('canvas').first()).toBeVisible();
      await checkScreen(page, at('Performance'), 'Performance');

      await navigate(page, 'Engine');
      await expect(page.getByTestId('engine-state')).toBeVisible();
      await checkScreen(page, at('Engine'), 'Engine');

      await navigate(page, 'Orders');
      await checkScreen(page, at('Engine → Orders'));

      await navigate(page, 'Schedules');
      await expect(page.getByText('Strategy run').first()).toBeVisible();
      await checkScreen(page, at('Engine → Schedules'), 'Schedules');

      await navigate(page, 'Configuration');
      await checkScreen(page, at('Engine → Configuration'), 'Configuration');

      await navigate(page, 'Settings');
      await expect(page).toHaveURL(/\/settings\/security$/);
      await expect(page.getByTestId('two-factor-section')).toBeVisible();
      await checkScreen(page, at('Settings → Security'), 'Settings');

      await navigate(page, 'Server status');
      await expect(page.getByTestId('system-info')).toContainText('reachable');
      await checkScreen(page, at('Settings → Server status'));

      await navigate(page, 'Users');
      await expect(page.getByTestId('user-row')).toHaveCount(1);
      await checkScreen(page, at('Admin → Users'), 'Users');
      await page.getByRole('button', { name: `Actions for ${OWNER}` }).click();
      await expect(page.getByRole('menu')).toBeVisible();
      await checkScreen(page, at('Admin → Users, actions menu'));
      await page.keyboard.press('Escape');
      await expect(page.getByRole('menu')).toBeHidden();

      await navigate(page, 'Invitations');
      await checkScreen(page, at('Admin → Invitations'), 'Invitations');
      await letSignInAge(signedInAt);
      await page.getByRole('button', { name: 'Create invitation' }).click();
      await passStepUp(page, at('Admin → Invitations'));
      const created = page.getByTestId('new-invitation');
      await expect(created).toContainText('you will not see it again');
      const link = await created.getByLabel('Invitation link').inputValue();
      await checkScreen(page, at('Admin → Invitations, new link'));
      await created.getByRole('button', { name: 'Done' }).click();
      const pending = page.getByTestId('invitation-row').filter({ hasText: 'Pending' }).first();
      await pending.getByRole('button', { name: 'Revoke' }).click();
      const revoke = page.getByRole('dialog', { name: 'Revoke this invitation?' });
      await expect(revoke).toBeVisible();
      await checkScreen(page, at('Admin → Invitations, revoke dialog'));
      await revoke.getByRole('button', { name: 'Cancel' }).click();
      await expect(revoke).toBeHidden();

      await navigate(page, 'Security log');
      await expect(page.getByTestId('security-event').first()).toBeVisible();
      await checkScreen(page, at('Admin → Security log'), 'Security log');

      await navigate(page, 'Schwab');
      await expect(page.getByRole('button', { name: /^(Connect|Reconnect)/ }).first()).toBeVisible();
      await checkScreen(page, at('Admin → Schwab'), 'Schwab');

      // A mistyped address, then back to the start from its button.
      await page.goto(`${stack.baseURL}/no-such-page`);
      await expect(page.getByTestId('not-found')).toBeVisible();
      await checkScreen(page, at('not found'), 'Page not found');
      await page.getByRole('link', { name: 'Go to the start page' }).click();
      await expect(page).toHaveURL(/\/overview$/);

      // The account menu, then signing out from it.
      await accountMenu(page).click();
      await expect(page.getByRole('menu')).toBeVisible();
      await checkScreen(page, at('account menu'));
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
      await checkScreen(page, at('login after signing out'), 'Sign in');

      // Someone opens the invitation link in their own browser.
      const guest = await newPage(browser, pass, contexts);
      await guest.goto(link);
      await useScheme(guest, pass.scheme);
      await expect(guest.getByTestId('invitation-details')).toContainText('Viewer');
      await checkScreen(guest, at('accept invitation'), 'Join Jutsu Labs');
      await guest.getByLabel('Username').fill('guest');
      await guest.getByLabel('Password', { exact: true }).fill('guest123');
      await expect(guest.getByTestId('password-problems')).toContainText('Use at least 15 characters');
      await checkScreen(guest, at('accept invitation, weak password'));
      await guest.getByLabel('Password', { exact: true }).fill('quiet harbour violin ember drift');
      await expect(guest.getByTestId('password-strength')).toContainText('Meets the password rules');
      await checkScreen(guest, at('accept invitation, strong password'));
      await guest.context().close();
    });
  }

  test('two-factor: the set-up wizard, the backup codes and the second sign-in step', async ({ browser }) => {
    test.setTimeout(600_000);
    const page = await newPage(browser, PASSES[0]!, contexts);
    await page.goto(`${stack.baseURL}/settings/security`);
    await signIn(page, OWNER, PASSWORD);
    const signedInAt = Date.now();
    await expect(page).toHaveURL(/\/settings\/security$/);
    await letSignInAge(signedInAt);
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    await passStepUp(page, 'two-factor set-up');
    await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
    await checkScreen(page, 'two-factor set-up wizard');
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
    const step = Math.floor(Date.now() / 30_000);
    await page.getByRole('textbox', { name: 'Code' }).fill(await generate({ secret, epoch: step * 30 }));
    await page.getByRole('button', { name: /^(Turn on|Verify|Confirm)/ }).click();
    await expect(page.getByTestId('backup-code')).toHaveCount(10);
    await checkScreen(page, 'backup codes');
    await page.getByRole('checkbox', { name: 'I have saved them' }).check();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('two-factor-state')).toHaveText('On');
    await checkScreen(page, 'Settings → Security, two-factor on');

    await accountMenu(page).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await signIn(page, OWNER, PASSWORD);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await checkScreen(page, 'second sign-in step (desktop, light)');
    await page.setViewportSize(PHONE);
    await checkScreen(page, 'second sign-in step (phone, light)');
    await useScheme(page, 'dark');
    await checkScreen(page, 'second sign-in step (phone, dark)');
    await page.setViewportSize(DESKTOP);
    await checkScreen(page, 'second sign-in step (desktop, dark)');
  });

  test('keyboard: a skip link first, the sign-in fields in order, each with a visible focus ring', async ({ browser }) => {
    const page = await newPage(browser, PASSES[0]!, contexts);
    await page.goto(`${stack.baseURL}/login`);
    await expect(page.getByLabel('Username')).toBeFocused(); // autofocus
    await focusPageStart(page);

    const order: string[] = [];
    for (let i = 0; i < 15 && !order.includes('Sign in'); i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        // A text field's ring is drawn on its visible box, which wraps the focused input of a password field.
        const style = getComputedStyle(el.closest('.mantine-Input-input') ?? el);
        const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || (style.boxShadow !== 'none' && style.boxShadow !== '');
        const label = el.getAttribute('aria-label') ?? (el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ?? el.textContent;
        return { name: (label ?? '').replace(/\s+/g, ' ').trim(), ring };
      });
      expect(focused, `Tab ${i + 1} focuses something`).not.toBeNull();
      order.push(focused!.name);
      expect.soft(focused!.ring, `"${focused!.name}" shows where the focus is`).toBe(true);
    }
    expect(order[0]).toBe('Skip to content');
    const at = (name: string) => order.findIndex((n) => n === name || n.startsWith(name));
    expect(at('Username'), order.join(' → ')).toBeGreaterThan(0);
    expect(at('Password')).toBeGreaterThan(at('Username'));
    expect(at('Sign in')).toBeGreaterThan(at('Password'));

    // The skip link shows when focused and moves the focus to the main area.
    await focusPageStart(page);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.locator('main#main')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Username')).toBeFocused();
  });
});
