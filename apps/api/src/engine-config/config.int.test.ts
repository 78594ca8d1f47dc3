// Configuration with history against a real database: values outside the schema are refused
// with nothing written, every change and revert is a history row that the database itself
// keeps append-only, concurrent changes from two instances chain their old and new values,
// and only an admin with a recent sign-in may change anything.
import { openDatabase, type Database } from '@jutsu/db';
import { testDatabaseKind } from '@jutsu/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccount } from '../auth/accounts.ts';
import type { UserActor } from '../security/actor.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { startHarness, type Harness } from '../testing/harness.ts';
import { readEffectiveConfig } from './effective.ts';
import { ConfigError, history, MAX_VALUE_BYTES, revertConfig, setConfig, type ConfigDeps } from './service.ts';

let h: Harness;
let deps: ConfigDeps;
let admin: UserActor;

function depsOf(prisma: ConfigDeps['prisma']): ConfigDeps {
  return { prisma, securityEvents: h.services.securityEvents, publish: (e) => h.services.liveBus.publish(e) };
}

async function counts() {
  const p = h.services.prisma;
  const [overrides, rows, events] = await Promise.all([p.configOverride.count(), p.configHistory.count(), p.securityEvent.count({ where: { type: 'config.changed' } })]);
  return { overrides, rows, events };
}

async function refusedCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConfigError) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function reset() {
  // config_history is append-only, so each test starts from a fresh baseline of counts instead.
  await h.services.prisma.configOverride.deleteMany();
}

beforeAll(async () => {
  h = await startHarness();
  deps = depsOf(h.services.prisma);
  const user = await createAccount(h.services.prisma, { username: 'cfgadmin', password: TEST_PASSWORD, role: 'admin' });
  admin = { kind: 'user', userId: user.id, username: user.username, ip: '127.0.0.1', userAgent: 'test' };
});
afterAll(async () => h?.close());
beforeEach(reset);

describe('values outside the schema', () => {
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['integer over its maximum', 'strategy.max_orders_per_run', 101, /a whole number from 1 to 100/],
    ['integer that is not whole', 'guards.max_slippage_bps', 1.5, /a whole number from 1 to 1000/],
    ['integer as a string', 'guards.max_slippage_bps', '50', /a whole number/],
    ['decimal with letters', 'strategy.drift_band_pct', '5abc', /non-negative decimal/],
    ['decimal as a float', 'strategy.drift_band_pct', 5, /a decimal in a string/],
    ['decimal over its maximum', 'strategy.drift_band_pct', '50.00000001', /between 0 and 50/],
    ['enum value not allowed', 'schedule.trade_slot', '12:00', /expected one of .*15:45/],
    ['targets summing over 100', 'strategy.targets', { SPY: '60', QQQ: '40.5' }, /more than 100/],
    ['targets with a lower-case symbol', 'strategy.targets', { spy: '10' }, /spy: an upper-case ticker/],
    ['targets with too many symbols', 'strategy.targets', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`S${i}`, '1'])), /at most 50 symbols/],
    ['oversized value', 'strategy.drift_band_pct', '1'.repeat(MAX_VALUE_BYTES + 1), /too large/],
    ['unknown key', 'strategy.leverage', 2, /Unknown configuration key/],
  ];

  it.each(cases)('refuses %s with the schema message, writing nothing', async (_name, key, value, message) => {
    const before = await counts();
    const err = await setConfig(deps, admin, { key, value, reason: 'testing the schema' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    expect((err as ConfigError).message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('refuses a missing, short or oversized reason, writing nothing', async () => {
    const before = await counts();
    for (const reason of ['', ' a ', 'x'.repeat(501)]) {
      expect(await refusedCode(setConfig(deps, admin, { key: 'strategy.drift_band_pct', value: '4', reason }))).toBe('CONFIG_INVALID');
    }
    expect(await counts()).toEqual(before);
  });
});

describe('set, history and revert', () => {
  it('records old and new value, who and why, applies to the next read, and reverts as a new row', async () => {
    const before = await counts();
    const first = await setConfig(deps, admin, { key: 'strategy.drift_band_pct', value: '07.50', reason: 'wider band' });
    expect(first).toMatchObject({ key: 'strategy.drift_band_pct', oldValue: '5', newValue: '7.5', changedBy: 'cfgadmin', reason: 'wider band' });
    expect((await readEffectiveConfig(h.services.prisma))['strategy.drift_band_pct']).toBe('7.5');

    // The same value in another spelling changes nothing and is refused.
    expect(await refusedCode(setConfig(deps, admin, { key: 'strategy.drift_band_pct', value: '7.5000', reason: 'again' }))).toBe('CONFIG_UNCHANGED');

    const second = await setConfig(deps, admin, { key: 'strategy.drift_band_pct', value: '3', reason: 'narrower band' });
    expect(second).toMatchObject({ oldValue: '7.5', newValue: '3' });

    // "Go back to this version": the value #first recorded as new.
    const reverted = await revertConfig(deps, admin, { historyId: first.id, reason: 'too many trades' });
    expect(reverted).toMatchObject({ oldValue: '3', newValue: '7.5', reason: `revert to #${first.id}: too many trades` });
    expect((await readEffectiveConfig(h.services.prisma))['strategy.drift_band_pct']).toBe('7.5');

    const page = await history(deps, { key: 'strategy.drift_band_pct', limit: 2 });
    expect(page.rows.map((r) => r.id)).toEqual([reverted.id, second.id]);
    expect(page.rows[0]).toMatchObject({ changedBy: 'cfgadmin', oldValue: '3', newValue: '7.5' });
    expect(page.nextCursor).toBe(second.id);
    const next = await history(deps, { key: 'strategy.drift_band_pct', cursor: page.nextCursor!, limit: 2 });
    expect(next.rows.map((r) => r.id)).toEqual([first.id]);
    expect(next.nextCursor).toBeNull();

    const after = await counts();
    expect(after.rows - before.rows).toBe(3);
    expect(after.events - before.events).toBe(3);
    const event = await h.services.prisma.securityEvent.findFirst({ where: { type: 'config.changed' }, orderBy: { id: 'desc' } });
    expect(event).toMatchObject({ severity: 'warning', userId: admin.userId, details: { key: 'strategy.drift_band_pct', from: '3', to: '7.5', revertOf: first.id } });
    const live = await h.services.db.sql.query<{ payload: { key: string; historyId: string } }>(`SELECT payload FROM live_events WHERE type = 'config.changed' ORDER BY id DESC LIMIT 1`);
    expect(live[0]?.payload).toMatchObject({ key: 'strategy.drift_band_pct', historyId: reverted.id });
  });

  it('setting the default removes the override and still appends a history row', async () => {
    await setConfig(deps, admin, { key: 'schedule.trade_slot', value: '09:45', reason: 'morning run' });
    expect(await h.services.prisma.configOverride.count({ where: { key: 'schedule.trade_slot' } })).toBe(1);
    const back = await setConfig(deps, admin, { key: 'schedule.trade_slot', value: '15:45', reason: 'back to default' });
    expect(back).toMatchObject({ oldValue: '09:45', newValue: '15:45' });
    expect(await h.services.prisma.configOverride.count({ where: { key: 'schedule.trade_slot' } })).toBe(0);
    expect((await readEffectiveConfig(h.services.prisma))['schedule.trade_slot']).toBe('15:45');
  });

  it('stores targets canonically and refuses a revert to a value that no longer fits', async () => {
    const t = await setConfig(deps, admin, { key: 'strategy.targets', value: { VTI: '50.0', BND: '040' }, reason: 'new mix' });
    expect(t.newValue).toEqual({ BND: '40', VTI: '50' });
    // A row whose recorded value the schema no longer accepts (written by an older version).
    const legacy = await h.services.prisma.configHistory.create({ data: { key: 'strategy.targets', oldValue: {}, newValue: { SPY: '80', QQQ: '80' }, reason: 'old' } });
    const before = await counts();
    expect(await refusedCode(revertConfig(deps, admin, { historyId: legacy.id.toString(), reason: 'go back' }))).toBe('CONFIG_INVALID');
    expect(await refusedCode(revertConfig(deps, admin, { historyId: '999999999', reason: 'go back' }))).toBe('CONFIG_HISTORY_NOT_FOUND');
    expect(await counts()).toEqual(before);
  });
});

describe('config_history at the database level', () => {
  it('refuses a raw UPDATE and DELETE', async () => {
    const row = await setConfig(deps, admin, { key: 'paper.slippage_bps', value: 7, reason: 'more realistic fills' });
    const sql = h.services.db.sql;
    await expect(sql.query(`UPDATE config_history SET reason = 'edited' WHERE id = $1`, [row.id])).rejects.toThrow(/append-only/);
    await expect(sql.query(`DELETE FROM config_history WHERE id = $1`, [row.id])).rejects.toThrow(/append-only/);
    await expect(h.services.prisma.configHistory.deleteMany()).rejects.toThrow();
    const kept = await h.services.prisma.configHistory.findUnique({ where: { id: BigInt(row.id) } });
    expect(kept?.reason).toBe('more realistic fills');
  });
});

describe('two instances changing one key at once', () => {
  let second: Database | undefined;
  afterAll(async () => second?.close());

  it('chain their history: each old value is the previous new value', async () => {
    // On PostgreSQL the second instance has its own connection pool; PGlite is one database.
    if (testDatabaseKind() === 'postgres') second = await openDatabase({ url: h.db.url! });
    const other = depsOf(second?.prisma ?? h.services.prisma);
    const values = Array.from({ length: 12 }, (_, i) => String(10 + i));
    const results = await Promise.all(values.map((v, i) => setConfig(i % 2 ? other : deps, admin, { key: 'strategy.min_trade_usd', value: v, reason: `change ${i}` })));
    expect(results).toHaveLength(values.length);
    const rows = await h.services.prisma.configHistory.findMany({ where: { key: 'strategy.min_trade_usd' }, orderBy: { id: 'asc' } });
    const recent = rows.slice(-values.length);
    expect(recent[0]!.oldValue).toBe('100');
    for (let i = 1; i < recent.length; i++) expect(recent[i]!.oldValue).toBe(recent[i - 1]!.newValue);
    expect((await readEffectiveConfig(h.services.prisma))['strategy.min_trade_usd']).toBe(recent.at(-1)!.newValue);
  });
});

describe('config.* procedures', () => {
  const browsers: TestBrowser[] = [];
  async function signedIn(username: string, role: 'admin' | 'trader' | 'viewer') {
    await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    browsers.push(b);
    await b.signedIn(username);
    return b;
  }
  afterAll(() => browsers.forEach((b) => b.close()));

  it('lets a viewer read but not set; a trader cannot set either', async () => {
    const viewer = await signedIn('cfgviewer', 'viewer');
    const entries = await viewer.client.config.effective.query();
    expect(entries.map((e) => e.key)).toContain('strategy.drift_band_pct');
    expect(entries.find((e) => e.key === 'strategy.drift_band_pct')).toMatchObject({ value: '5', default: '5', overridden: false, schema: { type: 'decimal', min: '0', max: '50' } });
    await expect(viewer.client.config.history.query({})).resolves.toMatchObject({ rows: expect.any(Array) });
    // What the SPA's infinite query sends; anything else beside the contract's fields is refused.
    await expect(viewer.client.config.history.query({ limit: 5, direction: 'forward' })).resolves.toMatchObject({ rows: expect.any(Array) });
    expect((await failure(viewer.client.config.history.query({ limit: 5, extra: 1 } as never))).data?.code).toBe('BAD_REQUEST');
    const trader = await signedIn('cfgtrader', 'trader');
    const before = await counts();
    for (const b of [viewer, trader]) {
      const err = await failure(b.client.config.set.mutate({ key: 'strategy.drift_band_pct', value: '6', reason: 'not allowed' }));
      expect(err.data?.code).toBe('FORBIDDEN');
      expect((await failure(b.client.config.revert.mutate({ historyId: '1', reason: 'not allowed' }))).data?.code).toBe('FORBIDDEN');
    }
    expect(await counts()).toEqual(before);
  });

  it('lets an admin set and revert with a recent sign-in, and refuses a stale one', async () => {
    const b = await signedIn('cfgadmin2', 'admin');
    const set = await b.client.config.set.mutate({ key: 'guards.max_slippage_bps', value: 40, reason: 'tighter guard' });
    expect(set).toMatchObject({ oldValue: 50, newValue: 40, changedBy: 'cfgadmin2' });
    const entries = await b.client.config.effective.query();
    expect(entries.find((e) => e.key === 'guards.max_slippage_bps')).toMatchObject({ value: 40, default: 50, overridden: true });

    const bad = await failure(b.client.config.set.mutate({ key: 'guards.max_slippage_bps', value: 5000, reason: 'way too loose' }));
    expect(bad.data?.code).toBe('BAD_REQUEST');
    expect(reasonOf(bad)).toBe('CONFIG_INVALID');
    expect(bad.message).toMatch(/Slippage guard/);
    const unknownKey = await failure(b.client.config.set.mutate({ key: 'nope' as 'guards.max_slippage_bps', value: 1, reason: 'unknown key' }));
    expect(unknownKey.data?.code).toBe('BAD_REQUEST');
    const longReason = await failure(b.client.config.set.mutate({ key: 'guards.max_slippage_bps', value: 41, reason: 'x'.repeat(501) }));
    expect(longReason.data?.code).toBe('BAD_REQUEST');
    expect((await failure(b.client.config.set.mutate({ key: 'guards.max_slippage_bps', value: 40, reason: 'same value' }))).data?.code).toBe('BAD_REQUEST');
    expect((await failure(b.client.config.revert.mutate({ historyId: '987654321', reason: 'no such row' }))).data?.code).toBe('NOT_FOUND');
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'config.set_refused', username: 'cfgadmin2' } })).toBe(4);

    await h.services.prisma.session.updateMany({ where: { user: { username: 'cfgadmin2' } }, data: { authTime: new Date(Date.now() - 16 * 60_000) } });
    const before = await counts();
    expect(reasonOf(await failure(b.client.config.set.mutate({ key: 'guards.max_slippage_bps', value: 45, reason: 'stale sign-in' })))).toBe('REAUTH_REQUIRED');
    expect(reasonOf(await failure(b.client.config.revert.mutate({ historyId: set.id, reason: 'stale sign-in' })))).toBe('REAUTH_REQUIRED');
    expect(await counts()).toEqual(before);

    await b.client.auth.reauthenticate.mutate({ password: TEST_PASSWORD });
    await b.client.config.set.mutate({ key: 'guards.max_slippage_bps', value: 45, reason: 'after confirming' });
    const reverted = await b.client.config.revert.mutate({ historyId: set.id, reason: 'back to 40' });
    expect(reverted).toMatchObject({ oldValue: 45, newValue: 40 });
    const page = await b.client.config.history.query({ key: 'guards.max_slippage_bps', limit: 10 });
    expect(page.rows.map((r) => r.newValue)).toEqual([40, 45, 40]);
    expect((await readEffectiveConfig(h.services.prisma))['guards.max_slippage_bps']).toBe(40);
  });
});
