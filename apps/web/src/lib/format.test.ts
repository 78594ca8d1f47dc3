import { describe, expect, it } from 'vitest';
import {
  formatClockTime,
  formatDateTime,
  formatDuration,
  formatInTimeZone,
  formatMarketAndLocalTime,
  formatMoney,
  formatPercent,
  formatQuantity,
  formatRelativeTime,
  formatSignedMoney,
  MINUS,
} from './format.ts';

describe('local clock and duration', () => {
  it('shows local wall-clock time with zero padding, whatever the browser locale', () => {
    const date = new Date(2025, 10, 3, 7, 4, 5);
    expect(formatClockTime(date)).toBe('07:04:05');
    expect(formatDateTime(date)).toBe('2025-11-03 07:04:05');
  });

  it('leaves out leading zero units, never goes negative', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.9)).toBe('59s');
    expect(formatDuration(3_600)).toBe('1h 0m 0s');
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 5 * 60 + 6)).toBe('3d 4h 5m 6s');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('formatMoney', () => {
  it('groups thousands and shows cents', () => {
    expect(formatMoney('1234.56')).toBe('$1,234.56');
    expect(formatMoney('1234567.5')).toBe('$1,234,567.50');
    expect(formatMoney('0')).toBe('$0.00');
  });

  it('rounds on the digits: no float error at half a cent', () => {
    expect(formatMoney('1.005')).toBe('$1.01');
    expect(formatMoney('0.125')).toBe('$0.13');
    // 2^53 + 1 dollars: a float would print ...992.
    expect(formatMoney('9007199254740993')).toBe('$9,007,199,254,740,993.00');
  });

  it('marks a negative amount with a minus sign, but not one that rounds to zero', () => {
    expect(formatMoney('-4')).toBe(`${MINUS}$4.00`);
    expect(formatMoney('-0.004')).toBe('$0.00');
  });

  it('shows more places when asked (prices of cheap instruments)', () => {
    expect(formatMoney('0.00125', 4)).toBe('$0.0013');
  });

  it('refuses what is not a decimal instead of printing NaN', () => {
    expect(() => formatMoney('abc')).toThrow(RangeError);
    expect(() => formatMoney('1,000.00')).toThrow(RangeError);
  });
});

describe('formatSignedMoney', () => {
  it('always shows the sign of a gain or a loss', () => {
    expect(formatSignedMoney('12.3')).toBe('+$12.30');
    expect(formatSignedMoney('-4')).toBe(`${MINUS}$4.00`);
    expect(formatSignedMoney('-1234.565')).toBe(`${MINUS}$1,234.57`);
  });

  it('shows no sign for zero, even a tiny loss rounded away', () => {
    expect(formatSignedMoney('0')).toBe('$0.00');
    expect(formatSignedMoney('-0.001')).toBe('$0.00');
    expect(formatSignedMoney('0.004')).toBe('$0.00');
  });
});

describe('formatPercent', () => {
  it('turns a ratio into a percentage exactly', () => {
    expect(formatPercent('0.1234')).toBe('12.34%');
    expect(formatPercent('0.00005')).toBe('0.01%');
    expect(formatPercent('12.5')).toBe('1,250.00%');
    expect(formatPercent('0.5', { decimals: 0 })).toBe('50%');
  });

  it('signs gains and losses when asked', () => {
    expect(formatPercent('0.031', { signed: true })).toBe('+3.10%');
    expect(formatPercent('-0.031', { signed: true })).toBe(`${MINUS}3.10%`);
    expect(formatPercent('-0.031')).toBe(`${MINUS}3.10%`);
    expect(formatPercent('0', { signed: true })).toBe('0.00%');
  });
});

describe('formatQuantity', () => {
  it('shows the quantity as exact as it is, without padding', () => {
    expect(formatQuantity('100')).toBe('100');
    expect(formatQuantity('1234.5000')).toBe('1,234.5');
    expect(formatQuantity('0.00012')).toBe('0.00012');
    expect(formatQuantity('-25')).toBe(`${MINUS}25`);
  });

  it('rounds away digits beyond the limit', () => {
    expect(formatQuantity('0.1234567')).toBe('0.123457');
    expect(formatQuantity('1.0000004')).toBe('1');
    expect(formatQuantity('1.25', 1)).toBe('1.3');
  });
});

describe('formatRelativeTime', () => {
  const now = new Date('2026-03-09T14:30:00Z');
  const ago = (ms: number) => formatRelativeTime(new Date(now.getTime() - ms), now);

  it('uses the largest whole unit', () => {
    expect(ago(400)).toBe('just now');
    expect(ago(12_000)).toBe('12 s ago');
    expect(ago(59_999)).toBe('59 s ago');
    expect(ago(60_000)).toBe('1 min ago');
    expect(ago(3 * 3_600_000 + 59 * 60_000)).toBe('3 h ago');
    expect(ago(2 * 86_400_000)).toBe('2 d ago');
  });

  it('says "in" for a time ahead of now (another clock running fast)', () => {
    expect(ago(-12_000)).toBe('in 12 s');
    expect(ago(-500)).toBe('just now');
  });
});

describe('market and local time', () => {
  it('shows a UTC instant in New York with its zone name, summer time included', () => {
    // US summer time started on 2026-03-08: the opening bell is 13:30 UTC.
    expect(formatInTimeZone(new Date('2026-03-09T13:30:00Z'), 'America/New_York')).toBe('2026-03-09 09:30:00 EDT');
    expect(formatInTimeZone(new Date('2026-03-06T14:30:00Z'), 'America/New_York')).toBe('2026-03-06 09:30:00 EST');
  });

  it('gives both the exchange time and the person time', () => {
    // Europe is still on winter time on 2026-03-09: five hours ahead of New York, not six.
    expect(formatMarketAndLocalTime(new Date('2026-03-09T13:30:00Z'), 'Europe/Berlin')).toEqual({
      market: '2026-03-09 09:30:00 EDT',
      local: '2026-03-09 14:30:00 GMT+1',
      same: false,
    });
    // Across midnight the dates differ too.
    expect(formatMarketAndLocalTime(new Date('2026-03-09T20:00:00Z'), 'Asia/Tokyo').local).toBe('2026-03-10 05:00:00 GMT+9');
  });

  it('says when the person is on the exchange clock', () => {
    expect(formatMarketAndLocalTime(new Date('2026-03-09T13:30:00Z'), 'America/New_York').same).toBe(true);
  });

  it('refuses an unknown zone', () => {
    expect(() => formatMarketAndLocalTime(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});
