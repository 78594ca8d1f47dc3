import { describe, expect, it } from 'vitest';
import { canonicalConfigValue, parseCanonicalConfigValue, sameConfigValue } from './engine-config-values.ts';

describe('configuration values', () => {
  it('spells each value one way', () => {
    expect(canonicalConfigValue('strategy.drift_band_pct', '007.500')).toBe('7.5');
    expect(canonicalConfigValue('strategy.drift_band_pct', '0.0')).toBe('0');
    expect(canonicalConfigValue('strategy.targets', { VTI: '50.0', BND: '040' })).toEqual({ BND: '40', VTI: '50' });
    expect(Object.keys(canonicalConfigValue('strategy.targets', { VTI: '1', BND: '1' }) as object)).toEqual(['BND', 'VTI']);
    expect(canonicalConfigValue('guards.max_slippage_bps', 12)).toBe(12);
  });

  it('compares by meaning, and never calls an invalid value equal', () => {
    expect(sameConfigValue('strategy.drift_band_pct', '5', '5.00')).toBe(true);
    expect(sameConfigValue('strategy.drift_band_pct', '5', '5.01')).toBe(false);
    expect(sameConfigValue('strategy.targets', { SPY: '60', QQQ: '30' }, { QQQ: '30.0', SPY: '60' })).toBe(true);
    expect(sameConfigValue('strategy.targets', { SPY: '60' }, { SPY: '60', QQQ: '30' })).toBe(false);
    expect(sameConfigValue('guards.max_slippage_bps', 5000, 5000)).toBe(false);
  });

  it('says what is wrong, per symbol, without echoing long input', () => {
    const r = parseCanonicalConfigValue('strategy.targets', { SPY: '1x', ['A'.repeat(300)]: '1' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain('SPY: a non-negative decimal');
    expect(r.message).not.toContain('A'.repeat(17));
    expect(parseCanonicalConfigValue('strategy.max_orders_per_run', 0)).toEqual({ ok: false, message: 'a whole number from 1 to 100' });
  });
});
