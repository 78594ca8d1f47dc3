// Engine → Configuration through nginx: an admin widens the drift band, sees the diff and
// gives a reason, finds the change in the history, changes it again and reverts to the first
// version (a new history row); a viewer sees the same values read-only, with the reason why.
// Runs on a throw-away PostgreSQL database so the CLI can add the viewer beside the server.
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '../fixtures.ts';
import { createDatabase, createUser, type SeedDatabase } from '../dashboard-seed.ts';
import { startStack, type Stack } from '../stack.ts';

const ADMIN = 'owner';
const ADMIN_PASSWORD = 'quiet harbour violin ember drift';
const VIEWER = 'cfg-viewer';
const VIEWER_PASSWORD = 'lantern orbit cactus meadow';

async function signIn(page: Page, baseURL: string, username: string, password: string) {
  await page.goto(`${baseURL}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/overview$/);
}

test.describe('configuration', () => {
  // Several saves, each a round trip through nginx: room for a busy CI machine.
  test.describe.configure({ mode: 'serial', timeout: 180_000 });
  let db: SeedDatabase;
  let stack: Stack;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    db = createDatabase();
    const env = { DATABASE_URL: db.url, SECRET_KEY: randomBytes(48).toString('base64'), ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString('base64')}` };
    stack = await startStack({ ...env, ADMIN_USERNAME: ADMIN, ADMIN_PASSWORD });
    await createUser({ ...env, PUBLIC_URL: stack.baseURL }, 'viewer', VIEWER, VIEWER_PASSWORD);
  });
  test.afterAll(async () => {
    await stack?.stop();
    db?.drop();
  });

  test('an admin changes the drift band with a reason, sees the diff and the history, and reverts', async ({ page }) => {
    await signIn(page, stack.baseURL, ADMIN, ADMIN_PASSWORD);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Configuration', exact: true }).click();
    await expect(page).toHaveURL(/\/engine\/configuration$/);
    const band = page.getByLabel('Drift band (%)');
    // The first page load of a fresh stack can be slow on a busy machine.
    await expect(band).toHaveValue('5', { timeout: 30_000 });
    await expect(page.getByText('No changes yet')).toBeVisible({ timeout: 30_000 });

    // An invalid value is refused on the spot and cannot be saved.
    await band.fill('5,5');
    await expect(page.getByText('a non-negative decimal, e.g. 12.5')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save…' })).toBeDisabled();

    await band.fill('7.50');
    await page.getByRole('button', { name: 'Save…' }).click();
    const save = page.getByRole('dialog', { name: 'Save these changes?' });
    await expect(save.getByTestId('config-diff')).toHaveText('Drift band: 5 % → 7.5 %');
    // The reason is required.
    await save.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(save.getByText('Give a reason')).toBeVisible();
    await save.getByLabel('Reason').fill('Fewer small rebalancing trades');
    await save.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(save).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Saved 1 change' })).toBeVisible();
    await expect(band).toHaveValue('7.5');

    const history = page.getByTestId('config-history');
    const first = history.locator('tbody tr').filter({ hasText: 'Fewer small rebalancing trades' });
    await expect(first).toContainText('Drift band');
    await expect(first).toContainText('5 % → 7.5 %');
    await expect(first).toContainText(ADMIN);
    await expect(first).toContainText('In force');

    await band.fill('3');
    await page.getByRole('button', { name: 'Save…' }).click();
    await expect(save.getByTestId('config-diff')).toHaveText('Drift band: 7.5 % → 3 %');
    await save.getByLabel('Reason').fill('Trying a narrow band');
    await save.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(save).toBeHidden();
    await expect(history.locator('tbody tr')).toHaveCount(2);

    // Back to the first version: a third row, its reason naming the row it went back to.
    await first.getByRole('button', { name: 'Revert to this' }).click();
    const revert = page.getByRole('dialog', { name: 'Revert to this value?' });
    await expect(revert.getByTestId('config-revert-summary')).toContainText('Drift band goes back to 7.5 %');
    await revert.getByLabel('Reason').fill('Too many orders with the narrow band');
    await revert.getByRole('button', { name: 'Revert', exact: true }).click();
    await expect(revert).toBeHidden();
    await expect(band).toHaveValue('7.5');
    await expect(history.locator('tbody tr')).toHaveCount(3);
    const newest = history.locator('tbody tr').first();
    await expect(newest).toContainText('3 % → 7.5 %');
    await expect(newest).toContainText(/revert to #\d+: Too many orders with the narrow band/);
    await page.screenshot({ path: 'test-results/configuration-admin.png', fullPage: true });
  });

  test('a viewer sees the configuration and its history read-only', async ({ page }) => {
    await signIn(page, stack.baseURL, VIEWER, VIEWER_PASSWORD);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Configuration', exact: true }).click();
    await expect(page.getByTestId('config-read-only')).toContainText('Only an administrator can change the configuration', { timeout: 30_000 });
    await expect(page.getByLabel('Drift band (%)')).toHaveValue('7.5');
    await expect(page.getByLabel('Drift band (%)')).toBeDisabled();
    await expect(page.getByLabel('Slippage guard (bps)')).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Save…' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Add symbol' })).toHaveCount(0);
    await expect(page.getByTestId('config-history').locator('tbody tr')).toHaveCount(3);
    await expect(page.getByRole('button', { name: 'Revert to this' })).toHaveCount(0);
  });
});
