import { describe, expect, it } from 'vitest';
import {
  canonicalDecimal,
  JsonNumber,
  maskAccountNumber,
  parseSchwabJson,
  schwabAccountsSchema,
  schwabDecimal,
  schwabInteger,
  schwabOrderRequestSchema,
  schwabOrderSchema,
  schwabQuotesSchema,
} from './schwab.ts';

describe('parseSchwabJson', () => {
  it('keeps the exact text of every number, including ones a double cannot hold', () => {
    const v = parseSchwabJson('{"a":1234567.89,"b":[0.1,-0.2e1],"c":"12.5 and 3","d":12345678901234567.891}') as Record<
      string,
      unknown
    >;
    expect(v.a).toEqual(new JsonNumber('1234567.89'));
    expect(v.b).toEqual([new JsonNumber('0.1'), new JsonNumber('-0.2e1')]);
    expect(v.c).toBe('12.5 and 3');
    expect(v.d).toEqual(new JsonNumber('12345678901234567.891'));
  });

  it('handles escapes inside strings and refuses malformed JSON', () => {
    expect(parseSchwabJson('{"k\\"1":"x\\\\","n":[true,null,7]}')).toEqual({ 'k"1': 'x\\', n: [true, null, new JsonNumber('7')] });
    expect(() => parseSchwabJson('{"a":01}')).toThrow(SyntaxError);
    expect(() => parseSchwabJson('{"a":-}')).toThrow(SyntaxError);
    expect(() => parseSchwabJson('{"a":1')).toThrow(SyntaxError);
  });
});

describe('decimals', () => {
  it('canonicalises decimal text exactly', () => {
    expect(canonicalDecimal('1234567.89')).toBe('1234567.89');
    expect(canonicalDecimal('001.500')).toBe('1.5');
    expect(canonicalDecimal('-0.00')).toBe('0');
    expect(canonicalDecimal('1.5e3')).toBe('1500');
    expect(canonicalDecimal('25E-5')).toBe('0.00025');
    expect(canonicalDecimal('1e999')).toBeNull();
    expect(canonicalDecimal('12,5')).toBeNull();
    expect(canonicalDecimal('NaN')).toBeNull();
  });

  it('parses money from bodies without float rounding (0.1 + 0.2 and large values)', () => {
    const body = parseSchwabJson('[0.1, 0.2, 0.30000000000000004, 98765432109876.54321, "1234567.89"]') as unknown[];
    expect(body.map((x) => schwabDecimal.parse(x))).toEqual([
      '0.1',
      '0.2',
      '0.30000000000000004',
      '98765432109876.54321',
      '1234567.89',
    ]);
  });

  it('accepts JS numbers only within the 15-significant-digit bound', () => {
    expect(schwabDecimal.parse(1234567.89)).toBe('1234567.89');
    expect(schwabDecimal.parse(0.1)).toBe('0.1');
    expect(schwabDecimal.safeParse(0.1 + 0.2).success).toBe(false);
    expect(schwabDecimal.safeParse(Number.NaN).success).toBe(false);
    expect(schwabDecimal.safeParse(Infinity).success).toBe(false);
  });

  it('refuses wrong types', () => {
    for (const bad of [true, null, {}, [], 'abc', '', '1.2.3', new JsonNumber('x')]) {
      expect(schwabDecimal.safeParse(bad).success).toBe(false);
    }
    expect(schwabInteger.safeParse('12').success).toBe(false);
    expect(schwabInteger.safeParse(new JsonNumber('1.5')).success).toBe(false);
    expect(schwabInteger.safeParse(new JsonNumber('9007199254740993')).success).toBe(false);
    expect(schwabInteger.parse(new JsonNumber('1700000000000'))).toBe(1700000000000);
  });
});

describe('response schemas', () => {
  const account = `[{"securitiesAccount":{"type":"MARGIN","accountNumber":"12345678","roundTrips":0,
    "positions":[{"instrument":{"symbol":"AAPL","assetType":"EQUITY","cusip":"037833100"},"longQuantity":10,
      "shortQuantity":0,"averagePrice":150.123456,"marketValue":1900.1,"longOpenProfitLoss":398.87}],
    "currentBalances":{"liquidationValue":10000.05,"cashBalance":8100,"buyingPower":16200}}}]`;

  it('parses accounts, keeps unknown fields, and turns money into decimal strings', () => {
    const [a] = schwabAccountsSchema.parse(parseSchwabJson(account));
    expect(a?.securitiesAccount.positions[0]?.averagePrice).toBe('150.123456');
    expect(a?.securitiesAccount.currentBalances.liquidationValue).toBe('10000.05');
    expect((a?.securitiesAccount as Record<string, unknown>).roundTrips).toEqual(new JsonNumber('0'));
  });

  it('refuses a position whose quantity is a boolean or whose symbol is a number', () => {
    expect(schwabAccountsSchema.safeParse(parseSchwabJson(account.replace('"longQuantity":10', '"longQuantity":true'))).success).toBe(false);
    expect(schwabAccountsSchema.safeParse(parseSchwabJson(account.replace('"symbol":"AAPL"', '"symbol":42'))).success).toBe(false);
  });

  it('keeps 64-bit order ids exactly and refuses unknown statuses', () => {
    const order = {
      orderId: new JsonNumber('1002003004005006007'),
      session: 'NORMAL',
      duration: 'DAY',
      orderType: 'MARKET',
      enteredTime: '2026-01-02T15:00:00+0000',
      status: 'FILLED',
      quantity: new JsonNumber('10'),
      filledQuantity: new JsonNumber('10'),
      remainingQuantity: new JsonNumber('0'),
      orderLegCollection: [{ instruction: 'BUY', quantity: new JsonNumber('10'), instrument: { symbol: 'AAPL', assetType: 'EQUITY' } }],
    };
    expect(schwabOrderSchema.parse(order).orderId).toBe('1002003004005006007');
    expect(schwabOrderSchema.safeParse({ ...order, status: 'MAYBE' }).success).toBe(false);
    expect(schwabOrderSchema.safeParse({ ...order, orderId: 1.5 }).success).toBe(false);
  });

  it('parses quotes keyed by symbol', () => {
    const q = schwabQuotesSchema.parse(
      parseSchwabJson(
        '{"MSFT":{"symbol":"MSFT","assetMainType":"EQUITY","quote":{"lastPrice":410.25,"bidPrice":410.2,"askPrice":410.3,"closePrice":400,"netChange":10.25,"netPercentChange":2.5625,"totalVolume":1234567,"quoteTime":1767369600000,"tradeTime":1767369600000}}}',
      ),
    );
    expect(q.MSFT?.quote.lastPrice).toBe('410.25');
    expect(q.MSFT?.quote.quoteTime).toBe(1767369600000);
  });
});

describe('schwabOrderRequestSchema', () => {
  const order = (quantity: string, price?: string) => ({
    session: 'NORMAL',
    duration: 'DAY',
    orderType: price ? 'LIMIT' : 'MARKET',
    ...(price ? { price } : {}),
    orderStrategyType: 'SINGLE',
    orderLegCollection: [{ instruction: 'BUY', quantity, instrument: { symbol: 'BRK.B', assetType: 'EQUITY' } }],
  });

  it('accepts positive decimal text and refuses zero, negatives, exponents and numbers', () => {
    expect(schwabOrderRequestSchema.safeParse(order('10', '101.25')).success).toBe(true);
    for (const bad of ['0', '0.000', '-1', '1e3', '1.', '', '1234567890']) {
      expect(schwabOrderRequestSchema.safeParse(order(bad)).success).toBe(false);
    }
    expect(schwabOrderRequestSchema.safeParse(order('1', '0')).success).toBe(false);
    expect(schwabOrderRequestSchema.safeParse({ ...order('1'), orderLegCollection: [] }).success).toBe(false);
  });
});

describe('maskAccountNumber', () => {
  it('shows only the last four digits', () => {
    expect(maskAccountNumber('12345678')).toBe('…5678');
  });
});
