import type { EngineRunIntentView, EngineRunView, SchedulerJobView } from '@jutsu/shared';
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { actorInWords, engineErrorInWords, intentOutcome, intentSummary, modeControlsRefusal, nextRunText, refusalCodeOf, refusalInWords, runControlsRefusal, runSummary } from './engine-words.ts';

const intent = (over: Partial<EngineRunIntentView> = {}): EngineRunIntentView => ({
  intentId: 'i1',
  symbol: 'SPY',
  side: 'BUY',
  quantity: '10',
  intendedPrice: '500',
  reason: 'under target by 6 %',
  status: 'filled',
  refusal: null,
  message: null,
  filledQuantity: '10',
  averageFillPrice: '500.1',
  ...over,
});

const run = (over: Partial<EngineRunView> = {}): EngineRunView => ({
  id: 'r1',
  trigger: 'manual',
  mode: 'live',
  status: 'completed',
  dryRun: false,
  refusal: null,
  detail: null,
  actor: 'owner',
  startedAt: new Date('2026-03-10T15:00:00Z'),
  finishedAt: new Date('2026-03-10T15:00:02Z'),
  intents: [],
  ...over,
});

function apiError(reason: string, message: string, httpStatus = 400): TRPCClientError<never> {
  return new TRPCClientError(message, { result: { error: { message, code: -32600, data: { reason, httpStatus } } } as never });
}

describe('engine refusals in words', () => {
  it('puts every refusal the live ceremony can meet in words', () => {
    expect(refusalInWords('ACCOUNT_MISMATCH', 'Those are not the last 4 digits of the connected account.')).toBe('Those are not the last 4 digits of the connected account. Nothing was changed.');
    expect(refusalInWords('SECOND_FACTOR_REQUIRED')).toMatch(/two-factor sign-in or a passkey/);
    expect(refusalInWords('SCHWAB_NOT_CONNECTED', 'Connect Schwab before trading live.')).toMatch(/^Schwab is not connected.*\(Connect Schwab before trading live\)$/);
  });

  it('keeps the detail the server adds and shows an unknown code by its message', () => {
    expect(refusalInWords('MARKET_CLOSED', 'closed for the weekend')).toBe('The market is closed. (closed for the weekend)');
    expect(refusalInWords('SOMETHING_NEW', 'the server says why')).toBe('The server says why');
    expect(refusalInWords(null)).toBe('The request was refused.');
  });

  it('reads the typed reason of a refused call', () => {
    const err = apiError('ACCOUNT_MISMATCH', 'Those are not the last 4 digits of the connected account.');
    expect(refusalCodeOf(err)).toBe('ACCOUNT_MISMATCH');
    expect(engineErrorInWords(err)).toMatch(/Nothing was changed/);
    expect(refusalCodeOf(new Error('x'))).toBeUndefined();
    expect(engineErrorInWords(new Error('network'))).toMatch(/could not be reached/);
    expect(engineErrorInWords(apiError('WHATEVER', 'boom', 500))).toMatch(/had a problem/);
  });
});

describe('runs and intents in words', () => {
  it('says what each intent became', () => {
    expect(intentSummary(intent())).toBe('BUY 10 SPY at about $500.00');
    expect(intentOutcome(intent())).toBe('filled 10 at $500.10');
    expect(intentOutcome(intent({ status: 'working', filledQuantity: '4', averageFillPrice: '500' }))).toBe('working at the broker, filled 4 at $500.00 so far');
    expect(intentOutcome(intent({ status: 'refused', intentId: null, refusal: 'ENTRIES_PAUSED', message: null, filledQuantity: null }))).toBe('refused: Entries are paused: no new positions.');
    expect(intentOutcome(intent({ status: 'rejected', filledQuantity: '0', averageFillPrice: null, message: 'Not enough buying power' }))).toBe('rejected by the broker (Not enough buying power)');
    expect(intentOutcome(intent({ status: 'preview', intentId: null, filledQuantity: null, averageFillPrice: null }))).toBe('would be placed');
  });

  it('sums a run up, refused or not, preview or not', () => {
    expect(runSummary(run({ status: 'refused', refusal: 'MARKET_CLOSED', detail: 'the market is closed (weekend)\nnote' }))).toBe('Refused: The market is closed. (the market is closed (weekend))');
    expect(runSummary(run({ intents: [intent(), intent({ symbol: 'QQQ', status: 'refused', intentId: null, refusal: 'DAILY_NOTIONAL_EXCEEDED' })] }))).toBe(
      '1 order placed, 1 filled, 1 refused by a guard.',
    );
    expect(runSummary(run({ dryRun: true, status: 'preview', intents: [intent({ status: 'preview', intentId: null })] }))).toBe('Would place 1 order. Nothing was placed.');
    expect(runSummary(run())).toBe('No orders: the portfolio is within its targets.');
  });
});

describe('next run and who may act', () => {
  const job = (over: Partial<SchedulerJobView> = {}): SchedulerJobView =>
    ({
      id: 'engine-run',
      label: 'Strategy run',
      enabled: true,
      schedule: '30 9 * * 1-5',
      tradingDaysOnly: true,
      nextRunAt: new Date('2026-03-10T13:30:00Z'),
      lastRunAt: null,
      durationMs: null,
      lastStatus: null,
      lastError: null,
      ...over,
    }) as SchedulerJobView;
  const now = new Date('2026-03-10T12:00:00Z');

  it('counts down to the scheduled strategy run, or says why there is none', () => {
    expect(nextRunText([job()], now).countdown).toBe('in 1h 30m 0s');
    expect(nextRunText([job()], now).detail).toMatch(/09:30/);
    expect(nextRunText([job({ enabled: false })], now)).toEqual({ countdown: null, detail: expect.stringMatching(/disabled/) as unknown as string });
    expect(nextRunText([job({ nextRunAt: null })], now).countdown).toBeNull();
    expect(nextRunText([job({ id: 'schwab-sync' })], now).detail).toMatch(/No scheduled strategy run/);
    expect(nextRunText(undefined, now).detail).toMatch(/Loading/);
  });

  it('names who acted', () => {
    expect(actorInWords('user:alice')).toBe('alice');
    expect(actorInWords('system:schwab.reauth')).toBe('the system (schwab.reauth)');
    expect(actorInWords('alice')).toBe('alice');
  });

  it('gives viewers and traders the reason a control is disabled', () => {
    expect(runControlsRefusal('viewer')).toMatch(/trader or an admin/);
    expect(runControlsRefusal('trader')).toBeNull();
    expect(modeControlsRefusal('trader')).toMatch(/Only an admin/);
    expect(modeControlsRefusal('admin')).toBeNull();
  });
});
