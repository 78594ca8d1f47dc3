// config.*: reading, changing and reverting the engine configuration. Every change is checked
// against CONFIG_SCHEMA before anything is written, then read-compare-write happens under the
// `engine.config` advisory lock in one transaction, so the history's old value is always the
// previous row's new value, on every replica. config_history is append-only (a trigger refuses
// UPDATE and DELETE). Values are stored and compared in canonical form (engine-config-values).
import { withXactLock, type PrismaClient } from '@jutsu/db';
import { CONFIG_KEYS, CONFIG_SCHEMA, canonicalConfigValue, parseCanonicalConfigValue, reasonSchema, sameConfigValue, type ConfigHistoryPage, type ConfigKey, type LivePublish } from '@jutsu/shared';
import type { Actor } from '../security/actor.ts';
import { eventBy } from '../security/actor.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import { effectiveValue, readConfigEntries, type EffectiveEntry } from './effective.ts';

export interface ConfigDeps {
  prisma: PrismaClient;
  securityEvents: Pick<SecurityEvents, 'record'>;
  publish: (event: LivePublish) => Promise<unknown>;
}

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_UNCHANGED' | 'CONFIG_HISTORY_NOT_FOUND';

export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Larger than any valid value (50 targets are ~1.5 KB): checked before any parsing. */
export const MAX_VALUE_BYTES = 8_192;

export interface ConfigChange {
  id: string;
  key: ConfigKey;
  oldValue: unknown;
  newValue: unknown;
  changedBy: string | null;
  reason: string;
  changedAt: Date;
}

function isKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

function checkReason(reason: string): string {
  const r = reasonSchema.safeParse(reason);
  if (!r.success) throw new ConfigError('CONFIG_INVALID', r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

/** The canonical value, or a CONFIG_INVALID refusal carrying the schema's message. */
function checkValue(key: string, value: unknown): { key: ConfigKey; value: unknown } {
  if (!isKey(key)) throw new ConfigError('CONFIG_INVALID', 'Unknown configuration key.');
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    throw new ConfigError('CONFIG_INVALID', `${CONFIG_SCHEMA[key].label}: not a JSON value.`);
  }
  if (size > MAX_VALUE_BYTES) throw new ConfigError('CONFIG_INVALID', `${CONFIG_SCHEMA[key].label}: the value is too large.`);
  const parsed = parseCanonicalConfigValue(key, value);
  if (!parsed.ok) throw new ConfigError('CONFIG_INVALID', `${CONFIG_SCHEMA[key].label}: ${parsed.message}`);
  return { key, value: parsed.value };
}

function actorUserId(actor: Actor): string | null {
  return actor.kind === 'user' ? actor.userId : null;
}

/** config.effective: every key, in schema order. */
export function effective(deps: Pick<ConfigDeps, 'prisma'>): Promise<EffectiveEntry[]> {
  return readConfigEntries(deps.prisma);
}

/**
 * Writes one change: old value read under the lock, the override upserted (or deleted when the
 * new value is the default, so a later change of the default applies again), a history row
 * appended. A change to the value already in force is refused (CONFIG_UNCHANGED).
 */
async function applyChange(deps: ConfigDeps, actor: Actor, key: ConfigKey, value: unknown, reason: string, revertOf?: string): Promise<ConfigChange> {
  const userId = actorUserId(actor);
  const row = await withXactLock(deps.prisma, 'engine.config', async (tx) => {
    const stored = await tx.configOverride.findUnique({ where: { key } });
    const old = effectiveValue(key, stored?.value ?? undefined).value;
    if (sameConfigValue(key, old, value)) throw new ConfigError('CONFIG_UNCHANGED', `${CONFIG_SCHEMA[key].label} is already ${JSON.stringify(value)}.`);
    if (sameConfigValue(key, value, CONFIG_SCHEMA[key].default)) {
      await tx.configOverride.deleteMany({ where: { key } });
    } else {
      const data = { value: value as object, updatedById: userId, updatedAt: new Date() };
      await tx.configOverride.upsert({ where: { key }, create: { key, ...data }, update: data });
    }
    return tx.configHistory.create({ data: { key, oldValue: old as object, newValue: value as object, changedById: userId, reason } });
  });
  const change: ConfigChange = {
    id: row.id.toString(),
    key,
    oldValue: row.oldValue,
    newValue: row.newValue,
    changedBy: actor.kind === 'user' ? actor.username : null,
    reason,
    changedAt: row.changedAt,
  };
  // After the commit: the change is in force whether or not these succeed, and both say so.
  await deps.securityEvents.record(
    eventBy(actor, {
      type: 'config.changed',
      severity: 'warning',
      userId,
      username: actor.kind === 'user' ? actor.username : null,
      details: { key, historyId: change.id, from: change.oldValue, to: change.newValue, ...(revertOf ? { revertOf } : {}) },
    }),
  );
  await deps.publish({ type: 'config.changed', payload: { key, historyId: change.id, at: row.changedAt.toISOString() } });
  return change;
}

/** config.set: refuses a value outside the schema (nothing written) and a change that changes nothing. */
export async function setConfig(deps: ConfigDeps, actor: Actor, input: { key: string; value: unknown; reason: string }): Promise<ConfigChange> {
  const reason = checkReason(input.reason);
  const { key, value } = checkValue(input.key, input.value);
  return applyChange(deps, actor, key, value, reason);
}

/**
 * config.revert: "go back to this version". The key takes the value history row #id recorded as
 * its new value (null in a row written before values were always recorded means the default);
 * the revert is itself a new history row, its reason "revert to #id: <reason>".
 */
export async function revertConfig(deps: ConfigDeps, actor: Actor, input: { historyId: string; reason: string }): Promise<ConfigChange> {
  const reason = checkReason(input.reason);
  if (!/^\d{1,18}$/.test(input.historyId)) throw new ConfigError('CONFIG_HISTORY_NOT_FOUND', 'No such configuration change.');
  const target = await deps.prisma.configHistory.findUnique({ where: { id: BigInt(input.historyId) } });
  if (!target) throw new ConfigError('CONFIG_HISTORY_NOT_FOUND', `No configuration change #${input.historyId}.`);
  if (!isKey(target.key)) throw new ConfigError('CONFIG_INVALID', `#${input.historyId} changed a setting that no longer exists.`);
  const recorded = target.newValue ?? canonicalConfigValue(target.key, CONFIG_SCHEMA[target.key].default);
  const parsed = parseCanonicalConfigValue(target.key, recorded);
  if (!parsed.ok) throw new ConfigError('CONFIG_INVALID', `The value of #${input.historyId} no longer fits the schema: ${parsed.message}`);
  return applyChange(deps, actor, target.key, parsed.value, `revert to #${input.historyId}: ${reason}`, input.historyId);
}

/** config.history: newest first, `limit` rows after the cursor (an id), optionally of one key. */
export async function history(deps: Pick<ConfigDeps, 'prisma'>, input: { key?: ConfigKey | undefined; cursor?: string | undefined; limit: number }): Promise<ConfigHistoryPage> {
  const rows = await deps.prisma.configHistory.findMany({
    where: { ...(input.key ? { key: input.key } : {}), ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { id: 'desc' },
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const ids = [...new Set(page.map((r) => r.changedById).filter((id): id is string => id !== null))];
  const users = ids.length ? await deps.prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, username: true } }) : [];
  const names = new Map(users.map((u) => [u.id, u.username]));
  return {
    rows: page.map((r) => ({
      id: r.id.toString(),
      key: r.key,
      oldValue: r.oldValue,
      newValue: r.newValue,
      changedBy: r.changedById ? (names.get(r.changedById) ?? null) : null,
      reason: r.reason,
      changedAt: r.changedAt,
    })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id.toString() : null,
  };
}
