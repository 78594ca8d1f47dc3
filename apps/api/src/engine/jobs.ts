// The engine's scheduled jobs (scheduler/scheduler.ts runs them on one replica): the strategy
// run at the trade slot, and the daily reconciliation with the broker after the close.
import { readEngineState } from './state-store.ts';
import { recoverIntents, type LiveOrderDeps } from './orders.ts';
import { reconcile } from './reconcile.ts';
import { runEngine, type RunnerDeps } from './runner.ts';
import type { JobDefinition, JobRunResult } from '../scheduler/scheduler.ts';
import type { Actor } from '../security/actor.ts';

/** The strategy run the trade slot fires; a stopped engine is a skipped slot, not a failure. */
export async function scheduledEngineRun(deps: RunnerDeps, actor: Actor, live?: LiveOrderDeps): Promise<JobRunResult> {
  const engine = await readEngineState(deps.prisma);
  if (engine.state !== 'running' && engine.state !== 'paused_entries') return { skipped: true, summary: `engine is ${engine.state}` };
  // Crash leftovers are settled at the broker before anything new is decided.
  if (engine.mode === 'live' && live) await recoverIntents(live);
  const res = await runEngine(deps, actor, { trigger: actor.kind === 'user' ? 'manual' : 'schedule', dryRun: false });
  if (res.status === 'failed') throw new Error(`strategy run failed${res.detail ? `: ${res.detail}` : ''}`);
  const placed = res.intents.length;
  return { summary: res.refusal ? `refused: ${res.refusal}` : `${placed} intent(s), ${res.mode ?? 'paper'} mode` };
}

/** Daily after the close (16:30 New York, trading days): broker orders and positions against ours. */
export function reconciliationJob(live: LiveOrderDeps, connected: () => Promise<boolean>): JobDefinition {
  return {
    id: 'reconciliation',
    label: 'Reconciliation with Schwab',
    schedule: '30 16 * * 1-5',
    describe: 'trading days at 16:30 New York',
    graceMs: 6 * 60 * 60_000,
    tradingDaysOnly: true,
    run: async (actor) => {
      if (!(await connected())) return { skipped: true, summary: 'Schwab is not connected' };
      const report = await reconcile(live, actor);
      return { summary: report.ok ? `${report.ordersChecked} order(s) match` : `${report.mismatches.length} difference(s): see the security log` };
    },
  };
}
