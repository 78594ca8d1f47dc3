// Live events between API processes, through PostgreSQL (works on PGlite and across replicas
// on one server, no extra broker). A writer inserts a row into live_events and NOTIFYs only
// its id; every process reads the rows after the last id it saw and fans them out in id
// order to its subscribers, so a missed notification is caught up by the next one (or the
// poll). Rows are kept for the retention window, so a reconnecting tab resumes after its
// last id, or is told to resync when those events are gone.
import {
  liveTopicOf,
  isLiveEventType,
  parseLivePayload,
  type LiveEvent,
  type LiveEventPayload,
  type LiveEventType,
  type LivePublish,
} from '@jutsu/shared';
import type { SqlDriver } from '@jutsu/db';
import type { Logger } from '../logger.ts';

export type { LiveEvent, LivePublish } from '@jutsu/shared';

export const LIVE_CHANNEL = 'jutsu_events';
/** Nothing shorter: a tab that lost its connection for a few minutes must be able to resume. */
export const MIN_RETENTION_MS = 10 * 60_000;
const PAGE = 500;
/**
 * Writers serialise on this transaction lock, so ids are assigned and committed in order: a
 * reader that sees id n has seen every id below it. (Two int keys: not the bigint key space.)
 */
const WRITE_LOCK = 'pg_advisory_xact_lock(1785017206, 1)';

export interface LiveBusOptions {
  /** How long events stay resumable (raised to MIN_RETENTION_MS). */
  retentionMs: number;
  /** Safety net for a lost notification or LISTEN connection. */
  pollMs?: number;
}

interface Row {
  id: string;
  topic: string;
  type: string;
  user_id: string | null;
  payload: unknown;
  created_at: Date | string;
}

export class LiveBus {
  private listeners = new Set<(e: LiveEvent) => void>();
  /** The highest id this process has delivered. */
  private lastSeen = 0n;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private unlisten: (() => Promise<void>) | undefined;
  private poll: NodeJS.Timeout | undefined;
  /** A bus that only publishes (the CLI) never reads: nobody here is listening. */
  private started = false;
  readonly retentionMs: number;

  constructor(
    private readonly sql: SqlDriver,
    private readonly logger: Logger,
    private readonly opts: LiveBusOptions = { retentionMs: 15 * 60_000 },
  ) {
    this.retentionMs = Math.max(opts.retentionMs, MIN_RETENTION_MS);
  }

  async start(): Promise<void> {
    const [row] = await this.sql.query<{ max: string | null }>('SELECT max(id)::text AS max FROM live_events');
    this.lastSeen = BigInt(row?.max ?? '0');
    this.started = true;
    // The payload is only a hint; whatever it says, read what is new.
    this.unlisten = await this.sql.listen(LIVE_CHANNEL, () => void this.pump());
    this.poll = setInterval(() => void this.pump(), this.opts.pollMs ?? 5_000);
    this.poll.unref();
    await this.pump(); // anything written between max() and LISTEN
  }

  /**
   * Stores the event and delivers it: to this process's subscribers before the returned
   * promise resolves, to other processes through NOTIFY. Returns its id. Throws (and stores
   * nothing) when the payload does not fit its type's schema.
   */
  async publish(event: LivePublish): Promise<string> {
    if (!isLiveEventType(event.type)) throw new Error(`unknown live event type: ${String(event.type)}`);
    const payload = parseLivePayload(event.type, event.payload);
    const topic = liveTopicOf(event.type);
    const userId = event.userId ?? null;
    if (topic === 'session' && !userId) throw new Error(`${event.type} is private: it needs a userId`);
    const [row] = await this.sql.query<{ id: string }>(
      `WITH lock AS (SELECT ${WRITE_LOCK})
       INSERT INTO live_events (topic, type, user_id, payload)
       SELECT $1, $2, $3::uuid, $4::jsonb FROM lock RETURNING id::text AS id`,
      [topic, event.type, userId, JSON.stringify(payload)],
    );
    const id = row!.id;
    // A lost notification is not a lost event: every process polls, and catches up at the next one.
    await this.sql.notify(LIVE_CHANNEL, id).catch((err: unknown) => this.logger.warn({ err }, 'live event notification failed'));
    if (this.started) await this.pump();
    return id;
  }

  /** Every event this process delivers, in id order (also the ones for other users). */
  onEvent(fn: (e: LiveEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The events `accept` lets through: with `lastEventId`, first every stored one after it (or
   * a `resync` when they are gone), then live ones; without it, a `ready` event whose id is
   * the resume point, then live ones. `ready` and `resync` are not stored and always pass.
   */
  async *subscribe(opts: { lastEventId?: string | undefined; signal?: AbortSignal | undefined; accept: (e: LiveEvent) => boolean }): AsyncGenerator<LiveEvent> {
    const { signal, accept } = opts;
    const queue: LiveEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.onEvent((e) => {
      queue.push(e);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      // Read in the same tick as the listener was added: every later event is in the queue.
      const live = this.lastSeen;
      let cursor = live;
      if (opts.lastEventId === undefined) {
        yield systemEvent('ready', live, {});
      } else {
        const from = BigInt(opts.lastEventId);
        const resumable = await this.canResumeAfter(from);
        if (resumable !== true) {
          yield systemEvent('resync', live, { reason: resumable });
        } else {
          cursor = from;
          for (;;) {
            // Each page starts at a row that must still be there: if a sweep took it meanwhile,
            // what follows may be incomplete, and the tab must resync instead.
            const page = await this.readAfter(cursor, cursor !== 0n);
            if (!page.anchored) {
              cursor = live;
              yield systemEvent('resync', live, { reason: 'expired' });
              break;
            }
            for (const e of page.events) if (accept(e)) yield e;
            cursor = page.last;
            if (!page.more || signal?.aborted) break;
          }
        }
      }
      while (!signal?.aborted) {
        const e = queue.shift();
        if (!e) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const id = BigInt(e.id);
        if (id <= cursor) continue; // already replayed
        cursor = id;
        if (accept(e)) yield e;
      }
    } finally {
      off();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Deletes events older than the retention window. Always a prefix of the ids, and never
   * the newest one: a tab whose last id is still stored has missed nothing that was deleted.
   */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    const rows = await this.sql.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM live_events
         WHERE id <= (SELECT max(id) FROM live_events WHERE created_at < $1)
           AND id < (SELECT max(id) FROM live_events)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff.toISOString()],
    );
    return rows[0]?.n ?? 0;
  }

  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.poll);
    this.poll = undefined;
    await this.unlisten?.();
    this.unlisten = undefined;
    await this.pumping;
  }

  /** Reads and delivers what is new; concurrent calls share one pass (plus one more after it). */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.drain();
        } while (this.pumpAgain);
      } catch (err) {
        this.logger.warn({ err }, 'could not read live events');
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const page = await this.readAfter(this.lastSeen);
      for (const e of page.events) {
        this.lastSeen = BigInt(e.id);
        for (const fn of [...this.listeners]) {
          try {
            fn(e);
          } catch (err) {
            this.logger.error({ err, type: e.type }, 'live event listener failed');
          }
        }
      }
      if (page.last > this.lastSeen) this.lastSeen = page.last;
      if (!page.more) return;
    }
  }

  /**
   * One page of stored events after `after`, in id order; `last` is the last id read (rows of
   * unknown types included, so paging moves past them) and `more` says another page may follow.
   * `anchored`: the row `after` itself must still exist (else `anchored` is false).
   */
  private async readAfter(after: bigint, anchored = false): Promise<{ events: LiveEvent[]; last: bigint; more: boolean; anchored: boolean }> {
    const rows = await this.sql.query<Row>(
      `SELECT id::text AS id, topic, type, user_id::text AS user_id, payload, created_at FROM live_events
       WHERE live_events.id ${anchored ? '>=' : '>'} $1 ORDER BY live_events.id LIMIT $2`,
      [after.toString(), anchored ? PAGE + 1 : PAGE],
    );
    if (anchored) {
      if (rows[0]?.id !== after.toString()) return { events: [], last: after, more: false, anchored: false };
      rows.shift();
    }
    const events: LiveEvent[] = [];
    for (const r of rows) {
      // A newer version's event during a rolling update: not ours to deliver.
      if (!isLiveEventType(r.type)) continue;
      events.push({
        id: r.id,
        topic: liveTopicOf(r.type),
        type: r.type,
        userId: r.user_id,
        payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
        at: new Date(r.created_at).toISOString(),
      } as LiveEvent);
    }
    const last = rows.length ? BigInt(rows[rows.length - 1]!.id) : after;
    return { events, last, more: rows.length === PAGE, anchored: true };
  }

  /** true, or why not: the row of `after` must still be stored (deletion only ever removes a prefix). */
  private async canResumeAfter(after: bigint): Promise<true | 'expired' | 'unknown_id'> {
    const [row] = await this.sql.query<{ hit: boolean; min: string | null; max: string | null }>(
      'SELECT EXISTS (SELECT 1 FROM live_events WHERE id = $1) AS hit, min(id)::text AS min, max(id)::text AS max FROM live_events',
      [after.toString()],
    );
    if (row?.hit) return true;
    // "0" is the resume point before the first event ever: fine while nothing was deleted.
    if (after === 0n && (row?.min == null || row.min === '1')) return true;
    return row?.max != null && after > BigInt(row.max) ? 'unknown_id' : 'expired';
  }
}

function systemEvent<T extends Extract<LiveEventType, 'ready' | 'resync'>>(type: T, id: bigint, payload: LiveEventPayload<T>): LiveEvent {
  return { id: id.toString(), topic: 'system', type, userId: null, payload, at: new Date().toISOString() } as LiveEvent;
}
