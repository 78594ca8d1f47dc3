// engine.*: the trading engine's persisted state machine and mode (docs/architecture.md,
// "Engine"). The transition table is the single source of truth: the server refuses any
// action it does not list, and the SPA disables the controls it does not allow, with the
// reason. Who may take an action depends on the state it leaves (resuming from a pause is a
// trader's call; resuming from the kill switch is an admin's).
import { z } from 'zod';
import type { Role } from './roles.ts';

export const ENGINE_STATES = ['stopped', 'running', 'paused_entries', 'halted', 'halted_auth'] as const;
export const engineStateSchema = z.enum(ENGINE_STATES);
export type EngineState = z.infer<typeof engineStateSchema>;

export const ENGINE_MODES = ['paper', 'live'] as const;
export const engineModeSchema = z.enum(ENGINE_MODES);
export type EngineMode = z.infer<typeof engineModeSchema>;

export const ENGINE_ACTIONS = ['start', 'pause_entries', 'stop', 'halt', 'resume'] as const;
export const engineActionSchema = z.enum(ENGINE_ACTIONS);
export type EngineAction = z.infer<typeof engineActionSchema>;

/** What a fresh install starts in: stopped, paper. */
export const ENGINE_INITIAL = { state: 'stopped', mode: 'paper' } as const satisfies { state: EngineState; mode: EngineMode };

export interface EngineTransition {
  action: EngineAction;
  from: EngineState;
  to: EngineState;
  /** The least role that may take it. */
  role: Role;
}

/**
 * Every transition a person may take. Resuming from the kill switch (or from `halted_auth`
 * after reconnecting Schwab) lands in `paused_entries`, never straight in `running`: exits and
 * reconciliation restart first, and new entries need a second, deliberate resume.
 */
export const ENGINE_TRANSITIONS: readonly EngineTransition[] = [
  { action: 'start', from: 'stopped', to: 'running', role: 'trader' },
  { action: 'pause_entries', from: 'running', to: 'paused_entries', role: 'trader' },
  { action: 'resume', from: 'paused_entries', to: 'running', role: 'trader' },
  { action: 'stop', from: 'running', to: 'stopped', role: 'trader' },
  { action: 'stop', from: 'paused_entries', to: 'stopped', role: 'trader' },
  { action: 'halt', from: 'stopped', to: 'halted', role: 'admin' },
  { action: 'halt', from: 'running', to: 'halted', role: 'admin' },
  { action: 'halt', from: 'paused_entries', to: 'halted', role: 'admin' },
  { action: 'halt', from: 'halted_auth', to: 'halted', role: 'admin' },
  { action: 'resume', from: 'halted', to: 'paused_entries', role: 'admin' },
  { action: 'resume', from: 'halted_auth', to: 'paused_entries', role: 'admin' },
];

export function findTransition(action: EngineAction, from: EngineState): EngineTransition | undefined {
  return ENGINE_TRANSITIONS.find((t) => t.action === action && t.from === from);
}

/** States in which the engine places new entries / manages exits at all. */
export const ENTRIES_ALLOWED: readonly EngineState[] = ['running'];
export const EXITS_ALLOWED: readonly EngineState[] = ['running', 'paused_entries'];

/** A reason a person types: required on every transition and every configuration change. */
export const reasonSchema = z.string().trim().min(3, 'give a reason (at least 3 characters)').max(500);

export const engineControlInput = z.object({ action: engineActionSchema, reason: reasonSchema }).strict();
export type EngineControlInput = z.infer<typeof engineControlInput>;

/** Live needs the last four digits of the connected account, typed; paper needs nothing. */
export const engineSetModeInput = z
  .object({ mode: engineModeSchema, accountLast4: z.string().regex(/^\d{4}$/, 'the last 4 digits').optional(), reason: reasonSchema.optional() })
  .strict();
export type EngineSetModeInput = z.infer<typeof engineSetModeInput>;

export const engineStateOutput = z.object({
  state: engineStateSchema,
  mode: engineModeSchema,
  /** When the current state began and why. */
  since: z.date().nullable(),
  reason: z.string().nullable(),
  changedBy: z.string().nullable(),
  /** The account live mode trades, masked (…1234), or null when Schwab is not connected. */
  liveAccount: z.string().nullable(),
  /** Actions this caller may take now; the others with the reason they are refused. */
  actions: z.array(z.object({ action: engineActionSchema, allowed: z.boolean(), reason: z.string().nullable() })),
});
export type EngineStateOutput = z.infer<typeof engineStateOutput>;

export const engineTransitionRow = z.object({
  id: z.string(),
  from: engineStateSchema,
  to: engineStateSchema,
  action: z.string(),
  mode: engineModeSchema,
  reason: z.string(),
  actor: z.string(),
  at: z.date(),
});
export type EngineTransitionRow = z.infer<typeof engineTransitionRow>;

/** Typed refusals of the engine, shown to the person as they are. */
export const ENGINE_REFUSALS = [
  'INVALID_TRANSITION',
  'SECOND_FACTOR_REQUIRED',
  'SCHWAB_NOT_CONNECTED',
  'ACCOUNT_MISMATCH',
  'MARKET_CLOSED',
  'STALE_DATA',
  'DAILY_NOTIONAL_EXCEEDED',
  'POSITION_WEIGHT_EXCEEDED',
  'DAILY_LOSS_LIMIT',
  'SLIPPAGE_EXCEEDED',
  'ENGINE_NOT_RUNNING',
  'ENTRIES_PAUSED',
  'NOT_LIVE_MODE',
  'INSUFFICIENT_BUYING_POWER',
  'ORDER_NOT_FOUND',
  'RUN_IN_PROGRESS',
  'ORDERS_UNSETTLED',
] as const;
export type EngineRefusal = (typeof ENGINE_REFUSALS)[number];
