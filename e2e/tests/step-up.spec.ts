// Step-up for real: the API runs with STEP_UP_MAX_AGE_SECONDS=5, so a sign-in is "old" after
// 5 s instead of 15 min and the server itself answers REAUTH_REQUIRED. The person cancels
// once (nothing is created), then confirms with a wrong and the right password, and the
// change goes through; the security log shows the confirmation.
import { expect, test, type Page } from '../fixtures.ts';
import { startStack, type Stack } from '../stack.ts';

const ADMIN = 'chief';
const PASSWORD = 'lantern orbit cactus meadow';
const WINDOW_S = 5;

function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main navigation' });
}

/** Lets the last password check grow older than the server's window. */
async function letSignInAge(page: Page): Promise<void> {
  await page.waitForTimeout(WINDOW_S * 1000 + 1000);
}

test.describe('step-up before a sensitive change', () => {
  let stack: Stack;
  test.beforeAll(async () => {
    stack = await startStack({ ADMIN_USERNAME: ADMIN, ADMIN_PASSWORD: PASSWORD, STEP_UP_MAX_AGE_SECONDS: String(WINDOW_S) });
  });
  test.afterAll(async () => stack?.stop());

  test('an old sign-in is asked for the password; cancel changes nothing, the right password lets the change through', async ({ page }) => {
    await page.goto(`${stack.baseURL}/admin/invitations`);
    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/invitations$/);
    await expect(page.getByRole('button', { name: 'Create invitation' })).toBeVisible();
    const pending = page.getByTestId('invitation-row').filter({ hasText: 'Pending' });
    await expect(pending).toHaveCount(0);

    await letSignInAge(page);
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await expect(dialog).toContainText('your sign-in is not recent');
    await page.screenshot({ path: 'test-results/step-up-dialog.png', fullPage: true, animations: 'disabled' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('new-invitation')).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Create invitation' })).toBeVisible();
    await expect(pending).toHaveCount(0);

    await page.getByRole('button', { name: 'Create invitation' }).click();
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Your password').fill('not my password');
    await dialog.getByRole('button', { name: 'Confirm password' }).click();
    await expect(dialog.getByRole('alert')).toContainText('That password is not correct.');
    await expect(pending).toHaveCount(0);
    await dialog.getByLabel('Your password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm password' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('new-invitation')).toContainText('you will not see it again');
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(pending).toHaveCount(1);

    // The window opened by the confirmation closes again just the same.
    await letSignInAge(page);
    await pending.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke this invitation?' }).getByRole('button', { name: 'Revoke invitation' }).click();
    // Revoking is not behind step-up (it only takes access away): no password asked.
    await expect(dialog).toHaveCount(0);
    await expect(page.getByText('invitation was revoked; its link no longer works.')).toBeVisible();
    await expect(pending).toHaveCount(0);

    await mainNav(page).getByRole('link', { name: 'Security log' }).click();
    const events = page.getByTestId('security-event');
    await expect(events.filter({ hasText: 'auth.reauthenticated' })).toHaveCount(2);
    await expect(events.filter({ hasText: 'auth.reauthenticated' }).filter({ hasText: 'Warning' })).toHaveCount(1);
  });
});
