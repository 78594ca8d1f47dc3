// The engine's state machine over a real database: every transition of ENGINE_TRANSITIONS
// taken by the least role it names and refused to the role below, every other (action, state)
// pair refused as INVALID_TRANSITION with nothing written; two service instances racing over
// one database; the system halts (Schwab reauth, the kill switch with its cancel failing);
// and the transitions table refusing UPDATE and DELETE in the database itself.
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '@jutsu/db';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '@jutsu/db/testing';
import { ENGINE_ACTIONS, ENGINE_STATES, ENGINE_TRANSITIONS, findTransition, type EngineAction, type EngineState, type Role } from '@jutsu/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveBus } from '../http/live-bus.ts';
import { createLogger } from '../logger.ts';
import { systemActor, type UserActor } from '../security/actor.ts';
import { Keyring } from '../security/keyring.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { readStatus } from '../schwab/connection.ts';
import { checkSchwabExpiry } from '../schwab/expiry.ts';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { storeIssuedTokens, testDeps, TestClock } from '../schwab/testing.ts';
import type { SyncDeps } from '../schwab/sync.ts';
import { TOKEN_ROW_ID } from '../schwab/token-broker.ts';
import { actionFor, controlEngine, EngineStateError, haltForAuth, setEngineMode, tripKillSwitch, type EngineStateDeps } from './state.ts';
import { ENGINE_STATE_KEY, readEngineState } from './state-store.ts';

const keyring = Keyring.parse(`s1:${Buffer.alloc(32, 7).toString('base64')}`);
const logger = createLogger({ level: 'silent' });
const LOWER: Record<Role, Role | null> = { admin: 'trader', trader: 'viewer', viewer: null };

describe('engine state machine', () => {
  let db: TestDatabase;
  let fake: FakeSchwab;
  let schwab: SyncDeps;
  let deps: EngineStateDeps;
  const clock = new TestClock();
  const users = {} as Record<Role, UserActor>;

  function engineDeps(database: Database, extra: Partial<EngineStateDeps> = {}): EngineStateDeps {
    return {
      prisma: database.prisma,
      securityEvents: new SecurityEvents(database.prisma, { secretKey: 'k'.repeat(48) }),
      liveBus: new LiveBus(database.sql, logger),
      logger,
      schwabState: async () => (await readStatus({ ...schwab, prisma: database.prisma })).state,
      ...extra,
    };
  }

  /** Puts the engine in `state` as a fixture (the transitions table is not touched). */
  async function seed(state: EngineState) {
    const value = { state, since: new Date().toISOString(), reason: 'fixture', changedBy: 'test' };
    await db.prisma.systemState.upsert({ where: { key: ENGINE_STATE_KEY }, create: { key: ENGINE_STATE_KEY, value }, update: { value } });
  }

  /** Everything a transition writes, to prove a refusal wrote nothing. */
  async function snapshot() {
    return {
      transitions: await db.prisma.engineTransition.count(),
      state: await db.prisma.systemState.findMany({ where: { key: { startsWith: 'engine.' } }, orderBy: { key: 'asc' } }),
      events: await db.prisma.securityEvent.count({ where: { type: { startsWith: 'engine.' } } }),
      live: await db.prisma.liveEvent.count({ where: { topic: 'engine' } }),
    };
  }

  async function refusal(p: Promise<unknown>): Promise<EngineStateError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof EngineStateError)) throw new Error(`expected an EngineStateError, got ${String(err)}`);
    return err;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = new FakeSchwab({ now: () => clock.ms });
    await fake.start();
    schwab = testDeps({ db, keyring, fake, clock });
    await storeIssuedTokens(schwab, fake, clock);
    deps = engineDeps(db);
    for (const role of ['admin', 'trader', 'viewer'] as const) {
      const u = await db.prisma.user.create({ data: { username: `${role}-${randomBytes(3).toString('hex')}`, role } });
      users[role] = { kind: 'user', userId: u.id, username: u.username, ip: '203.0.113.9', userAgent: 'test' };
    }
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  describe('every allowed transition, by the least role it names', () => {
    it.each(ENGINE_TRANSITIONS.map((t) => [`${t.action} from ${t.from}`, t] as const))('%s', async (_name, t) => {
      await seed(t.from);
      const lower = LOWER[t.role];
      if (lower) {
        const before = await snapshot();
        expect((await refusal(controlEngine(deps, users[lower], { action: t.action, reason: 'not my call' }))).code).toBe('FORBIDDEN');
        expect(await snapshot()).toEqual(before);
      }
      const before = await snapshot();
      const res = await controlEngine(deps, users[t.role], { action: t.action, reason: `test ${t.action}` });
      expect(res).toMatchObject({ changed: true, engine: { state: t.to, reason: `test ${t.action}`, changedBy: `user:${users[t.role].username}` } });
      const after = await snapshot();
      expect(after.transitions - before.transitions).toBe(1);
      expect(after.events - before.events).toBe(1);
      expect(after.live - before.live).toBe(1);
      const row = await db.prisma.engineTransition.findFirstOrThrow({ orderBy: { id: 'desc' } });
      expect(row).toMatchObject({ action: t.action, fromState: t.from, toState: t.to, mode: 'paper', reason: `test ${t.action}`, actor: `user:${users[t.role].userId}`, actorUserId: users[t.role].userId });
      const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.state_changed' }, orderBy: { id: 'desc' } });
      expect(event).toMatchObject({ userId: users[t.role].userId, severity: t.to === 'halted' ? 'critical' : expect.stringMatching(/^(info|warning)$/) });
      expect(event.details).toMatchObject({ transitionId: row.id.toString(), from: t.from, to: t.to, action: t.action });
      const live = await db.prisma.liveEvent.findFirstOrThrow({ where: { topic: 'engine' }, orderBy: { id: 'desc' } });
      expect(live).toMatchObject({ type: 'engine.state_changed', payload: { state: t.to, previous: t.from, mode: 'paper', action: t.action } });
    });
  });

  describe('every pair the table does not list is INVALID_TRANSITION, with nothing written', () => {
    const pairs = ENGINE_STATES.flatMap((s) => ENGINE_ACTIONS.filter((a) => !findTransition(a, s)).map((a) => [`${a} from ${s}`, a, s] as const));
    it('covers some pairs', () => expect(pairs.length).toBeGreaterThan(10));
    it.each(pairs)('%s', async (_name, action: EngineAction, state: EngineState) => {
      await seed(state);
      const before = await snapshot();
      const err = await refusal(controlEngine(deps, users.admin, { action, reason: 'try anyway' }));
      expect([err.code, err.state]).toEqual(['INVALID_TRANSITION', state]);
      expect(await snapshot()).toEqual(before);
    });
  });

  it('refuses anonymous and system callers, a missing or blank reason, and a disabled admin', async () => {
    await seed('stopped');
    const before = await snapshot();
    expect((await refusal(controlEngine(deps, { kind: 'anonymous', ip: '203.0.113.1', userAgent: undefined }, { action: 'start', reason: 'hello there' }))).code).toBe('FORBIDDEN');
    expect((await refusal(controlEngine(deps, systemActor('scheduler.run'), { action: 'start', reason: 'hello there' }))).code).toBe('FORBIDDEN');
    for (const reason of [undefined, '', '  ', 'ab', 'x'.repeat(501)]) {
      await expect(controlEngine(deps, users.admin, { action: 'start', reason } as never)).rejects.toThrow();
    }
    const gone = await db.prisma.user.create({ data: { username: `gone-${randomBytes(3).toString('hex')}`, role: 'admin', disabledAt: new Date() } });
    expect((await refusal(controlEngine(deps, { ...users.admin, userId: gone.id, username: gone.username }, { action: 'start', reason: 'hello there' }))).code).toBe('FORBIDDEN');
    // The stored role counts, not the one a token carried before a demotion.
    expect((await refusal(setEngineMode(deps, users.trader, { mode: 'paper' }))).code).toBe('FORBIDDEN');
    expect(await snapshot()).toEqual(before);
  });

  it('two service instances racing `start` over one database: one wins, one INVALID_TRANSITION, one row', async () => {
    // PostgreSQL: a second pool, as a second replica has. PGlite: one process, two instances.
    const other = testDatabaseKind() === 'postgres' ? await openDatabase({ url: db.url! }) : db;
    try {
      const a = engineDeps(db);
      const b = engineDeps(other);
      for (let round = 0; round < 5; round++) {
        await seed('stopped');
        const before = await snapshot();
        const results = await Promise.allSettled([a, b].map((d, i) => controlEngine(d, users.trader, { action: 'start', reason: `race ${round} ${i}` })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r) => r.status === 'rejected');
        expect(lost?.reason).toBeInstanceOf(EngineStateError);
        expect([(lost?.reason as EngineStateError).code, (lost?.reason as EngineStateError).state]).toEqual(['INVALID_TRANSITION', 'running']);
        expect((await snapshot()).transitions - before.transitions).toBe(1);
        expect((await readEngineState(db.prisma)).state).toBe('running');
      }
    } finally {
      if (other !== db) await other.close();
    }
  });

  describe('Schwab reauth: halted_auth, and no resume until reconnected', () => {
    it('halts from every state but halted, once', async () => {
      for (const s of ENGINE_STATES) {
        await seed(s);
        const before = await snapshot();
        const res = await haltForAuth(deps, systemActor('schwab.reauth'), 'Schwab needs a new login');
        const expected = s === 'halted' ? 'halted' : 'halted_auth';
        expect([s, res.engine.state, res.changed]).toEqual([s, expected, s !== 'halted' && s !== 'halted_auth']);
        expect((await snapshot()).transitions - before.transitions).toBe(res.changed ? 1 : 0);
      }
      const event = await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.state_changed' }, orderBy: { id: 'desc' } });
      expect(event).toMatchObject({ severity: 'critical', userId: null, details: { to: 'halted_auth', actor: 'system:schwab.reauth' } });
    });

    it('a login marked reauth_required halts the engine through the hook; resume waits for a new login', async () => {
      await seed('running');
      const hooked: SyncDeps = { ...schwab, onReauthRequired: (reason) => haltForAuth(deps, systemActor('schwab.reauth'), reason) };
      const row = await db.prisma.schwabToken.findUniqueOrThrow({ where: { id: TOKEN_ROW_ID } });
      clock.ms = row.refreshExpiresAt.getTime() + 60_000; // past Schwab's 7-day limit
      expect(await checkSchwabExpiry(hooked)).toMatchObject({ reauthRequired: true });
      expect((await readEngineState(db.prisma)).state).toBe('halted_auth');
      const before = await snapshot();
      expect((await refusal(controlEngine(deps, users.admin, { action: 'resume', reason: 'back to work' }))).code).toBe('SCHWAB_NOT_CONNECTED');
      expect(actionFor('resume', 'halted_auth', 'admin', false)).toEqual({ action: 'resume', allowed: false, reason: 'Reconnect Schwab first.' });
      expect(await snapshot()).toEqual(before);
      clock.ms = Date.now();
      await storeIssuedTokens(schwab, fake, clock);
      expect((await controlEngine(deps, users.admin, { action: 'resume', reason: 'reconnected' })).engine.state).toBe('paused_entries');
    });
  });

  describe('the kill switch', () => {
    it('an admin halt cancels working orders; a system trip records the halt even when cancelling fails', async () => {
      let cancels = 0;
      const ok = engineDeps(db, { cancelWorkingOrders: async () => ++cancels && 3 });
      await seed('running');
      expect(await controlEngine(ok, users.admin, { action: 'halt', reason: 'stop everything' })).toMatchObject({ engine: { state: 'halted' }, cancelledOrders: 3, cancelError: null });
      expect(cancels).toBe(1);

      const failing = engineDeps(db, {
        cancelWorkingOrders: async () => {
          throw new Error('SCHWAB_UNAVAILABLE');
        },
      });
      await seed('running');
      const before = await snapshot();
      const res = await tripKillSwitch(failing, systemActor('engine.loss-guard'), 'daily loss limit reached');
      expect(res).toMatchObject({ changed: true, engine: { state: 'halted', reason: 'daily loss limit reached', changedBy: 'system:engine.loss-guard' }, cancelledOrders: null, cancelError: 'SCHWAB_UNAVAILABLE' });
      expect((await snapshot()).transitions - before.transitions).toBe(1);
      expect(await db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'engine.cancel_failed' }, orderBy: { id: 'desc' } })).toMatchObject({ severity: 'critical', details: { error: 'SCHWAB_UNAVAILABLE' } });

      // Already halted: no second row, but the orders are still cancelled.
      const again = await tripKillSwitch(ok, systemActor('engine.loss-guard'), 'still losing');
      expect(again).toMatchObject({ changed: false, engine: { state: 'halted' }, cancelledOrders: 3 });
      expect((await snapshot()).transitions - before.transitions).toBe(1);
    });
  });

  it('the database refuses UPDATE and DELETE of engine_transitions', async () => {
    await seed('stopped');
    await controlEngine(deps, users.trader, { action: 'start', reason: 'for the trigger' });
    const before = await db.prisma.engineTransition.findMany({ orderBy: { id: 'asc' } });
    await expect(db.sql.query(`UPDATE engine_transitions SET reason = 'rewritten'`)).rejects.toThrow();
    await expect(db.sql.query(`DELETE FROM engine_transitions`)).rejects.toThrow();
    await expect(db.prisma.engineTransition.deleteMany({})).rejects.toThrow();
    expect(await db.prisma.engineTransition.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('says for each action whether a role may take it now, and why not', () => {
    for (const s of ENGINE_STATES) {
      for (const a of ENGINE_ACTIONS) {
        const t = findTransition(a, s);
        expect(actionFor(a, s, 'viewer', true).allowed).toBe(false);
        expect(actionFor(a, s, 'admin', true).allowed).toBe(!!t);
        expect(actionFor(a, s, 'trader', true).allowed).toBe(t?.role === 'trader');
        expect(actionFor(a, s, 'viewer', true).reason).toMatch(t ? /Only/ : /Not available/);
      }
    }
  });
});
