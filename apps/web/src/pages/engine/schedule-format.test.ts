import { describe, expect, it } from 'vitest';
import { formatCountdown, formatJobTime, formatRunDuration, scheduleControlsRefusal } from './schedule-format.ts';

describe('schedule formatting', () => {
  it('counts down to the next run and says when it is due', () => {
    const now = new Date('2026-03-10T13:00:00Z');
    expect(formatCountdown(new Date('2026-03-10T15:05:10Z'), now)).toBe('in 2h 5m 10s');
    expect(formatCountdown(new Date('2026-03-10T13:00:00.400Z'), now)).toBe('in 1s');
    expect(formatCountdown(new Date('2026-03-10T13:00:00Z'), now)).toBe('due now');
    expect(formatCountdown(new Date('2026-03-10T12:59:00Z'), now)).toBe('due now');
  });

  it('shows durations at a readable precision', () => {
    expect(formatRunDuration(0)).toBe('0 ms');
    expect(formatRunDuration(840)).toBe('840 ms');
    expect(formatRunDuration(12_345)).toBe('12.3 s');
    expect(formatRunDuration(59_999)).toBe('59.9 s');
    expect(formatRunDuration(125_000)).toBe('2m 5s');
  });

  it('shows New York time, and the person’s own time only when it differs', () => {
    const at = new Date('2026-03-10T19:45:00Z');
    expect(formatJobTime(at, 'America/New_York')).toEqual({ market: '2026-03-10 15:45:00 EDT', local: null });
    expect(formatJobTime(at, 'UTC')).toEqual({ market: '2026-03-10 15:45:00 EDT', local: '2026-03-10 19:45:00 UTC' });
  });

  it('gives every role but admin the reason the controls are off', () => {
    expect(scheduleControlsRefusal('admin')).toBeNull();
    for (const role of ['trader', 'viewer', null] as const) expect(scheduleControlsRefusal(role)).toMatch(/Only administrators/);
  });
});
