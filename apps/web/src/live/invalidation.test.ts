import { LIVE_EVENT_TYPES } from '@jutsu/shared';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_QUERIES, ENGINE_QUERIES, engineQueriesToInvalidate, queriesToInvalidate } from './invalidation.ts';

describe('queriesToInvalidate', () => {
  it('refetches the screens each data event affects', () => {
    expect(queriesToInvalidate('trade.recorded')).toEqual(expect.arrayContaining(['trades', 'positions', 'overview']));
    expect(queriesToInvalidate('trades.changed')).toEqual(expect.arrayContaining(['trades', 'positions', 'overview']));
    expect(queriesToInvalidate('positions.changed')).toEqual(expect.arrayContaining(['positions', 'overview']));
    expect(queriesToInvalidate('positions.changed')).not.toContain('trades');
    expect(queriesToInvalidate('balances.changed')).toContain('overview');
    expect(queriesToInvalidate('snapshot.appended')).toEqual(expect.arrayContaining(['overview', 'performance']));
    expect(queriesToInvalidate('engine.state_changed')).toEqual(['overview']);
    expect(queriesToInvalidate('schwab.status_changed')).toContain('overview');
    expect(queriesToInvalidate('data.stale')).toEqual(['overview']);
  });

  it('refetches everything on resync and nothing on ready', () => {
    expect([...queriesToInvalidate('resync')].sort()).toEqual([...DASHBOARD_QUERIES].sort());
    expect(queriesToInvalidate('ready')).toEqual([]);
  });

  it('ignores types it does not know (and inherited names)', () => {
    expect(queriesToInvalidate('toString')).toEqual([]);
    expect(queriesToInvalidate('positions.deleted')).toEqual([]);
  });

  it('covers every dashboard, engine and Schwab event type', () => {
    const silent = LIVE_EVENT_TYPES.filter((t) => queriesToInvalidate(t).length === 0 && engineQueriesToInvalidate(t).length === 0).sort();
    expect(silent).toEqual(['ready', 'session.revoked', 'user.disabled', 'user.reauthorize', 'user.unlocked']);
  });
});

describe('engineQueriesToInvalidate', () => {
  it('refetches the engine screens on engine, trade and Schwab events', () => {
    expect(engineQueriesToInvalidate('engine.state_changed')).toEqual(expect.arrayContaining(['engine.state', 'engine.transitions']));
    expect(engineQueriesToInvalidate('engine.run_finished')).toEqual(expect.arrayContaining(['engine.runs', 'trading.orders']));
    expect(engineQueriesToInvalidate('trades.changed')).toEqual(expect.arrayContaining(['engine.runs', 'trading.orders']));
    expect(engineQueriesToInvalidate('schwab.status_changed')).toEqual(['engine.state']);
    expect([...engineQueriesToInvalidate('resync')].sort()).toEqual([...ENGINE_QUERIES].sort());
  });

  it('ignores what does not concern the engine (and inherited names)', () => {
    expect(engineQueriesToInvalidate('snapshot.appended')).toEqual([]);
    expect(engineQueriesToInvalidate('ready')).toEqual([]);
    expect(engineQueriesToInvalidate('constructor')).toEqual([]);
  });
});
