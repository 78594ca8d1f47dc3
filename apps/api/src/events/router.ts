// Live event streams with resume. Every message is tracked(id, event): a socket that
// reconnects sends the last id it saw (tRPC does so itself, as input lastEventId) and
// receives exactly what it missed, in order, or a `resync` when that is no longer stored.
// A stream only ever carries events of topics the caller's role may see, and of those only
// the ones for everyone or for this very user.
import { tracked, TRPCError } from '@trpc/server';
import { DASHBOARD_TOPICS, LIVE_TOPIC_ACCESS, LIVE_TOPICS, liveStreamInputSchema, roleAtLeast, type LiveEvent, type LiveMessage, type LiveTopic } from '@jutsu/shared';
import type { AuthState } from '../trpc/context.ts';
import type { AppServices } from '../services.ts';
import { authedProcedure, roleProcedure, router } from '../trpc/procedures.ts';
import { SharedMessage } from '../trpc/shared-frames.ts';

function mayRead(auth: AuthState, topic: LiveTopic): boolean {
  const need = LIVE_TOPIC_ACCESS[topic];
  return need === 'authenticated' || roleAtLeast(auth.role, need);
}

async function* stream(services: AppServices, auth: AuthState, topics: readonly LiveTopic[], lastEventId: string | undefined, signal: AbortSignal | undefined) {
  const refused = topics.filter((t) => !mayRead(auth, t));
  if (refused.length) throw new TRPCError({ code: 'FORBIDDEN', message: 'You do not have permission to follow these events.' });
  const wanted = new Set<LiveTopic>([...topics, 'system']);
  const accept = (e: LiveEvent) => wanted.has(e.topic) && (e.userId === null || e.userId === auth.userId);
  for await (const e of services.liveBus.subscribe({ lastEventId, signal, accept })) {
    // Serialised once for every subscriber it reaches; the type is what the client receives.
    yield tracked(e.id, sharedMessage(e) as unknown as LiveMessage);
  }
}

/** The bus hands every subscriber of this process the same event object: one message each. */
const messages = new WeakMap<LiveEvent, SharedMessage<LiveMessage>>();

function sharedMessage(e: LiveEvent): SharedMessage<LiveMessage> {
  let m = messages.get(e);
  if (!m) {
    const { id: _id, userId: _userId, ...message } = e;
    m = new SharedMessage(message as LiveMessage);
    messages.set(e, m);
  }
  return m;
}

export const liveEventsRouter = router({
  /** Any set of topics the caller may read (default: all of them). */
  stream: authedProcedure
    .meta({ rateLimit: 'subscribe', audit: false })
    .input(liveStreamInputSchema)
    .subscription(({ ctx, input, signal }) => stream(ctx.services, ctx.auth, input?.topics ?? LIVE_TOPICS.filter((t) => mayRead(ctx.auth, t)), input?.lastEventId, signal)),

  /** What the dashboard shows live: its data, the engine and the Schwab link. */
  dashboard: roleProcedure('viewer')
    .meta({ rateLimit: 'subscribe', audit: false })
    .input(liveStreamInputSchema)
    .subscription(({ ctx, input, signal }) => {
      if (input?.topics) throw new TRPCError({ code: 'BAD_REQUEST', message: 'events.dashboard has fixed topics.' });
      return stream(ctx.services, ctx.auth, DASHBOARD_TOPICS, input?.lastEventId, signal);
    }),
});
