// The admin tables on a 390×844 phone: the page never scrolls sideways, each row's action
// (Actions menu, Revoke) is on the screen without scrolling the table sideways and works with
// a tap, and role names are shown whole. Wide tables scroll inside their own box.
import { expect, test, type Locator, type Page } from '../fixtures.ts';
import { expectNoSidewaysScroll, signIn } from '../people.ts';
import { startStack, type Stack } from '../stack.ts';

const ADMIN = 'chief';
const PASSWORD = 'lantern orbit cactus meadow';
const PHONE = { width: 390, height: 844 };

/**
 * The control lies across the screen's width as drawn (before any scrolling a click would do),
 * and a tap on it leaves the table it sits in unscrolled sideways.
 */
async function expectReachableWithoutSidewaysScroll(control: Locator, label: string): Promise<void> {
  const page = control.page();
  const box = await control.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right };
  });
  expect(box.left, `${label} starts left of the screen`).toBeGreaterThanOrEqual(0);
  expect(box.right, `${label} ends off the right of the screen (at ${Math.round(box.right)} px)`).toBeLessThanOrEqual(PHONE.width);
  await control.click();
  const sideways = await control.evaluate((el) => {
    let scrolled = 0;
    for (let node = el.parentElement; node; node = node.parentElement) scrolled += node.scrollLeft;
    return scrolled;
  });
  expect(sideways, `reaching ${label} scrolled the table sideways`).toBe(0);
  await expectNoSidewaysScroll(page, label);
}

/** Each text is shown whole: no ellipsis, nothing clipped by its own box. */
async function expectNotCut(texts: Locator, label: string): Promise<void> {
  const cut = await texts.evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent ?? ''));
  expect(cut, `${label} cut short`).toEqual([]);
}

test.describe('admin tables on a phone', () => {
  test.describe.configure({ mode: 'serial' });
  let stack: Stack;
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    stack = await startStack({ ADMIN_USERNAME: ADMIN, ADMIN_PASSWORD: PASSWORD });
    page = await (await browser.newContext({ viewport: PHONE })).newPage();
  });
  test.afterAll(async () => {
    await page?.context().close();
    await stack?.stop();
  });

  test('invitations: Revoke on the screen and tappable, role badges whole', async () => {
    await page.goto(`${stack.baseURL}/admin/invitations`);
    await signIn(page, ADMIN, PASSWORD);
    await expect(page).toHaveURL(/\/admin\/invitations$/);
    for (const role of ['Viewer', 'Admin']) {
      await page.getByRole('combobox', { name: 'Role', exact: true }).click();
      await page.getByRole('option', { name: role, exact: true }).click();
      await page.getByRole('button', { name: 'Create invitation' }).click();
      await expect(page.getByTestId('new-invitation')).toContainText('you will not see it again');
      await page.getByRole('button', { name: 'Done' }).click();
    }
    const rows = page.getByTestId('invitation-row');
    await expect(rows).toHaveCount(2);
    await expectNoSidewaysScroll(page, 'Invitations');
    await expectNotCut(rows.locator('.mantine-Badge-label'), 'Invitation badges');

    await expectReachableWithoutSidewaysScroll(rows.first().getByRole('button', { name: 'Revoke' }), 'Revoke');
    const dialog = page.getByRole('dialog', { name: 'Revoke this invitation?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await page.screenshot({ path: 'test-results/phone-invitations.png', fullPage: true });
  });

  test('users: the Actions menu on the screen and tappable, the role shown whole', async () => {
    await page.goto(`${stack.baseURL}/admin/users`);
    const row = page.getByTestId('user-row').filter({ hasText: ADMIN });
    await expect(row).toHaveCount(1);
    await expectNoSidewaysScroll(page, 'Users');
    await expectNotCut(row.getByRole('combobox', { name: `Role of ${ADMIN}` }), 'Role');

    await expectReachableWithoutSidewaysScroll(row.getByRole('button', { name: `Actions for ${ADMIN}` }), 'Actions');
    await expect(page.getByRole('menuitem', { name: 'Sign out everywhere…' })).toBeInViewport();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
    await page.screenshot({ path: 'test-results/phone-users.png', fullPage: true });
  });

  test('security log: the page stays put, the table scrolls in its own named box', async () => {
    await page.goto(`${stack.baseURL}/admin/security-log`);
    await expect(page.getByTestId('security-event').first()).toBeVisible();
    await expectNoSidewaysScroll(page, 'Security log');
    await expectNotCut(page.getByTestId('security-event').locator('.mantine-Badge-label'), 'Severity badges');
    // Wider than the phone, so the table scrolls inside a region a keyboard can reach.
    await expect(page.getByRole('region', { name: 'Security events' })).toHaveAttribute('tabindex', '0');
    await page.screenshot({ path: 'test-results/phone-security-log.png', fullPage: true });
  });
});
