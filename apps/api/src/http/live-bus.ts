// Live events between API processes over PostgreSQL LISTEN/NOTIFY (works on PGlite and
// across replicas on one server, no extra broker), fanned out in-process to subscribers.
// The publishing process delivers its own events at once, without the round trip through
// the database: a tab is told its session ended before this process closes its socket.
import { randomUUID } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import type { SqlDriver } from '@jutsu/db';
import type { Logger } from '../logger.ts';

export const LIVE_CHANNEL = 'jutsu_events';

export type LiveEvent =
  | { type: 'session.revoked'; userId: string; sessionIds: string[] | 'all'; reason: string }
  | { type: 'user.disabled'; userId: string }
  /** The user's authority changed (e.g. demoted): open sockets must reconnect and re-authorise. */
  | { type: 'user.reauthorize'; userId: string }
  | { type: 'data.changed'; topic: string; at: string };

export class LiveBus {
  private emitter = new EventEmitter();
  /** Tags this process's notifications, so it does not deliver its own events twice. */
  private readonly origin = randomUUID();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly sql: SqlDriver,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.unlisten = await this.sql.listen(LIVE_CHANNEL, (payload) => {
      let message: unknown;
      try {
        message = JSON.parse(payload);
      } catch (err) {
        this.logger.warn({ err }, 'ignored malformed live event');
        return;
      }
      if (typeof message !== 'object' || message === null) return;
      const { origin, event } = message as { origin?: unknown; event?: unknown };
      if (origin === this.origin || typeof event !== 'object' || event === null) return;
      this.emitter.emit('event', event as LiveEvent);
    });
  }

  /** Delivered here at once, then to every other process through NOTIFY. */
  async publish(event: LiveEvent): Promise<void> {
    this.emitter.emit('event', event);
    await this.sql.notify(LIVE_CHANNEL, JSON.stringify({ origin: this.origin, event }));
  }

  onEvent(fn: (e: LiveEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  async *stream(signal: AbortSignal | undefined): AsyncGenerator<LiveEvent> {
    for await (const [event] of on(this.emitter, 'event', { signal })) yield event as LiveEvent;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
  }
}
