// The Configuration screen's logic, free of React: form drafts from the effective values and
// back, validation by the same schema the server applies, exact sums of target percentages,
// and the diff shown before saving (old → new, per symbol for the targets).
import { CONFIG_SCHEMA, parseCanonicalConfigValue, sameConfigValue, type ConfigDescriptor, type ConfigKey } from '@jutsu/shared';
import { groupedMagnitude, parseDecimal, trimDecimal, type ExactDecimal } from '../../lib/decimal-string.ts';

export interface TargetRow {
  symbol: string;
  percent: string;
}

/** What a field holds while it is edited: text for numbers (an empty field is not 0), rows for targets. */
export type Draft = string | TargetRow[];

export const GROUP_LABELS: Record<ConfigDescriptor['group'], string> = {
  strategy: 'Strategy',
  guards: 'Guards',
  paper: 'Paper trading',
  orders: 'Orders',
  schedule: 'Schedule',
};

export function targetsToRows(value: unknown): TargetRow[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).map(([symbol, percent]) => ({ symbol, percent: String(percent) }));
}

/** The draft a field starts from, given the value in force. */
export function toDraft(schema: ConfigDescriptor, value: unknown): Draft {
  return schema.type === 'targets' ? targetsToRows(value) : String(value ?? '');
}

/**
 * The value to send for a draft: integers as numbers (only plain digits; anything else is
 * sent as typed so the schema refuses it), decimals and enums as text, targets as an object
 * of upper-cased symbols (rows left completely empty are ignored).
 */
export function fromDraft(schema: ConfigDescriptor, draft: Draft): unknown {
  if (schema.type === 'targets') {
    const rows = Array.isArray(draft) ? draft : [];
    const out: Record<string, string> = {};
    for (const row of rows) {
      const symbol = row.symbol.trim().toUpperCase();
      const percent = row.percent.trim();
      if (!symbol && !percent) continue;
      out[symbol] = percent;
    }
    return out;
  }
  const text = typeof draft === 'string' ? draft.trim() : '';
  if (schema.type === 'integer') return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
  return text;
}

/** Duplicate symbols would silently collapse into one in the object sent: say so instead. */
export function duplicateSymbols(rows: readonly TargetRow[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const row of rows) {
    const s = row.symbol.trim().toUpperCase();
    if (!s) continue;
    if (seen.has(s)) dup.add(s);
    seen.add(s);
  }
  return [...dup];
}

/** The schema's complaint about a draft, or null when the server would accept it. */
export function draftError(key: ConfigKey, draft: Draft): string | null {
  const schema: ConfigDescriptor = CONFIG_SCHEMA[key];
  if (schema.type === 'targets' && Array.isArray(draft)) {
    const dup = duplicateSymbols(draft);
    if (dup.length) return `Each symbol once: ${dup.join(', ')} appears twice.`;
    if (draft.some((r) => !r.symbol.trim() && r.percent.trim())) return 'Every percentage needs a symbol.';
  }
  if (schema.type !== 'targets' && typeof draft === 'string' && draft.trim() === '') return 'Enter a value.';
  const r = parseCanonicalConfigValue(key, fromDraft(schema, draft));
  return r.ok ? null : r.message;
}

function exact(text: string): ExactDecimal | null {
  try {
    return parseDecimal(text.trim());
  } catch {
    return null;
  }
}

/** The exact sum of the rows' percentages ("92.5"), or null while one of them is not a number. */
export function targetsSum(rows: readonly TargetRow[]): string | null {
  let total: ExactDecimal = { units: 0n, scale: 0 };
  for (const row of rows) {
    if (!row.symbol.trim() && !row.percent.trim()) continue;
    const v = exact(row.percent);
    if (!v) return null;
    const scale = Math.max(total.scale, v.scale);
    const units = total.units * 10n ** BigInt(scale - total.scale) + v.units * 10n ** BigInt(scale - v.scale);
    total = { units, scale };
  }
  return groupedMagnitude(trimDecimal(total)).replaceAll(',', '');
}

function withUnit(text: string, unit: string | null): string {
  if (!unit) return text;
  if (unit === '$') return `$${text}`;
  return unit === '%' ? `${text} %` : `${text} ${unit}`;
}

function number(text: string): string {
  const v = exact(text);
  return v ? groupedMagnitude(trimDecimal(v)) : text;
}

/** A value as a person reads it: "7.5 %", "$10,000", "40 bps", "SPY 60 %, QQQ 30 %", "none". */
export function formatConfigValue(schema: ConfigDescriptor, value: unknown): string {
  if (value === null || value === undefined) return '(default)';
  switch (schema.type) {
    case 'integer':
      return typeof value === 'number' ? withUnit(value.toLocaleString('en-US'), schema.unit) : JSON.stringify(value);
    case 'decimal':
      return typeof value === 'string' ? withUnit(number(value), schema.unit) : JSON.stringify(value);
    case 'enum':
      return String(value);
    case 'targets': {
      const rows = targetsToRows(value);
      return rows.length ? rows.map((r) => `${r.symbol} ${number(r.percent)} %`).join(', ') : 'none';
    }
  }
}

export interface DiffLine {
  key: ConfigKey;
  label: string;
  from: string;
  to: string;
  /** For targets: one line per symbol added, removed or changed. */
  details: string[];
}

/** Per symbol: "+ VTI 10 %", "− QQQ 30 %", "SPY 60 % → 55 %". */
export function targetsChanges(from: unknown, to: unknown): string[] {
  const a = new Map(targetsToRows(from).map((r) => [r.symbol, r.percent]));
  const b = new Map(targetsToRows(to).map((r) => [r.symbol, r.percent]));
  const symbols = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: string[] = [];
  for (const s of symbols) {
    const before = a.get(s);
    const after = b.get(s);
    if (before === undefined && after !== undefined) out.push(`+ ${s} ${number(after)} %`);
    else if (before !== undefined && after === undefined) out.push(`\u2212 ${s} ${number(before)} %`);
    else if (before !== undefined && after !== undefined && exactEqual(before, after) === false) out.push(`${s} ${number(before)} % → ${number(after)} %`);
  }
  return out;
}

function exactEqual(a: string, b: string): boolean {
  const x = exact(a);
  const y = exact(b);
  if (!x || !y) return a === b;
  const scale = Math.max(x.scale, y.scale);
  return x.units * 10n ** BigInt(scale - x.scale) === y.units * 10n ** BigInt(scale - y.scale);
}

/**
 * What saving would change: one line per key whose valid draft differs from the value in
 * force, in schema order. Drafts with an error are left out (the form shows the error).
 */
export function configDiff(current: ReadonlyArray<{ key: ConfigKey; value: unknown }>, drafts: Partial<Record<ConfigKey, Draft>>): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const { key, value } of current) {
    const draft = drafts[key];
    if (draft === undefined || draftError(key, draft) !== null) continue;
    const schema: ConfigDescriptor = CONFIG_SCHEMA[key];
    const next = fromDraft(schema, draft);
    if (sameConfigValue(key, value, next)) continue;
    lines.push({
      key,
      label: schema.label,
      from: formatConfigValue(schema, value),
      to: formatConfigValue(schema, next),
      details: schema.type === 'targets' ? targetsChanges(value, next) : [],
    });
  }
  return lines;
}

/** A history row's change in one line; a row of a key that no longer exists is shown raw. */
export function describeHistoryChange(key: string, oldValue: unknown, newValue: unknown): { label: string; from: string; to: string } {
  if (!Object.hasOwn(CONFIG_SCHEMA, key)) return { label: key, from: JSON.stringify(oldValue ?? null), to: JSON.stringify(newValue ?? null) };
  const schema: ConfigDescriptor = CONFIG_SCHEMA[key as ConfigKey];
  return { label: schema.label, from: formatConfigValue(schema, oldValue), to: formatConfigValue(schema, newValue) };
}
