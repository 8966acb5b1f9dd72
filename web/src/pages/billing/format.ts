// How the billing pages write money, periods and dates.
import type { AdvanceDiscount, DiscountType, PeriodType, Plan } from './types';

/** An amount in minor units, in its currency, in the browser's language. */
export function money(amount: number, unit: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: unit.toUpperCase() }).format(amount / 100);
  } catch {
    // An ISO code Intl does not know: the number and the code.
    return `${(amount / 100).toFixed(2)} ${unit.toUpperCase()}`;
  }
}

const PERIOD_WORDS: Record<PeriodType, [string, string]> = {
  hourly: ['hour', 'hours'], daily: ['day', 'days'], weekly: ['week', 'weeks'], monthly: ['month', 'months'], yearly: ['year', 'years'],
};

/** "month", "3 months". */
export function period(type: PeriodType, length: number): string {
  const [one, many] = PERIOD_WORDS[type];
  return length === 1 ? one : `${length} ${many}`;
}

/** "$20.00 / month", or "Priced on request", or "Free". */
export function planPrice(plan: Plan): string {
  if (plan.is_not_priced) return 'Priced on request';
  if (plan.period_amount === 0) return 'Free';
  return `${money(plan.period_amount, plan.unit)} / ${period(plan.period_type, plan.period_length)}`;
}

/** A discount; `unit` null when it depends on the plan it applies to (a coupon for any plan). */
export function discount(type: DiscountType, value: number, unit: string | null): string {
  if (type === 'percentage') return `${value / 100}% off`;
  if (type === 'currency') return unit ? `${money(value, unit)} off` : `${(value / 100).toFixed(2)} off, in the plan's currency`;
  return `${value} free period${value === 1 ? '' : 's'}`;
}

export function advanceDiscount(plan: Plan, item: AdvanceDiscount): string {
  return `Pay ${period(plan.period_type, plan.period_length * item.length)} in advance: ${discount(item.discount_type, item.discount_value, plan.unit)}`;
}

export function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function moment(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A subscription's state, as docs/billing.md defines them. */
export function subscriptionState(s: { created_at: string | null; ends_at: string; grant_key: string | null; request_key: string | null }, now = Date.now()): 'active' | 'pending' | 'expired' | 'future' {
  const ends = new Date(s.ends_at).getTime();
  if (ends <= now) return 'expired';
  if (s.grant_key || s.request_key) return 'pending';
  if (s.created_at && new Date(s.created_at).getTime() > now) return 'future';
  return 'active';
}
