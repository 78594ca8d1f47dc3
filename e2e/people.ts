// What a person does on the screen, shared by the specs: typing into the sign-in form, and
// the phone rule that the page itself never scrolls sideways.
import { expect, type Page } from '@playwright/test';

/** Types the credentials into the login page and presses Sign in (the answer is the caller's to check). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The page itself never scrolls sideways (wide content scrolls inside its own container). */
export async function expectNoSidewaysScroll(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return el.scrollWidth - el.clientWidth;
  });
  expect(overflow, `${label}: the page scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(1);
}
