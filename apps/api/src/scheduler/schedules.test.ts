// The schedule maths on the market calendar (@jutsu/shared), checked against the exchange's
// published 2026 calendar and against DST switches.
import { describe, expect, it } from 'vitest';
import { nextSyncRun } from '../schwab/wiring.ts';
import { nextRunAfter, nextTradeSlotRun, tradeSlotTime } from './schedules.ts';

describe('trade slot', () => {
  it('runs at the slot in New York time across the DST switch', () => {
    expect(tradeSlotTime('2026-03-06', '09:30')).toEqual(new Date('2026-03-06T14:30:00Z')); // EST
    expect(tradeSlotTime('2026-03-09', '09:30')).toEqual(new Date('2026-03-09T13:30:00Z')); // EDT (switch on the 8th)
    expect(tradeSlotTime('2026-11-02', '16:00')).toEqual(new Date('2026-11-02T21:00:00Z')); // EST again (switch on the 1st)
  });

  it('moves an afternoon slot before the early close on a half day and leaves a morning slot alone', () => {
    expect(tradeSlotTime('2026-11-27', '15:45')).toEqual(new Date('2026-11-27T17:45:00Z')); // 12:45 EST
    expect(tradeSlotTime('2026-11-27', '16:00')).toEqual(new Date('2026-11-27T18:00:00Z')); // 13:00
    expect(tradeSlotTime('2026-11-27', '09:45')).toEqual(new Date('2026-11-27T14:45:00Z'));
  });

  it('skips weekends and holidays', () => {
    // Thursday 2 April 2026 after the slot → Good Friday and the weekend are skipped.
    expect(nextTradeSlotRun(new Date('2026-04-02T20:00:00Z'), '15:55')).toEqual(new Date('2026-04-06T19:55:00Z'));
    // Exactly at the slot is not "after" it.
    expect(nextTradeSlotRun(new Date('2026-04-06T19:55:00Z'), '15:55')).toEqual(new Date('2026-04-07T19:55:00Z'));
  });
});

describe('next run', () => {
  it('reads cron expressions in New York time and filters to trading days on request', () => {
    const fri = new Date('2026-01-16T15:00:00Z'); // Friday 10:00 EST
    expect(nextRunAfter('0 17 * * *', fri)).toEqual(new Date('2026-01-16T22:00:00Z'));
    expect(nextRunAfter('0 17 * * *', new Date('2026-01-16T22:00:00Z'))).toEqual(new Date('2026-01-17T22:00:00Z'));
    expect(nextRunAfter('0 17 * * *', new Date('2026-01-16T22:00:00Z'), true)).toEqual(new Date('2026-01-20T22:00:00Z')); // weekend + MLK day
  });

  it('keeps the Schwab sync rhythm: every minute in market hours, every 15 minutes otherwise', () => {
    expect(nextSyncRun(new Date('2026-03-10T14:00:30Z'))).toEqual(new Date('2026-03-10T14:01:00Z')); // 10:00 EDT
    expect(nextSyncRun(new Date('2026-03-10T20:01:00Z'))).toEqual(new Date('2026-03-10T20:15:00Z')); // 16:01 EDT
    expect(nextSyncRun(new Date('2026-03-07T15:00:00Z'))).toEqual(new Date('2026-03-07T15:15:00Z')); // Saturday
  });

  it('syncs every 15 minutes on holidays and after a half day\'s 13:00 close', () => {
    expect(nextSyncRun(new Date('2026-04-03T14:00:30Z'))).toEqual(new Date('2026-04-03T14:15:00Z')); // Good Friday, 10:00 EDT
    expect(nextSyncRun(new Date('2025-01-09T15:00:30Z'))).toEqual(new Date('2025-01-09T15:15:00Z')); // day of mourning
    expect(nextSyncRun(new Date('2026-11-27T17:58:30Z'))).toEqual(new Date('2026-11-27T17:59:00Z')); // 12:58 EST, still open
    expect(nextSyncRun(new Date('2026-11-27T17:59:30Z'))).toEqual(new Date('2026-11-27T18:00:00Z')); // 13:00 is on the quarter
    expect(nextSyncRun(new Date('2026-11-27T18:00:30Z'))).toEqual(new Date('2026-11-27T18:15:00Z')); // closed at 13:00
  });
});
