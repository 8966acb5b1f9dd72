// Subscriptions, seen by the provider (/api/profile/{organization}/plans/{plan}/subscriptions/,
// /subscribers/, the metrics lists of active and churned ones) and by the subscriber
// (/api/profile/{organization}/subscriptions/).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SUBSCRIPTION_LIST } from '../../../core/billing/subscriptions.js';
import {
  acceptGrant, cancelSubscription, getSubscription, listSubscriptions, subscribe, updateSubscription, type SubscriptionChanges,
} from '../../../core/billing/subscriber-subscriptions.js';
import {
  SUBSCRIBER_LIST, acceptRequest, endPlanSubscription, getPlanSubscription, grantSubscription, listPlanSubscriptions,
  listProviderSubscriptions, listSubscribers, updatePlanSubscription,
} from '../../../core/billing/provider-subscriptions.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, OrganizationParams, Slug, errors, ref } from '../schemas/common.js';
import { PlanParams, Subscriber, Subscription } from '../schemas/plans.js';
import { subscriberJson, subscriptionJson } from '../shapes/plans.js';

const PROVIDER_TAGS = ['subscribers'];
const SUBSCRIBER_TAGS = ['subscriptions'];

const StateParam = Type.Optional(Type.Union(
  [Type.Literal('active'), Type.Literal('pending'), Type.Literal('expired'), Type.Literal('churned')],
  {
    description: 'Not in DjaoApp. active: started, not ended, nobody\'s consent pending; pending: waiting for the subscriber\'s opt-in or the provider\'s acceptance; expired: ended; churned: ended, with no active subscription left to the provider\'s plans.',
  },
));
const SubscriptionListParams = Type.Object({ ...ListParams.properties, state: StateParam });

const PlanSubscriberParams = Type.Object({
  ...PlanParams.properties,
  subscriber: Type.String({ ...Slug, description: 'Slug of the subscriber organization.' }),
});
const SubscribedPlanParams = Type.Object({
  ...OrganizationParams.properties,
  subscribed_plan: Type.String({ ...Slug, description: 'Slug of the plan subscribed to.' }),
});
const KeyParam = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
const RequestKeyParams = Type.Object({ ...OrganizationParams.properties, request_key: KeyParam('The request_key of the subscription waiting for the provider.') });
const GrantKeyParams = Type.Object({ ...OrganizationParams.properties, grant_key: KeyParam('The grant_key of the subscription waiting for the subscriber\'s opt-in.') });

const changeFields = {
  ends_at: Type.String({ format: 'date-time', description: 'Date/time when the subscription period ends (ISO 8601).' }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Free-form text description for the subscription.' }))),
  auto_renew: Type.Optional(Type.Boolean({ description: 'The subscription renews at the end of the period (auto-renew plans only).' })),
  extra: Type.Optional(Nullable(Type.String({ maxLength: 10_000, description: 'Extra meta data (can be stringified JSON).' }))),
};
const SubscriptionPutBody = Type.Object(changeFields, { additionalProperties: false });
const SubscriptionPatchBody = Type.Object({ ...changeFields, ends_at: Type.Optional(changeFields.ends_at) }, { additionalProperties: false });

function changesOf(body: { ends_at?: string; description?: string | null; auto_renew?: boolean; extra?: string | null }): SubscriptionChanges {
  const { ends_at: endsAt, ...rest } = body;
  return endsAt === undefined ? rest : { ...rest, ends_at: new Date(endsAt) };
}

const GrantBody = Type.Object({
  organization: Type.Object({
    slug: Type.String({ ...Slug, description: 'Slug of the organization to subscribe; it must exist.' }),
  }, {
    additionalProperties: true,
    description: 'The organization to subscribe. DjaoApp also lists profile fields here (to invite an unknown one); they are accepted and ignored: the organization must exist.',
  }),
  message: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'A note kept as the subscription\'s description.' }))),
}, { additionalProperties: false });

const SubscribeBody = Type.Object({
  plan: Type.Union([
    Type.String({ ...Slug, description: 'Slug of the plan.' }),
    Type.Object({ slug: Type.String({ ...Slug, description: 'Slug of the plan.' }) }, { additionalProperties: true, description: 'The plan, by its slug (other fields are ignored).' }),
  ], { description: 'The plan to subscribe to.' }),
}, { additionalProperties: false });

const One = (description: string) => ref(Subscription, description);
const Many = (description: string) => PageOf(ref(Subscription), description);

export const subscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  // ------------------------------------------------------------ provider side

  app.get('/profile/:organization/plans/:plan/subscriptions/', {
    schema: {
      operationId: 'listPlanSubscriptions',
      tags: PROVIDER_TAGS,
      summary: 'Lists subscriptions to a plan',
      description: 'Every subscription to the plan, past, present and pending, newest first; `state` keeps one kind. `q` searches the subscriber\'s slug, name and e-mail and the plan; `o` orders by created_at, ends_at, plan or organization. The provider\'s members may read them.',
      params: PlanParams,
      querystring: SubscriptionListParams,
      response: { 200: Many('A page of subscriptions to the plan.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { state, ...params } = request.query;
    const list = toListQuery(params, SUBSCRIPTION_LIST, config);
    const page = await listPlanSubscriptions(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan }, list, state);
    return pageEnvelope(request, config, list, page, subscriptionJson);
  });

  app.post('/profile/:organization/plans/:plan/subscriptions/', {
    schema: {
      operationId: 'grantSubscription',
      tags: PROVIDER_TAGS,
      summary: 'Subscribes to a plan through the provider',
      description: 'The provider subscribes an existing organization to its plan for one period from now, without an order: nothing is charged. Unless the plan skips the opt-in (skip_optin_on_grant), the subscription waits for the subscriber\'s acceptance (`grant_key`, accepted at /profile/{subscriber}/subscriptions/accept/{grant_key}/). If the organization already has an open subscription to the plan, that one is answered (200) and nothing changes, except that a request of the organization\'s waiting for the provider is accepted.',
      params: PlanParams,
      body: GrantBody,
      response: {
        200: One('The organization was already subscribed: its subscription.'),
        201: One('The subscription, created.'),
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const { view, created } = await grantSubscription(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan }, {
      subscriber: { slug: request.body.organization.slug }, message: request.body.message,
    });
    return reply.code(created ? 201 : 200).send(subscriptionJson(view));
  });

  app.get('/profile/:organization/plans/:plan/subscriptions/:subscriber/', {
    schema: {
      operationId: 'getPlanSubscription',
      tags: PROVIDER_TAGS,
      summary: 'Retrieves a subscription through the provider',
      description: 'The subscriber\'s subscription to the plan: the current one, or else the one that ended last.',
      params: PlanSubscriberParams,
      response: { 200: One('The subscription.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => subscriptionJson(await getPlanSubscription(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan }, { slug: request.params.subscriber })));

  const providerUpdate = 'The provider sets the end of the period (earlier or later, not before the start: extending gives periods without an order), renewal, description and extra. The provider\'s managers may.';
  for (const method of ['put', 'patch'] as const) {
    app[method]('/profile/:organization/plans/:plan/subscriptions/:subscriber/', {
      schema: {
        operationId: method === 'put' ? 'updatePlanSubscription' : 'patchPlanSubscription',
        tags: PROVIDER_TAGS,
        summary: method === 'put' ? 'Updates a subscription through the provider' : 'Updates some fields of a subscription through the provider',
        description: method === 'put' ? `${providerUpdate} ends_at is required.` : `Like PUT; only the fields sent change. ${providerUpdate}`,
        params: PlanSubscriberParams,
        body: method === 'put' ? SubscriptionPutBody : SubscriptionPatchBody,
        response: { 200: One('The subscription, updated.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request) => subscriptionJson(await updatePlanSubscription(
      core, request.caller, { slug: request.params.organization }, { slug: request.params.plan }, { slug: request.params.subscriber }, changesOf(request.body),
    )));
  }

  app.delete('/profile/:organization/plans/:plan/subscriptions/:subscriber/', {
    schema: {
      operationId: 'endPlanSubscription',
      tags: PROVIDER_TAGS,
      summary: 'Unsubscribes through the provider',
      description: 'Ends the subscription now and stops its renewals; nothing is refunded here. Ending one already ended changes nothing.',
      params: PlanSubscriberParams,
      response: { 204: NoContent('Ended.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await endPlanSubscription(core, request.caller, { slug: request.params.organization }, { slug: request.params.plan }, { slug: request.params.subscriber });
    return reply.code(204).send(null);
  });

  app.get('/profile/:organization/subscribers/', {
    schema: {
      operationId: 'listSubscribers',
      tags: PROVIDER_TAGS,
      summary: 'Lists subscribers for a provider',
      description: 'Organizations that have or had a subscription to the provider\'s plans, each with the end of its last one (`ends_at`). `state=active` keeps those with an active subscription, `pending` those waiting for a consent, `churned` (or `expired`) those with none active any more. `o` orders by slug, full_name, email, created_at or ends_at.',
      params: OrganizationParams,
      querystring: SubscriptionListParams,
      response: { 200: PageOf(ref(Subscriber), 'A page of subscribers.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { state, ...params } = request.query;
    const list = toListQuery(params, SUBSCRIBER_LIST, config);
    return pageEnvelope(request, config, list, await listSubscribers(core, request.caller, { slug: request.params.organization }, list, state), subscriberJson);
  });

  const acceptNote = 'The provider accepts a subscription a subscriber started on a plan that needs its acceptance (optin_on_request), by the request_key shown on the subscription: from then on it is active. The provider\'s managers may; a key of another provider\'s plan is not found.';
  const acceptMethods = [['post', 'acceptSubscriptionRequest', 'Grants a subscription request'], ['put', 'acceptSubscriptionRequestPut', 'Grants a subscription request (PUT)'], ['patch', 'acceptSubscriptionRequestPatch', 'Grants a subscription request (PATCH)']] as const;
  for (const [method, operationId, summary] of acceptMethods) {
    app[method]('/profile/:organization/subscribers/accept/:request_key/', {
      schema: {
        operationId,
        tags: PROVIDER_TAGS,
        summary,
        description: method === 'post' ? acceptNote : `As POST (DjaoApp's other listing uses ${method.toUpperCase()}); a body, if any, is ignored. ${acceptNote}`,
        params: RequestKeyParams,
        response: { 200: One('The subscription, accepted.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request) => subscriptionJson(await acceptRequest(core, request.caller, { slug: request.params.organization }, request.params.request_key)));
  }

  for (const [path, state, operationId, summary, what] of [
    ['active', 'active', 'listActiveSubscriptions', 'Lists active subscriptions', 'in progress now'],
    ['churned', 'churned', 'listChurnedSubscriptions', 'Lists churned subscriptions', 'that have ended, of subscribers with no active subscription left'],
  ] as const) {
    app.get(`/metrics/:organization/${path}/`, {
      schema: {
        operationId,
        tags: ['metrics'],
        summary,
        description: state === 'active'
          ? `Subscriptions to any of the provider's plans ${what}, or active at \`ends_at\` when given; \`start_at\` keeps those created since. q and o as for a plan's subscriptions. The provider's members may read them.`
          : `Subscriptions to any of the provider's plans ${what}. start_at/ends_at bound their creation date; q and o as for a plan's subscriptions. The provider's members may read them.`,
        params: OrganizationParams,
        querystring: ListParams,
        response: { 200: Many('A page of subscriptions.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request) => {
      // For the active list, ends_at is the moment the subscriptions are active at, not a bound on their creation.
      const { ends_at: at, ...params } = request.query;
      const list = toListQuery(state === 'active' ? params : request.query, SUBSCRIPTION_LIST, config);
      const page = await listProviderSubscriptions(core, request.caller, { slug: request.params.organization }, list, state, state === 'active' && at ? new Date(at) : undefined);
      return pageEnvelope(request, config, list, page, subscriptionJson);
    });
  }

  // ------------------------------------------------------------ subscriber side

  app.get('/profile/:organization/subscriptions/', {
    schema: {
      operationId: 'listSubscriptions',
      tags: SUBSCRIBER_TAGS,
      summary: 'Lists subscriptions',
      description: 'The organization\'s subscriptions, past, present and pending, newest first; `state` keeps one kind. `q` searches the plan; `o` orders by created_at, ends_at or plan. Its members may read them.',
      params: OrganizationParams,
      querystring: SubscriptionListParams,
      response: { 200: Many('A page of subscriptions.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { state, ...params } = request.query;
    const list = toListQuery(params, SUBSCRIPTION_LIST, config);
    return pageEnvelope(request, config, list, await listSubscriptions(core, request.caller, { slug: request.params.organization }, list, state), subscriptionJson);
  });

  app.post('/profile/:organization/subscriptions/', {
    schema: {
      operationId: 'subscribe',
      tags: SUBSCRIBER_TAGS,
      summary: 'Subscribes to a plan',
      description: 'From DjaoApp\'s other listing. The organization subscribes itself to an active plan for one period, without a checkout, only where nothing is paid on the site: a free plan starts at once (unless its provider accepts requests), a plan priced on request waits for its provider (`request_key`). A paid plan answers 400 `plan.priced`: add it to the cart and check out. An open subscription to the plan is answered as it is (200). Its managers may.',
      params: OrganizationParams,
      body: SubscribeBody,
      response: {
        200: One('Already subscribed: its subscription.'),
        201: One('The subscription, created.'),
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const plan = typeof request.body.plan === 'string' ? request.body.plan : request.body.plan.slug;
    const { view, created } = await subscribe(core, request.caller, { slug: request.params.organization }, { slug: plan });
    return reply.code(created ? 201 : 200).send(subscriptionJson(view));
  });

  app.get('/profile/:organization/subscriptions/:subscribed_plan/', {
    schema: {
      operationId: 'getSubscription',
      tags: SUBSCRIBER_TAGS,
      summary: 'Retrieves a subscription',
      description: 'The organization\'s subscription to the plan: the current one, or else the one that ended last.',
      params: SubscribedPlanParams,
      response: { 200: One('The subscription.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => subscriptionJson(await getSubscription(core, request.caller, { slug: request.params.organization }, { slug: request.params.subscribed_plan })));

  const subscriberUpdate = 'The subscriber unsubscribes at a future date: ends_at between now and the end already paid for (moving it later is refused: check out more periods), which also stops renewals. auto_renew turns renewals back on or off (auto-renew plans); description and extra are free. Its managers may.';
  for (const method of ['put', 'patch'] as const) {
    app[method]('/profile/:organization/subscriptions/:subscribed_plan/', {
      schema: {
        operationId: method === 'put' ? 'updateSubscription' : 'patchSubscription',
        tags: SUBSCRIBER_TAGS,
        summary: method === 'put' ? 'Unsubscribes at a future date' : 'Updates some fields of a subscription',
        description: method === 'put' ? `${subscriberUpdate} ends_at is required.` : `Like PUT; only the fields sent change. ${subscriberUpdate}`,
        params: SubscribedPlanParams,
        body: method === 'put' ? SubscriptionPutBody : SubscriptionPatchBody,
        response: { 200: One('The subscription, updated.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request) => subscriptionJson(await updateSubscription(
      core, request.caller, { slug: request.params.organization }, { slug: request.params.subscribed_plan }, changesOf(request.body),
    )));
  }

  app.delete('/profile/:organization/subscriptions/:subscribed_plan/', {
    schema: {
      operationId: 'cancelSubscription',
      tags: SUBSCRIBER_TAGS,
      summary: 'Unsubscribes',
      description: 'Ends the subscription now and stops its renewals (to stop at the end of the period instead, PUT an ends_at or auto_renew false). Also declines a provider\'s pending grant. Nothing is refunded here.',
      params: SubscribedPlanParams,
      response: { 204: NoContent('Ended.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await cancelSubscription(core, request.caller, { slug: request.params.organization }, { slug: request.params.subscribed_plan });
    return reply.code(204).send(null);
  });

  app.post('/profile/:organization/subscriptions/accept/:grant_key/', {
    schema: {
      operationId: 'acceptSubscriptionGrant',
      tags: SUBSCRIBER_TAGS,
      summary: 'Accepts a subscription granted by a provider',
      description: 'Not in DjaoApp\'s listings (its subscriptions carry a grant_key without a route to accept it). The subscriber opts in to the subscription a provider granted, by its grant_key: from then on it is active. Its managers may.',
      params: GrantKeyParams,
      response: { 200: One('The subscription, accepted.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => subscriptionJson(await acceptGrant(core, request.caller, { slug: request.params.organization }, request.params.grant_key)));
};
