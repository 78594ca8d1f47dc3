// engine.control / engine.transitions: what the state machine's procedures answer beyond the
// contract in engine.ts (which stays the single table of states, actions and refusals).
import { z } from 'zod';
import { engineStateOutput, engineTransitionRow } from './engine.ts';

/** A transition's answer: the new state as the caller sees it, and what the kill switch cancelled. */
export const engineControlOutput = z.object({
  state: engineStateOutput,
  /** Working orders the halt cancelled at the broker; null when nothing was tried. */
  cancelledOrders: z.number().int().nonnegative().nullable(),
  /** Why cancelling failed (the halt itself is recorded regardless); null when it did not. */
  cancelError: z.string().max(200).nullable(),
});
export type EngineControlOutput = z.infer<typeof engineControlOutput>;

/** Newest first: pass `nextCursor` back as `cursor` for the next page. */
export const engineTransitionsInput = z
  .object({
    limit: z.number().int().min(1).max(100).default(20),
    cursor: z.string().regex(/^[1-9]\d{0,18}$/, 'a cursor from the previous page').optional(),
  })
  .strict()
  .optional();
export type EngineTransitionsInput = z.infer<typeof engineTransitionsInput>;

export const engineTransitionsOutput = z.object({ items: z.array(engineTransitionRow), nextCursor: z.string().nullable() });
export type EngineTransitionsOutput = z.infer<typeof engineTransitionsOutput>;
