import { describe, expect, it } from 'vitest';
import { dueExpiryWarnings } from './expiry.ts';

const H = 60 * 60 * 1000;
const deadline = new Date('2026-12-09T12:00:00Z');
const at = (hoursLeft: number) => new Date(deadline.getTime() - hoursLeft * H);

describe('dueExpiryWarnings', () => {
  it('is silent before 72 hours remain', () => {
    expect(dueExpiryWarnings(at(100), deadline, [])).toEqual({ send: null, sent: [] });
    expect(dueExpiryWarnings(at(72.01), deadline, [])).toEqual({ send: null, sent: [] });
  });

  it('fires each threshold once as the clock moves forward', () => {
    let sent: number[] = [];
    const fired: number[] = [];
    for (let h = 80; h > 0; h -= 0.25) {
      const due = dueExpiryWarnings(at(h), deadline, sent);
      if (due.send !== null) fired.push(due.send);
      sent = due.sent;
    }
    expect(fired).toEqual([72, 24, 6, 1]);
    expect(sent).toEqual([72, 24, 6, 1]);
  });

  it('sends only the most urgent when several were passed while nothing checked', () => {
    expect(dueExpiryWarnings(at(5), deadline, [])).toEqual({ send: 6, sent: [72, 24, 6] });
    expect(dueExpiryWarnings(at(0.5), deadline, [72])).toEqual({ send: 1, sent: [72, 24, 6, 1] });
  });

  it('never repeats a sent warning, and is silent once the deadline has passed', () => {
    expect(dueExpiryWarnings(at(23), deadline, [72, 24])).toEqual({ send: null, sent: [72, 24] });
    expect(dueExpiryWarnings(at(0), deadline, []).send).toBeNull();
    expect(dueExpiryWarnings(at(-1), deadline, []).send).toBeNull();
  });
});
