// The dashboard's small pure pieces: CSV escaping, the page cursor, freshness, engine state
// and target parsing.
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, num } from './csv.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { freshness, readEngine, readTargets } from './service.ts';

describe('csv', () => {
  it.each([
    ['=HYPERLINK("http://evil.test","click")', `"'=HYPERLINK(""http://evil.test"",""click"")"`],
    ['+1', `'+1`],
    ['-1', `'-1`],
    ['@SUM(A1:A9)', `'@SUM(A1:A9)`],
    ['\tcmd', `'\tcmd`],
    ['\rcmd', `"'\rcmd"`],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['AAPL', 'AAPL'],
    ['', ''],
  ])('escapes %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('keeps server-formatted numbers numeric, negative ones too, but escapes a fake number', () => {
    expect(csvCell(num('-12.5'))).toBe('-12.5');
    expect(csvCell(num(null))).toBe('');
    expect(csvCell(num('-1+2'))).toBe(`'-1+2`);
    expect(csvRow(['a', num('1'), null])).toBe('a,1,\r\n');
  });
});

describe('trade cursor', () => {
  const c = { executedAt: new Date('2026-03-02T15:04:05.678Z'), id: 42n };

  it('round-trips', () => {
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it.each([
    ['not base64url', '!!!'],
    ['empty', ''],
    ['garbage bytes', Buffer.from('hello world').toString('base64url')],
    ['padded', encodeCursor(c) + '='],
    ['an impossible date', Buffer.from('2026-02-30T00:00:00.000Z_1').toString('base64url')],
    ['a zero id', Buffer.from('2026-03-02T15:04:05.678Z_0').toString('base64url')],
    ['an id beyond bigint', Buffer.from('2026-03-02T15:04:05.678Z_9223372036854775808').toString('base64url')],
    ['too long', 'A'.repeat(200)],
  ])('refuses %s', (_what, s) => {
    expect(decodeCursor(s)).toBeNull();
  });

  it('refuses a cursor with a flipped character', () => {
    const s = encodeCursor(c);
    const flipped = s.slice(0, 5) + (s[5] === 'A' ? 'B' : 'A') + s.slice(6);
    expect(decodeCursor(flipped)).toBeNull();
  });
});

describe('freshness', () => {
  const now = new Date('2026-03-02T15:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);

  it('is fresh within two intervals, amber up to five, red beyond', () => {
    expect(freshness(ago(120), now)).toMatchObject({ verdict: 'fresh', reason: null, ageSeconds: 120, syncIntervalSeconds: 60 });
    expect(freshness(ago(121), now)).toMatchObject({ verdict: 'amber', reason: 'delayed' });
    expect(freshness(ago(300), now)).toMatchObject({ verdict: 'amber' });
    expect(freshness(ago(301), now)).toMatchObject({ verdict: 'red', reason: 'stale' });
    expect(freshness(ago(301), now, 300)).toMatchObject({ verdict: 'fresh', syncIntervalSeconds: 300 });
  });

  it('is red without an account or a sync', () => {
    expect(freshness(null, now)).toMatchObject({ verdict: 'red', reason: 'never_synced' });
    expect(freshness(null, now, 60, false)).toMatchObject({ verdict: 'red', reason: 'no_account' });
  });
});

describe('engine state and targets', () => {
  it('defaults to stopped/paper and accepts a bare string or an object', () => {
    expect(readEngine(undefined, undefined)).toEqual({ state: 'stopped', mode: 'paper' });
    expect(readEngine('running', 'live')).toEqual({ state: 'running', mode: 'live' });
    expect(readEngine({ state: 'paused' }, { mode: 'live' })).toEqual({ state: 'paused', mode: 'live' });
    expect(readEngine({ state: '<script>' }, 'margin')).toEqual({ state: 'stopped', mode: 'paper' });
  });

  it('reads percent targets and tolerates anything else', () => {
    expect([...readTargets({ spy: 60, QQQ: 40, BAD: 'x', NEG: -1, BIG: 101 })]).toEqual([
      ['SPY', 0.6],
      ['QQQ', 0.4],
    ]);
    expect(readTargets(null).size).toBe(0);
    expect(readTargets([1, 2]).size).toBe(0);
    expect(readTargets('SPY').size).toBe(0);
  });
});

describe('performance on its own', () => {
  it('refuses an impossible range with a typed error before touching the database', async () => {
    const { performance, InvalidRangeError } = await import('./service.ts');
    // No database is needed: the range is checked first (a client that is never called).
    const prisma = new Proxy({}, { get: () => { throw new Error('database touched'); } }) as never;
    await expect(performance(prisma, { spec: { from: '2026-03-07', to: '2026-03-06' } })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(performance(prisma, { spec: { range: 'year:20x6' as 'max' } })).rejects.toBeInstanceOf(InvalidRangeError);
  });
});
