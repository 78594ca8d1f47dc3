// Pure text for the Schedules screen: countdowns, run durations, results, and why a control is
// unavailable. Times are shown in New York (the exchange's clock) and in the person's zone.
import type { Role, SchedulerJobStatus } from '@jutsu/shared';
import { formatDuration, formatMarketAndLocalTime } from '../../lib/format.ts';

/** "in 2h 5m 10s", "due now" once the moment has come (the server picks it up within seconds). */
export function formatCountdown(at: Date, now: Date): string {
  const seconds = Math.ceil((at.getTime() - now.getTime()) / 1000);
  return seconds > 0 ? `in ${formatDuration(seconds)}` : 'due now';
}

/** A run's duration: "840 ms", "12.3 s", "2m 5s". */
export function formatRunDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}

/** A job time in New York and, when it differs, in the person's zone. */
export function formatJobTime(at: Date, personTimeZone?: string): { market: string; local: string | null } {
  const t = formatMarketAndLocalTime(at, personTimeZone);
  return { market: t.market, local: t.same ? null : t.local };
}

export const STATUS_LABEL: Record<SchedulerJobStatus, { label: string; color: string }> = {
  ok: { label: 'OK', color: 'green' },
  error: { label: 'Failed', color: 'red' },
  missed: { label: 'Missed', color: 'orange' },
  skipped: { label: 'Skipped', color: 'gray' },
};

/** Why this person cannot use the schedule controls, or null when they can (admins). */
export function scheduleControlsRefusal(role: Role | null | undefined): string | null {
  if (role === 'admin') return null;
  return 'Only administrators can run, switch or move scheduled jobs.';
}
