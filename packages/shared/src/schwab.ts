import { z } from 'zod';

/*
 * Schwab Trader / Market Data API: the shapes we read, and the contract the app shows.
 *
 * Money and quantities never become floats. Schwab sends them as JSON numbers, and
 * `JSON.parse` would round them to doubles before any schema sees them, so bodies are read
 * with `parseSchwabJson`, which keeps every numeric literal's text (as a `JsonNumber`).
 * The decimal schema turns that text into a canonical decimal string. Plain JS numbers are
 * still accepted (objects built in code) but only when their shortest round-trip form has at
 * most 15 significant digits, the bound under which a double gives back the decimal it was
 * written from; anything longer is refused rather than guessed.
 */

/** The exact text of a JSON numeric literal. */
export class JsonNumber {
  constructor(readonly source: string) {}
  toJSON(): number {
    return Number(this.source);
  }
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const BOX_KEY = '\u0000n';
const BOX_KEY_JSON = '"\\u0000n"';

/**
 * `JSON.parse` that returns numbers as `JsonNumber` (their original text). Each literal is
 * boxed as `{"\u0000n":"<text>"}` in a single pass outside strings, then unboxed by a reviver.
 */
export function parseSchwabJson(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      JSON_NUMBER.lastIndex = i;
      const m = JSON_NUMBER.exec(text);
      if (!m) throw new SyntaxError('Malformed number in JSON');
      out += text.slice(last, i) + `{${BOX_KEY_JSON}:"${m[0]}"}`;
      i += m[0].length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const boxed = (value as Record<string, unknown>)[BOX_KEY];
      if (keys.length === 1 && typeof boxed === 'string' && isJsonNumberText(boxed)) return new JsonNumber(boxed);
    }
    return value;
  });
}

function isJsonNumberText(s: string): boolean {
  JSON_NUMBER.lastIndex = 0;
  const m = JSON_NUMBER.exec(s);
  return m !== null && m[0].length === s.length;
}

const MAX_DECIMAL_DIGITS = 40;
const MAX_EXPONENT = 40;

/** Canonical decimal text ("-12.5", "0.0001", "1200") of a decimal literal, or null. */
export function canonicalDecimal(text: string): string | null {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return null;
  const [, sign = '', int = '', frac = '', expText] = m;
  const exp = expText === undefined ? 0 : Number(expText);
  if (Math.abs(exp) > MAX_EXPONENT) return null;
  let digits = int + frac;
  let point = int.length + exp;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const intPart = digits.slice(0, point).replace(/^0+/, '') || '0';
  const fracPart = digits.slice(point).replace(/0+$/, '');
  if (intPart.length + fracPart.length > MAX_DECIMAL_DIGITS) return null;
  const body = fracPart ? `${intPart}.${fracPart}` : intPart;
  return sign === '-' && body !== '0' ? `-${body}` : body;
}

function significantDigits(text: string): number {
  const mantissa = text.split(/[eE]/)[0] ?? '';
  return mantissa.replace(/[-.]/g, '').replace(/^0+/, '').length;
}

function decimalFrom(value: unknown): string | null {
  if (value instanceof JsonNumber) return canonicalDecimal(value.source);
  if (typeof value === 'string') return canonicalDecimal(value);
  if (typeof value === 'number' && Number.isFinite(value)) {
    const text = String(value);
    return significantDigits(text) <= 15 ? canonicalDecimal(text) : null;
  }
  return null;
}

const rawNumeric = z.union([z.instanceof(JsonNumber), z.number(), z.string()]);

/** A decimal (money, price, quantity) as a canonical decimal string. */
export const schwabDecimal = rawNumeric.transform((value, ctx) => {
  const d = decimalFrom(value);
  if (d === null) {
    ctx.addIssue({ code: 'custom', message: 'Expected a decimal number' });
    return z.NEVER;
  }
  return d;
});

/** A whole number within JS's safe range (epoch milliseconds, counts). Numbers only. */
export const schwabInteger = z.union([z.instanceof(JsonNumber), z.number()]).transform((value, ctx) => {
  const d = decimalFrom(value);
  const n = d === null ? NaN : Number(d);
  if (d === null || d.includes('.') || !Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'Expected a whole number' });
    return z.NEVER;
  }
  return n;
});

/** An identifier Schwab sends as a (64-bit) number or as text; kept as digits text. */
export const schwabId = rawNumeric.transform((value, ctx) => {
  const text = value instanceof JsonNumber ? value.source : typeof value === 'number' ? String(value) : value;
  if (!/^\d{1,30}$/.test(text) || (typeof value === 'number' && !Number.isSafeInteger(value))) {
    ctx.addIssue({ code: 'custom', message: 'Expected a numeric identifier' });
    return z.NEVER;
  }
  return text;
});

// ---- OAuth ----

export const schwabTokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().optional(),
  expires_in: schwabInteger,
  token_type: z.string(),
  scope: z.string().optional(),
});
export type SchwabTokenResponse = z.infer<typeof schwabTokenResponseSchema>;

/** Errors Schwab's token endpoint answers when a refresh token is expired, revoked or unknown. */
export const SCHWAB_REAUTH_ERRORS = [
  'invalid_client',
  'invalid_grant',
  'unsupported_token_type',
  'refresh_token_authentication_error',
] as const;

export const schwabOAuthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});
export type SchwabOAuthError = z.infer<typeof schwabOAuthErrorSchema>;

// ---- Accounts ----

export const schwabAccountNumbersSchema = z.array(
  z.looseObject({ accountNumber: z.string().min(1), hashValue: z.string().min(1) }),
);
export type SchwabAccountNumbers = z.infer<typeof schwabAccountNumbersSchema>;

export const schwabInstrumentSchema = z.looseObject({
  symbol: z.string().min(1),
  assetType: z.string(),
  cusip: z.string().optional(),
});

export const schwabPositionSchema = z.looseObject({
  instrument: schwabInstrumentSchema,
  longQuantity: schwabDecimal,
  shortQuantity: schwabDecimal,
  averagePrice: schwabDecimal,
  marketValue: schwabDecimal,
  currentDayProfitLoss: schwabDecimal.optional(),
  currentDayProfitLossPercentage: schwabDecimal.optional(),
  longOpenProfitLoss: schwabDecimal.optional(),
});
export type SchwabPosition = z.infer<typeof schwabPositionSchema>;

export const schwabBalancesSchema = z.looseObject({
  liquidationValue: schwabDecimal,
  cashBalance: schwabDecimal.optional(),
  buyingPower: schwabDecimal.optional(),
  equity: schwabDecimal.optional(),
  longMarketValue: schwabDecimal.optional(),
});

export const schwabAccountSchema = z.looseObject({
  securitiesAccount: z.looseObject({
    type: z.string(),
    accountNumber: z.string().min(1),
    positions: z.array(schwabPositionSchema).default([]),
    currentBalances: schwabBalancesSchema,
  }),
});
export type SchwabAccount = z.infer<typeof schwabAccountSchema>;
export const schwabAccountsSchema = z.array(schwabAccountSchema);

// ---- Orders ----

export const SCHWAB_ORDER_STATUSES = [
  'AWAITING_PARENT_ORDER',
  'AWAITING_CONDITION',
  'AWAITING_STOP_CONDITION',
  'AWAITING_MANUAL_REVIEW',
  'ACCEPTED',
  'AWAITING_UR_OUT',
  'PENDING_ACTIVATION',
  'QUEUED',
  'WORKING',
  'REJECTED',
  'PENDING_CANCEL',
  'CANCELED',
  'PENDING_REPLACE',
  'REPLACED',
  'FILLED',
  'EXPIRED',
  'NEW',
  'AWAITING_RELEASE_TIME',
  'PENDING_ACKNOWLEDGEMENT',
  'PENDING_RECALL',
  'UNKNOWN',
] as const;

export const schwabOrderSchema = z.looseObject({
  orderId: schwabId,
  session: z.string(),
  duration: z.string(),
  orderType: z.string(),
  enteredTime: z.string(),
  closeTime: z.string().optional(),
  status: z.enum(SCHWAB_ORDER_STATUSES),
  quantity: schwabDecimal,
  filledQuantity: schwabDecimal,
  remainingQuantity: schwabDecimal,
  price: schwabDecimal.optional(),
  orderLegCollection: z.array(
    z.looseObject({
      instruction: z.string(),
      quantity: schwabDecimal,
      instrument: z.looseObject({ symbol: z.string().min(1), assetType: z.string() }),
    }),
  ),
  orderActivityCollection: z
    .array(
      z.looseObject({
        executionLegs: z
          .array(z.looseObject({ quantity: schwabDecimal, price: schwabDecimal, time: z.string() }))
          .default([]),
      }),
    )
    .optional(),
});
export type SchwabOrder = z.infer<typeof schwabOrderSchema>;
export const schwabOrdersSchema = z.array(schwabOrderSchema);

/** A positive decimal with at most 9 integer and 6 fractional digits. */
const positiveDecimalText = z.string().regex(/^(?!0+(?:\.0+)?$)\d{1,9}(?:\.\d{1,6})?$/);

/** What the app may send to place an order (the subset it uses: one equity leg). */
export const schwabOrderRequestSchema = z.object({
  session: z.enum(['NORMAL', 'AM', 'PM', 'SEAMLESS']),
  duration: z.enum(['DAY', 'GOOD_TILL_CANCEL', 'FILL_OR_KILL']),
  orderType: z.enum(['MARKET', 'LIMIT']),
  price: positiveDecimalText.optional(),
  orderStrategyType: z.literal('SINGLE'),
  orderLegCollection: z
    .array(
      z.object({
        instruction: z.enum(['BUY', 'SELL']),
        quantity: positiveDecimalText,
        instrument: z.object({ symbol: z.string().regex(/^[A-Z][A-Z0-9./]{0,9}$/), assetType: z.literal('EQUITY') }),
      }),
    )
    .length(1),
});
export type SchwabOrderRequest = z.infer<typeof schwabOrderRequestSchema>;

// ---- Transactions ----

export const SCHWAB_TRANSACTION_TYPES = [
  'TRADE',
  'RECEIVE_AND_DELIVER',
  'DIVIDEND_OR_INTEREST',
  'ACH_RECEIPT',
  'ACH_DISBURSEMENT',
  'CASH_RECEIPT',
  'CASH_DISBURSEMENT',
  'ELECTRONIC_FUND',
  'WIRE_OUT',
  'WIRE_IN',
  'JOURNAL',
  'MEMORANDUM',
  'MARGIN_CALL',
  'MONEY_MARKET',
  'SMA_ADJUSTMENT',
] as const;

export const schwabTransactionSchema = z.looseObject({
  activityId: schwabId,
  /** On TRADE activity: the order it filled. */
  orderId: schwabId.optional(),
  time: z.string(),
  type: z.string(),
  status: z.string(),
  netAmount: schwabDecimal,
  transferItems: z
    .array(
      z.looseObject({
        instrument: z.looseObject({ symbol: z.string().optional(), assetType: z.string() }),
        amount: schwabDecimal,
        price: schwabDecimal.optional(),
        cost: schwabDecimal.optional(),
        positionEffect: z.string().optional(),
      }),
    )
    .default([]),
});
export type SchwabTransaction = z.infer<typeof schwabTransactionSchema>;
export const schwabTransactionsSchema = z.array(schwabTransactionSchema);

// ---- Market data ----

export const schwabQuoteSchema = z.looseObject({
  symbol: z.string().min(1),
  assetMainType: z.string(),
  quote: z.looseObject({
    lastPrice: schwabDecimal,
    bidPrice: schwabDecimal,
    askPrice: schwabDecimal,
    closePrice: schwabDecimal,
    netChange: schwabDecimal,
    netPercentChange: schwabDecimal,
    totalVolume: schwabDecimal,
    quoteTime: schwabInteger,
    tradeTime: schwabInteger,
  }),
});
export type SchwabQuote = z.infer<typeof schwabQuoteSchema>;
export const schwabQuotesSchema = z.record(z.string(), schwabQuoteSchema);

export const schwabCandleSchema = z.looseObject({
  open: schwabDecimal,
  high: schwabDecimal,
  low: schwabDecimal,
  close: schwabDecimal,
  volume: schwabDecimal,
  datetime: schwabInteger,
});
export type SchwabCandle = z.infer<typeof schwabCandleSchema>;

export const schwabPriceHistorySchema = z.looseObject({
  symbol: z.string().min(1),
  empty: z.boolean(),
  candles: z.array(schwabCandleSchema),
});
export type SchwabPriceHistory = z.infer<typeof schwabPriceHistorySchema>;

const sessionWindows = z.array(z.looseObject({ start: z.string(), end: z.string() }));

export const schwabMarketHoursSchema = z.looseObject({
  equity: z.record(
    z.string(),
    z.looseObject({
      date: z.string(),
      marketType: z.string(),
      isOpen: z.boolean(),
      sessionHours: z
        .looseObject({
          preMarket: sessionWindows.optional(),
          regularMarket: sessionWindows.optional(),
          postMarket: sessionWindows.optional(),
        })
        .optional(),
    }),
  ),
});
export type SchwabMarketHours = z.infer<typeof schwabMarketHoursSchema>;

// ---- Contract the app shows ----

export const SCHWAB_CONNECTION_STATES = ['not_configured', 'disconnected', 'connected', 'expiring', 'reauth_required'] as const;
export type SchwabConnectionState = (typeof SCHWAB_CONNECTION_STATES)[number];

/** Account numbers are shown masked; the full number never leaves the server. */
export function maskAccountNumber(accountNumber: string): string {
  return `…${accountNumber.slice(-4)}`;
}

export const schwabMaskedAccountSchema = z.object({
  /** e.g. "…1234" */
  masked: z.string().regex(/^…[0-9A-Za-z]{1,4}$/),
  type: z.string().optional(),
});
export type SchwabMaskedAccount = z.infer<typeof schwabMaskedAccountSchema>;

export const schwabStatusSchema = z.object({
  state: z.enum(SCHWAB_CONNECTION_STATES),
  /** When the current access token stops working. */
  accessTokenExpiresAt: z.date().nullable(),
  /** Hard end of the refresh token: 7 days after the original login; only a new login moves it. */
  refreshTokenExpiresAt: z.date().nullable(),
  lastRefreshAt: z.date().nullable(),
  lastSyncAt: z.date().nullable(),
  /** A short, secret-free reason (e.g. an error code), never a response body. */
  lastError: z.string().max(200).nullable(),
  accounts: z.array(schwabMaskedAccountSchema),
});
export type SchwabStatus = z.infer<typeof schwabStatusSchema>;

// ---- schwab.* procedures ----

/** What `schwab.initiate` answers: the Schwab page to open (state and challenge inside). */
export const schwabInitiateOutput = z.object({ authorizeUrl: z.url() });
export type SchwabInitiateOutput = z.infer<typeof schwabInitiateOutput>;

/**
 * The callback: either the whole redirect URL (the SPA's /schwab/callback page sends its own
 * address; the owner may paste it), which the server decodes exactly once, so Schwab's
 * `…%40` code becomes `…@`; or code and state already decoded once (URLSearchParams.get).
 */
export const schwabCallbackInput = z.union([
  z.strictObject({ code: z.string().min(1).max(2048), state: z.string().min(1).max(256) }),
  z.strictObject({ url: z.string().min(1).max(4096) }),
]);
export type SchwabCallbackInput = z.infer<typeof schwabCallbackInput>;

export const schwabAccountView = z.object({
  masked: z.string(),
  type: z.string().nullable(),
  lastSyncedAt: z.date().nullable(),
  positions: z.number().int(),
  /** Decimal strings, or null before the first sync. */
  liquidationValue: z.string().nullable(),
  cash: z.string().nullable(),
});
export type SchwabAccountView = z.infer<typeof schwabAccountView>;

export const SCHWAB_SYNC_ERRORS = ['SCHWAB_NOT_CONNECTED', 'SCHWAB_REAUTH_REQUIRED', 'SCHWAB_UNAVAILABLE', 'SCHWAB_RATE_LIMITED', 'SCHWAB_BAD_RESPONSE', 'SCHWAB_REFUSED', 'SYNC_FAILED'] as const;

export const schwabSyncOutput = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    accounts: z.number().int(),
    positions: z.number().int(),
    trades: z.number().int(),
    bars: z.number().int(),
    at: z.date(),
  }),
  z.object({ ok: z.literal(false), error: z.enum(SCHWAB_SYNC_ERRORS) }),
]);
export type SchwabSyncOutput = z.infer<typeof schwabSyncOutput>;
