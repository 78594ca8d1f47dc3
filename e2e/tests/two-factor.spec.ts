// Two-factor as a person uses it. The test plays the authenticator app: it scans the QR code
// off the screen (and checks the key shown for typing matches) and computes codes with otplib. Backup codes are read off the page too, like
// someone copying them down. The server takes each 30 s TOTP step once per account, so a
// sign-in after enrolling waits for a later step instead of retrying.
import fs from 'node:fs';
import { expect, test, type Page } from '../fixtures.ts';
import { generate } from 'otplib';
import { scanQrCode } from '../qr.ts';
import { startStack, type Stack } from '../stack.ts';

const OWNER = 'owner';
const PASSWORD = 'lantern orbit cactus meadow';
const STEP_MS = 30_000;

/** Long enough for two-factor (12+), too short for one factor (15+). */
const SHORT_PASSWORD = 'Quokka Fjord 7';
const FINAL_PASSWORD = 'quiet harbour violin ember drift';

const accountMenu = (page: Page) => page.getByRole('button', { name: `Account menu for ${OWNER}` });
const codeField = (page: Page) => page.getByRole('textbox', { name: 'Code' });

async function signInWithPassword(page: Page, stack: Stack, password = PASSWORD): Promise<void> {
  await page.goto(`${stack.baseURL}/login`);
  await page.getByLabel('Username').fill(OWNER);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
}

async function signOut(page: Page): Promise<void> {
  await accountMenu(page).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
}

const stepNow = () => Math.floor(Date.now() / STEP_MS);

async function totpAt(secret: string, step: number): Promise<string> {
  return generate({ secret, epoch: step * (STEP_MS / 1000) });
}

/**
 * A code from a step later than `after` (the last one the server accepted): waits for the
 * next step boundary when needed (plus a little, for clock granularity), never retries blindly.
 */
async function codeAfterStep(secret: string, after: number): Promise<{ code: string; step: number }> {
  if (stepNow() <= after) {
    const waitMs = (after + 1) * STEP_MS - Date.now() + 250;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  const step = stepNow();
  return { code: await totpAt(secret, step), step };
}

/** Settings → Security → Set up two-factor, up to the backup codes screen. */
async function startEnrolment(page: Page, stack: Stack): Promise<{ secret: string; step: number }> {
  await page.goto(`${stack.baseURL}/settings/security`);
  const section = page.getByTestId('two-factor-section');
  await expect(section.getByTestId('two-factor-state')).toHaveText('Off');
  await page.getByRole('button', { name: 'Set up two-factor' }).click();
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await expect(qr).toBeVisible();
  // The "app" scans the code: an otpauth URI naming the issuer and the account.
  const scanned = new URL(await scanQrCode(qr));
  expect(scanned.protocol).toBe('otpauth:');
  expect(scanned.host).toBe('totp');
  expect(decodeURIComponent(scanned.pathname)).toBe(`/Jutsu Labs:${OWNER}`);
  expect(scanned.searchParams.get('issuer')).toBe('Jutsu Labs');
  const secret = scanned.searchParams.get('secret') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32,}$/);
  // The key shown for manual entry is the same secret, grouped for reading.
  expect((await page.getByTestId('totp-secret').textContent())?.replace(/\s+/g, '')).toBe(secret);
  const step = stepNow();
  await codeField(page).fill(await totpAt(secret, step));
  return { secret, step };
}

async function readBackupCodes(page: Page): Promise<string[]> {
  await expect(page.getByTestId('backup-code')).toHaveCount(10);
  const codes = (await page.getByTestId('backup-code').allTextContents()).map((c) => c.trim());
  for (const code of codes) expect(code).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
  expect(new Set(codes).size).toBe(10);
  return codes;
}

async function confirmCodesSaved(page: Page): Promise<void> {
  await expect(page.getByRole('button', { name: 'Done' })).toBeDisabled();
  await page.getByRole('checkbox', { name: 'I have saved them' }).check();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('backup-codes-panel')).toHaveCount(0);
}

async function useBackupCode(page: Page, code: string): Promise<void> {
  await page.getByRole('switch', { name: 'Use a backup code' }).check();
  await codeField(page).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

test.describe('two-factor: enrol, then sign in with a code and with a backup code', () => {
  test.describe.configure({ mode: 'serial' });
  // Up to one 30 s step is waited for.
  test.setTimeout(150_000);
  let stack: Stack;
  test.beforeAll(async () => {
    stack = await startStack({ ADMIN_USERNAME: OWNER, ADMIN_PASSWORD: PASSWORD, LOGIN_RATE_LIMIT: '30' });
  });
  test.afterAll(async () => stack?.stop());

  test('enrol from the page, keep the codes, sign in with TOTP, then with a backup code that works only once', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseURL });
    await page.goto(`${stack.baseURL}/login`);
    await page.getByLabel('Username').fill(OWNER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(accountMenu(page)).toBeVisible();

    // 1-2: QR code and key, one code from the "app".
    const enrol = await startEnrolment(page, stack);
    await page.getByTestId('two-factor-section').screenshot({ path: 'test-results/two-factor-enrol.png' });
    await page.getByRole('button', { name: 'Verify' }).click();

    // 3: backup codes, shown once: copy, download, confirm.
    const codes = await readBackupCodes(page);
    await expect(page.getByTestId('two-factor-state')).toHaveText('On');
    await page.getByTestId('two-factor-section').screenshot({ path: 'test-results/two-factor-backup-codes.png' });
    await page.getByRole('button', { name: 'Copy codes' }).click();
    await expect(page.getByText('Copied to the clipboard.')).toBeVisible();
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    for (const code of codes) expect(clipboard).toContain(code);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download codes' }).click()]);
    expect(download.suggestedFilename()).toBe('jutsu-backup-codes.txt');
    const file = fs.readFileSync(await download.path(), 'utf8');
    for (const code of codes) expect(file).toContain(code);
    await confirmCodesSaved(page);
    await expect(page.getByTestId('backup-codes-remaining')).toHaveText('10');
    await expect(page.getByTestId('two-factor-enabled-since')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await expect(page.getByTestId('backup-codes-low')).toHaveCount(0);

    // Sign in with the authenticator app. A wrong code first: refused, with the tries left.
    await signOut(page);
    await signInWithPassword(page, stack);
    await page.screenshot({ path: 'test-results/two-factor-login-step.png' });
    const nearby = await Promise.all([-1, 0, 1].map((d) => totpAt(enrol.secret, stepNow() + d)));
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !nearby.includes(c))!;
    await codeField(page).fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toContainText('That code is not correct. 4 tries left.');
    const login = await codeAfterStep(enrol.secret, enrol.step);
    await codeField(page).fill(login.code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(accountMenu(page)).toBeVisible();

    // The same TOTP code again is a replay; a backup code (typed loosely) then signs in.
    await signOut(page);
    await signInWithPassword(page, stack);
    await codeField(page).fill(login.code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toContainText('That code was already used.');
    await expect(page.getByRole('alert')).toContainText('tries left.');
    await page.screenshot({ path: 'test-results/two-factor-login-step-refused.png' });
    const backup = codes[3]!;
    await useBackupCode(page, backup.toLowerCase().replace('-', ' '));
    await expect(accountMenu(page)).toBeVisible();
    // Nine left is not low: no warning on the way in.
    await expect(page.getByTestId('backup-codes-low-notice')).toHaveCount(0);
    await page.goto(`${stack.baseURL}/settings/security`);
    await expect(page.getByTestId('backup-codes-remaining')).toHaveText('9');
    await expect(page.getByTestId('two-factor-last-used')).toContainText('with a backup code');

    // The same backup code is refused the next time.
    await signOut(page);
    await signInWithPassword(page, stack);
    await useBackupCode(page, backup);
    await expect(page.getByRole('alert')).toContainText('That code is not correct.');
    await expect(accountMenu(page)).toHaveCount(0);
    await expect(page).toHaveURL(/\/login/);
  });
});

test.describe('two-factor: running low on backup codes, new codes, turning it off', () => {
  test.describe.configure({ mode: 'serial' });
  test.setTimeout(150_000);
  let stack: Stack;
  test.beforeAll(async () => {
    stack = await startStack({ ADMIN_USERNAME: OWNER, ADMIN_PASSWORD: PASSWORD, LOGIN_RATE_LIMIT: '30' });
  });
  test.afterAll(async () => stack?.stop());

  test('warns at two backup codes left, regenerates them, and disabling with a short password forces a new one', async ({ page }) => {
    await page.goto(`${stack.baseURL}/login`);
    await page.getByLabel('Username').fill(OWNER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(accountMenu(page)).toBeVisible();
    await startEnrolment(page, stack);
    await page.getByRole('button', { name: 'Verify' }).click();
    const codes = await readBackupCodes(page);
    await confirmCodesSaved(page);

    // Use eight of the ten: the eighth sign-in leaves two and says so.
    for (let i = 0; i < 8; i++) {
      await signOut(page);
      await signInWithPassword(page, stack);
      await useBackupCode(page, codes[i]!);
      await expect(accountMenu(page)).toBeVisible();
      if (i < 7) await expect(page.getByTestId('backup-codes-low-notice')).toHaveCount(0);
    }
    const notice = page.getByTestId('backup-codes-low-notice');
    await expect(notice).toContainText('Only 2 backup codes left');
    await page.screenshot({ path: 'test-results/two-factor-low-codes-notice.png' });
    await page.getByRole('link', { name: 'Make new backup codes' }).click();
    await expect(page).toHaveURL(/\/settings\/security$/);
    await expect(page.getByTestId('backup-codes-remaining')).toHaveText('2');
    await expect(page.getByTestId('backup-codes-low')).toContainText('Only 2 backup codes left');
    await page.getByTestId('two-factor-section').screenshot({ path: 'test-results/two-factor-status-low.png' });

    // New codes need a code: a wrong one is refused in the dialog, a backup code works.
    await page.getByRole('button', { name: 'Regenerate backup codes' }).click();
    const regenerate = page.getByRole('dialog', { name: 'Regenerate backup codes' });
    await regenerate.getByRole('textbox', { name: 'Code' }).fill('AAAAA-AAAAA');
    await regenerate.getByRole('button', { name: 'Make new codes' }).click();
    await expect(regenerate.getByRole('alert')).toContainText('That code is not correct.');
    await regenerate.getByRole('textbox', { name: 'Code' }).fill(codes[8]!);
    await regenerate.getByRole('button', { name: 'Make new codes' }).click();
    await expect(regenerate).toHaveCount(0);
    const newCodes = await readBackupCodes(page);
    expect(newCodes.filter((c) => codes.includes(c))).toEqual([]);
    await confirmCodesSaved(page);
    await expect(page.getByTestId('backup-codes-remaining')).toHaveText('10');
    await expect(page.getByTestId('backup-codes-low')).toHaveCount(0);

    // With two-factor on, a 14-character password is allowed.
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(SHORT_PASSWORD);
    await page.getByLabel('Confirm new password').fill(SHORT_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('password-changed')).toBeVisible();

    // Turning it off needs the password and a code; a 14-character password is then too
    // short for one factor, so the next screen is the forced password change.
    await page.getByRole('button', { name: 'Disable two-factor' }).click();
    const disable = page.getByRole('dialog', { name: 'Disable two-factor' });
    await disable.getByLabel('Password', { exact: true }).fill(SHORT_PASSWORD);
    await disable.getByRole('textbox', { name: 'Code' }).fill(newCodes[0]!);
    await page.screenshot({ path: 'test-results/two-factor-disable-dialog.png' });
    await disable.getByRole('button', { name: 'Turn off two-factor' }).click();
    await expect(page.getByTestId('forced-password-change')).toBeVisible();
    await page.getByLabel('Current password').fill(SHORT_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(FINAL_PASSWORD);
    await page.getByLabel('Confirm new password').fill(FINAL_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('forced-password-change')).toHaveCount(0);

    await page.goto(`${stack.baseURL}/settings/security`);
    await expect(page.getByTestId('two-factor-state')).toHaveText('Off');
    await expect(page.getByRole('button', { name: 'Set up two-factor' })).toBeVisible();
    // And sign-in is back to the password alone.
    await signOut(page);
    await page.getByLabel('Username').fill(OWNER);
    await page.getByLabel('Password', { exact: true }).fill(FINAL_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(accountMenu(page)).toBeVisible();
  });
});
