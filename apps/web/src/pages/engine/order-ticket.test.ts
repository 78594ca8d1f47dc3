import { tradingPlaceInput } from '@jutsu/shared';
import { describe, expect, it } from 'vitest';
import { buildTicket, EMPTY_TICKET, placeInput, ticketRefusal } from './order-ticket.ts';

const KEY = '3f0c6c1e-8d2a-4b7e-9c1a-2b3c4d5e6f70';

describe('order ticket', () => {
  it('builds the exact preview input: upper-case symbol, trimmed decimals, no limit price on a market order', () => {
    const built = buildTicket({ symbol: ' spy ', side: 'BUY', quantity: ' 2.5 ', orderType: 'MARKET', limitPrice: '500' }, 'paper');
    expect(built.problems).toBeNull();
    expect(built.input).toEqual({ symbol: 'SPY', side: 'BUY', quantity: '2.5', orderType: 'MARKET' });
  });

  it('keeps a limit price as typed (a string, never a float)', () => {
    const built = buildTicket({ symbol: 'AAPL', side: 'SELL', quantity: '10', orderType: 'LIMIT', limitPrice: '0.1000' }, 'live');
    expect(built.input).toEqual({ symbol: 'AAPL', side: 'SELL', quantity: '10', orderType: 'LIMIT', limitPrice: '0.1000' });
  });

  it('says what is wrong beside each field and builds nothing', () => {
    expect(buildTicket(EMPTY_TICKET, 'paper')).toEqual({ input: null, problems: { symbol: 'Enter a symbol, e.g. SPY.', quantity: 'Enter a number of shares.' } });
    const bad = buildTicket({ symbol: 'SPY', side: 'BUY', quantity: '0', orderType: 'LIMIT', limitPrice: '' }, 'paper');
    expect(bad.input).toBeNull();
    expect(bad.problems).toEqual({ quantity: 'More than zero.', limitPrice: 'A limit order needs a limit price.' });
    expect(buildTicket({ symbol: 'SPY', side: 'BUY', quantity: '1e3', orderType: 'MARKET', limitPrice: '' }, 'paper').problems?.quantity).toMatch(/positive number of shares/);
    expect(buildTicket({ symbol: 'S P Y', side: 'BUY', quantity: '1', orderType: 'MARKET', limitPrice: '' }, 'paper').problems?.symbol).toMatch(/upper-case ticker/);
  });

  it('asks for whole shares in live mode only', () => {
    const draft = { symbol: 'SPY', side: 'BUY' as const, quantity: '1.5', orderType: 'MARKET' as const, limitPrice: '' };
    expect(buildTicket(draft, 'live').problems).toEqual({ quantity: 'Live orders are in whole shares.' });
    expect(buildTicket(draft, 'paper').problems).toBeNull();
    expect(buildTicket({ ...draft, quantity: '2.000' }, 'live').problems).toBeNull();
  });

  it('places exactly the previewed ticket in the confirmed mode with its key', () => {
    const built = buildTicket({ symbol: 'SPY', side: 'BUY', quantity: '3', orderType: 'MARKET', limitPrice: '' }, 'live');
    const input = placeInput(built.input!, 'live', KEY);
    expect(input).toEqual({ symbol: 'SPY', side: 'BUY', quantity: '3', orderType: 'MARKET', mode: 'live', idempotencyKey: KEY });
    expect(tradingPlaceInput.safeParse(input).success).toBe(true);
  });

  it('disables the ticket for viewers with a reason', () => {
    expect(ticketRefusal('viewer')).toMatch(/Only a trader or an admin/);
    expect(ticketRefusal(undefined)).not.toBeNull();
    expect(ticketRefusal('trader')).toBeNull();
    expect(ticketRefusal('admin')).toBeNull();
  });
});
