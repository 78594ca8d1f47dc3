// Passkeys as a person uses them, with Chromium's virtual authenticator (CDP WebAuthn) standing
// in for the device: add one in Settings → Security, sign out, sign in with it and no username,
// rename it, remove it, and see that it no longer signs in, although the device still holds it.
//
// About the login page's autofill request (conditional mediation): the virtual authenticator
// answers it at once, as if the person had picked the passkey from the username field's
// suggestions. Where a step is about the button, presence simulation is switched off first, so
// the autofill request stays pending like a real one nobody has chosen from yet; one step
// leaves it on to check the autofill sign-in itself.
import { expect, test, type CDPSession, type Page } from '../fixtures.ts';
import { startStack, type Stack } from '../stack.ts';

const OWNER = 'owner';
const PASSWORD = 'lantern orbit cactus meadow';

/** Resolves once the login page's autofill request has its options (it is pending right after). */
const autofillOptions = (page: Page) => page.waitForResponse((r) => r.url().includes('/passkey.authenticationOptions'));

/**
 * Watches the page's WebAuthn requests without changing them: each start, abort and end, so
 * the test can see the autofill request cancelled when the page is left or the button is used.
 */
function recordWebAuthnRequests() {
  const log: string[] = [];
  (window as unknown as { webauthnLog: string[] }).webauthnLog = log;
  const get = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options?: CredentialRequestOptions) => {
    const kind = options?.mediation === 'conditional' ? 'autofill' : 'prompt';
    log.push(`${kind}:start`);
    options?.signal?.addEventListener('abort', () => log.push(`${kind}:aborted`));
    return get(options).then(
      (credential) => {
        log.push(`${kind}:answered`);
        return credential;
      },
      (error: unknown) => {
        log.push(`${kind}:failed`);
        throw error;
      },
    );
  };
}
const webauthnLog = (page: Page) => page.evaluate(() => (window as unknown as { webauthnLog: string[] }).webauthnLog.join(' '));

const accountMenu = (page: Page) => page.getByRole('button', { name: `Account menu for ${OWNER}` });

async function signOut(page: Page) {
  await accountMenu(page).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

// Short enough to wait out in step 6; long enough for steps 1–2 to add the passkey without one.
const STEP_UP_WINDOW_S = 15;

test.describe('passkeys', () => {
  let stack: Stack;
  test.beforeAll(async () => {
    stack = await startStack({ ADMIN_USERNAME: OWNER, ADMIN_PASSWORD: PASSWORD, STEP_UP_MAX_AGE_SECONDS: String(STEP_UP_WINDOW_S) });
  });
  test.afterAll(async () => stack?.stop());

  test('add in Settings, sign in without a username, rename, remove, and refused afterwards', async ({ page }) => {
    test.setTimeout(120_000);
    const cdp: CDPSession = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.addInitScript(recordWebAuthnRequests);
    const presence = (enabled: boolean) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

    // 1. Password sign-in; the username field offers passkeys (autofill), the request waits.
    await presence(false);
    const firstAutofill = autofillOptions(page);
    await page.goto(`${stack.baseURL}/login`);
    await expect(page.getByLabel('Username')).toHaveAttribute('autocomplete', 'username webauthn');
    await firstAutofill;
    await page.getByLabel('Username').fill(OWNER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(accountMenu(page)).toBeVisible();
    // Leaving the login page cancelled its pending autofill request.
    await expect.poll(() => webauthnLog(page)).toBe('autofill:start autofill:aborted autofill:failed');

    // 2. Add a passkey (the sign-in just now is recent: no confirmation asked).
    await presence(true);
    await accountMenu(page).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const section = page.getByTestId('passkeys-section');
    await expect(section.getByTestId('passkeys-empty')).toBeVisible();
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(section.getByText('Give the passkey a name')).toBeVisible();
    await section.getByLabel('Passkey name').fill('Work laptop');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(section.getByRole('status')).toContainText('Passkey “Work laptop” added.');
    const rows = section.getByTestId('passkey-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Work laptop');
    await expect(rows.first().getByTestId('passkey-last-used')).toHaveText('Not used yet');
    const held = await credentials();
    expect(held).toHaveLength(1);
    expect(held[0]!.isResidentCredential).toBe(true);
    expect(held[0]!.rpId).toBe('localhost');

    // 3. Sign out; sign in with the passkey alone: no username, no password.
    await presence(false);
    let autofillPending = autofillOptions(page);
    await signOut(page);
    await autofillPending;
    await page.waitForTimeout(300); // the browser has the autofill request now, unanswered
    await expect(accountMenu(page)).toHaveCount(0);
    await expect(page.getByLabel('Username')).toHaveValue('');
    await page.screenshot({ path: 'test-results/passkey-login.png' });
    await presence(true);
    const before = (await webauthnLog(page)).length;
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(accountMenu(page)).toBeVisible();
    await expect(page).toHaveURL(/\/settings\/security$/);
    // The button cancelled the pending autofill request before opening its own prompt.
    expect((await webauthnLog(page)).slice(before).trim()).toBe('autofill:aborted autofill:failed prompt:start prompt:answered');
    await expect(rows.first().getByTestId('passkey-last-used')).not.toHaveText('Not used yet');

    // 4. Rename it.
    await rows.first().getByRole('button', { name: 'Rename' }).click();
    const renameDialog = page.getByRole('dialog', { name: 'Rename passkey' });
    await renameDialog.getByLabel('New name').fill('Desk key');
    await page.screenshot({ path: 'test-results/passkey-rename.png', animations: 'disabled' });
    await renameDialog.getByRole('button', { name: 'Save name' }).click();
    await expect(renameDialog).toBeHidden();
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Desk key');
    await expect(section.getByRole('status')).toContainText('Passkey renamed to “Desk key”.');
    await section.screenshot({ path: 'test-results/passkeys-settings.png' });

    // 5. Autofill: on the login page the person picks the passkey from the username field's
    //    suggestions (the virtual authenticator answers the pending request), no click needed.
    const autofilled = page.waitForResponse((r) => r.url().includes('/api/auth/passkey.authenticate'));
    await accountMenu(page).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    expect((await autofilled).status()).toBe(200);
    await expect(accountMenu(page)).toBeVisible();
    await expect(page).toHaveURL(/\/settings\/security$/);

    // 6. Remove it once the sign-in is no longer recent (the server runs with a 15 s step-up
    //    window instead of 10 minutes): the server asks for a confirmation, given with the passkey.
    await page.waitForTimeout((STEP_UP_WINDOW_S + 1) * 1000);
    await rows.first().getByRole('button', { name: 'Remove' }).click();
    const removeDialog = page.getByRole('dialog', { name: 'Remove this passkey?' });
    await expect(removeDialog).toContainText('Desk key will no longer sign you in');
    await page.screenshot({ path: 'test-results/passkey-remove-confirm.png', animations: 'disabled' });
    await removeDialog.getByRole('button', { name: 'Remove passkey' }).click();
    const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
    await expect(stepUp).toBeVisible();
    await page.screenshot({ path: 'test-results/passkey-step-up.png', animations: 'disabled' });
    await stepUp.getByRole('button', { name: 'Use a passkey instead' }).click();
    await expect(stepUp).toBeHidden();
    await expect(section.getByRole('status')).toContainText('Passkey “Desk key” removed.');
    await expect(rows).toHaveCount(0);
    await expect(section.getByTestId('passkeys-empty')).toBeVisible();

    // 7. The device still holds the passkey, the server refuses it: no sign-in.
    expect(await credentials()).toHaveLength(1);
    await presence(false);
    autofillPending = autofillOptions(page);
    await signOut(page);
    await autofillPending;
    await page.waitForTimeout(300);
    await presence(true);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const refused = page.getByTestId('passkey-sign-in-error');
    await expect(refused).toBeVisible();
    await expect(refused).toHaveAttribute('role', 'alert');
    await expect(refused).toContainText('Passkey not accepted');
    await page.waitForTimeout(1_000);
    await expect(accountMenu(page)).toHaveCount(0);
    await expect(page).toHaveURL(/\/login/);
    await page.screenshot({ path: 'test-results/passkey-login-refused.png' });

    // The password still works.
    await page.getByLabel('Username').fill(OWNER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(accountMenu(page)).toBeVisible();
  });
});
