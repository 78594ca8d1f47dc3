// The order ticket's pure logic: the draft as typed, its problems in words, the exact input
// for trading.preview and trading.place. A previewed ticket carries one idempotency key; any
// change to the draft drops the preview (and its key), so a new preview makes a new ticket,
// while a double click or a retry of the same ticket reuses the key and places one order.
import { tradingPreviewInput, type EngineMode, type Role, type TradingPlaceInput, type TradingPreviewInput } from '@jutsu/shared';

export interface TicketDraft {
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  orderType: 'MARKET' | 'LIMIT';
  limitPrice: string;
}

export const EMPTY_TICKET: TicketDraft = { symbol: '', side: 'BUY', quantity: '', orderType: 'MARKET', limitPrice: '' };

export type TicketProblems = Partial<Record<keyof TicketDraft, string>>;

/** Symbols are upper case; spaces around anything are dropped. */
export function normaliseDraft(d: TicketDraft): TicketDraft {
  return { ...d, symbol: d.symbol.trim().toUpperCase(), quantity: d.quantity.trim(), limitPrice: d.orderType === 'LIMIT' ? d.limitPrice.trim() : '' };
}

/** The preview input, or the problems to show beside the fields. `mode` live asks for whole shares. */
export function buildTicket(draft: TicketDraft, mode: EngineMode | undefined): { input: TradingPreviewInput; problems: null } | { input: null; problems: TicketProblems } {
  const d = normaliseDraft(draft);
  const problems: TicketProblems = {};
  const candidate = {
    symbol: d.symbol,
    side: d.side,
    quantity: d.quantity,
    orderType: d.orderType,
    ...(d.orderType === 'LIMIT' ? { limitPrice: d.limitPrice } : {}),
  };
  if (!d.symbol) problems.symbol = 'Enter a symbol, e.g. SPY.';
  if (!d.quantity) problems.quantity = 'Enter a number of shares.';
  if (d.orderType === 'LIMIT' && !d.limitPrice) problems.limitPrice = 'A limit order needs a limit price.';
  const parsed = tradingPreviewInput.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      if ((key === 'symbol' || key === 'quantity' || key === 'limitPrice') && !problems[key]) problems[key] = sentence(issue.message);
    }
  }
  if (!problems.quantity && mode === 'live' && d.quantity.includes('.') && /\.\d*[1-9]/.test(d.quantity)) problems.quantity = 'Live orders are in whole shares.';
  if (Object.keys(problems).length > 0 || !parsed.success) return { input: null, problems };
  return { input: parsed.data, problems: null };
}

function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** The place input for a previewed ticket, in the mode the person confirmed. */
export function placeInput(input: TradingPreviewInput, mode: EngineMode, idempotencyKey: string): TradingPlaceInput {
  return { ...input, mode, idempotencyKey };
}

/** Why this role cannot use the ticket, or null (traders and admins can). */
export function ticketRefusal(role: Role | null | undefined): string | null {
  return role === 'trader' || role === 'admin' ? null : 'Only a trader or an admin may place or cancel orders; you can see the working orders.';
}
