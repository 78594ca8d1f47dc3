// Warnings before Schwab's 7-day refresh deadline: at 72, 24, 6 and 1 hour(s), each once per
// login. What was sent is remembered in system_state keyed by the login's connectedAt, so a
// new login starts over and a restart never repeats one.
import { xactLock } from '@jutsu/db';
import { TOKEN_ROW_ID, markReauthRequired } from './token-broker.ts';
import type { SchwabDeps } from './settings.ts';

export const EXPIRY_WARNING_HOURS = [72, 24, 6, 1] as const;
export const EXPIRY_STATE_KEY = 'schwab.expiry_warnings';
const HOUR_MS = 60 * 60 * 1000;

export interface DueWarnings {
  /** The warning to send now (the tightest threshold reached), or null. */
  send: number | null;
  /** Every threshold now reached: remembered so none of them is sent later. */
  sent: number[];
}

/**
 * Pure: which warning is due at `now`. When several thresholds were passed since the last
 * check (a server that was down), only the most urgent is sent; the others count as sent.
 * Nothing is due once the deadline has passed (that is "reauth required", not a warning).
 */
export function dueExpiryWarnings(now: Date, refreshExpiresAt: Date, alreadySent: readonly number[]): DueWarnings {
  const left = refreshExpiresAt.getTime() - now.getTime();
  const reached = left > 0 ? EXPIRY_WARNING_HOURS.filter((h) => left <= h * HOUR_MS) : [];
  const fresh = reached.filter((h) => !alreadySent.includes(h));
  const sent = [...new Set([...alreadySent, ...reached])].sort((a, b) => b - a);
  return { send: fresh.length ? Math.min(...fresh) : null, sent };
}

interface ExpiryState {
  connectedAt: string;
  sent: number[];
}

/**
 * The periodic check (a timer calls it; `now` is injectable through deps). Sends a due warning
 * as a `schwab.expiring` event with an alert, and turns a passed deadline into
 * `reauth_required` (critical). Answers what it did, for logs and tests.
 */
export async function checkSchwabExpiry(deps: SchwabDeps): Promise<{ warned: number | null; reauthRequired: boolean }> {
  const now = deps.now?.() ?? new Date();
  const row = await deps.prisma.schwabToken.findUnique({ where: { id: TOKEN_ROW_ID } });
  if (!deps.oauth || !row || row.reauthRequiredAt) return { warned: null, reauthRequired: false };
  if (now >= row.refreshExpiresAt) {
    await markReauthRequired(deps, row, 'refresh token reached its 7-day limit');
    return { warned: null, reauthRequired: true };
  }
  const login = row.connectedAt.toISOString();
  const stored = (await deps.prisma.systemState.findUnique({ where: { key: EXPIRY_STATE_KEY } }))?.value as ExpiryState | undefined;
  const alreadySent = stored?.connectedAt === login && Array.isArray(stored.sent) ? stored.sent.filter((h) => typeof h === 'number') : [];
  const due = dueExpiryWarnings(now, row.refreshExpiresAt, alreadySent);
  if (due.sent.length === alreadySent.length) return { warned: null, reauthRequired: false };
  // Claim the warning first (compare-and-set on the stored value), so two processes never both send it.
  const value: ExpiryState = { connectedAt: login, sent: due.sent };
  const claimed = await deps.prisma.$transaction(async (tx) => {
    await xactLock(tx, 'schwab.expiry');
    const again = (await tx.systemState.findUnique({ where: { key: EXPIRY_STATE_KEY } }))?.value as ExpiryState | undefined;
    const sentNow = again?.connectedAt === login && Array.isArray(again.sent) ? again.sent : [];
    if (due.send !== null && sentNow.includes(due.send)) return false;
    await tx.systemState.upsert({ where: { key: EXPIRY_STATE_KEY }, create: { key: EXPIRY_STATE_KEY, value: { ...value } }, update: { value: { ...value }, updatedAt: now } });
    return true;
  });
  if (!claimed || due.send === null) return { warned: null, reauthRequired: false };
  const event = await deps.events.record({
    type: 'schwab.expiring',
    severity: 'warning',
    details: { hoursLeft: due.send, refreshExpiresAt: row.refreshExpiresAt.toISOString() },
  });
  await deps.alerts.enqueue(event);
  return { warned: due.send, reauthRequired: false };
}
