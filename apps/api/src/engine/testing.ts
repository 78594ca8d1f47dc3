// Test helpers of the engine runs: the default configuration with overrides, and quotes.
import Decimal from 'decimal.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, type EffectiveConfig } from '@jutsu/shared';
import type { BrokerQuote } from './broker.ts';

export function configWith(overrides: Partial<EffectiveConfig> = {}): EffectiveConfig {
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) out[k] = CONFIG_SCHEMA[k].default;
  return { ...(out as EffectiveConfig), ...overrides };
}

export function quote(symbol: string, last: string, bid: string | null, ask: string | null, asOf: Date): BrokerQuote {
  return { symbol, last: new Decimal(last), bid: bid === null ? null : new Decimal(bid), ask: ask === null ? null : new Decimal(ask), asOf };
}
