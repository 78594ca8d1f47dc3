// How fresh the shown figures are, recomputed every second on the client: the API's verdict
// was true when the overview was fetched, but the "ago" keeps growing between fetches.
import type { Freshness } from '@jutsu/shared';

export type Verdict = Freshness['verdict'];

export const FRESHNESS_REASON_TEXT: Record<string, string> = {
  never_synced: 'No sync has completed yet.',
  no_account: 'No brokerage account is connected.',
  delayed: 'The last sync is more than two intervals old.',
  stale: 'The last sync is more than five intervals old: figures may be out of date.',
};

export interface FreshnessNow {
  verdict: Verdict;
  reason: string | null;
  ageSeconds: number | null;
}

/** Amber after 2 sync intervals, red after 5; a missing sync keeps the server's verdict. */
export function freshnessAt(server: Freshness, lastSyncedAt: Date | null, now: Date): FreshnessNow {
  if (lastSyncedAt === null) return { verdict: server.verdict, reason: server.reason, ageSeconds: null };
  const age = Math.max(0, (now.getTime() - lastSyncedAt.getTime()) / 1000);
  const interval = server.syncIntervalSeconds;
  const verdict: Verdict = age > 5 * interval ? 'red' : age > 2 * interval ? 'amber' : 'fresh';
  const reason = verdict === 'red' ? 'stale' : verdict === 'amber' ? 'delayed' : null;
  // Never look fresher than the server said (it may know more, e.g. one account is behind).
  const rank = { fresh: 0, amber: 1, red: 2 } as const;
  if (rank[server.verdict] > rank[verdict]) return { verdict: server.verdict, reason: server.reason, ageSeconds: age };
  return { verdict, reason, ageSeconds: age };
}

export const VERDICT_COLOR: Record<Verdict, string> = { fresh: 'teal', amber: 'yellow', red: 'red' };
export const VERDICT_LABEL: Record<Verdict, string> = { fresh: 'Up to date', amber: 'Delayed', red: 'Stale' };
