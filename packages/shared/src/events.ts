// Live events: what the API streams to signed-in tabs (sessions, dashboard data, the
// engine, the Schwab link). Every stored event has a monotonically increasing id (a decimal
// string) so a tab that reconnects resumes after the last one it saw.
import { z } from 'zod';
import type { Role } from './roles.ts';

export const LIVE_TOPICS = ['session', 'dashboard', 'engine', 'schwab', 'system'] as const;
export const liveTopicSchema = z.enum(LIVE_TOPICS);
export type LiveTopic = z.infer<typeof liveTopicSchema>;

/**
 * Who may subscribe to a topic. Events of the session topic are always private to one user;
 * events of the others are for everyone allowed on the topic unless published for one user.
 */
export const LIVE_TOPIC_ACCESS: Record<LiveTopic, 'authenticated' | Role> = {
  session: 'authenticated',
  dashboard: 'viewer',
  engine: 'viewer',
  schwab: 'viewer',
  system: 'authenticated',
};

/** A stored event's id: bigint as a decimal string (what tRPC's tracked() carries). */
export const liveEventIdSchema = z.string().regex(/^(0|[1-9][0-9]{0,18})$/, 'an event id');

/** Decimal amounts travel as strings, never floats. */
const decimal = z.string().regex(/^-?\d{1,20}(\.\d{1,12})?$/, 'a decimal number');
const isoTime = z.iso.datetime({ offset: true });
const shortText = z.string().min(1).max(200);
const id = z.string().min(1).max(128);

/** Payload schema of every event type, and the topic it belongs to. */
export const liveEventDefinitions = {
  // session: private to one user
  /** These sessions (or all of the user's) ended: the tabs holding them return to sign-in. */
  'session.revoked': { topic: 'session', payload: z.object({ sessionIds: z.union([z.array(id).max(1_000), z.literal('all')]), reason: shortText }) },
  'user.disabled': { topic: 'session', payload: z.object({}) },
  /** The user's authority changed (e.g. demoted): open sockets must reconnect and re-authorise. */
  'user.reauthorize': { topic: 'session', payload: z.object({}) },
  /** Password sign-in was unlocked (admin, owner or CLI): every process clears its throttle for the name. */
  'user.unlocked': { topic: 'session', payload: z.object({ username: z.string().min(1).max(64) }) },

  // dashboard: "this changed, refetch it" plus enough to update in place
  'balances.changed': { topic: 'dashboard', payload: z.object({ accountId: id.optional(), at: isoTime }) },
  'positions.changed': { topic: 'dashboard', payload: z.object({ accountId: id.optional(), symbols: z.array(z.string().min(1).max(32)).max(500).optional(), at: isoTime }) },
  'trade.recorded': {
    topic: 'dashboard',
    payload: z.object({
      tradeId: id,
      accountId: id.optional(),
      symbol: z.string().min(1).max(32),
      side: z.enum(['buy', 'sell', 'sell_short', 'buy_to_cover']),
      quantity: decimal,
      price: decimal,
      at: isoTime,
    }),
  },
  /** Trades were recorded or updated (a sync, an order fill): refetch the trades. */
  'trades.changed': { topic: 'dashboard', payload: z.object({ at: isoTime }) },
  'snapshot.appended': { topic: 'dashboard', payload: z.object({ snapshotId: id, accountId: id.optional(), at: isoTime }) },
  /** A data source stopped updating: the screen marks what it shows as possibly stale. */
  'data.stale': { topic: 'dashboard', payload: z.object({ source: shortText, lastUpdatedAt: isoTime.nullable() }) },

  /** Every engine transition, mode changes included (`action` set_mode, same state both sides). */
  'engine.state_changed': {
    topic: 'engine',
    payload: z.object({ state: shortText, previous: shortText.optional(), mode: z.enum(['paper', 'live']).optional(), action: shortText.optional(), reason: z.string().max(500).optional(), at: isoTime }),
  },
  /** A strategy run ended (completed, refused, failed, or a dry-run preview): refetch engine.runs. */
  'engine.run_finished': {
    topic: 'engine',
    payload: z.object({
      runId: id,
      status: shortText,
      mode: shortText,
      dryRun: z.boolean(),
      refusal: shortText.nullable(),
      intents: z.number().int().min(0).max(10_000),
      filled: z.number().int().min(0).max(10_000),
      at: isoTime,
    }),
  },
  /** A configuration value changed (set or revert): applies from the next run. */
  'config.changed': { topic: 'engine', payload: z.object({ key: shortText, historyId: id, at: isoTime }) },
  /** A scheduled job ran, was enabled or disabled, or the trade slot moved: refetch scheduler.jobs. */
  'scheduler.changed': { topic: 'engine', payload: z.object({ jobId: z.string().min(1).max(64).optional(), at: isoTime }) },
  'schwab.status_changed': { topic: 'schwab', payload: z.object({ status: shortText, detail: z.string().max(500).optional(), at: isoTime }) },

  /**
   * The events after the tab's last id are gone (older than the retention window, or an id
   * this server never issued): refetch everything, then continue live from this event's id.
   */
  resync: { topic: 'system', payload: z.object({ reason: z.enum(['expired', 'unknown_id', 'requested']) }) },
  /** First message of a subscription started without lastEventId: its id is the resume point. */
  ready: { topic: 'system', payload: z.object({}) },
} as const satisfies Record<string, { topic: LiveTopic; payload: z.ZodType }>;

type Definitions = typeof liveEventDefinitions;
export type LiveEventType = keyof Definitions;
export const LIVE_EVENT_TYPES = Object.keys(liveEventDefinitions) as LiveEventType[];
export type LiveEventPayload<T extends LiveEventType> = z.infer<Definitions[T]['payload']>;
export type LiveTopicOf<T extends LiveEventType> = Definitions[T]['topic'];

/** What a writer publishes: the topic follows from the type. */
export type LivePublish = {
  [T in LiveEventType]: {
    type: T;
    payload: LiveEventPayload<T>;
    /** Only this user's subscriptions receive it (required for the session topic). */
    userId?: string | null;
  };
}[LiveEventType];

/** What a subscriber receives, inside tracked(id, message). */
export type LiveMessage = {
  [T in LiveEventType]: { topic: LiveTopicOf<T>; type: T; payload: LiveEventPayload<T>; at: string };
}[LiveEventType];

/** A stored event as the API processes see it. */
export type LiveEvent = LiveMessage & { id: string; userId: string | null };

export function liveTopicOf(type: LiveEventType): LiveTopic {
  return liveEventDefinitions[type].topic;
}

export function isLiveEventType(type: string): type is LiveEventType {
  return Object.hasOwn(liveEventDefinitions, type);
}

/** Validates a payload against its type's schema; throws a ZodError when it does not fit. */
export function parseLivePayload<T extends LiveEventType>(type: T, payload: unknown): LiveEventPayload<T> {
  return liveEventDefinitions[type].payload.parse(payload) as LiveEventPayload<T>;
}

/** Input of the event subscriptions; tRPC adds lastEventId itself when a socket reconnects. */
export const liveStreamInputSchema = z
  .object({
    topics: z.array(liveTopicSchema).min(1).max(LIVE_TOPICS.length).optional(),
    lastEventId: liveEventIdSchema.optional(),
  })
  .optional();
export type LiveStreamInput = z.infer<typeof liveStreamInputSchema>;

/** The topics events.dashboard streams. */
export const DASHBOARD_TOPICS = ['dashboard', 'engine', 'schwab'] as const satisfies readonly LiveTopic[];
