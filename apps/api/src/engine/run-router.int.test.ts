// engine.runs / engine.preview / engine.runNow over real HTTP: viewers read, traders preview
// and run, a viewer's attempt changes nothing, and a run already in progress is a typed error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryAdvisoryLock } from '@jutsu/db';
import type { Role } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { QUOTES_KEY } from '../schwab/sync.ts';
import { failure, reasonOf, TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import { startHarness, type Harness } from '../testing/harness.ts';

describe('engine run procedures', { timeout: 240_000 }, () => {
  let h: Harness;
  const open: TestBrowser[] = [];
  let seq = 0;

  beforeAll(async () => {
    h = await startHarness();
    const at = new Date().toISOString();
    const value = { SPY: { last: '500', bid: '499.90', ask: '500.10', close: '500', at }, QQQ: { last: '400', bid: '399.80', ask: '400.20', close: '400', at } };
    await h.services.prisma.systemState.create({ data: { key: QUOTES_KEY, value } });
  }, 300_000);
  afterAll(async () => {
    for (const b of open) b.close();
    await h?.close();
  });

  async function user(role: Role): Promise<TestBrowser> {
    const username = `${role}${++seq}`;
    await createAccount(h.services.prisma, { username, password: TEST_PASSWORD, role });
    const b = new TestBrowser(h);
    open.push(b);
    await b.signedIn(username);
    return b;
  }

  it('a viewer may read runs but not preview or start one; nothing is written', async () => {
    const viewer = await user('viewer');
    expect(await viewer.client.engine.runs.query()).toEqual([]);
    for (const call of [() => viewer.client.engine.preview.mutate(), () => viewer.client.engine.runNow.mutate()]) {
      const err = await failure(call());
      expect(err.data?.code).toBe('FORBIDDEN');
    }
    expect(await h.services.prisma.engineRun.count()).toBe(0);
  });

  it('a trader previews (a dry run: intents shown, nothing created) and runs now (refused while the engine is stopped)', async () => {
    const trader = await user('trader');
    const preview = await trader.client.engine.preview.mutate();
    expect(preview).toMatchObject({ dryRun: true, status: 'preview', refusal: 'ENGINE_NOT_RUNNING', trigger: 'manual', mode: 'paper' });
    expect(preview.intents.map((i) => [i.symbol, i.side, i.quantity, i.intendedPrice, i.status])).toEqual([
      ['SPY', 'BUY', '19', '500.1', 'preview'],
      ['QQQ', 'BUY', '24', '400.2', 'preview'],
    ]);
    const run = await trader.client.engine.runNow.mutate();
    expect(run).toMatchObject({ dryRun: false, status: 'refused', refusal: 'ENGINE_NOT_RUNNING', actor: `user:trader${seq}` });
    expect(await h.services.prisma.orderIntent.count()).toBe(0);
    const runs = await trader.client.engine.runs.query({ limit: 10 });
    expect(runs.map((r) => r.id)).toEqual([run.id, preview.id]);
    expect((await trader.client.engine.runs.query({ includeDryRuns: false })).map((r) => r.id)).toEqual([run.id]);
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const audit = await h.services.prisma.securityEvent.findMany({ where: { type: 'engine.run_requested' } });
    expect(audit).toHaveLength(1);
  });

  it('a run already in progress (the engine.run lock held elsewhere) is a typed CONFLICT, and writes no run', async () => {
    const trader = await user('trader');
    const before = await h.services.prisma.engineRun.count();
    const held = await tryAdvisoryLock(h.services.db.sql, 'engine.run', async () => {
      const err = await failure(trader.client.engine.runNow.mutate());
      expect(err.data?.code).toBe('CONFLICT');
      expect(reasonOf(err)).toBe('RUN_IN_PROGRESS');
    });
    expect(held.acquired).toBe(true);
    expect(await h.services.prisma.engineRun.count()).toBe(before);
  });

  it('refuses malformed input to engine.runs', async () => {
    const viewer = await user('viewer');
    for (const input of [{ limit: 0 }, { limit: 51 }, { limit: 5, extra: true }]) {
      const err = await failure(viewer.client.engine.runs.query(input as never));
      expect(err.data?.code).toBe('BAD_REQUEST');
    }
  });
});
