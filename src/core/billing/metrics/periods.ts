// The periods a metrics table reports on: months cut at midnight on the 1st in a timezone,
// trailing up to `ends_at`. As djaodjin-saas' month_periods: 13 dates, the last being
// `ends_at` itself; when `ends_at` is not a month's start, the last period is the partial
// month up to it (11 whole months before it), otherwise 12 whole months. Only these few
// dates are computed here; every figure over them is SQL.
import { Invalid } from '../../errors.js';

const MAX_NB_MONTHS = 100;

/** Whether the runtime knows `name` as an IANA timezone. */
export function isTimezone(name: string): boolean {
  if (!name || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The timezone to cut months in, checked: the query's, else the organization's, else UTC. */
export function timezoneOf(asked: string | undefined, fallback: string | null | undefined): string {
  if (asked !== undefined) {
    if (!isTimezone(asked)) throw new Invalid('timezone', 'Expected an IANA timezone name (ex: America/New_York).');
    return asked;
  }
  return fallback && isTimezone(fallback) ? fallback : 'UTC';
}

/** Wall-clock fields of `at` in `timeZone`. */
function wallClock(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** The offset of `timeZone` from UTC at `at`, in milliseconds (ignoring sub-second parts). */
function offsetAt(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of midnight starting the 1st of `month` (0-based, may overflow) of `year` in `timeZone`. */
export function monthStart(year: number, month: number, timeZone: string): Date {
  const wall = Date.UTC(year, month, 1);
  // Two passes settle the offset across a daylight-saving change near midnight.
  let instant = wall - offsetAt(new Date(wall), timeZone);
  instant = wall - offsetAt(new Date(instant), timeZone);
  return new Date(instant);
}

/**
 * The period boundaries ending at `endsAt`: `nbMonths + 1` dates, oldest first, so the
 * periods are [dates[i], dates[i + 1][ and each is labelled by its end.
 */
export function monthPeriods(endsAt: Date, timeZone: string, nbMonths = 12): Date[] {
  // Years are four digits and Date.UTC reads 0-99 as 19xx: far dates are refused, not misread.
  if (Number.isNaN(endsAt.getTime()) || endsAt.getUTCFullYear() < 1900 || endsAt.getUTCFullYear() > 9998) {
    throw new Invalid('ends_at', 'Expected a date and time (ISO 8601) from the year 1900 to 9998.');
  }
  if (!Number.isSafeInteger(nbMonths) || nbMonths < 1 || nbMonths > MAX_NB_MONTHS) throw new RangeError(`monthPeriods: ${nbMonths} months`);
  const w = wallClock(endsAt, timeZone);
  const current = monthStart(w.year, w.month - 1, timeZone);
  const dates: Date[] = [endsAt];
  let whole = nbMonths;
  let index = w.month - 1;
  if (current.getTime() !== endsAt.getTime()) {
    dates.push(current);
    whole -= 1;
  }
  for (let n = 0; n < whole; n += 1) {
    index -= 1;
    dates.push(monthStart(w.year, index, timeZone));
  }
  return dates.reverse();
}

/** The same wall-clock time `months` months earlier in `timeZone` (the day clamped to the month's last). */
export function monthsBefore(at: Date, months: number, timeZone: string): Date {
  const w = wallClock(at, timeZone);
  const total = w.year * 12 + (w.month - 1) - months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const wall = Date.UTC(year, month, Math.min(w.day, lastDay), w.hour, w.minute, w.second, at.getUTCMilliseconds());
  let instant = wall - offsetAt(new Date(wall), timeZone);
  instant = wall - offsetAt(new Date(instant), timeZone);
  return new Date(instant);
}
