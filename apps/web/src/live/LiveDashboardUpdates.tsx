// One live-event subscription for the signed-in app: every event marks the dashboard and
// engine queries that depend on it stale, so every open tab updates without a reload. On
// reconnect the WebSocket link resends the last event id itself; when the server says those
// events are gone (resync), everything is refetched.
import { trpc } from '../trpc.ts';
import { engineQueriesToInvalidate, queriesToInvalidate, type EngineQuery } from './invalidation.ts';

export function LiveDashboardUpdates() {
  const utils = trpc.useUtils();
  const engine: Record<EngineQuery, () => Promise<void>> = {
    'engine.state': () => utils.engine.state.invalidate(),
    'engine.transitions': () => utils.engine.transitions.invalidate(),
    'engine.runs': () => utils.engine.runs.invalidate(),
    'trading.orders': () => utils.trading.orders.invalidate(),
    'scheduler.jobs': () => utils.scheduler.jobs.invalidate(),
  };
  trpc.events.dashboard.useSubscription(undefined, {
    onData: ({ data }) => {
      for (const query of queriesToInvalidate(data.type)) void utils.dashboard[query].invalidate();
      for (const query of engineQueriesToInvalidate(data.type)) void engine[query]();
      // The Schwab status (admins' banner and screen) follows the connection live too.
      if (data.type === 'schwab.status_changed' || data.type === 'resync') void utils.schwab.status.invalidate();
    },
  });
  return null;
}
