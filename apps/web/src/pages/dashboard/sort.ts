// Client-side sorting of table rows. Money and quantities are decimal strings: they are
// compared exactly (bigint), never through floats, so 0.1 vs 0.10000000000000001 stays right.
import { parseDecimal } from '../../lib/decimal-string.ts';

export type SortDirection = 'asc' | 'desc';

/** Exact comparison of two decimal strings: negative, zero or positive. */
export function compareDecimalStrings(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const xu = x.units * 10n ** BigInt(scale - x.scale);
  const yu = y.units * 10n ** BigInt(scale - y.scale);
  return xu < yu ? -1 : xu > yu ? 1 : 0;
}

export type SortValue = string | number | null;
/** How a column's values compare: decimal strings, plain numbers (ratios) or text. */
export type SortKind = 'decimal' | 'number' | 'text';

function compareValues(a: SortValue, b: SortValue, kind: SortKind): number {
  if (kind === 'decimal') return compareDecimalStrings(String(a), String(b));
  if (kind === 'number') return (a as number) - (b as number);
  return String(a).localeCompare(String(b), 'en', { sensitivity: 'base', numeric: true });
}

/**
 * The rows sorted by one column (a new array; the input is untouched). Missing values (null)
 * always go last, whichever the direction, so "no target" never crowds the top of the list.
 * Ties keep their original order.
 */
export function sortRows<T>(rows: readonly T[], value: (row: T) => SortValue, kind: SortKind, direction: SortDirection): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, v: value(row) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.index - b.index : a.v === null ? 1 : -1;
      return sign * compareValues(a.v, b.v, kind) || a.index - b.index;
    })
    .map((entry) => entry.row);
}

/** Clicking a header: a new column starts descending (biggest first), the same column flips. */
export function nextSort<K extends string>(current: { key: K; direction: SortDirection }, clicked: K): { key: K; direction: SortDirection } {
  if (current.key !== clicked) return { key: clicked, direction: 'desc' };
  return { key: clicked, direction: current.direction === 'desc' ? 'asc' : 'desc' };
}
