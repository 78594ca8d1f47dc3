// system.info tells anonymous callers only what the sign-in page needs; version and
// deployment facts (system.status) are for signed-in users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../auth/accounts.ts';
import { failure, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { createClient, startHarness, type Harness } from '../testing/harness.ts';
import { VERSION } from '../services.ts';

describe('system procedures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('tells an anonymous caller only the name and whether setup is pending', async () => {
    const { client, close } = createClient(h);
    expect(await client.system.info.query()).toEqual({ name: 'Jutsu Labs', bootstrapPending: true, demo: false });
    close();
    const raw = await (await fetch(`${h.url}/api/trpc/system.info`)).text();
    expect(raw).not.toContain(VERSION);
    expect(raw).not.toMatch(/pglite|postgres|uptime|environment|serverTime/i);
  });

  it('refuses system.status without a session', async () => {
    const { client, close } = createClient(h);
    const err = await failure(client.system.status.query());
    close();
    expect(err.data?.code).toBe('UNAUTHORIZED');
  });

  it('gives a signed-in user the version and deployment facts', async () => {
    await createAccount(h.services.prisma, { username: 'watcher', password: TEST_PASSWORD, role: 'viewer' });
    const b = new TestBrowser(h);
    await b.signedIn('watcher');
    const status = await b.client.system.status.query();
    b.close();
    expect(status).toMatchObject({ version: VERSION, environment: 'test', database: h.services.db.kind });
    expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(await b.client.system.info.query()).toEqual({ name: 'Jutsu Labs', bootstrapPending: false, demo: false });
  });
});
