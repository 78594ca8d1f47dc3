// The one market calendar, checked against the exchange's published calendars for 2025–2027,
// the announced unscheduled closures, and New York's DST switches (2026: 8 March, clocks jump
// 02:00 → 03:00, offset −5 h → −4 h; 1 November, 02:00 EDT → 01:00 EST).
import { describe, expect, it } from 'vitest';
import {
  closureName,
  dayOfWeek,
  holidays,
  isHalfDay,
  isMarketOpen,
  isTradingDay,
  marketSession,
  marketStatus,
  newYorkDate,
  newYorkMidnight,
  newYorkMinutes,
  newYorkOffsetMinutes,
  newYorkTime,
  nextTradingDay,
  parseIsoDate,
  previousTradingDay,
  sessionClose,
  sessionOpen,
  shiftDate,
  tradingDaysBetween,
  UNSCHEDULED_CLOSURES,
} from './market-calendar.ts';

const at = (s: string) => new Date(s);

describe('holidays', () => {
  it("lists the exchange's published holidays (2025–2027), observed dates included", () => {
    expect([...holidays(2025).keys()].sort()).toEqual(['2025-01-01', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25']);
    // 2026: July 4 is a Saturday → observed Friday July 3.
    expect([...holidays(2026).keys()].sort()).toEqual(['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25']);
    // 2027: Juneteenth and Christmas on a Saturday → the Friday before; July 4 on a Sunday → the Monday after.
    expect([...holidays(2027).keys()].sort()).toEqual(['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24']);
  });

  it('names Good Friday from Easter, in March and in April', () => {
    expect(closureName('2025-04-18')).toBe('Good Friday');
    expect(closureName('2026-04-03')).toBe('Good Friday');
    expect(closureName('2027-03-26')).toBe('Good Friday');
    expect(isTradingDay('2027-03-25')).toBe(true);
    expect(isTradingDay('2027-03-29')).toBe(true); // Easter Monday trades
  });

  it("never closes Dec 31 for a New Year's Day on a Saturday; moves Sunday holidays to Monday", () => {
    expect(isTradingDay('2021-12-31')).toBe(true); // 2022-01-01 was a Saturday
    expect(holidays(2021).has('2021-12-31') || holidays(2022).has('2021-12-31')).toBe(false);
    expect(isTradingDay('2023-01-02')).toBe(false); // 2023-01-01 was a Sunday
    expect(isTradingDay('2022-06-20')).toBe(false); // Juneteenth on a Sunday
    expect(isTradingDay('2027-07-05')).toBe(false);
    expect(isTradingDay('2027-12-24')).toBe(false); // Christmas on a Saturday
  });

  it('has no Juneteenth before 2022', () => {
    expect(isTradingDay('2021-06-18')).toBe(true);
    expect([...holidays(2021).values()]).not.toContain('Juneteenth');
  });
});

describe('unscheduled closures', () => {
  it('knows the announced closures and names them', () => {
    expect(isTradingDay('2025-01-09')).toBe(false);
    expect(closureName('2025-01-09')).toMatch(/Carter/);
    expect(isTradingDay('2018-12-05')).toBe(false);
    expect(isTradingDay('2012-10-29')).toBe(false);
    expect(isTradingDay('2012-10-30')).toBe(false);
    expect(isTradingDay('2012-10-31')).toBe(true);
    for (const d of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14']) expect(isTradingDay(d)).toBe(false);
    // Every listed closure is a weekday that the rules alone would have kept open.
    for (const d of UNSCHEDULED_CLOSURES.keys()) {
      expect([0, 6]).not.toContain(dayOfWeek(d));
      expect(holidays(parseIsoDate(d).y).has(d)).toBe(false);
    }
  });

  it('keeps them out of the scheduled holidays but out of the trading days too', () => {
    expect(holidays(2025).has('2025-01-09')).toBe(false);
    expect(tradingDaysBetween('2025-01-08', '2025-01-10')).toEqual(['2025-01-08', '2025-01-10']);
    expect(nextTradingDay('2025-01-08')).toBe('2025-01-10');
    expect(previousTradingDay('2025-01-10')).toBe('2025-01-08');
    expect(marketSession('2025-01-09')).toBeNull();
    expect(marketStatus(at('2025-01-09T16:00:00Z'))).toEqual({ open: false, reason: 'the exchange is closed on 2025-01-09 (National Day of Mourning for President Carter)' });
  });
});

describe('half days', () => {
  it('closes at 13:00 the day after Thanksgiving, on Christmas Eve and on July 3 when they trade', () => {
    for (const d of ['2025-07-03', '2025-11-28', '2025-12-24', '2026-11-27', '2026-12-24', '2027-11-26']) expect(isHalfDay(d)).toBe(true);
    // July 3, 2026 is the observed Independence Day, Dec 24, 2027 the observed Christmas: holidays, not half days.
    for (const d of ['2026-07-03', '2027-12-24', '2026-07-02', '2026-03-09', '2025-01-09']) expect(isHalfDay(d)).toBe(false);
    expect(sessionClose('2025-07-03').toISOString()).toBe('2025-07-03T17:00:00.000Z'); // EDT
    expect(sessionClose('2025-11-28').toISOString()).toBe('2025-11-28T18:00:00.000Z'); // EST
    expect(sessionClose('2026-12-24').toISOString()).toBe('2026-12-24T18:00:00.000Z');
    expect(marketSession('2026-11-27')).toEqual({ date: '2026-11-27', open: at('2026-11-27T14:30:00Z'), close: at('2026-11-27T18:00:00Z'), halfDay: true });
    expect(marketSession('2025-07-07')).toEqual({ date: '2025-07-07', open: at('2025-07-07T13:30:00Z'), close: at('2025-07-07T20:00:00Z'), halfDay: false });
  });

  it('is open until 13:00 only', () => {
    expect(isMarketOpen(at('2025-11-28T17:59:59Z'))).toBe(true);
    expect(isMarketOpen(at('2025-11-28T18:00:00Z'))).toBe(false);
    expect(marketStatus(at('2025-11-28T18:00:00Z'))).toEqual({ open: false, reason: 'the market closed at 13:00 New York time on 2025-11-28' });
  });
});

describe('sessions and DST', () => {
  it('knows the offset on both sides of each switch', () => {
    expect(newYorkOffsetMinutes(at('2026-03-08T06:59:59Z'))).toBe(-300); // 01:59:59 EST
    expect(newYorkOffsetMinutes(at('2026-03-08T07:00:00Z'))).toBe(-240); // 03:00 EDT
    expect(newYorkOffsetMinutes(at('2026-11-01T05:59:59Z'))).toBe(-240); // 01:59:59 EDT
    expect(newYorkOffsetMinutes(at('2026-11-01T06:00:00Z'))).toBe(-300); // 01:00 EST (again)
  });

  it('dates an instant by New York, not UTC', () => {
    expect(newYorkDate(at('2026-01-01T03:00:00Z'))).toBe('2025-12-31'); // 22:00 in New York
    expect(newYorkDate(at('2026-01-01T05:00:00Z'))).toBe('2026-01-01');
    expect(newYorkDate(at('2026-03-10T03:59:00Z'))).toBe('2026-03-09');
    expect(newYorkMinutes(at('2026-03-09T13:30:00Z'))).toBe(9 * 60 + 30);
  });

  it('finds midnight on the switch days (23- and 25-hour days)', () => {
    expect(newYorkMidnight('2026-03-08').toISOString()).toBe('2026-03-08T05:00:00.000Z'); // still EST at midnight
    expect(newYorkMidnight('2026-03-09').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(newYorkMidnight('2026-11-01').toISOString()).toBe('2026-11-01T04:00:00.000Z'); // still EDT at midnight
    expect(newYorkMidnight('2026-11-02').toISOString()).toBe('2026-11-02T05:00:00.000Z');
  });

  it('places wall-clock times on the switch days themselves', () => {
    expect(newYorkTime('2026-03-08', 1, 59).toISOString()).toBe('2026-03-08T06:59:00.000Z'); // EST
    expect(newYorkTime('2026-03-08', 9, 30).toISOString()).toBe('2026-03-08T13:30:00.000Z'); // EDT
    expect(newYorkTime('2026-11-01', 0, 30).toISOString()).toBe('2026-11-01T04:30:00.000Z'); // EDT
    expect(newYorkTime('2026-11-01', 16, 0).toISOString()).toBe('2026-11-01T21:00:00.000Z'); // EST
  });

  it('places sessions in UTC on both sides of each switch', () => {
    expect(sessionOpen('2026-03-06').toISOString()).toBe('2026-03-06T14:30:00.000Z'); // EST, the Friday before
    expect(sessionClose('2026-03-06').toISOString()).toBe('2026-03-06T21:00:00.000Z');
    expect(sessionOpen('2026-03-09').toISOString()).toBe('2026-03-09T13:30:00.000Z'); // EDT, the Monday after
    expect(sessionClose('2026-10-30').toISOString()).toBe('2026-10-30T20:00:00.000Z'); // EDT
    expect(sessionOpen('2026-11-02').toISOString()).toBe('2026-11-02T14:30:00.000Z'); // EST
    expect(sessionClose('2026-11-02').toISOString()).toBe('2026-11-02T21:00:00.000Z');
  });

  it('is open in [open, close) on trading days only, and says why not', () => {
    expect(isMarketOpen(at('2026-03-09T13:29:59Z'))).toBe(false);
    expect(isMarketOpen(at('2026-03-09T13:30:00Z'))).toBe(true);
    expect(isMarketOpen(at('2026-03-09T19:59:59Z'))).toBe(true);
    expect(isMarketOpen(at('2026-03-09T20:00:00Z'))).toBe(false);
    expect(isMarketOpen(at('2026-11-26T15:00:00Z'))).toBe(false); // Thanksgiving
    expect(marketStatus(at('2026-03-10T13:29:59Z'))).toEqual({ open: false, reason: 'the market opens at 09:30 New York time on 2026-03-10' });
    expect(marketStatus(at('2026-03-10T20:00:00Z'))).toEqual({ open: false, reason: 'the market closed at 16:00 New York time on 2026-03-10' });
    expect(marketStatus(at('2026-03-07T15:00:00Z'))).toEqual({ open: false, reason: '2026-03-07 is a weekend in New York' });
    expect(marketStatus(at('2026-04-03T15:00:00Z'))).toEqual({ open: false, reason: 'the exchange is closed on 2026-04-03 (Good Friday)' });
    expect(marketStatus(at('2026-03-10T15:00:00Z'))).toMatchObject({ open: true, session: { date: '2026-03-10', halfDay: false } });
  });
});

describe('date arithmetic', () => {
  it('steps over weekends, holidays and month ends', () => {
    expect(shiftDate('2024-02-28', 1)).toBe('2024-02-29');
    expect(shiftDate('2026-01-01', -1)).toBe('2025-12-31');
    expect(nextTradingDay('2026-04-02')).toBe('2026-04-06'); // Good Friday, then the weekend
    expect(previousTradingDay('2026-01-20')).toBe('2026-01-16'); // MLK Monday
    expect(tradingDaysBetween('2026-12-23', '2027-01-04')).toEqual(['2026-12-23', '2026-12-24', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-04']);
  });

  it('refuses dates that are not dates', () => {
    expect(() => parseIsoDate('2026-02-30')).toThrow(RangeError);
    expect(() => isTradingDay('2026-3-9')).toThrow(RangeError);
    expect(() => sessionOpen('yesterday')).toThrow(RangeError);
  });
});
