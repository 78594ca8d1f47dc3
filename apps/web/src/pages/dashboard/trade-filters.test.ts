import { describe, expect, it } from 'vitest';
import { hasTradeFilters, parseTradeFilters, tradeFiltersToParams } from './trade-filters.ts';

describe('trade filters in the URL', () => {
  it('round-trips every filter', () => {
    const filters = { symbol: 'BRK.B', side: 'SELL_SHORT', status: 'filled', mode: 'live', from: '2026-01-02', to: '2026-03-31' } as const;
    const params = tradeFiltersToParams(filters);
    expect(params.toString()).toBe('symbol=BRK.B&side=SELL_SHORT&status=filled&mode=live&from=2026-01-02&to=2026-03-31');
    expect(parseTradeFilters(new URLSearchParams(params.toString()))).toEqual(filters);
  });

  it('normalises case and leaves out empty values', () => {
    expect(parseTradeFilters(new URLSearchParams('symbol=%20aapl%20&status=FILLED&side='))).toEqual({ symbol: 'AAPL', status: 'filled' });
    expect(tradeFiltersToParams({ symbol: '', side: undefined }).toString()).toBe('');
  });

  it('drops what the API would refuse', () => {
    const parsed = parseTradeFilters(new URLSearchParams('symbol=<script>&side=HOLD&mode=demo&from=2026-02-30&to=yesterday&status=a%20b'));
    expect(parsed).toEqual({});
    expect(hasTradeFilters(parsed)).toBe(false);
  });

  it('drops the end of a reversed date range', () => {
    expect(parseTradeFilters(new URLSearchParams('from=2026-05-01&to=2026-04-01'))).toEqual({ from: '2026-05-01' });
  });

  it('ignores unknown parameters', () => {
    expect(parseTradeFilters(new URLSearchParams('cursor=abc&symbol=SPY'))).toEqual({ symbol: 'SPY' });
    expect(hasTradeFilters({ symbol: 'SPY' })).toBe(true);
  });
});
