// The engine's persisted state machine and mode. Every change (a person's action, a mode
// switch, the system's halts) is one transaction under the `engine.state` advisory lock: read
// the current state, check the transition table and the actor's role, append an
// engine_transitions row, write the system_state row. After the commit a security event and a
// live event follow (the security log has its own chain and lock). A refusal writes nothing
// to the engine's tables; refusals worth knowing about are security events of their own.
import { xactLock, type Prisma, type PrismaClient } from '@jutsu/db';
import {
  ENGINE_ACTIONS,
  engineControlInput,
  engineSetModeInput,
  findTransition,
  maskAccountNumber,
  roleAtLeast,
  roleSchema,
  type EngineAction,
  type EngineControlInput,
  type EngineMode,
  type EngineRefusal,
  type EngineSetModeInput,
  type EngineState,
  type EngineStateOutput,
  type Role,
  type SchwabStatus,
} from '@jutsu/shared';
import { hasSecondFactor } from '../auth/second-factor.ts';
import type { LiveBus } from '../http/live-bus.ts';
import type { Logger } from '../logger.ts';
import { actorLabel, eventBy, type Actor, type UserActor } from '../security/actor.ts';
import type { SecurityEventInput, StoredSecurityEvent } from '../security/security-events.ts';
import { ENGINE_MODE_KEY, ENGINE_STATE_KEY, readEngineState, type StoredEngineState } from './state-store.ts';

export interface EngineStateDeps {
  prisma: PrismaClient;
  securityEvents: { record(input: SecurityEventInput): Promise<StoredSecurityEvent> };
  liveBus: Pick<LiveBus, 'publish'>;
  logger: Logger;
  /** The Schwab connection as its status screen reports it (schwab/connection.ts readStatus). */
  schwabState: () => Promise<SchwabStatus['state']>;
  /**
   * Cancels every working order at the broker and answers how many (the live-orders part
   * plugs it in). Called after a halt is committed: a failure never undoes the halt.
   */
  cancelWorkingOrders?: (() => Promise<number>) | undefined;
  now?: () => Date;
}

export type EngineStateErrorCode = EngineRefusal | 'FORBIDDEN';

/** A refusal: nothing was written to the engine's tables. */
export class EngineStateError extends Error {
  override readonly name = 'EngineStateError';
  constructor(
    readonly code: EngineStateErrorCode,
    message: string,
    /** The state the refusal was decided against (INVALID_TRANSITION). */
    readonly state?: EngineState,
  ) {
    super(message);
  }
}

/** What a transition did. `changed` is false for a system halt that found nothing to change. */
export interface TransitionResult {
  changed: boolean;
  engine: StoredEngineState;
  /** Orders the halt cancelled at the broker, or null when none were tried. */
  cancelledOrders: number | null;
  cancelError: string | null;
}

const CONNECTED: readonly SchwabStatus['state'][] = ['connected', 'expiring'];
const now = (deps: Pick<EngineStateDeps, 'now'>) => deps.now?.() ?? new Date();

/** The actor's stored role (the token's may be up to 15 minutes old); null for no active account. */
async function currentRole(tx: Pick<Prisma.TransactionClient, 'user'>, actor: UserActor): Promise<Role | null> {
  const u = await tx.user.findUnique({ where: { id: actor.userId }, select: { role: true, disabledAt: true } });
  if (!u || u.disabledAt) return null;
  const r = roleSchema.safeParse(u.role);
  return r.success ? r.data : null;
}

function requireUser(actor: Actor): UserActor {
  if (actor.kind !== 'user') throw new EngineStateError('FORBIDDEN', 'Only a signed-in person may control the engine.');
  return actor;
}

interface Change {
  action: string;
  from: EngineState;
  to: EngineState;
  mode: EngineMode;
  reason: string;
}

/** Appends the transitions row and writes the state (and mode) rows, inside the caller's transaction. */
async function writeChange(tx: Prisma.TransactionClient, actor: Actor, c: Change, at: Date, row: 'state' | 'mode'): Promise<bigint> {
  const created = await tx.engineTransition.create({
    data: {
      action: c.action,
      fromState: c.from,
      toState: c.to,
      mode: c.mode,
      reason: c.reason,
      actor: actor.kind === 'user' ? `user:${actor.userId}` : actorLabel(actor),
      actorUserId: actor.kind === 'user' ? actor.userId : null,
      createdAt: at,
    },
    select: { id: true },
  });
  const changedBy = actorLabel(actor);
  if (row === 'state') {
    const value = { state: c.to, since: at.toISOString(), reason: c.reason, changedBy };
    await tx.systemState.upsert({ where: { key: ENGINE_STATE_KEY }, create: { key: ENGINE_STATE_KEY, value, updatedAt: at }, update: { value, updatedAt: at } });
  } else {
    const value = { mode: c.mode, since: at.toISOString(), reason: c.reason, changedBy };
    await tx.systemState.upsert({ where: { key: ENGINE_MODE_KEY }, create: { key: ENGINE_MODE_KEY, value, updatedAt: at }, update: { value, updatedAt: at } });
  }
  return created.id;
}

function severityOf(c: Change): 'info' | 'warning' | 'critical' {
  if (c.to === 'halted' || c.to === 'halted_auth') return 'critical';
  // Real money from now on: the owner hears of it whoever did it.
  if (c.action === 'set_mode' && c.mode === 'live') return 'critical';
  return c.action === 'stop' || c.action === 'pause_entries' ? 'warning' : 'info';
}

/** The security event and the live event of a committed change. Failures are logged: the change stands. */
async function announce(deps: EngineStateDeps, actor: Actor, c: Change, id: bigint, at: Date): Promise<void> {
  const type = c.action === 'set_mode' ? 'engine.mode_changed' : 'engine.state_changed';
  await deps.securityEvents
    .record(
      eventBy(actor, {
        type,
        severity: severityOf(c),
        userId: actor.kind === 'user' ? actor.userId : null,
        username: actor.kind === 'user' ? actor.username : null,
        details: { transitionId: id.toString(), action: c.action, from: c.from, to: c.to, mode: c.mode, reason: c.reason },
      }),
    )
    .catch((err: unknown) => deps.logger.error({ err, transitionId: id.toString() }, 'could not record the engine transition event'));
  await deps.liveBus
    .publish({ type: 'engine.state_changed', payload: { state: c.to, previous: c.from, mode: c.mode, action: c.action, reason: c.reason, at: at.toISOString() } })
    .catch((err: unknown) => deps.logger.warn({ err }, 'could not publish the engine transition'));
}

/** Cancels working orders after a committed halt; a failure is reported, never thrown. */
async function cancelAfterHalt(deps: EngineStateDeps, actor: Actor): Promise<Pick<TransitionResult, 'cancelledOrders' | 'cancelError'>> {
  if (!deps.cancelWorkingOrders) return { cancelledOrders: null, cancelError: null };
  try {
    return { cancelledOrders: await deps.cancelWorkingOrders(), cancelError: null };
  } catch (err) {
    const cancelError = err instanceof Error && /^[\w .:()/-]{1,200}$/.test(err.message) ? err.message : 'CANCEL_FAILED';
    deps.logger.error({ err }, 'the kill switch could not cancel the working orders');
    await deps.securityEvents
      .record(eventBy(actor, { type: 'engine.cancel_failed', severity: 'critical', userId: actor.kind === 'user' ? actor.userId : null, details: { error: cancelError } }))
      .catch((e: unknown) => deps.logger.error({ err: e }, 'could not record the failed cancel'));
    return { cancelledOrders: null, cancelError };
  }
}

/**
 * A person's action (start, pause_entries, stop, halt, resume). The transition must exist from
 * the current state, the actor's stored role must reach the transition's, and resuming from
 * halted_auth needs Schwab connected again. A halt then cancels the working orders.
 */
export async function controlEngine(deps: EngineStateDeps, actor: Actor, input: EngineControlInput): Promise<TransitionResult> {
  const { action, reason } = engineControlInput.parse(input);
  const user = requireUser(actor);
  // Read before the transaction (a read on another connection inside it would wait on PGlite).
  // A reauth arriving after this check halts again right after the commit: same lock.
  const schwab = action === 'resume' ? await deps.schwabState() : undefined;
  const at = now(deps);
  const committed = await deps.prisma.$transaction(async (tx) => {
    await xactLock(tx, 'engine.state');
    const current = await readEngineState(tx);
    const t = findTransition(action, current.state);
    if (!t) throw new EngineStateError('INVALID_TRANSITION', `The engine cannot ${action.replace('_', ' ')} while ${current.state.replace('_', ' ')}.`, current.state);
    const role = await currentRole(tx, user);
    if (!role || !roleAtLeast(role, t.role)) throw new EngineStateError('FORBIDDEN', `Only ${t.role === 'admin' ? 'an admin' : 'a trader or an admin'} may ${action.replace('_', ' ')} from ${current.state.replace('_', ' ')}.`);
    if (t.action === 'resume' && t.from === 'halted_auth' && !CONNECTED.includes(schwab!)) throw new EngineStateError('SCHWAB_NOT_CONNECTED', 'Reconnect Schwab before resuming.');
    const change: Change = { action, from: current.state, to: t.to, mode: current.mode, reason };
    const id = await writeChange(tx, actor, change, at, 'state');
    return { change, id };
  });
  await announce(deps, actor, committed.change, committed.id, at);
  const cancel = action === 'halt' ? await cancelAfterHalt(deps, actor) : { cancelledOrders: null, cancelError: null };
  return { changed: true, engine: await readEngineState(deps.prisma), ...cancel };
}

/**
 * A system transition that does not depend on a person's role: `target` from any state
 * `allowed` admits; nothing is written when the engine is already there (or in a state the
 * system may not leave).
 */
async function systemHalt(deps: EngineStateDeps, actor: Actor, action: string, target: EngineState, allowed: (s: EngineState) => boolean, reason: string) {
  const at = now(deps);
  const text = reason.trim().slice(0, 500) || action;
  const committed = await deps.prisma.$transaction(async (tx) => {
    await xactLock(tx, 'engine.state');
    const current = await readEngineState(tx);
    if (current.state === target || !allowed(current.state)) return null;
    const change: Change = { action, from: current.state, to: target, mode: current.mode, reason: text };
    return { change, id: await writeChange(tx, actor, change, at, 'state') };
  });
  if (committed) await announce(deps, actor, committed.change, committed.id, at);
  return committed !== null;
}

/**
 * Schwab needs a new login: the engine stops trading until a person reconnects and resumes.
 * From any state but `halted` (the kill switch stays the stronger stop); a no-op when already
 * halted_auth.
 */
export async function haltForAuth(deps: EngineStateDeps, actor: Actor, detail: string): Promise<TransitionResult> {
  const changed = await systemHalt(deps, actor, 'halt_auth', 'halted_auth', (s) => s !== 'halted', detail);
  return { changed, engine: await readEngineState(deps.prisma), cancelledOrders: null, cancelError: null };
}

/**
 * The kill switch pulled by the system (the daily loss guard): halted from any state, then the
 * working orders are cancelled. When already halted the orders are still cancelled (one that
 * slipped through is exactly what this is for).
 */
export async function tripKillSwitch(deps: EngineStateDeps, actor: Actor, reason: string): Promise<TransitionResult> {
  const changed = await systemHalt(deps, actor, 'halt', 'halted', () => true, reason);
  const cancel = await cancelAfterHalt(deps, actor);
  return { changed, engine: await readEngineState(deps.prisma), ...cancel };
}

/** The account live mode trades: the first real (non-paper) brokerage account. */
export async function liveAccount(prisma: Pick<PrismaClient, 'brokerageAccount'>): Promise<{ accountHash: string; numberLast4: string } | null> {
  return prisma.brokerageAccount.findFirst({ where: { isPaper: false }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { accountHash: true, numberLast4: true } });
}

/**
 * Switches paper ↔ live. Live: an admin whose account has a second factor or a passkey,
 * Schwab connected, and the live account's last four digits typed (a wrong guess is a
 * security event). The recent sign-in is the procedure's meta. Paper: any admin, at once.
 * Asking for the mode already set writes nothing.
 */
export async function setEngineMode(deps: EngineStateDeps, actor: Actor, input: EngineSetModeInput): Promise<TransitionResult> {
  const { mode, accountLast4, reason } = engineSetModeInput.parse(input);
  const user = requireUser(actor);
  const role = await currentRole(deps.prisma, user);
  if (role !== 'admin') throw new EngineStateError('FORBIDDEN', 'Only an admin may change the mode.');
  if (mode === 'live') {
    if (!(await hasSecondFactor(deps.prisma, user.userId))) throw new EngineStateError('SECOND_FACTOR_REQUIRED', 'Set up two-factor sign-in or a passkey before trading live.');
    if (!CONNECTED.includes(await deps.schwabState())) throw new EngineStateError('SCHWAB_NOT_CONNECTED', 'Connect Schwab before trading live.');
    const account = await liveAccount(deps.prisma);
    if (!account) throw new EngineStateError('SCHWAB_NOT_CONNECTED', 'No Schwab account is known yet: sync first.');
    if (accountLast4 !== account.numberLast4) {
      // The digits typed are not logged: only that they did not match.
      await deps.securityEvents
        .record(eventBy(user, { type: 'engine.live_refused', severity: 'warning', userId: user.userId, username: user.username, details: { reason: 'ACCOUNT_MISMATCH', given: accountLast4 !== undefined } }))
        .catch((err: unknown) => deps.logger.error({ err }, 'could not record the refused live switch'));
      throw new EngineStateError('ACCOUNT_MISMATCH', 'Those are not the last 4 digits of the connected account.');
    }
  }
  const at = now(deps);
  const committed = await deps.prisma.$transaction(async (tx) => {
    await xactLock(tx, 'engine.state');
    const current = await readEngineState(tx);
    if (current.mode === mode) return null;
    const change: Change = { action: 'set_mode', from: current.state, to: current.state, mode, reason: reason ?? (mode === 'live' ? 'switched to live' : 'back to paper') };
    return { change, id: await writeChange(tx, actor, change, at, 'mode') };
  });
  if (committed) await announce(deps, actor, committed.change, committed.id, at);
  return { changed: committed !== null, engine: await readEngineState(deps.prisma), cancelledOrders: null, cancelError: null };
}

/** Whether `role` may take `action` from `state` now, and if not, why (for the controls). */
export function actionFor(action: EngineAction, state: EngineState, role: Role, schwabConnected: boolean): { action: EngineAction; allowed: boolean; reason: string | null } {
  const t = findTransition(action, state);
  if (!t) return { action, allowed: false, reason: `Not available while ${state.replace('_', ' ')}.` };
  if (!roleAtLeast(role, t.role)) return { action, allowed: false, reason: t.role === 'admin' ? 'Only an admin may do this.' : 'Only a trader or an admin may do this.' };
  if (t.action === 'resume' && t.from === 'halted_auth' && !schwabConnected) return { action, allowed: false, reason: 'Reconnect Schwab first.' };
  return { action, allowed: true, reason: null };
}

/** engine.state as `role` sees it: state, mode, the live account (masked) and the actions it may take. */
export async function engineView(deps: Pick<EngineStateDeps, 'prisma' | 'schwabState'>, role: Role): Promise<EngineStateOutput> {
  const [engine, schwab, account] = await Promise.all([readEngineState(deps.prisma), deps.schwabState(), liveAccount(deps.prisma)]);
  const connected = CONNECTED.includes(schwab);
  return {
    ...engine,
    liveAccount: connected && account ? maskAccountNumber(account.numberLast4) : null,
    actions: ENGINE_ACTIONS.map((a) => actionFor(a, engine.state, role, connected)),
  };
}
