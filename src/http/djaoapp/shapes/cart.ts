// Presenters of coupons and cart items.
import type { Coupon } from '../../../core/billing/coupons.js';
import type { CartItemView } from '../../../core/billing/cart.js';
import { iso, isoOrNull, orNull } from './common.js';

export function couponJson(coupon: Coupon) {
  return {
    code: coupon.code,
    discount_type: coupon.discount_type,
    discount_value: Number(coupon.discount_value),
    amount: Number(coupon.discount_value),
    created_at: iso(coupon.created_at),
    ends_at: isoOrNull(coupon.ends_at),
    description: orNull(coupon.description),
    nb_attempts: coupon.nb_attempts,
    plan: coupon.plan_slug,
    is_active: coupon.is_active,
  };
}

export function cartItemJson(item: CartItemView) {
  return {
    plan: item.plan,
    option: item.option,
    quantity: item.quantity,
    full_name: orNull(item.full_name),
    sync_on: orNull(item.sync_on),
    email: orNull(item.email),
    coupon: item.coupon,
    created_at: iso(item.created_at),
  };
}
