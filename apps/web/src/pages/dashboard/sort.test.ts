import { describe, expect, it } from 'vitest';
import { compareDecimalStrings, nextSort, sortRows } from './sort.ts';

describe('compareDecimalStrings', () => {
  it('compares exactly, across scales and signs', () => {
    expect(compareDecimalStrings('0.1', '0.10')).toBe(0);
    expect(compareDecimalStrings('0.30000000000000001', '0.3')).toBe(1);
    expect(compareDecimalStrings('-2', '-10')).toBe(1);
    expect(compareDecimalStrings('99999999999999999999.01', '99999999999999999999.1')).toBe(-1);
    expect(compareDecimalStrings('10', '9.999')).toBe(1);
  });
});

describe('sortRows', () => {
  const rows = [
    { s: 'MSFT', v: '10.5', w: 0.2 },
    { s: 'aapl', v: '9.75', w: null },
    { s: 'SPY', v: '100', w: 0.5 },
    { s: 'BRK.B', v: '-3', w: 0.1 },
  ];

  it('sorts decimal strings by value, not as text', () => {
    expect(sortRows(rows, (r) => r.v, 'decimal', 'asc').map((r) => r.s)).toEqual(['BRK.B', 'aapl', 'MSFT', 'SPY']);
    expect(sortRows(rows, (r) => r.v, 'decimal', 'desc').map((r) => r.s)).toEqual(['SPY', 'MSFT', 'aapl', 'BRK.B']);
  });

  it('puts missing values last in both directions', () => {
    expect(sortRows(rows, (r) => r.w, 'number', 'asc').map((r) => r.s)).toEqual(['BRK.B', 'MSFT', 'SPY', 'aapl']);
    expect(sortRows(rows, (r) => r.w, 'number', 'desc').map((r) => r.s)).toEqual(['SPY', 'MSFT', 'BRK.B', 'aapl']);
  });

  it('sorts text case-insensitively and leaves the input alone', () => {
    expect(sortRows(rows, (r) => r.s, 'text', 'asc').map((r) => r.s)).toEqual(['aapl', 'BRK.B', 'MSFT', 'SPY']);
    expect(rows[0]!.s).toBe('MSFT');
  });

  it('keeps ties in their original order', () => {
    const tied = [
      { id: 1, v: '5' },
      { id: 2, v: '5.0' },
      { id: 3, v: '1' },
    ];
    expect(sortRows(tied, (r) => r.v, 'decimal', 'desc').map((r) => r.id)).toEqual([1, 2, 3]);
  });
});

describe('nextSort', () => {
  it('starts a new column descending and flips the same one', () => {
    expect(nextSort({ key: 'symbol', direction: 'asc' }, 'value')).toEqual({ key: 'value', direction: 'desc' });
    expect(nextSort({ key: 'value', direction: 'desc' }, 'value')).toEqual({ key: 'value', direction: 'asc' });
    expect(nextSort({ key: 'value', direction: 'asc' }, 'value')).toEqual({ key: 'value', direction: 'desc' });
  });
});
