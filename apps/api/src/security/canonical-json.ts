/** JSON with object keys sorted at every level: jsonb does not keep key order, hashes must. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

// What is hashed must be exactly what PostgreSQL stores and gives back: it replaces lone
// surrogates with U+FFFD and refuses NUL in text and jsonb. So every string is made
// well-formed, NUL-free and NFC before it is hashed or stored, and bounded in length.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(s: string, max: number): string {
  let t = s.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '').normalize('NFC');
  if (t.length > max) {
    t = t.slice(0, max);
    // Never end on half of a surrogate pair.
    if (/[\uD800-\uDBFF]$/.test(t)) t = t.slice(0, -1);
  }
  return t;
}

export const DETAILS_LIMITS = { depth: 6, entries: 64, key: 128, string: 1024, bytes: 16_384 };

/**
 * Details as they will be stored: plain JSON values only (dates as ISO text, bigints as text,
 * non-finite numbers as null), every key and string cleaned, bounded in depth, width and size.
 */
export function cleanDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  const cleaned = cleanValue(details ?? {}, 0);
  const obj = cleaned !== null && typeof cleaned === 'object' && !Array.isArray(cleaned) ? (cleaned as Record<string, unknown>) : {};
  const size = Buffer.byteLength(canonicalJson(obj), 'utf8');
  return size > DETAILS_LIMITS.bytes ? { truncated: true, bytes: size } : obj;
}

function cleanValue(v: unknown, depth: number): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return cleanText(v, DETAILS_LIMITS.string);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v !== 'object') return null; // functions, symbols
  if (depth >= DETAILS_LIMITS.depth) return '[too deep]';
  if (Array.isArray(v)) return v.slice(0, DETAILS_LIMITS.entries).map((x) => cleanValue(x, depth + 1));
  // fromEntries defines own properties: a key named __proto__ stays data.
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .slice(0, DETAILS_LIMITS.entries)
      .map(([k, x]) => [cleanText(k, DETAILS_LIMITS.key), cleanValue(x, depth + 1)]),
  );
}
