// The metrics routes' tables (GET /api/metrics/...), as the dashboard reads them: each row a
// series of [period end, value] points, periods `[start, end[` labelled by their end.
import { query } from '../../lib/api';

export type Point = [string, number];

export interface MetricsRow {
  key: string;
  values: Point[];
  /** The plans table: the plan's title and whether it is still sold. */
  title?: string;
  is_active?: boolean;
  /** A balance sheet line: the accounts it sums. */
  selector?: string;
}

export interface MetricsTable {
  title: string;
  scale?: number;
  unit?: string;
  table: MetricsRow[];
  extra?: MetricsRow[];
}

export interface BalanceLine { title: string; selector: string; rank: number; }

export interface CouponUse {
  user: { slug: string; email: string | null; full_name: string; created_at: string };
  plan: string;
  created_at: string;
}

/** Which twelve months: up to the end of `month` (YYYY-MM; empty: up to now), cut in `timezone` (empty: the organization's). */
export interface Window { month: string; timezone: string; }

export function validZone(timezone: string): string {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: timezone });
    return timezone;
  } catch {
    return 'UTC';
  }
}

/** How far `zone`'s clock is ahead of UTC at `at`, in milliseconds. */
function offsetAt(at: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(of('year'), of('month') - 1, of('day'), of('hour'), of('minute'), of('second')) - at;
}

/** The instant the first day of a month starts in `zone` (month 0-based, may overflow into the next year). */
export function monthStartIn(year: number, month: number, zone: string): Date {
  const wall = Date.UTC(year, month, 1);
  let at = wall - offsetAt(wall, zone);
  // Once more: the offset at the guess may differ from the one at the true instant (a DST change).
  at = wall - offsetAt(at, zone);
  return new Date(at);
}

/** The query of a table over `window`, months cut in `zone` (the effective timezone). */
export function windowQuery(window: Window, zone: string): string {
  let endsAt: string | undefined;
  const [y, m] = window.month.split('-').map(Number);
  if (y && m) endsAt = monthStartIn(y, m, validZone(zone)).toISOString();
  return query({ ends_at: endsAt, timezone: window.timezone || undefined });
}

function partsIn(iso: string, timezone: string): { day: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { day: of('day'), hour: of('hour'), minute: of('minute') };
}

/**
 * The period a point's end closes, for people: "Oct 2026" for a month ending at the first of
 * November (in the timezone the months were cut in), "Nov 2026 (to Nov 30)" for a month not over.
 */
export function periodLabel(end: string, timezone: string): string {
  const zone = validZone(timezone);
  const at = new Date(end);
  const { day, hour, minute } = partsIn(end, zone);
  const whole = day === 1 && hour === 0 && minute === 0;
  const inside = new Date(at.getTime() - 1);
  const month = inside.toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: zone });
  if (whole) return month;
  return `${month} (to ${inside.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: zone })})`;
}

/** Is the table money (an ISO currency code with a scale) or a count? */
export function isMoney(table: MetricsTable): boolean {
  return typeof table.unit === 'string' && /^[a-z]{3}$/i.test(table.unit) && typeof table.scale === 'number';
}

/** A value as the table means it: money in its currency, or a plain number. */
export function formatValue(value: number, table: Pick<MetricsTable, 'unit' | 'scale'>): string {
  if (typeof table.unit === 'string' && /^[a-z]{3}$/i.test(table.unit) && typeof table.scale === 'number') {
    const amount = value * table.scale;
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: table.unit.toUpperCase() }).format(amount);
    } catch {
      return `${amount.toFixed(2)} ${table.unit.toUpperCase()}`;
    }
  }
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(value);
}

export interface ChartData {
  /** One record per period: `period` its label, `s0`, `s1`... each series' value (scaled). */
  points: Record<string, string | number>[];
  series: { name: string; label: string }[];
}

/**
 * The rows as a chart's data, one record per period. Series get neutral names (s0, s1...):
 * the API's keys ("Total # of Customers") are labels, not safe CSS or data keys.
 */
export function chartData(rows: MetricsRow[], timezone: string, scale = 1): ChartData {
  const ends = rows[0]?.values.map(([end]) => end) ?? [];
  const points = ends.map((end, k) => {
    const point: Record<string, string | number> = { period: periodLabel(end, timezone), end };
    rows.forEach((row, n) => { point[`s${n}`] = (row.values[k]?.[1] ?? 0) * scale; });
    return point;
  });
  return { points, series: rows.map((row, n) => ({ name: `s${n}`, label: row.title ?? row.key })) };
}
