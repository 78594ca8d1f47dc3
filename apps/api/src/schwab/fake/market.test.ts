import { describe, expect, it } from 'vitest';
import { dayOf, SimulatedMarket } from './market.ts';

describe('simulated market', () => {
  it("previous close is the last bar before the day, even once the day's bar exists", () => {
    const market = new SimulatedMarket('t');
    const wednesday = dayOf(Date.parse('2026-03-11T16:00:00Z'));
    const bars = market.barsThrough('AAPL', wednesday);
    const tuesday = bars.at(-2)!;
    expect(bars.at(-1)!.day).toBe(wednesday);
    expect(market.previousClose('AAPL', wednesday)).toBe(tuesday.close);
    expect(market.previousClose('AAPL', wednesday)).not.toBe(market.price('AAPL', Date.parse('2026-03-11T16:00:00Z')));
  });
});
