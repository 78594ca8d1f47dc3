// The foundation seen by a person: the app through nginx, with the live heartbeat. The status
// page stays public at /status; signed in, it is Settings → Server status (/settings/status),
// and "/" is the dashboard's Overview instead.
import { gzipSync } from 'node:zlib';
import { expect, test } from '../fixtures.ts';
import { startStack, type Stack } from '../stack.ts';

const OWNER = 'owner';
const PASSWORD = 'lantern orbit cactus meadow';

let stack: Stack;
test.beforeAll(async () => {
  stack = await startStack({ ADMIN_USERNAME: OWNER, ADMIN_PASSWORD: PASSWORD });
});
test.afterAll(async () => stack?.stop());

test('opens the app through nginx and sees the live heartbeat', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto(`${stack.baseURL}/status`);
  expect(res?.status()).toBe(200);
  // Signed out: reachable, and no version or deployment facts (those are for signed-in users).
  await expect(page.getByTestId('system-info')).toContainText('reachable');
  await expect(page.getByTestId('system-status-signed-out')).toBeVisible();
  await expect(page.getByTestId('system-info')).not.toContainText('PGlite');
  await expect(page.getByTestId('ws-status')).toHaveText(/connected/i);
  await expect(page.getByTestId('heartbeat')).toContainText(/beat #\d+/);
  const first = await page.getByTestId('heartbeat').textContent();
  await expect(page.getByTestId('heartbeat')).not.toHaveText(first ?? '', { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/status.png', fullPage: true });
  expect(violations).toEqual([]);
});

test('signed out, "/" asks to sign in; signed in, it is the Overview and status is under Settings', async ({ page }) => {
  await page.goto(`${stack.baseURL}/`);
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Username').fill(OWNER);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/overview$/);
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await nav.getByRole('link', { name: 'Server status', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/status$/);
  await expect(nav.getByRole('link', { name: 'Server status', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('system-info')).toContainText('reachable');
  await expect(page.getByTestId('ws-status')).toHaveText(/connected/i);
  // The old address still works for a signed-in person too.
  await page.goto(`${stack.baseURL}/status`);
  await expect(page.getByTestId('system-info')).toContainText('reachable');
});

test('the login page loads at most 200 KB of JavaScript (gzip) and none of the password-strength dictionaries', async ({ page }) => {
  // The budget of issue "speed and memory", measured as bench/run.mjs does (gzip level 9 of
  // each script), but on what the browser really fetched, lazy chunks included.
  const scripts: { url: string; body: Promise<Buffer> }[] = [];
  page.on('response', (res) => {
    if (res.request().resourceType() === 'script') scripts.push({ url: res.url(), body: res.body() });
  });
  await page.goto(`${stack.baseURL}/login`);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const sizes = await Promise.all(scripts.map(async (s) => ({ url: s.url, gzip: gzipSync(await s.body, { level: 9 }).length })));
  expect(sizes.length).toBeGreaterThan(0);
  expect(sizes.map((s) => s.url).filter((u) => /password-policy|zxcvbn/.test(u))).toEqual([]);
  const total = sizes.reduce((n, s) => n + s.gzip, 0);
  expect(total, sizes.map((s) => `${s.url} ${s.gzip}`).join('\n')).toBeLessThanOrEqual(200 * 1024);
});

test('nginx and the API both send the hardening headers', async ({ request }) => {
  for (const url of [`${stack.baseURL}/status`, `${stack.apiURL}/status`, `${stack.baseURL}/api/trpc/system.info`]) {
    const res = await request.get(url);
    const h = res.headers();
    expect(h['content-security-policy'], url).toContain("frame-ancestors 'none'");
    expect(h['x-content-type-options'], url).toBe('nosniff');
    expect(h['referrer-policy'], url).toBe('no-referrer');
    expect(h['permissions-policy'], url).toContain('camera=()');
    expect(h['x-frame-options'], url).toBe('DENY');
    // one value each, never duplicated by the proxy
    expect(h['content-security-policy']!.split("frame-ancestors").length, url).toBe(2);
  }
});

test('nginx refuses an oversized body and a dotfile', async ({ request }) => {
  const big = await request.post(`${stack.baseURL}/api/trpc/system.info`, { data: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
  expect(big.status()).toBe(413);
  expect((await request.get(`${stack.baseURL}/.env`)).status()).toBe(404);
});
