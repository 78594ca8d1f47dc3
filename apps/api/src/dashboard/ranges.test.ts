// Range maths in New York's calendar. 2026's DST switches: 8 March (clocks jump 02:00 → 03:00,
// offset −5 h → −4 h) and 1 November (03:00 EDT → 02:00 EST, −4 h → −5 h).
import { describe, expect, it } from 'vitest';
import { addYears, resolveRange } from './ranges.ts';

const at = (s: string) => new Date(s);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('addYears', () => {
  it('moves Feb 29 to Feb 28 a year away', () => {
    expect(addYears('2024-02-29', -1)).toBe('2023-02-28');
    expect(addYears('2024-02-29', 4)).toBe('2028-02-29');
  });
});

describe('resolveRange', () => {
  it('today on the March switch day is 23 hours long', () => {
    const r = resolveRange({ range: 'today' }, at('2026-03-08T12:00:00Z'));
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(r.to.getTime() - r.from!.getTime()).toBe(23 * 3_600_000);
  });

  it('today on the November switch day is 25 hours long', () => {
    const r = resolveRange({ range: 'today' }, at('2026-11-01T12:00:00Z'));
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(r.to.getTime() - r.from!.getTime()).toBe(25 * 3_600_000);
  });

  it('WTD on a Monday is that Monday alone', () => {
    const r = resolveRange({ range: 'wtd' }, at('2026-03-09T15:00:00Z'));
    expect(r).toMatchObject({ kind: 'wtd', fromDate: '2026-03-09', toDate: '2026-03-09' });
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z']);
  });

  it('WTD on a Sunday starts six days earlier, across the March switch', () => {
    // Sunday 8 March: the week began Monday 2 March (EST), and ends after Sunday (EDT).
    const r = resolveRange({ range: 'wtd' }, at('2026-03-08T20:00:00Z'));
    expect(r).toMatchObject({ fromDate: '2026-03-02', toDate: '2026-03-08' });
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-03-02T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  it('MTD on the 1st (the November switch day) is that day', () => {
    const r = resolveRange({ range: 'mtd' }, at('2026-11-01T12:00:00Z'));
    expect(r).toMatchObject({ fromDate: '2026-11-01', toDate: '2026-11-01' });
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
  });

  it('YTD on 2 January (after the New Year holiday) starts on 1 January', () => {
    const r = resolveRange({ range: 'ytd' }, at('2026-01-02T14:30:00Z'));
    expect(r).toMatchObject({ fromDate: '2026-01-01', toDate: '2026-01-02' });
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-01-01T05:00:00.000Z', '2026-01-03T05:00:00.000Z']);
  });

  it('YTD late on 31 December in New York is still last year, though UTC is in the new one', () => {
    const r = resolveRange({ range: 'ytd' }, at('2026-01-01T03:00:00Z'));
    expect(r).toMatchObject({ fromDate: '2025-01-01', toDate: '2025-12-31' });
  });

  it('1Y and 5Y cover the days after the same date one and five years ago', () => {
    expect(resolveRange({ range: '1y' }, at('2026-03-01T15:00:00Z'))).toMatchObject({ fromDate: '2025-03-02', toDate: '2026-03-01' });
    expect(resolveRange({ range: '1y' }, at('2024-02-29T15:00:00Z'))).toMatchObject({ fromDate: '2023-03-01', toDate: '2024-02-29' });
    expect(resolveRange({ range: '5y' }, at('2026-03-01T15:00:00Z'))).toMatchObject({ fromDate: '2021-03-02', toDate: '2026-03-01' });
  });

  it('max has no start', () => {
    const r = resolveRange({ range: 'max' }, at('2026-03-01T15:00:00Z'));
    expect(r.from).toBeNull();
    expect(r.fromDate).toBeNull();
    expect(iso(r.to)).toBe('2026-03-02T05:00:00.000Z');
  });

  it('year:2025 is the whole calendar year in New York', () => {
    const r = resolveRange({ range: 'year:2025' }, at('2026-06-01T12:00:00Z'));
    expect(r).toMatchObject({ kind: 'year:2025', fromDate: '2025-01-01', toDate: '2025-12-31' });
    expect([iso(r.from), iso(r.to)]).toEqual(['2025-01-01T05:00:00.000Z', '2026-01-01T05:00:00.000Z']);
  });

  it('a custom range includes its last day and refuses a reversed or impossible one', () => {
    const r = resolveRange({ from: '2026-03-02', to: '2026-03-06' });
    expect(r.kind).toBe('custom');
    expect([iso(r.from), iso(r.to)]).toEqual(['2026-03-02T05:00:00.000Z', '2026-03-07T05:00:00.000Z']);
    expect(() => resolveRange({ from: '2026-03-07', to: '2026-03-06' })).toThrow(RangeError);
    expect(() => resolveRange({ from: '2026-02-30', to: '2026-03-06' })).toThrow(RangeError);
  });
});
