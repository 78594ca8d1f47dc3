// When a job runs next: cron expressions in New York time (croner computes them), next-run
// functions, the trading-days-only filter, and the strategy's trade slot on the market calendar.
import { Cron } from 'croner';
import { isHalfDay, isTradingDay, MARKET_TIME_ZONE, newYorkDate, newYorkMidnight, newYorkTime, shiftDate, type TradeSlot } from '@jutsu/shared';

/** A cron expression (5 or 6 fields, America/New_York) or a function giving the next run after `now`. */
export type Schedule = string | ((now: Date) => Date | null);

/** Throws for an invalid cron expression (at registration, not at the first tick). */
export function assertSchedule(schedule: Schedule): void {
  if (typeof schedule === 'string') new Cron(schedule, { timezone: MARKET_TIME_ZONE, paused: true }).stop();
}

function rawNext(schedule: Schedule, after: Date): Date | null {
  if (typeof schedule === 'function') {
    const next = schedule(after);
    return next && next.getTime() > after.getTime() ? next : null;
  }
  const cron = new Cron(schedule, { timezone: MARKET_TIME_ZONE, paused: true });
  try {
    return cron.nextRun(after);
  } finally {
    cron.stop();
  }
}

/**
 * The first run strictly after `now`; with tradingDaysOnly, the first one on a New York
 * trading day (a candidate on a weekend or holiday jumps to the next day's midnight).
 */
export function nextRunAfter(schedule: Schedule, now: Date, tradingDaysOnly = false): Date | null {
  let from = now;
  for (let i = 0; i < 400; i++) {
    const next = rawNext(schedule, from);
    if (!next || !tradingDaysOnly) return next;
    const day = newYorkDate(next);
    if (isTradingDay(day)) return next;
    from = new Date(newYorkMidnight(shiftDate(day, 1)).getTime() - 1);
  }
  return null;
}

/**
 * The run time of a trade slot on a trading day. On a half day (13:00 close) a slot after
 * 13:00 moves as far before the early close as it was before the regular one (15:45 → 12:45,
 * 15:55 → 12:55, 16:00 → 13:00), so the run still happens in the session it was meant for.
 */
export function tradeSlotTime(date: string, slot: TradeSlot): Date {
  const [hh, mm] = slot.split(':').map(Number) as [number, number];
  const minutes = hh * 60 + mm;
  if (isHalfDay(date) && minutes > 13 * 60) {
    const moved = minutes - 3 * 60;
    return newYorkTime(date, Math.floor(moved / 60), moved % 60);
  }
  return newYorkTime(date, hh, mm);
}

/** The next trade-slot run strictly after `now`, on trading days only. */
export function nextTradeSlotRun(now: Date, slot: TradeSlot): Date | null {
  let day = newYorkDate(now);
  for (let i = 0; i < 30; i++, day = shiftDate(day, 1)) {
    if (!isTradingDay(day)) continue;
    const at = tradeSlotTime(day, slot);
    if (at.getTime() > now.getTime()) return at;
  }
  return null;
}
