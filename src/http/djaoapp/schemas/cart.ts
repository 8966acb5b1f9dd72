// Shapes of coupons and cart items: a provider's discount codes and the plans a visitor
// means to buy (/api/billing/{organization}/coupons/..., /api/cart/...).
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, Slug, ref } from './common.js';
import { MAX_QUANTITY } from '../../../core/billing/cart.js';

export const DiscountType = Type.Union([Type.Literal('percentage'), Type.Literal('currency'), Type.Literal('period')], {
  description: "'percentage' (per 10000 of the price: 10000 is 100%), 'currency' (an amount in cents of the plan's currency) or 'period' (a number of periods free).",
});

export const Coupon = Type.Object({
  code: Type.String({ description: 'Unique identifier per provider, typically used in URLs.' }),
  discount_type: DiscountType,
  discount_value: Type.Integer({ description: 'Amount of the discount, read according to discount_type.' }),
  amount: Type.Integer({ description: 'Same as discount_value (the name used by the reference\'s examples).' }),
  created_at: Type.String({ format: 'date-time', description: 'Date/time of creation.' }),
  ends_at: Nullable(Type.String({ format: 'date-time', description: 'Date/time at which the coupon code expires; null: never.' })),
  description: Nullable(Type.String({ description: 'Free-form text description for the coupon.' })),
  nb_attempts: Nullable(Type.Integer({ description: 'Number of times the coupon can still be used; null: no limit.' })),
  plan: Nullable(Type.String({ description: 'Slug of the only plan the coupon applies to; null: any plan of the provider.' })),
  is_active: Type.Boolean({ description: 'False once deleted after being used on an order: kept for its performance figures, no longer redeemable.' }),
}, { $id: 'Coupon', description: 'A discount code of a provider.' });

export const CartItem = Type.Object({
  plan: Type.String({ description: 'Slug of the plan in the cart.' }),
  option: Type.Integer({ description: 'Checkout option chosen (1: one period; 2 and up: the advance discounts in order); 0: chosen at checkout.' }),
  quantity: Type.Integer({ description: 'How many of this item.' }),
  full_name: Nullable(Type.String({ description: 'Full name of the person that will benefit from the subscription (GroupBuy).' })),
  sync_on: Nullable(Type.String({ description: 'Who the subscription is for (GroupBuy): the slug or e-mail address of a user or organization.' })),
  email: Nullable(Type.String({ description: 'E-mail address of the person that will benefit from the subscription (GroupBuy).' })),
  coupon: Nullable(Type.String({ description: 'Code of the coupon redeemed on this item, if any.' })),
  created_at: Type.String({ format: 'date-time', description: 'When it was put in the cart.' }),
}, { $id: 'CartItem', description: 'An item in a cart.' });

export const SeatRow = Type.Object({
  first_name: Type.String(),
  last_name: Type.String(),
  email: Type.String(),
}, { $id: 'SeatRow', description: 'A person of an uploaded CSV file.' });

export const SeatUpload = Type.Object({
  created: Type.Array(ref(SeatRow), { description: 'Rows put in the cart as new items.' }),
  updated: Type.Array(ref(SeatRow), { description: 'Rows whose item was already in the cart, updated.' }),
  failed: Type.Array(Type.Object({
    first_name: Type.Optional(Type.String()),
    last_name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    detail: Type.String({ description: 'Why the row was refused.' }),
  }), { description: 'Rows refused, each with the reason.' }),
}, { $id: 'SeatUpload', description: 'What a CSV upload did, row by row.' });

export const CartItemCreate = Type.Object({
  plan: Type.String({ ...Slug, description: 'The plan to add into the cart.' }),
  option: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Checkout option (1: one period; 2 and up: the plan\'s advance discounts in order); 0 or absent: chosen at checkout.' })),
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUANTITY, description: 'How many (default 1).' })),
  full_name: Type.Optional(Nullable(Type.String({ maxLength: 150, format: 'single-line', description: 'Full name of the person that will benefit from the subscription (GroupBuy).' }))),
  sync_on: Type.Optional(Nullable(Type.String({ maxLength: 254, format: 'single-line', description: 'Who the subscription is for (GroupBuy): a user or organization slug, or an e-mail address; defaults to email.' }))),
  email: Type.Optional(Nullable(Type.String({ maxLength: 254, format: 'single-line', description: 'E-mail address of the person that will benefit from the subscription (GroupBuy).' }))),
}, { additionalProperties: false, description: 'An item to put in the cart.' });

