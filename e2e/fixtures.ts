// The `test` every spec imports: Playwright's, with each browser context watched for the
// secrets it sends and receives (leaks/watch.ts), whether it is the default one or made by
// the spec with browser.newContext().
import { test as base, type Browser, type BrowserContext } from '@playwright/test';
import { settle, watchContext } from './leaks/watch.ts';

export { expect } from '@playwright/test';
export type { Browser, BrowserContext, CDPSession, Locator, Page } from '@playwright/test';

const patched = new WeakSet<Browser>();

function watchNewContexts(browser: Browser): void {
  if (patched.has(browser)) return;
  patched.add(browser);
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
    const context = await newContext(...args);
    watchContext(context);
    const close = context.close.bind(context);
    context.close = async (...closeArgs: Parameters<BrowserContext['close']>) => {
      await settle(context);
      return close(...closeArgs);
    };
    return context;
  };
  browser.newPage = async (...args: Parameters<Browser['newPage']>) => (await browser.newContext(...args)).newPage();
}

export const test = base.extend<object, { watchBrowser: void }>({
  context: async ({ context }, use) => {
    watchContext(context);
    await use(context);
    await settle(context);
  },
  watchBrowser: [
    async ({ browser }, use) => {
      watchNewContexts(browser);
      await use();
    },
    { scope: 'worker', auto: true },
  ],
});
