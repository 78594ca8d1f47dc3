// Pure text for the Engine and Orders screens: states, actions, run and intent outcomes, and
// the engine's typed refusals in words. The server's message is kept beside the words when it
// adds something (which limit, which symbol); a code the SPA does not know shows the message.
import { TRPCClientError } from '@trpc/client';
import type { EngineAction, EngineMode, EngineRunIntentView, EngineRunView, EngineState, Role, SchedulerJobView } from '@jutsu/shared';
import { formatMoney, formatQuantity } from '../../lib/format.ts';
import { describeApiError } from '../../lib/api-errors.ts';
import { formatCountdown, formatJobTime } from './schedule-format.ts';

export const STATE_LABEL: Record<EngineState, { label: string; color: string; meaning: string }> = {
  stopped: { label: 'Stopped', color: 'gray', meaning: 'The engine places no orders.' },
  running: { label: 'Running', color: 'green', meaning: 'The engine opens and closes positions at its scheduled runs.' },
  paused_entries: { label: 'Entries paused', color: 'yellow', meaning: 'No new positions; exits and reconciliation go on.' },
  halted: { label: 'Halted', color: 'red', meaning: 'Kill switch: working orders were cancelled and nothing trades until an admin resumes.' },
  halted_auth: { label: 'Halted: Schwab login', color: 'red', meaning: 'Schwab needs reconnecting; an admin resumes once it is connected again.' },
};

export const MODE_LABEL: Record<EngineMode, { label: string; color: string }> = {
  paper: { label: 'PAPER', color: 'blue' },
  live: { label: 'LIVE', color: 'red' },
};

/** Button label, dialog title and what the dialog explains, per action. */
export const ACTION_TEXT: Record<EngineAction, { button: string; title: string; explain: string; confirm: string }> = {
  start: { button: 'Start', title: 'Start the engine?', explain: 'The engine will trade at its next scheduled run (and at "Run now").', confirm: 'Start' },
  pause_entries: {
    button: 'Pause entries',
    title: 'Pause new entries?',
    explain: 'The engine opens no new positions; it still manages exits and reconciles with the broker.',
    confirm: 'Pause entries',
  },
  stop: { button: 'Stop', title: 'Stop the engine?', explain: 'The engine places no more orders until someone starts it again. Working orders stay at the broker.', confirm: 'Stop' },
  resume: { button: 'Resume', title: 'Resume the engine?', explain: 'From a pause the engine opens positions again; from a halt it resumes with entries paused.', confirm: 'Resume' },
  halt: {
    button: 'Halt trading',
    title: 'Halt all trading?',
    explain:
      'The kill switch: every working order is cancelled at the broker now, and nothing trades (no runs, no manual orders) until an admin resumes. Resuming comes back with entries paused.',
    confirm: 'Halt trading',
  },
};

/** The ordinary controls, in the order shown; the kill switch is shown apart. */
export const CONTROL_ORDER: readonly EngineAction[] = ['start', 'pause_entries', 'resume', 'stop'];

/** Typed refusals (engine and manual orders) in words. */
const REFUSAL_WORDS: Record<string, string> = {
  INVALID_TRANSITION: 'The engine is not in a state that allows this (someone may have just changed it).',
  SECOND_FACTOR_REQUIRED: 'Live trading needs two-factor sign-in or a passkey on your account: set one up under Settings → Security first.',
  SCHWAB_NOT_CONNECTED: 'Schwab is not connected (or has no account synced yet): connect it under Admin → Schwab first.',
  ACCOUNT_MISMATCH: 'Those are not the last 4 digits of the connected account. Nothing was changed.',
  MARKET_CLOSED: 'The market is closed.',
  STALE_DATA: 'The positions or quotes are too old to trade on.',
  DAILY_NOTIONAL_EXCEEDED: "Today's order value would go above the daily limit.",
  POSITION_WEIGHT_EXCEEDED: 'The position would be above its maximum weight.',
  DAILY_LOSS_LIMIT: "Today's loss reached the limit: the kill switch was pulled.",
  SLIPPAGE_EXCEEDED: 'The fill would be too far from the intended price.',
  ENGINE_NOT_RUNNING: 'The engine is not running.',
  ENTRIES_PAUSED: 'Entries are paused: no new positions.',
  NOT_LIVE_MODE: 'The engine is not in live mode.',
  INSUFFICIENT_BUYING_POWER: 'Not enough buying power.',
  ORDER_NOT_FOUND: 'That order was not found.',
  RUN_IN_PROGRESS: 'Another run is in progress. Try again when it ends.',
  ORDERS_UNSETTLED: 'Earlier orders are not settled yet (sent, working or unknown at the broker). The run waits for them so it does not buy or sell the same thing twice.',
  ENGINE_HALTED: 'The engine is halted: no orders at all until an admin resumes it.',
  MODE_CHANGED: 'The engine changed mode since this ticket was previewed: preview it again.',
  WHOLE_SHARES_ONLY: 'Schwab takes whole shares for stock orders.',
  IDEMPOTENCY_CONFLICT: 'This ticket was already used for a different order: preview it again.',
  NO_QUOTE: 'There is no quote for this symbol.',
  PAPER_UNAVAILABLE: 'Paper orders are not available on this server.',
  ORDER_NOT_CANCELABLE: 'The order is no longer working (filled, cancelled, or not at the broker yet).',
  REAUTH_REQUIRED: 'Confirm your password to continue.',
};

/** A refusal code (and the server's message, when there is one) as one sentence or two. */
export function refusalInWords(code: string | null | undefined, message?: string | null): string {
  const words = code ? REFUSAL_WORDS[code] : undefined;
  const extra = message?.trim();
  if (!words) return extra ? capitalise(extra) : 'The request was refused.';
  if (!extra || sameSense(words, extra)) return words;
  return `${words} (${extra.replace(/\.$/, '')})`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Whether the server's message says nothing the words do not (same text, case and stop aside). */
function sameSense(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[.\s]+$/, '');
  return norm(a) === norm(b) || norm(a).startsWith(norm(b));
}

/** The stable reason of a tRPC error as the server sent it (engine and trading refusals included). */
export function refusalCodeOf(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data === 'object' && data !== null && 'reason' in data && typeof data.reason === 'string' && /^[A-Z_]{2,40}$/.test(data.reason)) return data.reason;
  return undefined;
}

/** A failed engine or trading call in words: the typed refusal when there is one, else the usual wording. */
export function engineErrorInWords(error: unknown): string {
  const code = refusalCodeOf(error);
  if (code && code in REFUSAL_WORDS) return refusalInWords(code, error instanceof Error ? error.message : null);
  return describeApiError(error);
}

export const RUN_STATUS_LABEL: Record<EngineRunView['status'], { label: string; color: string }> = {
  running: { label: 'Running', color: 'blue' },
  completed: { label: 'Completed', color: 'green' },
  refused: { label: 'Refused', color: 'orange' },
  failed: { label: 'Failed', color: 'red' },
  preview: { label: 'Preview', color: 'gray' },
};

const INTENT_STATUS_WORDS: Record<EngineRunIntentView['status'], string> = {
  pending: 'waiting to be sent',
  sending: 'being sent',
  sent: 'sent to the broker',
  working: 'working at the broker',
  filled: 'filled',
  cancelled: 'cancelled',
  rejected: 'rejected by the broker',
  expired: 'expired',
  unknown: 'outcome not known yet (being looked up at the broker)',
  preview: 'would be placed',
  refused: 'refused',
};

/** "BUY 10 SPY at about $500.00" */
export function intentSummary(i: Pick<EngineRunIntentView, 'side' | 'quantity' | 'symbol' | 'intendedPrice'>): string {
  return `${i.side} ${formatQuantity(i.quantity)} ${i.symbol} at about ${formatMoney(i.intendedPrice)}`;
}

/** What became of an intent, in words: "filled 10 at $500.10", "refused: Entries are paused…". */
export function intentOutcome(i: EngineRunIntentView): string {
  if (i.status === 'refused') return `refused: ${refusalInWords(i.refusal, i.message)}`;
  const base = INTENT_STATUS_WORDS[i.status];
  const filled = i.filledQuantity && /[1-9]/.test(i.filledQuantity) ? i.filledQuantity : null;
  const fill = filled ? ` ${formatQuantity(filled)}${i.averageFillPrice ? ` at ${formatMoney(i.averageFillPrice)}` : ''}` : '';
  const note = i.message && i.status !== 'filled' ? ` (${i.message})` : '';
  if (i.status === 'filled' || (filled && i.status !== 'working')) return `${base}${fill}${note}`;
  if (filled) return `${base}, filled${fill} so far${note}`;
  return `${base}${note}`;
}

/** One line on a run: what it did, or why it did not. */
export function runSummary(run: EngineRunView): string {
  if (run.refusal) return `${run.dryRun ? 'A run now would be refused' : 'Refused'}: ${refusalInWords(run.refusal, firstLine(run.detail))}`;
  const placed = run.intents.filter((i) => i.intentId !== null).length;
  const refused = run.intents.filter((i) => i.status === 'refused').length;
  const filled = run.intents.filter((i) => i.status === 'filled').length;
  if (run.intents.length === 0) return run.dryRun ? 'Nothing to do: the portfolio is within its targets.' : 'No orders: the portfolio is within its targets.';
  if (run.dryRun) return `Would place ${plural(run.intents.length - refused, 'order')}${refused ? `; ${refused} refused by a guard` : ''}. Nothing was placed.`;
  return `${plural(placed, 'order')} placed, ${filled} filled${refused ? `, ${refused} refused by a guard` : ''}.`;
}

function firstLine(s: string | null): string | null {
  return s ? (s.split('\n')[0] ?? null) : null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The scheduled strategy run: a countdown and its New York time, or why there is none. */
export function nextRunText(jobs: readonly SchedulerJobView[] | undefined, now: Date): { countdown: string | null; detail: string } {
  const job = jobs?.find((j) => j.id === 'engine-run');
  if (!jobs) return { countdown: null, detail: 'Loading the schedule…' };
  if (!job) return { countdown: null, detail: 'No scheduled strategy run on this server.' };
  if (!job.enabled) return { countdown: null, detail: 'The scheduled strategy run is disabled (Engine → Schedules).' };
  if (!job.nextRunAt) return { countdown: null, detail: 'No run is scheduled.' };
  return { countdown: formatCountdown(job.nextRunAt, now), detail: `${formatJobTime(job.nextRunAt).market} (New York), trading days only` };
}

/** An actor label as the server stores it ("user:alice", "system:scheduler") in words. */
export function actorInWords(label: string): string {
  if (label.startsWith('user:')) return label.slice(5);
  if (label.startsWith('system:')) return `the system (${label.slice(7)})`;
  return label;
}

/** Why this role cannot run or preview the strategy, or null (traders and admins can). */
export function runControlsRefusal(role: Role | null | undefined): string | null {
  return role === 'trader' || role === 'admin' ? null : 'Only a trader or an admin may preview or run the strategy.';
}

/** Why this role cannot change the mode, or null (admins can). */
export function modeControlsRefusal(role: Role | null | undefined): string | null {
  return role === 'admin' ? null : 'Only an admin may change the mode.';
}
