// The Trades screen's filters live in the URL (?symbol=AAPL&side=BUY&from=2026-01-02), so a
// filtered view can be bookmarked, shared and survives a reload. Anything in the URL that the
// API would refuse is dropped here rather than sent.
import { isoDateSchema, tradeFilterFields, TRADE_MODES, TRADE_SIDES, type DashboardExportTradesInput } from '@jutsu/shared';

export type TradeFilters = Omit<DashboardExportTradesInput, never>;
export const TRADE_FILTER_KEYS = ['symbol', 'side', 'status', 'mode', 'from', 'to'] as const;
export type TradeFilterKey = (typeof TRADE_FILTER_KEYS)[number];

function valid(key: TradeFilterKey, value: string): boolean {
  return tradeFilterFields[key].safeParse(value).success;
}

/** Reads the filters from search params; invalid or empty values are ignored. */
export function parseTradeFilters(params: URLSearchParams): TradeFilters {
  const out: Record<string, string> = {};
  for (const key of TRADE_FILTER_KEYS) {
    let value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'symbol') value = value.toUpperCase();
    if (key === 'status') value = value.toLowerCase();
    if (valid(key, value)) out[key] = value;
  }
  // A reversed range would be refused by the API: keep only `from`.
  if (out.from && out.to && out.from > out.to) delete out.to;
  return out as TradeFilters;
}

/** Writes the filters as search params, in a stable order, leaving out empty ones. */
export function tradeFiltersToParams(filters: TradeFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of TRADE_FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return params;
}

export function hasTradeFilters(filters: TradeFilters): boolean {
  return TRADE_FILTER_KEYS.some((key) => Boolean(filters[key]));
}

export const SIDE_OPTIONS = TRADE_SIDES.map((s) => ({ value: s, label: s.replaceAll('_', ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase()) }));
export const MODE_OPTIONS = TRADE_MODES.map((m) => ({ value: m, label: m === 'paper' ? 'Paper' : 'Live' }));
export const isIsoDate = (value: string): boolean => isoDateSchema.safeParse(value).success;
