import { CONFIG_KEYS, CONFIG_SCHEMA } from '@jutsu/shared';
import { describe, expect, it } from 'vitest';
import { configDiff, describeHistoryChange, draftError, formatConfigValue, fromDraft, targetsChanges, targetsSum, toDraft } from './config-form.ts';

const current = CONFIG_KEYS.map((key) => ({ key, value: CONFIG_SCHEMA[key].default as unknown }));

describe('drafts', () => {
  it('round-trips every default through the form unchanged', () => {
    for (const key of CONFIG_KEYS) {
      const schema = CONFIG_SCHEMA[key];
      expect(fromDraft(schema, toDraft(schema, schema.default))).toEqual(schema.default);
      expect(draftError(key, toDraft(schema, schema.default))).toBeNull();
    }
  });

  it('sends integers as numbers only when they are plain digits', () => {
    const schema = CONFIG_SCHEMA['guards.max_slippage_bps'];
    expect(fromDraft(schema, ' 40 ')).toBe(40);
    expect(fromDraft(schema, '4e1')).toBe('4e1');
    expect(draftError('guards.max_slippage_bps', '4e1')).not.toBeNull();
    expect(draftError('guards.max_slippage_bps', '')).toBe('Enter a value.');
    expect(draftError('guards.max_slippage_bps', '1001')).toBe('a whole number from 1 to 1000');
  });

  it('validates decimals and targets by the schema the server applies', () => {
    expect(draftError('strategy.drift_band_pct', '7,5')).toMatch(/decimal/);
    expect(draftError('strategy.drift_band_pct', '51')).toMatch(/between 0 and 50/);
    expect(draftError('strategy.targets', [{ symbol: 'spy', percent: '60' }, { symbol: 'QQQ', percent: '41' }])).toMatch(/more than 100/);
    expect(draftError('strategy.targets', [{ symbol: 'SPY', percent: '10' }, { symbol: 'spy ', percent: '5' }])).toMatch(/SPY appears twice/);
    expect(draftError('strategy.targets', [{ symbol: '', percent: '5' }])).toMatch(/needs a symbol/);
    // Empty rows (just added) are ignored; lower case is upper-cased.
    expect(fromDraft(CONFIG_SCHEMA['strategy.targets'], [{ symbol: ' vti', percent: '10' }, { symbol: '', percent: '' }])).toEqual({ VTI: '10' });
  });

  it('sums target percentages exactly', () => {
    expect(targetsSum([{ symbol: 'A', percent: '33.3' }, { symbol: 'B', percent: '33.3' }, { symbol: 'C', percent: '33.4' }])).toBe('100');
    expect(targetsSum([{ symbol: 'A', percent: '0.1' }, { symbol: 'B', percent: '0.2' }])).toBe('0.3');
    expect(targetsSum([])).toBe('0');
    expect(targetsSum([{ symbol: 'A', percent: 'x' }])).toBeNull();
  });
});

describe('diff before saving', () => {
  it('lists only keys whose valid draft changes the value, old → new', () => {
    const drafts = {
      'strategy.drift_band_pct': '5.0', // the same value, spelled differently
      'strategy.min_trade_usd': '250',
      'guards.max_slippage_bps': '40',
      'schedule.trade_slot': '09:45',
      'paper.slippage_bps': 'abc', // invalid: shown as an error on the field, not in the diff
    } as const;
    expect(configDiff(current, drafts)).toEqual([
      { key: 'strategy.min_trade_usd', label: 'Minimum trade', from: '$100', to: '$250', details: [] },
      { key: 'guards.max_slippage_bps', label: 'Slippage guard', from: '50 bps', to: '40 bps', details: [] },
      { key: 'schedule.trade_slot', label: 'Strategy run time', from: '15:45', to: '09:45', details: [] },
    ]);
  });

  it('shows target changes per symbol', () => {
    const rows = [
      { symbol: 'SPY', percent: '55' },
      { symbol: 'QQQ', percent: '30.0' },
      { symbol: 'VTI', percent: '10' },
    ];
    const [line] = configDiff(current, { 'strategy.targets': rows });
    expect(line).toMatchObject({ from: 'SPY 60 %, QQQ 30 %', to: 'SPY 55 %, QQQ 30 %, VTI 10 %', details: ['SPY 60 % → 55 %', '+ VTI 10 %'] });
    expect(targetsChanges({ SPY: '60', QQQ: '30' }, { SPY: '60' })).toEqual(['\u2212 QQQ 30 %']);
  });
});

describe('formatting', () => {
  it('shows values with their units', () => {
    expect(formatConfigValue(CONFIG_SCHEMA['strategy.max_order_usd'], '10000')).toBe('$10,000');
    expect(formatConfigValue(CONFIG_SCHEMA['strategy.drift_band_pct'], '7.50')).toBe('7.5 %');
    expect(formatConfigValue(CONFIG_SCHEMA['guards.max_quote_age_seconds'], 3600)).toBe('3,600 s');
    expect(formatConfigValue(CONFIG_SCHEMA['strategy.max_orders_per_run'], 10)).toBe('10');
    expect(formatConfigValue(CONFIG_SCHEMA['strategy.targets'], {})).toBe('none');
  });

  it('describes history rows, including keys that no longer exist', () => {
    expect(describeHistoryChange('strategy.drift_band_pct', '5', '7.5')).toEqual({ label: 'Drift band', from: '5 %', to: '7.5 %' });
    expect(describeHistoryChange('old.key', 1, null)).toEqual({ label: 'old.key', from: '1', to: 'null' });
  });
});
