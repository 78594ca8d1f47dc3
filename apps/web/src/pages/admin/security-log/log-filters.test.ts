import { describe, expect, it } from 'vitest';
import { hasLogFilters, logFiltersToInput, logFiltersToParams, parseLogFilters } from './log-filters.ts';

const USER = '0190f0b0-0000-7000-8000-000000000001';

describe('security log filters in the URL', () => {
  it('reads valid filters and drops what the API would refuse', () => {
    const params = new URLSearchParams({ group: 'second_factor', severity: 'warning', user: USER, type: 'auth.login', from: '2026-03-01', to: '2026-03-31' });
    expect(parseLogFilters(params)).toEqual({ group: 'second_factor', severity: 'warning', user: USER, type: 'auth.login', from: '2026-03-01', to: '2026-03-31' });
    const bad = new URLSearchParams({ group: 'nope', severity: 'loud', user: 'bob', type: 'a b', from: '2026-02-30', to: 'tomorrow' });
    expect(parseLogFilters(bad)).toEqual({});
    expect(hasLogFilters(parseLogFilters(bad))).toBe(false);
  });

  it('keeps only "from" of a reversed range', () => {
    expect(parseLogFilters(new URLSearchParams({ from: '2026-03-05', to: '2026-03-01' }))).toEqual({ from: '2026-03-05' });
  });

  it('writes them back in a stable order', () => {
    expect(logFiltersToParams({ to: '2026-03-31', group: 'admin', severity: 'critical' }).toString()).toBe('group=admin&severity=critical&to=2026-03-31');
  });

  it('asks the API for whole local days, "to" included', () => {
    const input = logFiltersToInput({ from: '2026-03-01', to: '2026-03-01', user: USER, group: 'passkeys' });
    expect(input).toMatchObject({ userId: USER, group: 'passkeys' });
    expect(new Date(input.from!).getTime()).toBe(new Date(2026, 2, 1).getTime());
    expect(new Date(input.to!).getTime()).toBe(new Date(2026, 2, 2).getTime());
    expect(logFiltersToInput({})).toEqual({});
  });
});
