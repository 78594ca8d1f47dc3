// One spelling per configuration value, so "5", "5.0" and "05" are the same drift band: the
// API stores and compares canonical values (a change that changes nothing is refused), and the
// SPA uses the same comparison to show a diff before saving. Decimals are normalised as text,
// never through floats.
import { z } from 'zod';
import { canonicalDecimal } from './schwab.ts';
import { CONFIG_SCHEMA, configHistoryInput, configHistoryRow, configValueSchema, type ConfigKey } from './engine-config.ts';

/** A decimal string of the schema's shape ("012.50") in its shortest form ("12.5"). */
function shortest(s: string): string {
  return canonicalDecimal(s.trim()) ?? s;
}

/**
 * The canonical form of a value that already passed parseConfigValue: decimals shortest,
 * targets with canonical percentages and symbols in alphabetical order.
 */
export function canonicalConfigValue(key: ConfigKey, parsed: unknown): unknown {
  const d = CONFIG_SCHEMA[key];
  switch (d.type) {
    case 'decimal':
      return shortest(parsed as string);
    case 'targets': {
      const t = parsed as Record<string, string>;
      return Object.fromEntries(
        Object.keys(t)
          .sort()
          .map((s) => [s, shortest(t[s]!)]),
      );
    }
    default:
      return parsed;
  }
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  issues?: Issue[];
}

/** One sentence per problem, naming the symbol it concerns (cut short: it is the caller's text). */
function describe(key: ConfigKey, issues: readonly Issue[]): string {
  const d = CONFIG_SCHEMA[key];
  const out = issues.map((i) => {
    const inner = i.code === 'invalid_key' && i.issues?.[0] ? i.issues[0].message : i.message;
    let text = inner;
    if (i.code === 'invalid_type' && i.path.length === 0) {
      text = d.type === 'integer' ? `a whole number from ${d.min} to ${d.max}` : d.type === 'decimal' ? `a decimal in a string, e.g. "${d.default}"` : d.type === 'targets' ? 'symbols with percentages' : inner;
    } else if (d.type === 'integer' && (i.code === 'too_big' || i.code === 'too_small')) {
      text = `a whole number from ${d.min} to ${d.max}`;
    }
    const at = i.path.length ? `${String(i.path[0]).slice(0, 16)}: ` : '';
    return at + text;
  });
  return [...new Set(out)].join('; ');
}

/** Parse, then canonicalise: what a valid value is stored and compared as. */
export function parseCanonicalConfigValue(key: ConfigKey, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const r = configValueSchema(key).safeParse(value);
  return r.success ? { ok: true, value: canonicalConfigValue(key, r.data) } : { ok: false, message: describe(key, r.error.issues as Issue[]) };
}

function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
}

/** Whether two values of a key mean the same setting (both must fit the schema to be equal). */
export function sameConfigValue(key: ConfigKey, a: unknown, b: unknown): boolean {
  const pa = parseCanonicalConfigValue(key, a);
  const pb = parseCanonicalConfigValue(key, b);
  return pa.ok && pb.ok && stable(pa.value) === stable(pb.value);
}

/**
 * config.history's input as the procedure takes it: the contract's (strict) input plus the
 * `direction` tRPC's infinite queries add to every page request (ignored: pages only go back).
 */
export const configHistoryQueryInput = configHistoryInput.extend({ direction: z.enum(['forward', 'backward']).optional() });

/** config.history: newest first; pass nextCursor back as cursor for the next page. */
export const configHistoryPage = z.object({ rows: z.array(configHistoryRow), nextCursor: z.string().nullable() });
export type ConfigHistoryPage = z.infer<typeof configHistoryPage>;
