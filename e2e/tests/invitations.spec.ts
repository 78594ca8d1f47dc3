// A fresh install as its owner meets it, through nginx, typing and clicking like a person:
// the login page points to the server's output; the bootstrap link printed there creates the
// admin; the admin invites a viewer (copying the link shown once), who joins in another
// browser and sees no admin menus (and is refused the admin screens); a revoked invitation's
// link is refused, and so is a used one. Then the admin screens: users (disable ends the
// viewer's session live; the last admin cannot be demoted) and the security log (filters,
// "Load more").
import { expect, test, type Browser, type BrowserContext, type Page } from '../fixtures.ts';
import { signIn } from '../people.ts';
import { startStack, type Stack } from '../stack.ts';

const ADMIN = 'chief';
const ADMIN_PASSWORD = 'lantern orbit cactus meadow';
const VIEWER = 'watcher';
const VIEWER_PASSWORD = 'quiet harbour violin ember drift';
const REFUSED = 'This invitation link is not valid (used, expired or revoked)';
const VIEWPORT = { width: 1360, height: 900 };
const ADMIN_MENU = ['Users', 'Invitations', 'Security log'];

/** The bootstrap line the API prints to stdout at first start. */
async function bootstrapLink(stack: Stack): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const m = /First start: create the admin account at (\S+) \(valid until /.exec(stack.output());
    if (m?.[1]) return m[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no bootstrap link in the server output:\n${stack.output()}`);
}

async function newBrowser(browser: Browser, clipboard = false): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, ...(clipboard ? { permissions: ['clipboard-read', 'clipboard-write'] } : {}) });
  return { context, page: await context.newPage() };
}

function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main navigation' });
}

/** Opens a Mantine select by its label and picks an option, as with the mouse. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Types the account form of an invitation page and sends it. */
async function acceptInvitation(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await expect(page.getByTestId('password-strength')).toContainText('Meets the password rules');
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
}

/** Creates an invitation with the form and returns its link as copied with "Copy link". */
async function createInvitation(page: Page, opts: { role?: string; email?: string; validFor?: string } = {}): Promise<string> {
  if (opts.role) await choose(page, 'Role', opts.role);
  if (opts.email) await page.getByLabel('Email (optional)').fill(opts.email);
  if (opts.validFor) await choose(page, 'Valid for', opts.validFor);
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const created = page.getByTestId('new-invitation');
  await expect(created).toContainText('you will not see it again');
  await created.getByRole('button', { name: 'Copy link' }).click();
  await expect(created.getByRole('button', { name: 'Link copied' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  await expect(created.getByLabel('Invitation link')).toHaveValue(copied);
  return copied;
}

test.describe('invitations and roles on a fresh install', () => {
  test.describe.configure({ mode: 'serial' });
  let stack: Stack;
  let admin: Page;
  let viewer: Page;
  let viewerLink: string;
  let unusedLink: string;
  const contexts: BrowserContext[] = [];

  test.beforeAll(async ({ browser }) => {
    // Lockout after 3 wrong passwords in a row (so the Users screen has a lock to lift), and
    // room in the per-address sign-in limit for the attempts this file makes from one address.
    stack = await startStack({ LOCKOUT_THRESHOLD: '3', LOGIN_RATE_LIMIT: '30' });
    const opened = await newBrowser(browser, true);
    contexts.push(opened.context);
    admin = opened.page;
  });
  test.afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await stack?.stop();
  });

  test('the login page points to the server output; the bootstrap link creates the admin', async () => {
    await admin.goto(`${stack.baseURL}/login`);
    const notice = admin.getByTestId('bootstrap-notice');
    await expect(notice).toContainText('First start: open the one-time link printed in the server output to create the admin account');
    await expect(notice.locator('a')).toHaveCount(0);
    await admin.screenshot({ path: 'test-results/invitations-login-first-start.png', fullPage: true });

    const link = await bootstrapLink(stack);
    expect(new URL(link).origin).toBe(stack.baseURL);
    await admin.goto(link);
    await expect(admin.getByRole('heading', { name: 'Create the admin account' })).toBeVisible();
    await expect(admin.getByTestId('invitation-details')).toContainText('Admin');
    await expect(admin.getByTestId('invitation-details')).toContainText('Valid until');

    // The meter explains a weak password before anything is sent.
    await admin.getByLabel('Username').fill(ADMIN);
    await admin.getByLabel('Password', { exact: true }).fill('chief123');
    await expect(admin.getByTestId('password-problems')).toContainText('Use at least 15 characters');
    await admin.screenshot({ path: 'test-results/invitations-bootstrap-form.png', fullPage: true });
    await acceptInvitation(admin, ADMIN, ADMIN_PASSWORD);

    await expect(admin.getByTestId('invitation-accepted')).toContainText(`Welcome, ${ADMIN}`);
    await expect(admin.getByRole('heading', { name: 'Admin account created' })).toBeVisible();
    await expect(admin.getByRole('link', { name: 'Set up two-factor or a passkey' })).toHaveAttribute('href', '/settings/security');
    await expect(admin.getByRole('button', { name: `Account menu for ${ADMIN}` })).toBeVisible();
    await admin.screenshot({ path: 'test-results/invitations-welcome.png', fullPage: true });
    for (const item of ADMIN_MENU) await expect(mainNav(admin).getByRole('link', { name: item, exact: true })).toBeVisible();

    // Spent: the bootstrap link cannot create a second account.
    await admin.goto(link);
    await expect(admin.getByRole('alert')).toContainText(REFUSED);
  });

  test('the admin invites a viewer, copying the link that is shown only once', async () => {
    await mainNav(admin).getByRole('link', { name: 'Invitations' }).click();
    await expect(admin).toHaveURL(/\/admin\/invitations$/);
    await expect(admin.getByTestId('role-description')).toContainText('Changes nothing');
    viewerLink = await createInvitation(admin);
    expect(viewerLink).toMatch(new RegExp(`^${stack.baseURL}/invite/[A-Za-z0-9_-]{43}$`));
    await admin.getByRole('button', { name: 'Done' }).click();
    await expect(admin.getByTestId('new-invitation')).toHaveCount(0);

    // A second one (a trader, bound to an address, for a day) that will never be used.
    unusedLink = await createInvitation(admin, { role: 'Trader', email: 'pat@example.com', validFor: '24 hours' });
    expect(unusedLink).not.toBe(viewerLink);
    await admin.screenshot({ path: 'test-results/admin-invitations-new-link.png', fullPage: true });
    const rows = admin.getByTestId('invitation-row');
    await expect(rows.filter({ hasText: 'Pending' })).toHaveCount(2);
    await expect(rows.filter({ hasText: 'pat@example.com' })).toContainText('Trader');
    await expect(rows.filter({ hasText: 'first admin' })).toContainText(`Accepted`);
    await expect(rows.filter({ hasText: 'first admin' })).toContainText(`by ${ADMIN}`);
    // Leaving the page forgets the link for good.
    await mainNav(admin).getByRole('link', { name: 'Users' }).click();
    await mainNav(admin).getByRole('link', { name: 'Invitations' }).click();
    await expect(admin.getByTestId('new-invitation')).toHaveCount(0);
    await expect(admin.getByTestId('invitations-table')).not.toContainText('/invite/');
  });

  test('the viewer joins in another browser and sees no admin menus', async ({ browser }) => {
    const opened = await newBrowser(browser);
    contexts.push(opened.context);
    viewer = opened.page;
    await viewer.goto(viewerLink);
    await expect(viewer.getByRole('heading', { name: 'Join Jutsu Labs' })).toBeVisible();
    await expect(viewer.getByTestId('invitation-details')).toContainText('Viewer');
    await expect(viewer.getByTestId('invitation-details')).toContainText('Valid until');
    await acceptInvitation(viewer, VIEWER, VIEWER_PASSWORD);
    await expect(viewer.getByTestId('invitation-accepted')).toContainText(`Welcome, ${VIEWER}`);
    await expect(viewer.getByRole('heading', { name: 'Welcome to Jutsu Labs' })).toBeVisible();
    await expect(viewer.getByRole('link', { name: 'Set up two-factor or a passkey' })).toHaveAttribute('href', '/settings/security');
    await viewer.getByRole('link', { name: 'Not now' }).click();

    // The viewer's dashboard (Overview first), signed in, no admin entries.
    await expect(viewer).toHaveURL(/\/overview$/);
    await expect(viewer.getByTestId('signed-in-nav')).toContainText(`Signed in as ${VIEWER}`);
    await expect(mainNav(viewer).getByRole('link', { name: 'Settings' })).toBeVisible();
    for (const item of ADMIN_MENU) await expect(mainNav(viewer).getByRole('link', { name: item, exact: true })).toHaveCount(0);
    await viewer.screenshot({ path: 'test-results/invitations-viewer-status.png', fullPage: true });

    // Typing an admin address is refused too (and the page makes no admin call).
    await viewer.goto(`${stack.baseURL}/admin/users`);
    await expect(viewer.getByTestId('not-allowed')).toContainText('Not allowed');
    await expect(viewer.getByRole('alert')).toContainText('This page is for administrators');
    await expect(viewer.getByTestId('users-table')).toHaveCount(0);
    for (const item of ADMIN_MENU) await expect(mainNav(viewer).getByRole('link', { name: item, exact: true })).toHaveCount(0);
    await viewer.screenshot({ path: 'test-results/invitations-viewer-refused.png', fullPage: true });
    await viewer.goto(`${stack.baseURL}/status`);
    await expect(viewer.getByTestId('signed-in-nav')).toContainText(`Signed in as ${VIEWER}`);
  });

  test('a revoked invitation link is refused, and so is a used one', async ({ browser }) => {
    await admin.reload();
    const rows = admin.getByTestId('invitation-row');
    await expect(rows.filter({ hasText: `by ${VIEWER}` })).toContainText('Accepted');
    const unused = rows.filter({ hasText: 'pat@example.com' });
    await unused.getByRole('button', { name: 'Revoke' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Revoke this invitation?' });
    await expect(confirm).toContainText('pat@example.com');
    await confirm.getByRole('button', { name: 'Revoke invitation' }).click();
    await expect(unused).toContainText('Revoked');
    await expect(unused).toContainText(`by ${ADMIN}`);
    await expect(unused.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
    await expect(admin.getByRole('status').filter({ hasText: 'its link no longer works' })).toBeVisible();
    await admin.screenshot({ path: 'test-results/admin-invitations.png', fullPage: true });

    const { context, page: stranger } = await newBrowser(browser);
    contexts.push(context);
    await stranger.goto(unusedLink);
    await expect(stranger.getByRole('alert')).toContainText(REFUSED);
    await expect(stranger.getByLabel('Username')).toHaveCount(0);
    await stranger.screenshot({ path: 'test-results/invitations-refused.png', fullPage: true });
    await stranger.goto(viewerLink);
    await expect(stranger.getByRole('alert')).toContainText(REFUSED);
  });

  test('users: disable ends the viewer session at once, enable and unlock let them back, sign out everywhere, role change; the last admin keeps the role', async () => {
    await mainNav(admin).getByRole('link', { name: 'Users' }).click();
    const rows = admin.getByTestId('user-row');
    await expect(rows).toHaveCount(2);
    const chief = rows.filter({ hasText: ADMIN });
    const watcher = rows.filter({ hasText: VIEWER });
    await expect(chief).toContainText('you');
    await expect(admin.getByRole('combobox', { name: `Role of ${ADMIN}` })).toHaveValue('Admin');
    await expect(admin.getByRole('combobox', { name: `Role of ${VIEWER}` })).toHaveValue('Viewer');
    await expect(watcher).toContainText('Active');
    await admin.screenshot({ path: 'test-results/admin-users.png', fullPage: true });

    await admin.getByRole('button', { name: `Actions for ${VIEWER}` }).click();
    await admin.getByRole('menuitem', { name: /^Disable/ }).click();
    const confirm = admin.getByRole('dialog', { name: `Disable ${VIEWER}?` });
    await expect(confirm).toContainText('signed out on every device');
    await admin.screenshot({ path: 'test-results/admin-users-confirm-disable.png' });
    await confirm.getByRole('button', { name: 'Disable', exact: true }).click();
    await expect(admin.getByTestId('user-action-outcome')).toContainText(`${VIEWER} is disabled; 1 session ended.`);
    await expect(watcher).toContainText('Disabled');
    // The viewer's open page learns it live and goes back to the login page.
    await expect(viewer).toHaveURL(/\/login/, { timeout: 15_000 });

    await admin.getByRole('button', { name: `Actions for ${VIEWER}` }).click();
    await admin.getByRole('menuitem', { name: 'Enable' }).click();
    await expect(admin.getByTestId('user-action-outcome')).toContainText(`${VIEWER} is enabled`);
    await expect(watcher).toContainText('Active');

    // Someone guesses the viewer's password until the account locks; the admin lifts the lock.
    for (let i = 0; i < 3; i++) {
      await signIn(viewer, VIEWER, `wrong guess number ${i}`);
      await expect(viewer.getByTestId('sign-in-error')).toContainText('Incorrect username or password.');
      await expect(viewer.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
    }
    await signIn(viewer, VIEWER, VIEWER_PASSWORD);
    await expect(viewer.getByTestId('sign-in-error')).toContainText('Account locked');
    await admin.reload();
    await expect(watcher).toContainText('Locked');
    await admin.getByRole('button', { name: `Actions for ${VIEWER}` }).click();
    await admin.getByRole('menuitem', { name: 'Unlock' }).click();
    await expect(admin.getByTestId('user-action-outcome')).toContainText(`${VIEWER} is unlocked`);
    await expect(watcher).not.toContainText('Locked');
    await signIn(viewer, VIEWER, VIEWER_PASSWORD);
    await expect(viewer.getByTestId('signed-in-nav')).toContainText(`Signed in as ${VIEWER}`);

    // "Sign out everywhere" ends the viewer's session live; the account stays usable.
    await admin.getByRole('button', { name: `Actions for ${VIEWER}` }).click();
    await admin.getByRole('menuitem', { name: 'Sign out everywhere' }).click();
    await admin.getByRole('dialog', { name: `Sign ${VIEWER} out everywhere?` }).getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(admin.getByTestId('user-action-outcome')).toContainText(`${VIEWER} was signed out of 1 session.`);
    await expect(viewer).toHaveURL(/\/login/, { timeout: 15_000 });
    await expect(watcher).toContainText('Active');
    await signIn(viewer, VIEWER, VIEWER_PASSWORD);
    await expect(viewer.getByTestId('signed-in-nav')).toContainText(`Signed in as ${VIEWER}`);

    // A role change takes effect on the server at once (the row shows it after a reload too).
    await choose(admin, `Role of ${VIEWER}`, 'Trader');
    await admin.getByRole('dialog', { name: `Make ${VIEWER} a trader?` }).getByRole('button', { name: 'Change role' }).click();
    await expect(admin.getByTestId('user-action-outcome')).toContainText(`${VIEWER} is now a trader.`);
    await admin.reload();
    await expect(admin.getByRole('combobox', { name: `Role of ${VIEWER}` })).toHaveValue('Trader');

    // The only active admin is not offered for demotion or disabling, and the menu says why
    // (the server refuses it anyway: admin.int.test.ts).
    await admin.getByRole('combobox', { name: `Role of ${ADMIN}`, exact: true }).click();
    await expect(admin.getByRole('option', { name: 'Viewer', exact: true })).toBeDisabled();
    await admin.keyboard.press('Escape');
    await expect(admin.getByRole('combobox', { name: `Role of ${ADMIN}` })).toHaveValue('Admin');
    await admin.getByRole('button', { name: `Actions for ${ADMIN}` }).click();
    await expect(admin.getByRole('menu')).toContainText('The only active admin cannot be disabled');
    await expect(admin.getByRole('menuitem', { name: /^Disable/ })).toHaveCount(0);
    await admin.keyboard.press('Escape');
    await expect(admin.getByRole('menu')).toBeHidden();
  });

  test('security log: time, type, severity, user and address; filters; "Load more"', async () => {
    // The viewer signs out and in three times more, so the log holds more than one page of events.
    for (let i = 0; i < 3; i++) {
      await viewer.getByRole('button', { name: `Account menu for ${VIEWER}` }).click();
      await viewer.getByRole('menuitem', { name: 'Sign out' }).click();
      await expect(viewer).toHaveURL(/\/login/);
      await signIn(viewer, VIEWER, VIEWER_PASSWORD);
      await expect(viewer.getByTestId('signed-in-nav')).toContainText(`Signed in as ${VIEWER}`);
    }
    await mainNav(admin).getByRole('link', { name: 'Security log' }).click();
    const log = admin.getByTestId('security-log');
    await expect(log).toContainText('invitation.accepted');
    const events = admin.getByTestId('security-event');
    await expect(events.first()).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await expect(events.filter({ hasText: 'user.disabled' }).first()).toContainText(ADMIN);
    await expect(events.filter({ hasText: 'user.disabled' }).first()).toContainText('127.0.0.1');
    await expect(events.filter({ hasText: 'user.disabled' }).first()).toContainText('Warning');
    // In words: the label, and details as a sentence rather than raw keys.
    await expect(events.filter({ hasText: 'user.disabled' }).first()).toContainText('Account disabled');
    await expect(log).not.toContainText('targetUserId');
    await admin.screenshot({ path: 'test-results/admin-security-log.png', fullPage: true });

    // Pages of 25, older ones on demand.
    await expect(events).toHaveCount(25);
    await admin.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => events.count()).toBeGreaterThan(25);
    for (const type of ['invitation.created', 'invitation.revoked', 'invitation.inspected', 'user.enabled', 'user.unlocked', 'auth.lockout']) {
      await expect(log, type).toContainText(type);
    }

    await choose(admin, 'Severity', 'Warning');
    await expect(events.first()).toBeVisible();
    await expect(admin.locator('[data-testid="security-event"]:not([data-severity="warning"])')).toHaveCount(0);

    await admin.getByRole('button', { name: 'Clear filters' }).click();
    await admin.getByRole('combobox', { name: 'User', exact: true }).fill(VIEWER);
    await admin.getByRole('option', { name: VIEWER, exact: true }).click();
    await expect(events.first()).toBeVisible();
    await expect(events.filter({ hasNotText: VIEWER })).toHaveCount(0);
    // Joining is the viewer's oldest event: more than a page down when their tab's refused
    // tokens (after the disable and each sign-out) filled the first page.
    await expect(async () => {
      if (!(await log.textContent())?.includes('invitation.accepted')) await admin.getByRole('button', { name: 'Load more' }).click();
      await expect(log).toContainText('invitation.accepted', { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(events.filter({ hasNotText: VIEWER })).toHaveCount(0);

    await admin.getByRole('button', { name: 'Clear filters' }).click();
    await choose(admin, 'Group', 'Administration');
    await expect(events.first()).toBeVisible();
    await expect(events.filter({ hasText: 'auth.login' })).toHaveCount(0);
    await expect(log).toContainText('Invitation revoked');
    // Filters live in the address: one event type, as a link would carry it.
    await admin.goto(`${stack.baseURL}/admin/security-log?type=invitation.revoked`);
    await expect(admin.getByTestId('security-log-type-filter')).toHaveText('Only “Invitation revoked”');
    await expect(events.filter({ hasNotText: 'invitation.revoked' })).toHaveCount(0);
    await expect(events).toHaveCount(1);
    await admin.screenshot({ path: 'test-results/admin-security-log-filtered.png', fullPage: true });
  });
});
