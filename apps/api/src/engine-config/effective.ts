// The effective engine configuration: each key's override from config_overrides when it is
// still valid under the schema, else its default. Read at the start of every run, so a
// change applies from the next run and never in the middle of one.
import { CONFIG_KEYS, CONFIG_SCHEMA, canonicalConfigValue, parseCanonicalConfigValue, type ConfigDescriptor, type ConfigKey, type EffectiveConfig } from '@jutsu/shared';
import type { PrismaClient } from '@jutsu/db';

export interface EffectiveEntry {
  key: ConfigKey;
  /** What the engine uses: the override, or the default when there is none (or it no longer fits). */
  value: unknown;
  default: unknown;
  /** A stored override that fits the schema is in force. */
  overridden: boolean;
  schema: ConfigDescriptor;
}

/** One key's effective value from its stored override (undefined: none), canonical. */
export function effectiveValue(key: ConfigKey, stored: unknown): { value: unknown; overridden: boolean } {
  // A stored value that no longer fits a (since tightened) schema falls back to the default.
  const parsed = stored === undefined ? undefined : parseCanonicalConfigValue(key, stored);
  return parsed?.ok ? { value: parsed.value, overridden: true } : { value: canonicalConfigValue(key, CONFIG_SCHEMA[key].default), overridden: false };
}

/** Every key of the schema, in schema order, with its effective value and descriptor. */
export async function readConfigEntries(prisma: Pick<PrismaClient, 'configOverride'>): Promise<EffectiveEntry[]> {
  const rows = await prisma.configOverride.findMany({ where: { key: { in: CONFIG_KEYS } } });
  const overrides = new Map(rows.map((r) => [r.key, r.value as unknown]));
  return CONFIG_KEYS.map((key) => {
    const schema: ConfigDescriptor = CONFIG_SCHEMA[key];
    return { key, ...effectiveValue(key, overrides.get(key)), default: canonicalConfigValue(key, schema.default), schema };
  });
}

export async function readEffectiveConfig(prisma: Pick<PrismaClient, 'configOverride'>): Promise<EffectiveConfig> {
  const out: Record<string, unknown> = {};
  for (const e of await readConfigEntries(prisma)) out[e.key] = e.value;
  return out as EffectiveConfig;
}
