// The built-in strategy: a target-allocation rebalancer. Each targeted symbol has a weight in
// percent of net liquidation value; a symbol whose weight has drifted at least the drift band
// (in percentage points) from its target is traded back toward it.
//
// Rules, in order:
// - only targeted symbols are traded; a symbol held but absent from the targets is left alone
//   (the engine never sells what a person bought by hand unless told to), and a symbol
//   targeted at 0 % is sold down to nothing;
// - the trade is the dollar gap to the target, capped at the maximum order, in whole shares
//   rounded down (never more than is held for a sell), skipped below the minimum trade;
// - when there are more trades than the maximum per run, those with the largest drift stay;
// - sells come first; buys are paid from cash (or buying power if lower) plus the sells'
//   proceeds, minus the cash reserve, largest drift first, cut to whole shares that fit.
// Prices: a buy is expected to fill at the ask, a sell at the bid, the last price when the
// quote has none; weights are measured at the last price.
import Decimal from 'decimal.js';
import type { OrderSide } from '../broker.ts';
import type { Strategy, StrategyInput, StrategyIntent, StrategyOutput } from './types.ts';

export const REBALANCER_NAME = 'rebalancer';

interface Candidate extends StrategyIntent {
  drift: Decimal;
}

function pct(d: Decimal): string {
  return d.toFixed(2);
}

export function rebalance(input: StrategyInput): StrategyOutput {
  const { balances, quotes, config } = input;
  const notes: string[] = [];
  const nlv = balances.liquidationValue;
  if (nlv.lte(0)) return { intents: [], notes: ['net liquidation value is not positive: nothing to rebalance'] };

  const targets = config['strategy.targets'];
  const band = new Decimal(config['strategy.drift_band_pct']);
  const minTrade = new Decimal(config['strategy.min_trade_usd']);
  const reservePct = new Decimal(config['strategy.cash_reserve_pct']);
  const maxOrder = new Decimal(config['strategy.max_order_usd']);
  const maxOrders = config['strategy.max_orders_per_run'];

  const held = new Map(input.positions.map((p) => [p.symbol, p]));
  const candidates: Candidate[] = [];

  for (const symbol of Object.keys(targets).sort()) {
    const target = new Decimal(targets[symbol]!);
    const quote = quotes.get(symbol);
    if (!quote || quote.last.lte(0)) {
      notes.push(`${symbol}: no usable quote, skipped`);
      continue;
    }
    const quantityHeld = held.get(symbol)?.quantity ?? new Decimal(0);
    const value = quantityHeld.times(quote.last);
    const weight = value.div(nlv).times(100);
    const drift = weight.minus(target);
    if (drift.abs().lt(band) || drift.isZero()) {
      notes.push(`${symbol}: weight ${pct(weight)} % is within ${band.toString()} pp of its target ${target.toString()} %`);
      continue;
    }
    const gap = nlv.times(target).div(100).minus(value);
    const side: OrderSide = gap.gt(0) ? 'BUY' : 'SELL';
    const price = side === 'BUY' ? (quote.ask && quote.ask.gt(0) ? quote.ask : quote.last) : quote.bid && quote.bid.gt(0) ? quote.bid : quote.last;
    const amount = Decimal.min(gap.abs(), maxOrder);
    let quantity = amount.div(price).floor();
    if (side === 'SELL') quantity = Decimal.min(quantity, quantityHeld.floor());
    if (quantity.lte(0)) {
      notes.push(`${symbol}: the gap of $${gap.abs().toFixed(2)} is less than one share`);
      continue;
    }
    const notional = quantity.times(price);
    if (notional.lt(minTrade)) {
      notes.push(`${symbol}: $${notional.toFixed(2)} is below the minimum trade of $${minTrade.toString()}`);
      continue;
    }
    candidates.push({
      symbol,
      side,
      quantity,
      intendedPrice: price,
      drift,
      reason: `weight ${pct(weight)} % vs target ${target.toString()} % (drift ${drift.gt(0) ? '+' : ''}${pct(drift)} pp)${amount.lt(gap.abs()) ? `, capped at the maximum order of $${maxOrder.toString()}` : ''}`,
    });
  }

  // Largest drift first; the symbol breaks ties so the same input always gives the same answer.
  candidates.sort((a, b) => b.drift.abs().comparedTo(a.drift.abs()) || (a.symbol < b.symbol ? -1 : 1));
  const kept = candidates.slice(0, maxOrders);
  for (const c of candidates.slice(maxOrders)) notes.push(`${c.symbol}: dropped, more than ${maxOrders} orders this run (drift ${pct(c.drift)} pp)`);

  const sells = kept.filter((c) => c.side === 'SELL');
  const proceeds = sells.reduce((s, c) => s.plus(c.quantity.times(c.intendedPrice)), new Decimal(0));
  let budget = Decimal.min(balances.cash, balances.buyingPower).plus(proceeds).minus(nlv.times(reservePct).div(100));
  const buys: Candidate[] = [];
  for (const c of kept.filter((k) => k.side === 'BUY')) {
    let quantity = c.quantity;
    if (quantity.times(c.intendedPrice).gt(budget)) {
      quantity = Decimal.max(budget, 0).div(c.intendedPrice).floor();
      if (quantity.lte(0) || quantity.times(c.intendedPrice).lt(minTrade)) {
        notes.push(`${c.symbol}: not enough cash above the ${reservePct.toString()} % reserve`);
        continue;
      }
      c.reason += `, cut to the cash available above the ${reservePct.toString()} % reserve`;
    }
    budget = budget.minus(quantity.times(c.intendedPrice));
    buys.push({ ...c, quantity });
  }

  const intents = [...sells, ...buys].map(({ symbol, side, quantity, intendedPrice, reason }) => ({ symbol, side, quantity, intendedPrice, reason }));
  return { intents, notes };
}

export const rebalancer: Strategy = { name: REBALANCER_NAME, decide: rebalance };
