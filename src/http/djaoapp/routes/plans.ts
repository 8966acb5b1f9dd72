// /api/pricing/ and /api/profile/{organization}/plans/...: what a provider sells.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import {
  MAX_ADVANCE_DISCOUNTS, MAX_AMOUNT, MAX_PERIOD_LENGTH, PLAN_LIST,
  createPlan, deletePlan, getPlan, listPlans, listPricing, updatePlan, type PlanFields,
} from '../../../core/billing/plans.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, OrganizationParams, errors, ref } from '../schemas/common.js';
import { Plan, PlanParams, PeriodTypeSchema, RenewalTypeSchema } from '../schemas/plans.js';
import { planJson } from '../shapes/plans.js';

const TAGS = ['plans'];

const Amount = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: `${description}, in minor units (cents).` });

const AdvanceDiscountBody = Type.Object({
  discount_type: Type.Union([Type.Literal('percentage'), Type.Literal('currency'), Type.Literal('period')], {
    description: 'percentage (discount_value per 10000), currency (minor units off the total) or period (free periods).',
  }),
  discount_value: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: 'Amount of the discount, in the unit discount_type says.' }),
  length: Type.Integer({ minimum: 1, maximum: MAX_PERIOD_LENGTH, description: 'Number of plan periods paid in advance to get it.' }),
}, { additionalProperties: false });

const planFields = {
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 100, format: 'single-line', description: 'Title for the plan, unique for the provider; the slug is made from it at creation.' })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Free-form text description for the plan.' }))),
  is_active: Type.Optional(Type.Boolean({ description: 'True when customers can subscribe to the plan (default false).' })),
  setup_amount: Type.Optional(Amount('One-time amount to pay when the subscription starts')),
  period_amount: Type.Optional(Amount('Amount billed every period')),
  period_type: Type.Optional(PeriodTypeSchema),
  interval: Type.Optional(PeriodTypeSchema),
  period_length: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PERIOD_LENGTH, description: 'How many period_types make one period of the plan (default 1).' })),
  advance_discounts: Type.Optional(Type.Array(AdvanceDiscountBody, { maxItems: MAX_ADVANCE_DISCOUNTS, description: 'Discounts when periods are paid in advance; each length at most once.' })),
  unit: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 currency code (default usd); fixed once the plan has subscribers.' })),
  renewal_type: Type.Optional(RenewalTypeSchema),
  is_not_priced: Type.Optional(Type.Boolean({ description: 'True for a plan priced on request.' })),
  skip_optin_on_grant: Type.Optional(Type.Boolean({ description: 'True when the provider may subscribe an organization without its acceptance (default false).' })),
  optin_on_request: Type.Optional(Type.Boolean({ description: 'True when the provider must accept each subscription a subscriber starts (default false).' })),
  broker_fee_percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000, description: 'Not in DjaoApp: share of each payment the broker keeps, per 10000; set by the broker\'s managers only.' })),
  extra: Type.Optional(Nullable(Type.String({ maxLength: 10_000, description: 'Extra meta data (can be stringified JSON).' }))),
};
const PlanBody = Type.Object(planFields, { additionalProperties: false });
type PlanBody = Static<typeof PlanBody>;

/** DjaoApp's examples name the period `interval`: the same field under its older name. */
function planInput(body: PlanBody): PlanFields {
  const { interval, period_type: periodType, ...rest } = body;
  const chosen = periodType ?? interval;
  return chosen === undefined ? rest : { ...rest, period_type: chosen };
}

const OnePlan = (description: string) => ref(Plan, description);
const Plans = (description: string) => PageOf(ref(Plan), description);

export const planRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/pricing/', {
    schema: {
      operationId: 'listPricing',
      tags: TAGS,
      summary: 'Lists active plans',
      security: [],
      description: 'The public pricing page: the broker\'s plans open to subscription, for anyone, signed in or not. `o` orders by slug, title, period_amount or created_at (default: cheapest first).',
      querystring: ListParams,
      response: { 200: Plans('A page of active plans.'), ...errors(400) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, PLAN_LIST, config);
    return pageEnvelope(request, config, list, await listPricing(core, list), planJson);
  });

  app.get('/profile/:organization/plans/', {
    schema: {
      operationId: 'listPlans',
      tags: TAGS,
      summary: 'Lists a provider plans',
      description: 'Every plan of the provider, active or not. Its members, the managers above it and the broker\'s managers may read them. `q` searches slug, title and description.',
      params: OrganizationParams,
      querystring: ListParams,
      response: { 200: Plans('A page of the provider\'s plans.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, PLAN_LIST, config);
    return pageEnvelope(request, config, list, await listPlans(core, request.caller, { slug: request.params.organization }, list), planJson);
  });

  app.post('/profile/:organization/plans/', {
    schema: {
      operationId: 'createPlan',
      tags: TAGS,
      summary: 'Creates a subscription plan',
      description: 'Adds a plan to a provider (an organization the broker made a provider, or the broker). Only title is required; the slug comes from it. Plans start inactive unless `is_active` is sent. Amounts are integers in minor units of `unit`. The provider\'s managers may.',
      params: OrganizationParams,
      body: PlanBody,
      response: { 201: OnePlan('The plan, created.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => reply.code(201).send(planJson(await createPlan(core, request.caller, { slug: request.params.organization }, planInput(request.body)))));

  app.get('/profile/:organization/plans/:plan/', {
    schema: {
      operationId: 'getPlan',
      tags: TAGS,
      summary: 'Retrieves a subscription plan',
      description: 'One plan of the provider, active or not.',
      params: PlanParams,
      response: { 200: OnePlan('The plan.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => planJson(await getPlan(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan })));

  const updateNote = 'Only the fields sent change. A new period_amount, period or renewal type applies to each subscription at its next renewal, with no proration; the currency is fixed once the plan has subscribers. `is_active: false` closes the plan to new subscribers and keeps the current ones.';
  for (const method of ['put', 'patch'] as const) {
    app[method]('/profile/:organization/plans/:plan/', {
      schema: {
        operationId: method === 'put' ? 'updatePlan' : 'patchPlan',
        tags: TAGS,
        summary: method === 'put' ? 'Updates a subscription plan' : 'Updates some fields of a subscription plan',
        description: method === 'put' ? updateNote : `Same as PUT. ${updateNote}`,
        params: PlanParams,
        body: PlanBody,
        response: { 200: OnePlan('The plan, updated.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request) => planJson(await updatePlan(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan }, planInput(request.body))));
  }

  app.delete('/profile/:organization/plans/:plan/', {
    schema: {
      operationId: 'deletePlan',
      tags: TAGS,
      summary: 'Deletes a subscription plan',
      description: 'Removes a plan nobody ever subscribed to. A plan with any subscription, even an expired one, is kept for its history and answers 403 `plan.in_use`: deactivate it instead.',
      params: PlanParams,
      response: { 204: NoContent('Deleted.'), ...errors(400, 401, [403, 'The caller may not, or the plan has or had subscribers (`plan.in_use`).'], 404) },
    },
  }, async (request, reply) => {
    await deletePlan(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan });
    return reply.code(204).send(null);
  });
};
