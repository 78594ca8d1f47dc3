// "This wasn't me", as the owner meets it: a sign-in from a browser the account has not used
// before sends a mail (to a real SMTP server in this test) with a one-time link. Opening the
// link changes nothing; pressing the button signs out every session (the stranger's page goes
// to the login page live) and pauses password sign-in, which only the page holding the link can
// resume by choosing a new password; the link never works again.
import { expect, test, type Browser, type Page } from '../fixtures.ts';
import { mailText, startSmtp, type TestSmtp } from '../../apps/api/src/testing/smtp.ts';
import { keepLog } from '../leaks/keep.ts';
import { recordSecret } from '../leaks/ledger.ts';
import { startStack, type Stack } from '../stack.ts';
import { makeLocalCertificate } from '../tls.ts';

const OWNER = 'owner';
const PASSWORD = 'lantern orbit cactus meadow';
const NEW_PASSWORD = 'quiet harbour violin ember drift';

async function signInOnNewBrowser(browser: Browser, stack: Stack, password = PASSWORD): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stack.baseURL}/login`);
  await page.getByLabel('Username').fill(OWNER);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  return page;
}

test.describe('this wasn’t me', () => {
  let smtp: TestSmtp;
  let smtpLog = '';
  let stack: Stack;
  test.beforeAll(async () => {
    // Production mail needs TLS (STARTTLS required): the SMTP server offers it with a local
    // certificate the API is told to trust.
    const tls = makeLocalCertificate();
    smtp = await startSmtp({ tls, log: (line) => (smtpLog += `${line}\n`) });
    stack = await startStack({
      ADMIN_USERNAME: OWNER,
      ADMIN_PASSWORD: PASSWORD,
      NODE_EXTRA_CA_CERTS: tls.certFile,
      SMTP_HOST: 'localhost',
      SMTP_PORT: String(smtp.port),
      SECURITY_ALERT_EMAIL: 'owner@example.test',
    });
  });
  test.afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
    keepLog('smtp', smtpLog);
  });

  test('the mailed link does nothing until pressed, then signs out everyone, once; only its holder sets the new password', async ({ browser }) => {
    // The owner's usual browser: the account's first device, nothing is sent.
    const owner = await signInOnNewBrowser(browser, stack);
    await expect(owner.getByRole('button', { name: `Account menu for ${OWNER}` })).toBeVisible();
    expect(smtp.messages).toHaveLength(0);

    // Someone else signs in with the password from another browser.
    const stranger = await signInOnNewBrowser(browser, stack);
    await expect(stranger.getByRole('button', { name: `Account menu for ${OWNER}` })).toBeVisible();
    const mail = await smtp.waitFor(/new sign-in to your account/);
    expect(mail.to).toEqual(['owner@example.test']);
    const link = /(http\S+\/not-me\/[A-Za-z0-9_-]+)/.exec(mailText(mail.raw))?.[1];
    expect(link, 'the mail holds a not-me link').toBeTruthy();
    recordSecret('not-me token', new URL(link!).pathname.split('/').pop());
    expect(new URL(link!).origin).toBe(stack.baseURL);

    // Opening it (as a mail scanner would) changes nothing.
    await owner.goto(link!);
    await expect(owner.getByRole('heading', { name: 'Was this sign-in not you?' })).toBeVisible();
    await owner.reload();
    await expect(owner.getByRole('button', { name: 'It wasn’t me: sign out everywhere' })).toBeVisible();
    await stranger.reload();
    await expect(stranger.getByRole('button', { name: `Account menu for ${OWNER}` })).toBeVisible();
    await owner.screenshot({ path: 'test-results/not-me-page.png', fullPage: true });

    await owner.getByRole('button', { name: 'It wasn’t me: sign out everywhere' }).click();
    await expect(owner.getByRole('status')).toContainText('Every session of the account has been signed out');
    // The stranger's open page learns it at once.
    await expect(stranger).toHaveURL(/\/login/, { timeout: 15_000 });
    await expect(stranger.getByRole('alert').or(stranger.getByRole('status')).first()).toContainText('reported as not yours');

    // The stranger knows the password, but password sign-in waits for the link's holder.
    const blocked = await signInOnNewBrowser(browser, stack);
    await expect(blocked.getByRole('alert')).toContainText('Password sign-in is paused');

    // The owner chooses the new password on the page that holds the link.
    await owner.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await owner.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await owner.getByRole('button', { name: 'Set new password' }).click();
    await expect(owner.getByTestId('password-reset-done')).toBeVisible();
    // …and is told by mail that the password changed.
    await smtp.waitFor(/your password was changed/);

    // The link is spent.
    await owner.goto(link!);
    await owner.getByRole('button', { name: 'It wasn’t me: sign out everywhere' }).click();
    await expect(owner.getByRole('alert')).toContainText('This link is not valid any more');

    // The new password opens the account; the stranger's copy of the old one is worthless.
    const back = await signInOnNewBrowser(browser, stack, NEW_PASSWORD);
    await expect(back.getByRole('button', { name: `Account menu for ${OWNER}` })).toBeVisible();
    const again = await signInOnNewBrowser(browser, stack);
    await expect(again.getByRole('alert')).toContainText('Incorrect username or password.');
  });
});
