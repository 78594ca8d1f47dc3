// What the Schwab connection reads from the configuration, and the small contracts its
// services share (event sink, live-event publisher, advisory lock).
import type { LockName, PrismaClient } from '@jutsu/db';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Keyring } from '../security/keyring.ts';
import type { SecurityEventInput, StoredSecurityEvent } from '../security/security-events.ts';
import type { SchwabOAuthConfig } from './oauth.ts';

/** Null when SCHWAB_CLIENT_ID or SCHWAB_CLIENT_SECRET is missing: the connection is "not configured". */
export function schwabOAuthConfig(config: Config): SchwabOAuthConfig | null {
  if (!config.SCHWAB_CLIENT_ID || !config.SCHWAB_CLIENT_SECRET) return null;
  return {
    baseUrl: config.SCHWAB_BASE_URL,
    clientId: config.SCHWAB_CLIENT_ID,
    clientSecret: config.SCHWAB_CLIENT_SECRET,
    redirectUri: config.SCHWAB_CALLBACK_URL ?? `${config.PUBLIC_URL}/schwab/callback`,
    // http only to this machine, and never in production (checkSchwabBaseUrl enforces loopback).
    allowInsecureHttp: !config.isProduction,
  };
}

/** The live-event contract is wired by the caller; these are the shapes this module sends. */
export type SchwabLiveEvent =
  | { topic: 'dashboard'; type: 'positions.changed' | 'balances.changed' | 'trade.recorded' }
  | { topic: 'schwab'; type: 'schwab.status_changed' };
export type Publish = (event: SchwabLiveEvent) => void | Promise<void>;

/** Runs `fn` while holding the named advisory lock across every process sharing the database (packages/db LOCKS). */
export type AdvisoryLock = <T>(name: LockName, fn: () => Promise<T>) => Promise<T>;

export interface EventSink {
  record(input: SecurityEventInput): Promise<StoredSecurityEvent>;
}

/** Warning events that must still reach the owner go through this (critical ones alert on their own). */
export interface AlertQueue {
  enqueue(event: StoredSecurityEvent): Promise<void>;
}

export interface SchwabDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  /** Null: not configured. */
  oauth: SchwabOAuthConfig | null;
  lock: AdvisoryLock;
  events: EventSink;
  alerts: AlertQueue;
  publish: Publish;
  logger: Logger;
  now?: () => Date;
  /** Told once each time the login is marked reauth_required (the engine halts on it). */
  onReauthRequired?: ((reason: string) => Promise<unknown>) | undefined;
}

/** Who acts: a signed-in admin, or a timer. */
export type SchwabActor = { kind: 'user'; userId: string } | { kind: 'system'; name: 'system:schwab.sync' | 'system:schwab.expiry' };

export function actorDetails(actor: SchwabActor): { userId: string | null; details: { actor: string } } {
  return actor.kind === 'user' ? { userId: actor.userId, details: { actor: 'user' } } : { userId: null, details: { actor: actor.name } };
}

/** Publishing is best effort: a live update that fails must not fail the work behind it. */
export async function publishSafely(deps: Pick<SchwabDeps, 'publish' | 'logger'>, event: SchwabLiveEvent): Promise<void> {
  try {
    await deps.publish(event);
  } catch (err) {
    deps.logger.warn({ err, type: event.type }, 'could not publish a live event');
  }
}
