// /api/billing/{organization}/coupons/...: a provider's discount codes. Its managers create
// and change them; its members read them.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import {
  COUPON_LIST, MAX_COUPON_AMOUNT, createCoupon, deleteCoupon, getCoupon, listCoupons, updateCoupon, type CouponFields,
} from '../../../core/billing/coupons.js';
import { Invalid } from '../../../core/errors.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, OrganizationParams, errors, ref } from '../schemas/common.js';
import { Coupon, DiscountType } from '../schemas/cart.js';
import { couponJson } from '../shapes/cart.js';

const TAGS = ['billing'];

const CouponParams = Type.Object({
  ...OrganizationParams.properties,
  coupon: Type.String({ minLength: 1, maxLength: 50, pattern: '^[-a-zA-Z0-9_]+$', description: 'Code of the coupon.' }),
});

const Value = (description: string) => Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COUPON_AMOUNT, description }));

const couponFields = {
  discount_type: Type.Optional(DiscountType),
  discount_value: Value('Amount of the discount: per 10000 for a percentage (10000 is 100%), cents for an amount, a number of periods.'),
  amount: Value('Same as discount_value (the name used by the reference\'s examples).'),
  percent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'A percentage from 1 to 100: the same as discount_type percentage with discount_value percent x 100.' })),
  ends_at: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'Date/time at which the coupon code expires; null: never.' }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Free-form text description for the coupon.' }))),
  nb_attempts: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Number of times the coupon can be used; null: no limit.' }))),
  plan: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 150, description: 'Slug of an active plan of the provider the coupon is restricted to; null: any of its plans.' }))),
};
const Code = Type.String({ minLength: 1, maxLength: 50, pattern: '^[-a-zA-Z0-9_]+$', description: 'Unique identifier per provider (letters, digits, - and _), typically used in URLs.' });

const CouponCreateBody = Type.Object({ code: Code, ...couponFields }, { additionalProperties: false });
const CouponPutBody = Type.Object({ code: Type.Optional(Code), ...couponFields, discount_type: DiscountType }, { additionalProperties: false });
const CouponPatchBody = Type.Object({ code: Type.Optional(Code), ...couponFields }, { additionalProperties: false });
type Body = Static<typeof CouponPatchBody>;

/** The discount as the core takes it: discount_value, or its alias amount, or percent. */
function fieldsOf(body: Body): CouponFields {
  const values = [body.discount_value, body.amount, body.percent === undefined ? undefined : body.percent * 100]
    .filter((v): v is number => v !== undefined);
  if (new Set(values).size > 1) throw new Invalid('discount_value', 'discount_value, amount and percent say different things: send one.');
  if (body.percent !== undefined && body.discount_type !== undefined && body.discount_type !== 'percentage') {
    throw new Invalid('percent', 'percent is for a percentage discount.');
  }
  return {
    discount_type: body.discount_type ?? (body.percent !== undefined ? 'percentage' : undefined),
    discount_value: values[0],
    ends_at: body.ends_at === undefined ? undefined : body.ends_at === null ? null : new Date(body.ends_at),
    description: body.description,
    nb_attempts: body.nb_attempts,
    plan: body.plan,
  };
}

const One = (description: string) => ref(Coupon, description);

export const couponRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/billing/:organization/coupons/', {
    schema: {
      operationId: 'listCoupons',
      tags: TAGS,
      summary: 'Lists discount codes',
      description: 'A page of the coupons of provider {organization}, deactivated ones included. `q` searches code and description; `o` orders by code, created_at, description, ends_at, discount_type, discount_value (or amount) or nb_attempts (ends_at by default); start_at and ends_at bound the creation date. Its members may read them.',
      params: OrganizationParams,
      querystring: ListParams,
      response: { 200: PageOf(ref(Coupon), 'A page of coupons.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, COUPON_LIST, config);
    return pageEnvelope(request, config, list, await listCoupons(core, request.caller, { slug: request.params.organization }, list), couponJson);
  });

  app.post('/billing/:organization/coupons/', {
    schema: {
      operationId: 'createCoupon',
      tags: TAGS,
      summary: 'Creates a discount code',
      description: 'Creates a coupon customers redeem in their cart to buy the provider\'s plans at a discount, until it expires (30 days from now unless ends_at says otherwise), for nb_attempts uses (no limit when absent). discount_type defaults to percentage. Codes are unique per provider, ignoring case. The provider\'s managers may.',
      params: OrganizationParams,
      body: CouponCreateBody,
      response: { 201: One('The coupon, created.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => reply.code(201).send(couponJson(await createCoupon(
    core, request.caller, { slug: request.params.organization }, { code: request.body.code, ...fieldsOf(request.body) },
  ))));

  app.get('/billing/:organization/coupons/:coupon/', {
    schema: {
      operationId: 'getCoupon',
      tags: TAGS,
      summary: 'Retrieves a discount code',
      description: 'One coupon of the provider, found by its code ignoring case. Its members may read it.',
      params: CouponParams,
      response: { 200: One('The coupon.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => couponJson(await getCoupon(core, request.caller, { slug: request.params.organization }, request.params.coupon)));

  app.put('/billing/:organization/coupons/:coupon/', {
    schema: {
      operationId: 'updateCoupon',
      tags: TAGS,
      summary: 'Updates a discount code',
      description: 'Changes a coupon; discount_type is required. Fields left out keep their value, except ends_at: absent or null, the coupon never expires. The code cannot change. Carts it was already redeemed in keep it. The provider\'s managers may.',
      params: CouponParams,
      body: CouponPutBody,
      response: { 200: One('The coupon, updated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => couponJson(await updateCoupon(
    core, request.caller, { slug: request.params.organization }, request.params.coupon, { code: request.body.code, ...fieldsOf(request.body) }, true,
  )));

  app.patch('/billing/:organization/coupons/:coupon/', {
    schema: {
      operationId: 'patchCoupon',
      tags: TAGS,
      summary: 'Updates some fields of a discount code',
      description: 'Like PUT, but only the fields sent change (ends_at: null means never expires).',
      params: CouponParams,
      body: CouponPatchBody,
      response: { 200: One('The coupon, updated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => couponJson(await updateCoupon(
    core, request.caller, { slug: request.params.organization }, request.params.coupon, { code: request.body.code, ...fieldsOf(request.body) }, false,
  )));

  app.delete('/billing/:organization/coupons/:coupon/', {
    schema: {
      operationId: 'deleteCoupon',
      tags: TAGS,
      summary: 'Deletes a discount code',
      description: 'A coupon never applied to an order is deleted for good. One that was is deactivated instead: it can no longer be redeemed but stays listed, for its performance figures. Either way, carts where it waits lose it. The provider\'s managers may.',
      params: CouponParams,
      response: { 204: NoContent('Deleted or deactivated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await deleteCoupon(core, request.caller, { slug: request.params.organization }, request.params.coupon);
    return reply.code(204).send(null);
  });
};
