// Where the engine's state and mode live: two system_state rows, `engine.state` and
// `engine.mode`, read by every replica (nothing about the engine is kept only in memory).
// Transitions write them in engine/state.ts; everything else only reads.
import { ENGINE_INITIAL, engineModeSchema, engineStateSchema, type EngineMode, type EngineState } from '@jutsu/shared';
import type { PrismaClient } from '@jutsu/db';

export const ENGINE_STATE_KEY = 'engine.state';
export const ENGINE_MODE_KEY = 'engine.mode';

export interface StoredEngineState {
  state: EngineState;
  mode: EngineMode;
  since: Date | null;
  reason: string | null;
  changedBy: string | null;
}

type Reader = Pick<PrismaClient, 'systemState'>;

export async function readEngineState(prisma: Reader): Promise<StoredEngineState> {
  const rows = await prisma.systemState.findMany({ where: { key: { in: [ENGINE_STATE_KEY, ENGINE_MODE_KEY] } } });
  const s = rows.find((r) => r.key === ENGINE_STATE_KEY)?.value as { state?: unknown; since?: string; reason?: string; changedBy?: string } | undefined;
  const m = rows.find((r) => r.key === ENGINE_MODE_KEY)?.value as { mode?: unknown } | undefined;
  const state = engineStateSchema.safeParse(s?.state);
  const mode = engineModeSchema.safeParse(m?.mode);
  return {
    // An unreadable row fails safe: stopped, paper.
    state: state.success ? state.data : ENGINE_INITIAL.state,
    mode: mode.success ? mode.data : ENGINE_INITIAL.mode,
    since: s?.since ? new Date(s.since) : null,
    reason: s?.reason ?? null,
    changedBy: s?.changedBy ?? null,
  };
}
