// Which dashboard queries a live event makes stale. The event only says "this changed"; the
// screens refetch what depends on it (React Query refetches only the queries that are open).
import type { LiveEventType } from '@jutsu/shared';

export const DASHBOARD_QUERIES = ['overview', 'positions', 'trades', 'performance'] as const;
export type DashboardQuery = (typeof DASHBOARD_QUERIES)[number];

const MAP: Record<LiveEventType, readonly DashboardQuery[]> = {
  'balances.changed': ['overview', 'positions', 'performance'],
  'positions.changed': ['positions', 'overview', 'performance'],
  'trade.recorded': ['trades', 'positions', 'overview', 'performance'],
  'trades.changed': ['trades', 'positions', 'overview', 'performance'],
  'snapshot.appended': ['overview', 'performance'],
  'data.stale': ['overview'],
  'engine.state_changed': ['overview'],
  // A run's fills arrive as trades.changed; the overview shows the engine's last run.
  'engine.run_finished': ['overview'],
  // The overview's allocation shows the targets from the configuration.
  'config.changed': ['overview'],
  'schwab.status_changed': ['overview', 'positions'],
  // The Schedules page polls scheduler.jobs itself; no dashboard figure depends on it.
  'scheduler.changed': [],
  // The events after our last id are gone: everything may be out of date.
  resync: DASHBOARD_QUERIES,
  // The first message of a fresh subscription: nothing changed.
  ready: [],
  // Session events never reach events.dashboard; SessionWatcher handles them elsewhere.
  'session.revoked': [],
  'user.disabled': [],
  'user.reauthorize': [],
  'user.unlocked': [],
};

export function queriesToInvalidate(type: string): readonly DashboardQuery[] {
  return Object.hasOwn(MAP, type) ? MAP[type as LiveEventType] : [];
}

// The engine screens' queries (Engine, Orders, Schedules): what each live event makes stale.
export const ENGINE_QUERIES = ['engine.state', 'engine.transitions', 'engine.runs', 'trading.orders', 'scheduler.jobs'] as const;
export type EngineQuery = (typeof ENGINE_QUERIES)[number];

const ENGINE_MAP: Partial<Record<LiveEventType, readonly EngineQuery[]>> = {
  // A transition (a halt cancels working orders; a mode change is one too).
  'engine.state_changed': ['engine.state', 'engine.transitions', 'trading.orders'],
  'engine.run_finished': ['engine.runs', 'trading.orders', 'scheduler.jobs'],
  // Fills recorded (a run's, a tracked live order's, a manual ticket's).
  'trades.changed': ['engine.runs', 'trading.orders'],
  'trade.recorded': ['engine.runs', 'trading.orders'],
  // The masked live account and whether resuming from a Schwab halt is possible.
  'schwab.status_changed': ['engine.state'],
  'scheduler.changed': ['scheduler.jobs'],
  resync: ENGINE_QUERIES,
};

export function engineQueriesToInvalidate(type: string): readonly EngineQuery[] {
  return Object.hasOwn(ENGINE_MAP, type) ? (ENGINE_MAP[type as LiveEventType] ?? []) : [];
}
