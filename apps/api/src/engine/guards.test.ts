import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { checkDailyLoss, checkEngineState, checkFreshness, checkMarketOpen, checkSlippage, screenIntents, slippageBps } from './guards.ts';
import type { StrategyIntent } from './strategy/types.ts';
import { configWith, quote } from './testing.ts';

const D = (v: string | number) => new Decimal(v);

describe('run guards', () => {
  it('ENGINE_NOT_RUNNING unless running or pausing entries', () => {
    expect(checkEngineState('running')).toBeNull();
    expect(checkEngineState('paused_entries')).toBeNull();
    for (const s of ['stopped', 'halted', 'halted_auth'] as const) expect(checkEngineState(s)?.code).toBe('ENGINE_NOT_RUNNING');
  });

  it('MARKET_CLOSED before the open, at the close, on weekends, holidays and after a half day', () => {
    expect(checkMarketOpen(new Date('2026-03-10T13:29:59Z'))?.code).toBe('MARKET_CLOSED'); // 09:29:59 EDT
    expect(checkMarketOpen(new Date('2026-03-10T13:30:00Z'))).toBeNull();
    expect(checkMarketOpen(new Date('2026-03-10T19:59:59Z'))).toBeNull();
    expect(checkMarketOpen(new Date('2026-03-10T20:00:00Z'))?.message).toMatch(/closed at 16:00/);
    expect(checkMarketOpen(new Date('2026-03-07T15:00:00Z'))?.message).toMatch(/weekend/);
    expect(checkMarketOpen(new Date('2026-04-03T15:00:00Z'))?.message).toMatch(/Good Friday/);
    expect(checkMarketOpen(new Date('2025-11-28T18:00:00Z'))?.message).toMatch(/closed at 13:00/);
    expect(checkMarketOpen(new Date('2025-11-28T17:59:00Z'))).toBeNull();
    expect(checkMarketOpen(new Date('2025-01-09T16:00:00Z'))?.message).toMatch(/Day of Mourning/); // unscheduled closure
  });

  it('STALE_DATA for old positions, an old quote, or a missing quote', () => {
    const now = new Date('2026-03-10T15:00:00Z');
    const config = configWith({ 'guards.max_quote_age_seconds': 120, 'guards.max_positions_age_seconds': 900 });
    const quotes = new Map([['SPY', quote('SPY', '500', null, null, new Date(now.getTime() - 120_000))]]);
    expect(checkFreshness({ now, positionsAsOf: new Date(now.getTime() - 900_000), quotes, symbols: ['SPY'], config })).toBeNull();
    expect(checkFreshness({ now, positionsAsOf: new Date(now.getTime() - 901_000), quotes, symbols: ['SPY'], config })?.message).toMatch(/positions and balances are 901 s old/);
    const old = new Map([['SPY', quote('SPY', '500', null, null, new Date(now.getTime() - 121_000))]]);
    expect(checkFreshness({ now, positionsAsOf: now, quotes: old, symbols: ['SPY'], config })?.code).toBe('STALE_DATA');
    expect(checkFreshness({ now, positionsAsOf: now, quotes, symbols: ['SPY', 'QQQ'], config })?.message).toBe('no quote for QQQ');
  });

  it('DAILY_LOSS_LIMIT at a loss of the limit share of the opening value or more', () => {
    const config = configWith({ 'guards.daily_loss_limit_pct': '3' });
    // Opening 100,000 (97,000 now − (−3,000)): exactly −3 % trips; −2,999.99 does not.
    expect(checkDailyLoss({ liquidationValue: D('97000'), dayPnl: D('-3000'), config })?.code).toBe('DAILY_LOSS_LIMIT');
    expect(checkDailyLoss({ liquidationValue: D('97000.01'), dayPnl: D('-2999.99'), config })).toBeNull();
    expect(checkDailyLoss({ liquidationValue: D('105000'), dayPnl: D('5000'), config })).toBeNull();
    expect(checkDailyLoss({ liquidationValue: D('100000'), dayPnl: null, config })).toBeNull();
  });
});

describe('intent guards', () => {
  const buy = (symbol: string, qty: number, price: string): StrategyIntent => ({ symbol, side: 'BUY', quantity: D(qty), intendedPrice: D(price), reason: 'test' });
  const sell = (symbol: string, qty: number, price: string): StrategyIntent => ({ symbol, side: 'SELL', quantity: D(qty), intendedPrice: D(price), reason: 'test' });
  const base = { notionalToday: D(0), positionValues: new Map<string, Decimal>(), liquidationValue: D('100000'), config: configWith() };

  it('ENTRIES_PAUSED drops buys and lets sells through', () => {
    const r = screenIntents({ ...base, state: 'paused_entries', intents: [sell('QQQ', 10, '400'), buy('SPY', 10, '500')] });
    expect(r.allowed.map((i) => i.symbol)).toEqual(['QQQ']);
    expect(r.refused.map((x) => [x.intent.symbol, x.refusal.code])).toEqual([['SPY', 'ENTRIES_PAUSED']]);
  });

  it('POSITION_WEIGHT_EXCEEDED when a buy takes a position above the maximum weight (40 %)', () => {
    // Held 30,000 of SPY + 20 × 500 = 40,000 → 40 % allowed; 21 shares → 40.5 % refused. Sells never refused by weight.
    const positionValues = new Map([['SPY', D('30000')]]);
    expect(screenIntents({ ...base, positionValues, state: 'running', intents: [buy('SPY', 20, '500')] }).allowed).toHaveLength(1);
    const r = screenIntents({ ...base, positionValues, state: 'running', intents: [buy('SPY', 21, '500'), sell('SPY', 1, '500')] });
    expect(r.refused.map((x) => x.refusal.code)).toEqual(['POSITION_WEIGHT_EXCEEDED']);
    expect(r.allowed.map((i) => i.side)).toEqual(['SELL']);
  });

  it('DAILY_NOTIONAL_EXCEEDED counts today\'s earlier orders and the ones before it in the run, not refused ones', () => {
    const config = configWith({ 'guards.max_daily_notional_usd': '10000' });
    const r = screenIntents({
      ...base,
      config,
      notionalToday: D('4000'),
      state: 'running',
      // 4,000 + 5,000 = 9,000 ok; + 2,000 = 11,000 refused; + 1,000 = 10,000 ok (exactly the limit).
      intents: [buy('AAA', 50, '100'), sell('BBB', 20, '100'), buy('CCC', 10, '100')],
    });
    expect(r.allowed.map((i) => i.symbol)).toEqual(['AAA', 'CCC']);
    expect(r.refused.map((x) => [x.intent.symbol, x.refusal.code])).toEqual([['BBB', 'DAILY_NOTIONAL_EXCEEDED']]);
  });
});

describe('slippage guard', () => {
  it('measures adverse slippage in bps and refuses beyond the limit', () => {
    expect(slippageBps('BUY', D('100'), D('100.5')).toString()).toBe('50');
    expect(slippageBps('SELL', D('100'), D('99.4')).toString()).toBe('60');
    expect(slippageBps('SELL', D('100'), D('101')).toString()).toBe('-100'); // better than intended
    expect(checkSlippage({ side: 'BUY', intendedPrice: D('100'), fillPrice: D('100.5'), maxBps: 50 })).toBeNull();
    expect(checkSlippage({ side: 'BUY', intendedPrice: D('100'), fillPrice: D('100.51'), maxBps: 50 })?.code).toBe('SLIPPAGE_EXCEEDED');
    expect(checkSlippage({ side: 'SELL', intendedPrice: D('100'), fillPrice: D('101'), maxBps: 1 })).toBeNull();
  });
});
