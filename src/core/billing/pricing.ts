// What a cart item costs: the options a subscriber chooses between at checkout (one period
// of the plan, or several paid in advance at a discount), each with a coupon taken off.
// Pure functions of a plan, a coupon and a start date; the rules are djaodjin-saas's
// (billing-reference.md §4): percentages are per 10000 and rounded down, an advance
// discount in percent is rounded so its total is a whole currency unit, an option that
// would cost nothing (or less) after an advance discount is dropped, option 1 never goes
// below zero.
import type { AdvanceDiscount, DiscountType, PeriodType } from '../../db/schema.js';
import { addPeriods, describePeriods } from './periods.js';
import { readableAmount } from './amounts.js';

export interface PricedPlan {
  slug: string;
  unit: string;
  period_amount: number;
  period_type: PeriodType;
  period_length: number;
  advance_discounts: AdvanceDiscount[];
}

export interface PricedCoupon {
  code: string;
  discount_type: DiscountType;
  /** Per 10000 for a percentage, minor units for currency, a number of periods for period. */
  discount_value: number;
}

/** One way to pay for a cart item: an order line once chosen. */
export interface PriceOption {
  amount: number;
  unit: string;
  /** Where the subscription will end once paid. */
  endsAt: Date;
  /** Elementary periods (months, years...) bought. */
  periods: number;
  /** Whole periods of the plan (each `period_length` elementary ones) bought. */
  planPeriods: number;
  description: string;
}

export interface PricingExtras {
  /** A group buy: who the subscription is for, named at the end of the line. */
  beneficiary?: { fullName: string | null; syncOn: string } | null;
}

/** `10%`, `12.50%` from per-10000. */
function asPercentage(value: number): string {
  return value % 100 === 0 ? `${value / 100}%` : `${(value / 100).toFixed(2)}%`;
}

/**
 * What a coupon takes off a line of `amount` (before any advance discount) buying `periods` plan periods: a percentage (per
 * 10000, rounded down), an amount, or free periods at the plan's price; never more than
 * the amount.
 */
export function couponDiscount(coupon: PricedCoupon, plan: PricedPlan, amount: number, periods: number): number {
  if (amount <= 0) return 0;
  let off: number;
  switch (coupon.discount_type) {
    case 'percentage': off = Math.floor((amount * coupon.discount_value) / 10000); break;
    case 'currency': off = coupon.discount_value; break;
    case 'period': off = Math.min(coupon.discount_value, periods) * plan.period_amount; break;
  }
  return Math.max(0, Math.min(off, amount));
}

/** The full price of an advance discount's periods, and what it takes off. */
export function advanceDiscount(discount: AdvanceDiscount, plan: PricedPlan): { full: number; discount: number } {
  const full = plan.period_amount * discount.length;
  switch (discount.discount_type) {
    case 'currency': return { full, discount: discount.discount_value };
    case 'period': return { full, discount: plan.period_amount * discount.discount_value };
    case 'percentage': {
      let off = Math.floor((full * discount.discount_value) / 10000);
      // Rounded so the price is a whole currency unit (2689.20 becomes 2689.00).
      if ((full - off) % 100) off += (full - off) % 100;
      return { full, discount: off };
    }
  }
}

type Discounts = Partial<Record<DiscountType, number>>;

/** "Subscription to basic until 2027/11/29 (12 months) - a 10% discount (code: X) for Jo (jo@x.com)". */
export function describeBuyPeriods(
  plan: PricedPlan, endsAt: Date, periods: number, discounts: Discounts, coupon: PricedCoupon | null, extras: PricingExtras = {},
): string {
  const date = `${endsAt.getUTCFullYear()}/${String(endsAt.getUTCMonth() + 1).padStart(2, '0')}/${String(endsAt.getUTCDate()).padStart(2, '0')}`;
  const descr = `Subscription to ${plan.slug} until ${date} (${describePeriods(plan.period_type, periods)})`;
  const parts: string[] = [];
  if (discounts.percentage) parts.push(`a ${asPercentage(discounts.percentage)} discount`);
  if (discounts.period) parts.push(`${describePeriods(plan.period_type, discounts.period)} free`);
  if (discounts.currency) parts.push(`a ${readableAmount(discounts.currency, plan.unit)} off`);
  let suffix = parts.join(' and ');
  if (coupon && !coupon.code.startsWith('cpn_')) suffix += ` (code: ${coupon.code})`;
  if (extras.beneficiary) {
    suffix += `${suffix ? ' ' : ''}for ${extras.beneficiary.fullName ?? ''} (${extras.beneficiary.syncOn})`;
  }
  return suffix ? `${descr} - ${suffix.trim()}` : descr;
}

/**
 * The options for one cart item, starting at `startsAt` (now for a new subscription, the
 * end of an active one it extends): option 1 is one period of the plan (`period_length`
 * elementary periods) at its price less the coupon; then one option per advance discount,
 * shortest first.
 */
export function priceOptions(plan: PricedPlan, startsAt: Date, coupon: PricedCoupon | null, extras: PricingExtras = {}): PriceOption[] {
  const options: PriceOption[] = [];
  const couponOff = coupon ? couponDiscount(coupon, plan, plan.period_amount, 1) : 0;
  const first: Discounts = coupon ? { [coupon.discount_type]: coupon.discount_value } : {};
  const firstEnds = addPeriods(startsAt, plan.period_type, plan.period_length);
  options.push({
    amount: Math.max(0, plan.period_amount - couponOff),
    unit: plan.unit,
    endsAt: firstEnds,
    periods: plan.period_length,
    planPeriods: 1,
    description: describeBuyPeriods(plan, firstEnds, plan.period_length, first, coupon, extras),
  });
  const advance = [...plan.advance_discounts].sort((a, b) => a.length - b.length);
  for (const discount of advance) {
    const { full, discount: off } = advanceDiscount(discount, plan);
    const discounts: Discounts = { [discount.discount_type]: discount.discount_value };
    let couponPart = 0;
    if (coupon) {
      couponPart = couponDiscount(coupon, plan, full, discount.length);
      discounts[coupon.discount_type] = (discounts[coupon.discount_type] ?? 0) + coupon.discount_value;
    }
    const amount = full - off - couponPart;
    // Paying in advance is never free.
    if (amount <= 0) continue;
    const periods = discount.length * plan.period_length;
    const endsAt = addPeriods(startsAt, plan.period_type, periods);
    options.push({ amount, unit: plan.unit, endsAt, periods, planPeriods: discount.length, description: describeBuyPeriods(plan, endsAt, periods, discounts, coupon, extras) });
  }
  return options;
}
