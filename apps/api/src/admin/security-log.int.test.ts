// The admin security log over real HTTP with a real database: the filters (group, user,
// severity, time range) alone and with the cursor, typed refusals for bad input, and the CSV
// export: owner only, confirmed password, audited, in words, formula cells defused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@jutsu/shared';
import { securityEventGroup } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';

let seq = 0;

describe('security log filters and export', () => {
  let h: Harness;
  let owner: TestBrowser;
  let ownerUserId: string;
  const open: TestBrowser[] = [];

  async function newUser(role: Role) {
    const username = `slog${++seq}x${Date.now() % 10_000}`;
    const user = await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    return { user, username, b };
  }

  /** Every page of a filtered list, following the cursor. */
  async function all(b: TestBrowser, filters: Parameters<TestBrowser['client']['admin']['securityEvents']['list']['query']>[0]) {
    const items: { id: string; type: string; severity: string; userId: string | null; createdAt: Date; details: Record<string, unknown> }[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<TestBrowser['client']['admin']['securityEvents']['list']['query']>> = await b.client.admin.securityEvents.list.query({ ...filters, limit: 100, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    h = await startHarness({ LOGIN_RATE_LIMIT: '1000' });
    // The oldest active administrator is the owner.
    ownerUserId = (await createAccount(h.services.prisma, { username: 'slog-owner', password: TEST_PASSWORD, role: 'admin' })).id;
    owner = new TestBrowser(h);
    open.push(owner);
    await owner.signedIn('slog-owner');
  });
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
  });

  it('filters by group (known types, unknown types by prefix, "other"), user and severity', async () => {
    const { user } = await newUser('viewer');
    const rec = (type: string, severity: 'info' | 'warning' | 'critical', userId: string | null = null) =>
      h.services.securityEvents.record({ type, severity, userId, details: { marker: 'groups' } });
    await rec('two_factor.backup_code_used', 'warning', user.id);
    await rec('two_factor.code_replayed', 'warning');
    await rec('passkey.added', 'warning', user.id);
    await rec('engine.halted_for_test', 'critical');
    await rec('mystery.thing', 'info', user.id);
    await rec('schwab.connected', 'warning');

    const second = await all(owner, { group: 'second_factor' });
    expect(second.length).toBeGreaterThanOrEqual(2);
    expect(second.every((e) => securityEventGroup(e.type) === 'second_factor')).toBe(true);
    expect(second.map((e) => e.type)).toEqual(expect.arrayContaining(['two_factor.backup_code_used', 'two_factor.code_replayed']));

    // A type with no words yet still lands in its prefix's group …
    expect((await all(owner, { group: 'engine' })).map((e) => e.type)).toEqual(['engine.halted_for_test']);
    // … and one whose prefix names no group, under Other.
    const other = await all(owner, { group: 'other' });
    expect(other.map((e) => e.type)).toContain('mystery.thing');
    expect(other.every((e) => securityEventGroup(e.type) === 'other')).toBe(true);

    const sign = await all(owner, { group: 'sign_in' });
    expect(sign.map((e) => e.type)).toContain('auth.login');
    expect(sign.every((e) => securityEventGroup(e.type) === 'sign_in')).toBe(true);

    const mine = await all(owner, { userId: user.id });
    expect(mine.every((e) => e.userId === user.id)).toBe(true);
    expect(mine.map((e) => e.type)).toEqual(expect.arrayContaining(['two_factor.backup_code_used', 'passkey.added', 'mystery.thing', 'auth.login']));

    const combined = await all(owner, { userId: user.id, group: 'second_factor', severity: 'warning' });
    expect(combined.map((e) => e.type)).toEqual(['two_factor.backup_code_used']);
    expect(await all(owner, { userId: user.id, group: 'schwab' })).toEqual([]);
  });

  it('filters by a time range (from inclusive, to exclusive), also across pages', async () => {
    const first = await h.services.securityEvents.record({ type: 'test.range', severity: 'info', details: { n: 0 } });
    const stored = [first];
    for (let n = 1; n < 6; n++) stored.push(await h.services.securityEvents.record({ type: 'test.range', severity: 'info', details: { n } }));
    const times = stored.map((e) => e.createdAt.getTime());
    // Timestamps come from the database clock; pick a boundary strictly inside the run.
    const cut = times.find((t) => t > times[0]!);
    expect(cut).toBeDefined();
    const at = new Date(cut!).toISOString();

    const after = await all(owner, { type: 'test.range', from: at });
    const before = await all(owner, { type: 'test.range', to: at });
    expect(after.length + before.length).toBe(6);
    expect(after.every((e) => e.createdAt.getTime() >= cut!)).toBe(true);
    expect(before.every((e) => e.createdAt.getTime() < cut!)).toBe(true);

    // Two per page: the cursor keeps the range.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof owner.client.admin.securityEvents.list.query>> = await owner.client.admin.securityEvents.list.query({ type: 'test.range', from: at, limit: 2, cursor });
      paged.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(after.map((e) => e.id));

    const window = await all(owner, { type: 'test.range', from: new Date(times[0]!).toISOString(), to: new Date(times[5]! + 1).toISOString() });
    expect(window).toHaveLength(6);
  });

  it('refuses malformed filters with BAD_REQUEST', async () => {
    const bad = [
      { group: 'nope' },
      { group: 'sign_in; drop table' },
      { from: 'yesterday' },
      { to: '2026-13-01T00:00:00Z' },
      { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { from: '2026-12-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { userId: 'not-a-uuid' },
      { severity: 'loud' },
    ];
    for (const input of bad) {
      const err = await failure(owner.client.admin.securityEvents.list.query(input as never));
      expect([input, err.data?.code, err.data?.httpStatus]).toEqual([input, 'BAD_REQUEST', 400]);
      const exp = await failure(owner.client.admin.securityEvents.export.mutate(input as never));
      expect([input, exp.data?.code]).toEqual([input, 'BAD_REQUEST']);
    }
  });

  it('exports the filtered log as CSV in words for the owner, formula cells defused, and audits it', async () => {
    const list = await owner.client.admin.securityEvents.list.query({ limit: 1 });
    expect(list.canExport).toBe(true);
    // Text an attacker controls (a user name typed at sign-in, a browser, a passkey name) must not run in a spreadsheet.
    await h.services.securityEvents.record({
      type: 'passkey.renamed',
      severity: 'info',
      username: '=HYPERLINK("http://evil.example","x")',
      userAgent: '+SUM(1,2)',
      ip: '@127.0.0.1',
      details: { name: '-2+3', outcome: 'success', note: 'a,"b"' },
    });
    await h.services.securityEvents.record({ type: 'two_factor.code_replayed', severity: 'warning', details: { method: 'totp', step: 59872515 } });

    const out = await owner.client.admin.securityEvents.export.mutate({ group: 'passkeys' });
    expect(out.contentType).toBe('text/csv');
    expect(out.filename).toMatch(/^security-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = out.csv.split('\r\n');
    expect(lines[0]).toBe('time_utc,event,type,group,severity,outcome,user,ip_address,browser,details');
    const row = lines.find((l) => l.includes('passkey.renamed'));
    expect(row).toBeDefined();
    expect(row).toContain(`,Passkey renamed,passkey.renamed,Passkeys,info,done,"'=HYPERLINK(""http://evil.example"",""x"")",'@127.0.0.1,"'+SUM(1,2)",`);
    // The sentence quotes the name, so it never starts a cell with "-".
    expect(row).toMatch(/,"Named “-2\+3”\. Other details: note “a,""b""”\."$/);
    // Only the group asked for.
    expect(out.csv).not.toContain('two_factor.code_replayed');
    expect(out.rowCount).toBe(lines.length - 2);

    const all2 = await owner.client.admin.securityEvents.export.mutate({ type: 'two_factor.code_replayed' });
    expect(all2.csv).toContain(',Code reused,two_factor.code_replayed,Second factor,warning,,');
    expect(all2.csv).not.toContain('59872515');

    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'security_log.exported', userId: ownerUserId }, orderBy: { id: 'asc' } });
    const ok = events.filter((e) => (e.details as { outcome?: string }).outcome === 'success');
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(ok.at(-1)!.details).toMatchObject({ filters: { type: 'two_factor.code_replayed' }, rowCount: all2.rowCount, truncated: false });
    expect(ok.at(-1)!.severity).toBe('warning');
  });

  it('refuses the export to other administrators (OWNER_ONLY), traders and viewers, and records the refusal', async () => {
    const admin = await newUser('admin');
    expect((await admin.b.client.admin.securityEvents.list.query({ limit: 1 })).canExport).toBe(false);
    const err = await failure(admin.b.client.admin.securityEvents.export.mutate({}));
    expect([err.data?.code, reasonOf(err)]).toEqual(['FORBIDDEN', 'OWNER_ONLY']);
    expect(err.message).not.toContain('time_utc');
    const refused = await h.services.prisma.securityEvent.findFirst({ where: { type: 'security_log.exported', userId: admin.user.id } });
    expect(refused?.details).toMatchObject({ outcome: 'failure', reason: 'OWNER_ONLY' });

    for (const role of ['trader', 'viewer'] as const) {
      const { b } = await newUser(role);
      const e = await failure(b.client.admin.securityEvents.export.mutate({}));
      expect([role, e.data?.code]).toEqual([role, 'FORBIDDEN']);
    }
  });

  it('asks the owner to confirm the password when the sign-in is old', async () => {
    await h.services.prisma.session.updateMany({ where: { userId: ownerUserId }, data: { authTime: new Date(Date.now() - 60 * 60_000) } });
    const err = await failure(owner.client.admin.securityEvents.export.mutate({}));
    expect(reasonOf(err)).toBe('REAUTH_REQUIRED');
    await owner.client.auth.reauthenticate.mutate({ password: TEST_PASSWORD });
    await expect(owner.client.admin.securityEvents.export.mutate({})).resolves.toMatchObject({ contentType: 'text/csv' });
  });

  it('hands the owner role to the next oldest administrator when the owner is disabled', async () => {
    const next = await newUser('admin');
    const third = await newUser('admin');
    // Two admins were created before `next` in this file; the oldest remaining takes over.
    const oldest = await h.services.prisma.user.findFirst({ where: { role: 'admin', disabledAt: null, id: { not: ownerUserId } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    await h.services.prisma.user.update({ where: { id: ownerUserId }, data: { disabledAt: new Date() } });
    try {
      const canExport = async (b: TestBrowser) => (await b.client.admin.securityEvents.list.query({ limit: 1 })).canExport;
      expect(await canExport(third.b)).toBe(oldest!.id === third.user.id);
      expect(await canExport(next.b)).toBe(oldest!.id === next.user.id);
    } finally {
      await h.services.prisma.user.update({ where: { id: ownerUserId }, data: { disabledAt: null } });
    }
  });
});
