import { describe, expect, it } from 'vitest';
import { groupedMagnitude, parseDecimal, roundDecimal, shiftDecimal, trimDecimal } from './decimal-string.ts';

describe('parseDecimal', () => {
  it('reads digits exactly, whatever their length', () => {
    expect(parseDecimal('1234.56')).toEqual({ units: 123456n, scale: 2 });
    expect(parseDecimal('-0.10')).toEqual({ units: -10n, scale: 2 });
    expect(parseDecimal('+7')).toEqual({ units: 7n, scale: 0 });
    expect(parseDecimal('.5')).toEqual({ units: 5n, scale: 1 });
    // Beyond what a float holds exactly (2^53 + 1).
    expect(parseDecimal('9007199254740993.01')).toEqual({ units: 900719925474099301n, scale: 2 });
  });

  it('reads the exponent form decimal.js writes for very small or large values', () => {
    expect(parseDecimal('1e-8')).toEqual({ units: 1n, scale: 8 });
    expect(parseDecimal('-2.5E+3')).toEqual({ units: -2500n, scale: 0 });
  });

  it.each(['', ' ', '-', '.', 'NaN', 'Infinity', '1,000', ' 1', '1 ', '0x10', '1e', '1.2.3', '$5'])('refuses %j', (text) => {
    expect(() => parseDecimal(text)).toThrow(RangeError);
  });
});

describe('roundDecimal', () => {
  it('rounds half away from zero on the digits, not through a float', () => {
    // As floats, 1.005 * 100 is 100.49999999999999, which rounds down.
    expect(roundDecimal(parseDecimal('1.005'), 2)).toEqual({ units: 101n, scale: 2 });
    expect(roundDecimal(parseDecimal('-1.005'), 2)).toEqual({ units: -101n, scale: 2 });
    expect(roundDecimal(parseDecimal('2.675'), 2)).toEqual({ units: 268n, scale: 2 });
    expect(roundDecimal(parseDecimal('1.0049999'), 2)).toEqual({ units: 100n, scale: 2 });
  });

  it('pads with zeros when there are fewer digits', () => {
    expect(roundDecimal(parseDecimal('4'), 2)).toEqual({ units: 400n, scale: 2 });
  });

  it('refuses a negative or fractional number of decimals', () => {
    expect(() => roundDecimal(parseDecimal('1'), -1)).toThrow(RangeError);
    expect(() => roundDecimal(parseDecimal('1'), 1.5)).toThrow(RangeError);
  });
});

describe('shiftDecimal, trimDecimal, groupedMagnitude', () => {
  it('shifts a ratio to a percentage exactly', () => {
    expect(shiftDecimal(parseDecimal('0.123456'), 2)).toEqual({ units: 123456n, scale: 4 });
    expect(shiftDecimal(parseDecimal('3'), 2)).toEqual({ units: 300n, scale: 0 });
  });

  it('drops trailing fraction zeros only', () => {
    expect(trimDecimal(parseDecimal('100.500'))).toEqual({ units: 1005n, scale: 1 });
    expect(trimDecimal(parseDecimal('100.00'))).toEqual({ units: 100n, scale: 0 });
  });

  it('groups thousands and keeps leading fraction zeros', () => {
    expect(groupedMagnitude(parseDecimal('1234567.891'))).toBe('1,234,567.891');
    expect(groupedMagnitude(parseDecimal('-0.05'))).toBe('0.05');
    expect(groupedMagnitude(parseDecimal('999'))).toBe('999');
    expect(groupedMagnitude(parseDecimal('1000'))).toBe('1,000');
  });
});
