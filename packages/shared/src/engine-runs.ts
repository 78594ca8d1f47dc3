// engine.runs / engine.preview / engine.runNow: what a strategy run answers and records. Money
// and quantities are decimal strings. A run's intents list every intent the strategy proposed:
// created ones with their order_intents id and outcome, refused ones with their typed refusal.
import { z } from 'zod';
import { ENGINE_REFUSALS, engineModeSchema } from './engine.ts';

export const RUN_STATUSES = ['running', 'completed', 'refused', 'failed', 'preview'] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export const RUN_TRIGGERS = ['schedule', 'manual'] as const;
export const engineRefusalSchema = z.enum(ENGINE_REFUSALS);

export const RUN_INTENT_STATUSES = ['pending', 'sending', 'sent', 'working', 'filled', 'cancelled', 'rejected', 'expired', 'unknown', 'preview', 'refused'] as const;

export const engineRunIntentView = z.object({
  intentId: z.string().nullable(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  quantity: z.string(),
  intendedPrice: z.string(),
  reason: z.string(),
  status: z.enum(RUN_INTENT_STATUSES),
  refusal: engineRefusalSchema.nullable(),
  message: z.string().nullable(),
  filledQuantity: z.string().nullable(),
  averageFillPrice: z.string().nullable(),
});
export type EngineRunIntentView = z.infer<typeof engineRunIntentView>;

export const engineRunView = z.object({
  id: z.string(),
  trigger: z.enum(RUN_TRIGGERS),
  mode: engineModeSchema,
  status: runStatusSchema,
  dryRun: z.boolean(),
  /** The run guard that refused it (or, for a preview, that would refuse a run now). */
  refusal: engineRefusalSchema.nullable(),
  /** The refusal's message and the strategy's notes, one per line. */
  detail: z.string().nullable(),
  actor: z.string(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  intents: z.array(engineRunIntentView),
});
export type EngineRunView = z.infer<typeof engineRunView>;

export const engineRunsInput = z
  .object({ limit: z.number().int().min(1).max(50).default(50), includeDryRuns: z.boolean().default(true) })
  .strict()
  .optional();
export type EngineRunsInput = z.infer<typeof engineRunsInput>;
