// /api/billing/{organization}/checkout/: the caller's cart priced for an organization to
// pay (GET), and the order placed and charged (POST, with Idempotency-Key).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { placeOrder, priceCheckout } from '../../../core/billing/checkout.js';
import { OrganizationParams, errors, ref } from '../schemas/common.js';
import { Checkout, CheckoutBody } from '../schemas/checkout.js';
import { Charge } from '../schemas/ledger.js';
import { checkoutJson } from '../shapes/checkout.js';
import { chargeJson } from '../shapes/ledger.js';

const TAGS = ['billing'];

export const checkoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/billing/:organization/checkout/', {
    schema: {
      operationId: 'getCheckout',
      tags: TAGS,
      summary: 'Retrieves a user cart for checkout',
      description: 'Prices what checking out would charge the organization now: first its balances due, then each item of the caller\'s cart, '
        + 'sorted by subscriber and plan. Each entry has `lines` (what will be charged) and `options` (what could be charged instead: one period '
        + 'of the plan, or several paid in advance at a discount, each less the item\'s coupon). An item with a single option, or whose option '
        + 'was chosen in the cart, has it as its line. Managers and contributors of the organization may look.',
      params: OrganizationParams,
      response: { 200: ref(Checkout, 'The priced cart.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { invoicables } = await priceCheckout(core, request.caller, { slug: request.params.organization });
    return checkoutJson(invoicables, core.now());
  });

  app.post('/billing/:organization/checkout/', {
    config: { idempotent: true },
    schema: {
      operationId: 'checkout',
      tags: TAGS,
      summary: 'Checkouts a user cart',
      description: 'Places the order for the caller\'s cart, paid by the organization: each line is booked as an order, the subscriptions it buys '
        + 'are created or extended, the organization\'s balances due are added, and the total is charged on the card of `processor_token` '
        + '(kept as the card on file with `remember_card`) or on the card on file; a receipt is mailed. Every entry with open options needs '
        + '`items[n].option`. A declined card answers 400 and keeps the order: its amount is due and can be paid later. Nothing to pay '
        + 'answers 200 `{}` (a free order still creates its subscriptions). Send an `Idempotency-Key` to retry safely: a replay answers the '
        + 'first answer and charges nothing. Group buys for someone without a profile create a single-use 100% coupon whose code is mailed '
        + 'to them. Managers of the organization may check out. When the broker requires an agreement signed at checkout (the terms of use), '
        + 'a user who has not signed its current version is refused with 403 `legal.terms_unsigned`, the agreement\'s slug in `agreement`.',
      params: OrganizationParams,
      body: CheckoutBody,
      response: {
        200: Type.Union([ref(Charge), Type.Object({}, { additionalProperties: false })], {
          description: 'The charge, with a Location header naming it; `{}` when nothing was charged.',
        }),
        ...errors(400, 401, [403, 'The caller may not pay for this organization, or has not signed the current version of an agreement the broker requires at checkout (`legal.terms_unsigned`, its slug in `agreement`).'], 404, [409, 'The cart was checked out by another request at the same moment, or the Idempotency-Key was used for another request (or its first request is still running).']),
      },
    },
  }, async (request, reply) => {
    const outcome = await placeOrder(core, request.caller, { slug: request.params.organization }, request.body);
    if (outcome.kind !== 'charged') return {};
    reply.header('location', `/api/billing/${encodeURIComponent(request.params.organization)}/charges/${encodeURIComponent(outcome.charge.processor_key)}/`);
    return chargeJson(outcome.charge);
  });
};
