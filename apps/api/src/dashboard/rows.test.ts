// The raw-SQL reads hand money over as PostgreSQL's NUMERIC text: the contract's strings
// must be exactly what the Decimal round trip (Decimal#toFixed) gave before.
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { tradeFilterSql } from './rows.ts';
import { plainDecimal, tradeRow } from './service.ts';

describe('plainDecimal', () => {
  it.each(['0.00000000', '1.50000000', '-0.50000000', '10.00000000', '100', '0', '-12', '123456789012.12345678', '0.00000001', '-1000.10000000', '5.0'])(
    'gives %s as Decimal#toFixed does',
    (text) => {
      expect(plainDecimal(text)).toBe(new Decimal(text).toFixed());
    },
  );
});

describe('tradeRow', () => {
  it('normalises the columns and computes the notional with Decimal (no float)', () => {
    const row = tradeRow({
      id: '9007199254740993',
      accountHash: 'H',
      executedAt: new Date('2026-03-02T15:00:00Z'),
      symbol: 'SPY',
      side: 'BUY',
      quantity: '3.00000000',
      price: '0.10000000',
      fees: '0.00000000',
      realizedPnl: null,
      strategy: null,
      orderId: 'o1',
      status: 'filled',
      isPaper: true,
    });
    expect(row).toMatchObject({ id: '9007199254740993', quantity: '3', price: '0.1', notional: '0.3', fees: '0', realizedPnl: null, mode: 'paper' });
  });
});

describe('tradeFilterSql', () => {
  it('binds every filter value as a parameter', () => {
    const { where, params } = tradeFilterSql(
      { symbol: "spy' OR 1=1", side: 'BUY', mode: 'live', from: '2026-03-02', to: '2026-03-03' },
      { executedAt: new Date('2026-03-02T15:00:00Z'), id: 42n },
    );
    expect(where).not.toContain('OR 1=1');
    expect(params).toContain("SPY' OR 1=1");
    expect(params).toContainEqual(['BUY', 'buy']);
    expect(params).toContain('42');
    expect(where).toMatch(/^WHERE /);
    expect(tradeFilterSql({})).toEqual({ where: '', params: [] });
  });
});
