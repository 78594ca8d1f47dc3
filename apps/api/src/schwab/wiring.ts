// The Schwab connection's services, built once per process by the composition root
// (services.ts): the token broker, the sync and the expiry check share one set of
// dependencies; locks are the named advisory locks of packages/db; what changes is published
// on the live-event bus; and the sync and the expiry check are jobs of the scheduler.
import { withAdvisoryLock, type SqlDriver } from '@jutsu/db';
import { isMarketOpen, newYorkMinutes } from '@jutsu/shared';
import type { Config } from '../config.ts';
import type { LiveBus } from '../http/live-bus.ts';
import type { Logger } from '../logger.ts';
import type { Actor } from '../security/actor.ts';
import type { Keyring } from '../security/keyring.ts';
import type { JobDefinition, JobRunResult } from '../scheduler/scheduler.ts';
import { checkSchwabExpiry } from './expiry.ts';
import type { AdvisoryLock, AlertQueue, EventSink, Publish, SchwabLiveEvent } from './settings.ts';
import { schwabOAuthConfig } from './settings.ts';
import { runSync, type SyncDeps } from './sync.ts';
import { TokenBroker } from './token-broker.ts';
import type { PrismaClient } from '@jutsu/db';

/** The session-scoped named lock of packages/db (one holder across every process). */
export function namedAdvisoryLock(sql: SqlDriver): AdvisoryLock {
  return (name, fn) => withAdvisoryLock(sql, name, () => fn());
}

/** Schwab's "this changed" notices as events of the live contract (payloads say when). */
export function liveBusPublisher(bus: Pick<LiveBus, 'publish'>): Publish {
  return async (event: SchwabLiveEvent) => {
    const at = new Date().toISOString();
    if (event.type === 'schwab.status_changed') await bus.publish({ type: 'schwab.status_changed', payload: { status: 'changed', at } });
    else if (event.type === 'trade.recorded') await bus.publish({ type: 'trades.changed', payload: { at } });
    else await bus.publish({ type: event.type, payload: { at } });
  };
}

export interface SchwabServiceDeps {
  prisma: PrismaClient;
  sql: SqlDriver;
  keyring: Keyring;
  config: Config;
  securityEvents: EventSink;
  alerts: AlertQueue;
  liveBus: Pick<LiveBus, 'publish'>;
  logger: Logger;
  /** Called when the login becomes reauth_required (services.ts halts the engine). */
  onReauthRequired?: (reason: string) => Promise<unknown>;
}

export interface SchwabServices {
  deps: SyncDeps;
  broker: TokenBroker;
  /** The sync and expiry jobs, for the scheduler. */
  jobs: JobDefinition[];
}

export function createSchwabServices(d: SchwabServiceDeps): SchwabServices {
  const base = {
    prisma: d.prisma,
    keyring: d.keyring,
    oauth: schwabOAuthConfig(d.config),
    lock: namedAdvisoryLock(d.sql),
    events: d.securityEvents,
    alerts: d.alerts,
    publish: liveBusPublisher(d.liveBus),
    logger: d.logger,
    onReauthRequired: d.onReauthRequired,
  };
  const broker = new TokenBroker(base);
  const deps: SyncDeps = { ...base, broker };
  return { deps, broker, jobs: schwabJobs(deps, d.config.SCHWAB_SYNC_SECONDS) };
}

/** The Schwab jobs: the account sync (market-hours rhythm) and the token expiry check. */
export function schwabJobs(deps: SyncDeps, syncSeconds?: number): JobDefinition[] {
  // SCHWAB_SYNC_SECONDS (the demo's quick ticker) replaces the market-hours rhythm with a fixed period.
  const sync = syncSeconds
    ? { schedule: (now: Date) => nextPeriodRun(now, syncSeconds), describe: `every ${syncSeconds} s (SCHWAB_SYNC_SECONDS)`, graceMs: syncSeconds * 2_000 }
    : { schedule: nextSyncRun, describe: SYNC_SCHEDULE_TEXT, graceMs: 2 * 60_000 };
  return [
    { id: 'schwab-sync', label: 'Schwab sync', ...sync, run: (actor) => scheduledSync(deps, actor) },
    {
      id: 'schwab-expiry',
      label: 'Schwab token expiry check',
      schedule: '*/5 * * * *',
      graceMs: 10 * 60_000,
      run: async () => {
        const r = await checkSchwabExpiry(deps);
        return { summary: r.reauthRequired ? 'login expired: reconnect Schwab' : r.warned !== null ? `warned: ${r.warned} h left` : 'nothing due' };
      },
    },
  ];
}

export const SYNC_SCHEDULE_TEXT = 'every minute while the market is open (09:30-16:00 New York on trading days, 13:00 on half days), else every 15 minutes';

/** Every minute while the exchange's regular session is open (its calendar: holidays, half days), every 15 minutes otherwise. */
export function syncSchedule(now: Date): boolean {
  return isMarketOpen(now) || newYorkMinutes(now) % 15 === 0;
}

/** The next multiple of `seconds` (since the epoch) after `now`. */
export function nextPeriodRun(now: Date, seconds: number): Date {
  const ms = seconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms + ms);
}

/** The next whole minute after `now` that syncSchedule accepts (at most 15 minutes ahead). */
export function nextSyncRun(now: Date): Date {
  let at = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
  while (!syncSchedule(new Date(at))) at += 60_000;
  return new Date(at);
}

/** The timer's sync: only when a token is stored and usable (otherwise recorded as skipped, without a log line every minute). */
async function scheduledSync(deps: SyncDeps, actor: Actor): Promise<JobRunResult> {
  if (!deps.oauth) return { skipped: true, summary: 'Schwab is not configured' };
  const token = await deps.prisma.schwabToken.findUnique({ where: { id: 'primary' }, select: { reauthRequiredAt: true } });
  if (!token) return { skipped: true, summary: 'Schwab is not connected' };
  if (token.reauthRequiredAt) return { skipped: true, summary: 'Schwab needs reconnecting' };
  // A person's "Run now" is theirs in the security log; the timer's stays system:schwab.sync.
  const res = await runSync(deps, actor.kind === 'user' ? { kind: 'user', userId: actor.userId } : { kind: 'system', name: 'system:schwab.sync' });
  if (!res.ok) throw new Error(`sync failed: ${res.error}`);
  return {};
}
