import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { parseConfigValue, type EffectiveConfig } from '@jutsu/shared';
import { configWith, quote } from '../testing.ts';
import { rebalance } from './rebalancer.ts';
import type { StrategyInput, StrategyPosition } from './types.ts';

const at = new Date('2026-03-10T15:00:00Z');
const SPY = quote('SPY', '500', '499.90', '500.10', at);
const QQQ = quote('QQQ', '400', '399.80', '400.20', at);

function input(opts: { cash: string; positions?: [string, string][]; nlv?: string; config?: Partial<EffectiveConfig>; quotes?: ReturnType<typeof quote>[] }): StrategyInput {
  const quotes = new Map((opts.quotes ?? [SPY, QQQ]).map((q) => [q.symbol, q]));
  const positions: StrategyPosition[] = (opts.positions ?? []).map(([symbol, qty]) => ({
    symbol,
    quantity: new Decimal(qty),
    marketValue: new Decimal(qty).times(quotes.get(symbol)?.last ?? 0),
  }));
  const value = positions.reduce((s, p) => s.plus(p.marketValue), new Decimal(0));
  const nlv = opts.nlv ? new Decimal(opts.nlv) : value.plus(opts.cash);
  return { positions, balances: { liquidationValue: nlv, cash: new Decimal(opts.cash), buyingPower: new Decimal(opts.cash) }, quotes, config: configWith(opts.config) };
}

const plain = (r: ReturnType<typeof rebalance>) => r.intents.map((i) => ({ symbol: i.symbol, side: i.side, quantity: i.quantity.toString(), price: i.intendedPrice.toString() }));

describe('rebalancer', () => {
  it('buys toward the targets in whole shares at the ask, largest drift first, each capped at the maximum order', () => {
    // $100,000 cash; SPY 60 %, QQQ 30 %; maximum order $10,000.
    // SPY: 10,000 / 500.10 = 19.996 → 19. QQQ: 10,000 / 400.20 = 24.99 → 24.
    const r = rebalance(input({ cash: '100000' }));
    expect(plain(r)).toEqual([
      { symbol: 'SPY', side: 'BUY', quantity: '19', price: '500.1' },
      { symbol: 'QQQ', side: 'BUY', quantity: '24', price: '400.2' },
    ]);
    expect(r.intents[0]!.reason).toContain('capped at the maximum order');
  });

  it('without the cap buys the full gap: 60,000 / 500.10 → 119 and 30,000 / 400.20 → 74', () => {
    const r = rebalance(input({ cash: '100000', config: { 'strategy.max_order_usd': '1000000' } }));
    expect(plain(r)).toEqual([
      { symbol: 'SPY', side: 'BUY', quantity: '119', price: '500.1' },
      { symbol: 'QQQ', side: 'BUY', quantity: '74', price: '400.2' },
    ]);
  });

  it('does nothing while every weight is inside the drift band', () => {
    // SPY 119 × 500 = 59,500 of 100,000 → 59.5 % (drift −0.5 pp); QQQ 74 × 400 = 29,600 → 29.6 %.
    const r = rebalance(input({ cash: '10900', positions: [['SPY', '119'], ['QQQ', '74']] }));
    expect(r.intents).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/SPY: weight 59.50 % is within 5 pp/);
  });

  it('trades a drift exactly at the band but not one just inside it', () => {
    // 55 % vs 60 %: drift −5 → trades; 55.002 % → inside.
    const at55 = rebalance(input({ cash: '45000', positions: [['SPY', '110']], config: { 'strategy.targets': { SPY: '60' }, 'strategy.max_order_usd': '1000000' } }));
    expect(plain(at55)).toEqual([{ symbol: 'SPY', side: 'BUY', quantity: '9', price: '500.1' }]); // 5,000 / 500.10 = 9.998
    const inside = rebalance(input({ cash: '44990', nlv: '99990', positions: [['SPY', '110']], config: { 'strategy.targets': { SPY: '60' } } }));
    expect(inside.intents).toEqual([]);
  });

  it('sells before it buys, at the bid, and spends the proceeds above the cash reserve', () => {
    // QQQ 200 × 400 = 80,000 (80 %, target 30 %): sell 50,000 / 399.80 = 125.06 → 125 (49,975).
    // SPY 0 % → buy 60,000 / 500.10 = 119.97 → 119; cash 20,000 + 49,975 − 2,000 reserve = 67,975 covers it.
    const r = rebalance(input({ cash: '20000', positions: [['QQQ', '200']], config: { 'strategy.max_order_usd': '1000000' } }));
    expect(plain(r)).toEqual([
      { symbol: 'QQQ', side: 'SELL', quantity: '125', price: '399.8' },
      { symbol: 'SPY', side: 'BUY', quantity: '119', price: '500.1' },
    ]);
  });

  it('keeps the cash reserve: a buy is cut to the whole shares that fit', () => {
    // Target 99 %: 99,000 / 500.10 = 197 shares (98,519.70) but only 100,000 − 2 % = 98,000 may be spent → 195 (97,519.50).
    const r = rebalance(input({ cash: '100000', config: { 'strategy.targets': { SPY: '99' }, 'strategy.max_order_usd': '1000000' } }));
    expect(plain(r)).toEqual([{ symbol: 'SPY', side: 'BUY', quantity: '195', price: '500.1' }]);
    expect(r.intents[0]!.reason).toContain('reserve');
  });

  it('skips a trade below the minimum, and a gap smaller than one share', () => {
    // Band 0; SPY needs 800 more (one share at 500.10 = 500.10 < 1,000 minimum); QQQ needs 150 (< one share).
    const r = rebalance(
      input({
        cash: '10000',
        nlv: '100000',
        positions: [['SPY', '118.4'], ['QQQ', '74.625']],
        config: { 'strategy.drift_band_pct': '0', 'strategy.min_trade_usd': '1000' },
      }),
    );
    expect(r.intents).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/SPY: \$500.10 is below the minimum trade of \$1000/);
    expect(r.notes.join('\n')).toMatch(/QQQ: the gap of \$150.00 is less than one share/);
  });

  it('keeps the largest drifts when there are more trades than the maximum per run', () => {
    const quotes = [quote('AAA', '10', null, null, at), quote('BBB', '10', null, null, at), quote('CCC', '10', null, null, at)];
    const r = rebalance(input({ cash: '100000', quotes, config: { 'strategy.targets': { AAA: '10', BBB: '30', CCC: '20' }, 'strategy.max_orders_per_run': 2 } }));
    expect(r.intents.map((i) => i.symbol)).toEqual(['BBB', 'CCC']);
    // Without ask or bid the last price is the intended price.
    expect(r.intents[0]!.intendedPrice.toString()).toBe('10');
    expect(r.notes.join('\n')).toMatch(/AAA: dropped, more than 2 orders/);
  });

  it('leaves a held symbol absent from the targets alone, and sells one targeted at 0 % to nothing', () => {
    const quotes = [SPY, quote('IWM', '200', '199.5', '200.5', at)];
    const absent = rebalance(input({ cash: '0', positions: [['SPY', '100'], ['IWM', '250']], quotes, config: { 'strategy.targets': { SPY: '50' } } }));
    expect(absent.intents).toEqual([]); // SPY is 50,000 of 100,000: on target; IWM is not targeted
    // Targeted at 0: 250 × 199.5 = 49,875 (below the 1,000,000 cap) → all 250; fractional shares held stay (never more than held).
    const zero = rebalance(input({ cash: '0', positions: [['SPY', '100'], ['IWM', '250.5']], quotes, config: { 'strategy.targets': { SPY: '50', IWM: '0' }, 'strategy.max_order_usd': '1000000' } }));
    expect(plain(zero)).toEqual([{ symbol: 'IWM', side: 'SELL', quantity: '250', price: '199.5' }]);
    expect(parseConfigValue('strategy.targets', { SPY: '50', IWM: '0' }).ok).toBe(true);
  });

  it('skips a symbol without a quote and answers nothing for an empty account', () => {
    const r = rebalance(input({ cash: '100000', quotes: [SPY] }));
    expect(r.intents.map((i) => i.symbol)).toEqual(['SPY']);
    expect(r.notes).toContain('QQQ: no usable quote, skipped');
    expect(rebalance(input({ cash: '0' })).intents).toEqual([]);
  });

  it('works in exact decimals (no float drift on fractional targets and prices)', () => {
    // 33.33 % of 100,000 = 33,330 / 0.3 = 111,100 shares exactly.
    const q = quote('PENNY', '0.3', null, null, at);
    const r = rebalance(input({ cash: '100000', quotes: [q], config: { 'strategy.targets': { PENNY: '33.33' }, 'strategy.max_order_usd': '1000000' } }));
    expect(plain(r)).toEqual([{ symbol: 'PENNY', side: 'BUY', quantity: '111100', price: '0.3' }]);
  });
});
