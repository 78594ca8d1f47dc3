// The state a signed-in request needs (session alive, token not blacklisted, role, forced
// password change), kept in memory per process so an authenticated call costs no database
// round trip (docs/architecture.md, "Hot path"). It stays correct because the database tells
// every process when that state changes: triggers on sessions, users and blacklisted_tokens
// NOTIFY `jutsu_auth` with the user's id, whoever wrote (the API on another replica, the CLI,
// plain SQL), and this cache drops that user's entries. While the LISTEN connection is down
// nothing is cached at all, and everything is dropped when it goes down, so a lost
// notification can never leave a revoked session usable.
import type { SqlDriver } from '@jutsu/db';
import type { Logger } from '../logger.ts';
import type { AuthState } from './auth-state.ts';

export const AUTH_CHANNEL = 'jutsu_auth';

export interface CachedAccess {
  state: AuthState;
  /** The session's own expiry: checked on every hit. */
  sessionExpiresAt: Date;
}

interface Entry extends CachedAccess {
  storedAt: number;
}

export interface AccessCacheOptions {
  /** Upper bound on an entry's age, whatever the notifications say. */
  ttlMs?: number;
  maxEntries?: number;
  /** How soon a lost LISTEN connection is tried again. */
  relistenMs?: number;
  now?: () => number;
}

export class AccessCache {
  /** By access-token id (jti): one entry per token, dropped by user. */
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every drop: a read that started before one may not store its answer. */
  private generation = 0;
  /** Answers given from memory (the bench and the tests read it). */
  hits = 0;
  /**
   * Some user exists, so there is no first admin to create (`system.info`'s bootstrapPending,
   * asked by every sign-in page). Only this answer is kept: the way back to "no users" is
   * deleting them, which notifies like any other change and drops it.
   */
  private usersExist = false;
  private listening = false;
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly sql: Pick<SqlDriver, 'listen'>,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly opts: AccessCacheOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.now = opts.now ?? Date.now;
  }

  /** True while changes are being heard: only then is anything cached. */
  get active(): boolean {
    return this.listening && !this.stopped;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    clearTimeout(this.retry);
    this.dropAll();
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = undefined;
  }

  private async listen(): Promise<void> {
    try {
      this.unlisten = await this.sql.listen(AUTH_CHANNEL, (payload) => this.onChange(payload), (err) => this.onLost(err));
      this.listening = true;
    } catch (err) {
      this.onLost(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onLost(err: Error): void {
    this.listening = false;
    this.dropAll();
    if (this.stopped) return;
    this.logger.warn({ err: err.message }, 'auth change notifications lost: caching off until they are back');
    this.unlisten = undefined;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.listen(), this.opts.relistenMs ?? 2_000);
    this.retry.unref();
  }

  private onChange(payload: string): void {
    if (payload === '*' || payload === '') this.dropAll();
    else this.dropUser(payload);
  }

  /** A token for `get` and `set`: pass it back so an answer read before a drop is not stored. */
  ticket(): number {
    return this.generation;
  }

  /** True only while listening and since a read (with a ticket from before it) saw a user. */
  knownUsersExist(): boolean {
    return this.active && this.usersExist;
  }

  noteUsersExist(ticket: number): void {
    if (this.active && ticket === this.generation) this.usersExist = true;
  }

  get(jti: string): CachedAccess | undefined {
    if (!this.active) return undefined;
    const e = this.entries.get(jti);
    if (!e) return undefined;
    const now = this.now();
    if (now - e.storedAt > this.ttlMs || e.sessionExpiresAt.getTime() <= now) {
      this.entries.delete(jti);
      return undefined;
    }
    this.hits++;
    return e;
  }

  set(jti: string, value: CachedAccess, ticket: number): void {
    if (!this.active || ticket !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (Map keeps insertion order).
      const first = this.entries.keys().next();
      if (!first.done) this.entries.delete(first.value);
    }
    this.entries.set(jti, { ...value, storedAt: this.now() });
  }

  dropUser(userId: string): void {
    this.generation++;
    this.usersExist = false;
    for (const [jti, e] of this.entries) if (e.state.userId === userId) this.entries.delete(jti);
  }

  dropAll(): void {
    this.generation++;
    this.usersExist = false;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
