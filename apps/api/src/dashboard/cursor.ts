// The trade history's page cursor: base64url of "<executedAt ISO>_<id>", the keyset of the
// last row shown (pages run executedAt desc, id desc, so equal timestamps never skip or
// repeat a row). It is opaque to clients and not secret: it only positions a page inside
// rows the caller may read anyway. Anything that is not exactly what encodeCursor makes is
// refused, so a damaged or hand-edited cursor fails loudly instead of paging from nowhere.

const MAX_ID = 9_223_372_036_854_775_807n;
const SHAPE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([1-9]\d{0,18})$/;

export interface TradeCursor {
  executedAt: Date;
  id: bigint;
}

export function encodeCursor(c: TradeCursor): string {
  return Buffer.from(`${c.executedAt.toISOString()}_${c.id}`, 'utf8').toString('base64url');
}

/** The cursor's keyset, or null when it is not one this server made. */
export function decodeCursor(s: string): TradeCursor | null {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(s)) return null;
  const m = SHAPE.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) return null;
  const executedAt = new Date(m[1]!);
  if (Number.isNaN(executedAt.getTime()) || executedAt.toISOString() !== m[1]) return null;
  const id = BigInt(m[2]!);
  if (id > MAX_ID) return null;
  const c = { executedAt, id };
  // Canonical form only: no padding, no alternative spellings of the same bytes.
  return encodeCursor(c) === s ? c : null;
}
