// Plan periods: how far `n` periods of a given type reach from a start. All arithmetic is
// in UTC so a subscription's length never depends on the server's timezone.
import type { PeriodType } from '../../db/schema.js';
import { Invalid } from '../errors.js';

export const PERIOD_TYPES: readonly PeriodType[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The number of days in `month` (0-11) of `year`, in UTC. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * Adds `months` calendar months to `start`, keeping its day of the month when that month has
 * it and clamping to the month's last day otherwise (Jan 31 + 1 month = Feb 28 or 29), as
 * djaodjin-saas does with relativedelta.
 */
function addMonths(start: Date, months: number): Date {
  const total = start.getUTCFullYear() * 12 + start.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  return new Date(Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()));
}

/**
 * The end of `n` periods of `periodType` that begin at `start`. `n` counts elementary
 * periods (hours, days, weeks, months, years): a plan of `period_length` 3 months renews by
 * `addPeriods(start, 'monthly', 3)`. `n` may be 0 (start itself) or negative (backwards).
 */
export function addPeriods(start: Date, periodType: PeriodType, n: number): Date {
  if (!Number.isSafeInteger(n)) throw new RangeError(`addPeriods: ${n} is not an integer`);
  const end = periodEnd(start, periodType, n);
  // Dates are written as four-digit years (ISO 8601, the databases): an end beyond is a
  // plan reaching too far, refused as such rather than becoming an invalid date and a 500.
  if (!isSaneDate(end)) throw new Invalid('period_length', 'These periods reach beyond the year 9999: choose a shorter period or advance discount.');
  return end;
}

/** The first instant no period may reach: dates are written with four-digit years. */
export const LAST_DATE = new Date(Date.UTC(10000, 0, 1));

/** Whether `date` is a valid date before year 10000. */
export function isSaneDate(date: Date): boolean {
  return !Number.isNaN(date.getTime()) && date < LAST_DATE && date.getUTCFullYear() >= 1;
}

function periodEnd(start: Date, periodType: PeriodType, n: number): Date {
  switch (periodType) {
    case 'hourly': return new Date(start.getTime() + n * HOUR_MS);
    case 'daily': return new Date(start.getTime() + n * DAY_MS);
    case 'weekly': return new Date(start.getTime() + n * 7 * DAY_MS);
    case 'monthly': return addMonths(start, n);
    case 'yearly': return addMonths(start, 12 * n);
  }
}

/** The end of `count` whole periods of `plan` (each `period_length` x `period_type`) from `start`. */
export function addPlanPeriods(start: Date, plan: { period_type: PeriodType; period_length: number }, count: number): Date {
  return addPeriods(start, plan.period_type, count * plan.period_length);
}

/** How a period reads in a line's description: "1 month", "12 months", "2 years". */
export function describePeriods(periodType: PeriodType, n: number): string {
  const unit = { hourly: 'hour', daily: 'day', weekly: 'week', monthly: 'month', yearly: 'year' }[periodType];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
