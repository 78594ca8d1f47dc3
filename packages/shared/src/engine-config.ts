// config.*: every engine and strategy parameter, with its schema. An override outside its
// schema is refused before anything is written; the SPA generates its forms from the same
// descriptors. Decimals travel as strings (never floats). Changes apply from the next run.
import { z } from 'zod';
import { reasonSchema } from './engine.ts';

const decimal = z.string().trim().regex(/^\d+(\.\d{1,8})?$/, 'a non-negative decimal, e.g. 12.5');
const symbol = z.string().regex(/^[A-Z][A-Z0-9.\-/]{0,15}$/, 'an upper-case ticker, e.g. SPY');

export const TRADE_SLOTS = ['09:30', '09:45', '15:45', '15:55', '16:00'] as const;
export const tradeSlotSchema = z.enum(TRADE_SLOTS);
export type TradeSlot = z.infer<typeof tradeSlotSchema>;

interface Base {
  group: 'strategy' | 'guards' | 'paper' | 'orders' | 'schedule';
  label: string;
  description: string;
  unit: string | null;
}
export type ConfigDescriptor =
  | (Base & { type: 'integer'; min: number; max: number; default: number })
  | (Base & { type: 'decimal'; min: string; max: string; default: string })
  | (Base & { type: 'enum'; values: readonly string[]; default: string })
  | (Base & { type: 'targets'; maxSymbols: number; default: Record<string, string> });

// Narrow return types, so EffectiveConfig knows an integer key holds a number and a decimal key a string.
function int(group: Base['group'], label: string, description: string, unit: string | null, min: number, max: number, dflt: number): Base & { type: 'integer'; min: number; max: number; default: number } {
  return { group, label, description, unit, type: 'integer', min, max, default: dflt };
}
function dec(group: Base['group'], label: string, description: string, unit: string | null, min: string, max: string, dflt: string): Base & { type: 'decimal'; min: string; max: string; default: string } {
  return { group, label, description, unit, type: 'decimal', min, max, default: dflt };
}

export const CONFIG_SCHEMA = {
  'strategy.targets': {
    group: 'strategy',
    label: 'Target allocation',
    description: 'Target weight of each symbol in percent of net liquidation value; together with the cash reserve at most 100. A symbol at 0 is sold; a held symbol not listed is left alone.',
    unit: '%',
    type: 'targets',
    maxSymbols: 50,
    default: { SPY: '60', QQQ: '30' },
  },
  'strategy.drift_band_pct': dec('strategy', 'Drift band', 'A position is traded only when its weight is this far from its target.', '%', '0', '50', '5'),
  'strategy.min_trade_usd': dec('strategy', 'Minimum trade', 'Smaller rebalancing trades are skipped.', '$', '0', '1000000', '100'),
  'strategy.cash_reserve_pct': dec('strategy', 'Cash reserve', 'Share of net liquidation value never invested.', '%', '0', '100', '2'),
  'strategy.max_order_usd': dec('strategy', 'Maximum order', 'No single order is larger than this.', '$', '1', '10000000', '10000'),
  'strategy.max_orders_per_run': int('strategy', 'Maximum orders per run', 'Intents beyond this many in one run are dropped, largest first kept.', null, 1, 100, 10),
  'guards.max_quote_age_seconds': int('guards', 'Quote age limit', 'A run refuses when a quote it needs is older than this.', 's', 5, 3600, 120),
  'guards.max_positions_age_seconds': int('guards', 'Positions age limit', 'A run refuses when positions and balances were synced longer ago than this.', 's', 30, 86_400, 900),
  'guards.max_daily_notional_usd': dec('guards', 'Daily notional limit', 'Total value of orders placed in one New York trading day.', '$', '0', '100000000', '50000'),
  'guards.max_position_weight_pct': dec('guards', 'Maximum position weight', 'No buy may take a position above this weight.', '%', '1', '100', '40'),
  'guards.daily_loss_limit_pct': dec('guards', 'Daily loss limit', 'A day P&L below minus this share of the opening value trips the kill switch.', '%', '0.1', '100', '3'),
  'guards.max_slippage_bps': int('guards', 'Slippage guard', 'An order that would fill further than this from its intended price is cancelled.', 'bps', 1, 1000, 50),
  'paper.slippage_bps': int('paper', 'Paper slippage', 'Paper fills are this much worse than the quote (buys higher, sells lower).', 'bps', 0, 500, 5),
  'paper.starting_cash_usd': dec('paper', 'Paper starting cash', 'Cash of the paper account when it is first created.', '$', '0', '100000000', '100000'),
  'orders.fill_timeout_seconds': int('orders', 'Fill timeout', 'A live order not filled in this time is cancelled.', 's', 5, 3600, 120),
  'schedule.trade_slot': { group: 'schedule', label: 'Strategy run time', description: 'When the strategy runs on trading days (America/New_York).', unit: null, type: 'enum', values: TRADE_SLOTS, default: '15:45' },
} as const satisfies Record<string, ConfigDescriptor>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];
export const configKeySchema = z.enum(CONFIG_KEYS as [ConfigKey, ...ConfigKey[]]);

/** The zod schema a value of this key must satisfy (bounds and allowed values included). */
export function configValueSchema(key: ConfigKey): z.ZodType {
  const d: ConfigDescriptor = CONFIG_SCHEMA[key];
  switch (d.type) {
    case 'integer':
      return z.number().int().min(d.min).max(d.max);
    case 'decimal': {
      const [min, max] = [Number(d.min), Number(d.max)];
      return decimal.refine((v) => Number(v) >= min && Number(v) <= max, `between ${d.min} and ${d.max}`);
    }
    case 'enum':
      return z.enum(d.values as [string, ...string[]]);
    case 'targets':
      return z
        .record(symbol, decimal.refine((v) => Number(v) >= 0 && Number(v) <= 100, 'between 0 and 100'))
        .refine((t) => Object.keys(t).length <= d.maxSymbols, `at most ${d.maxSymbols} symbols`)
        .refine((t) => Object.values(t).reduce((s, v) => s + Number(v), 0) <= 100, 'targets add up to more than 100 %');
  }
}

export function parseConfigValue(key: ConfigKey, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const r = configValueSchema(key).safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: r.error.issues.map((i) => i.message).join('; ') };
}

export type EffectiveConfig = { [K in ConfigKey]: (typeof CONFIG_SCHEMA)[K]['default'] extends number ? number : (typeof CONFIG_SCHEMA)[K]['default'] extends string ? string : Record<string, string> };

export const configSetInput = z.object({ key: configKeySchema, value: z.unknown(), reason: reasonSchema }).strict();
export const configRevertInput = z.object({ historyId: z.string().regex(/^\d{1,18}$/), reason: reasonSchema }).strict();
export const configHistoryInput = z.object({ key: configKeySchema.optional(), cursor: z.string().regex(/^\d{1,18}$/).optional(), limit: z.number().int().min(1).max(200).default(50) }).strict();

export const configEntry = z.object({
  key: configKeySchema,
  value: z.unknown(),
  default: z.unknown(),
  overridden: z.boolean(),
  schema: z.custom<ConfigDescriptor>(),
});
export const configHistoryRow = z.object({
  id: z.string(),
  key: z.string(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  changedBy: z.string().nullable(),
  reason: z.string().nullable(),
  changedAt: z.date(),
});
