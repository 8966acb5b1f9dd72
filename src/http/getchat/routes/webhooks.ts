// Webhooks of an organization: its signing secret (read, rotate), the deliveries made to its
// webhook_url (list, read with every try, send again). The seed has none of these paths.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  WEBHOOK_DELIVERY_LIST, getWebhookDelivery, getWebhookSecret, listWebhookDeliveries, resendWebhookDelivery, rotateWebhookSecret,
} from '../../../core/organizations/webhooks.js';
import { Id, NoBody, TAGS, errors, ref } from '../schemas/common.js';
import { GetChatWebhookDelivery, GetChatWebhookDeliveryDetail, GetChatWebhookSecret } from '../schemas/webhooks.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';
import { deliveryDetailJson, deliveryJson } from '../shapes/webhooks.js';

const OrgParams = Type.Object({ organization_id: Id('The organization\'s id.') });
const DeliveryParams = Type.Object({ organization_id: Id('The organization\'s id.'), delivery_id: Id('The delivery\'s id.') });

const DELIVERY_FILTERS: FilterDeclaration = {
  id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
  message_id: { type: 'string', ops: ['eq'], description: 'The `webhook-id` a receiver got.' },
  event: { type: 'string', ops: ['eq', 'ne', 'in', 'nin', 'ss'] },
  state: { type: 'string', ops: ['eq', 'ne', 'in', 'nin'], description: '`pending`, `delivered` or `failed`.' },
  subject_organization_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'], description: 'The organization the event is about (this one or a customer).' },
  last_status: { type: 'integer', ops: ['eq', 'ne', 'lt', 'gte'] },
  created_at: { type: 'datetime', ops: ['lt', 'lte', 'gt', 'gte'] },
};

const tags = [TAGS.webhooks, TAGS.inferred];
const SIGNING = 'Each delivery is a POST of `{"event", "data"}` with the Standard Webhooks headers `webhook-id`, `webhook-timestamp` and '
  + '`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with this secret (the bytes after `whsec_`, base64-decoded).';

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/account/organizations/:organization_id/webhook-secret', {
    schema: {
      operationId: 'getchatGetWebhookSecret',
      summary: 'Get the webhook signing secret',
      description: `The organization's webhook signing secret, made on first use. Managers and partners of the organization may read it. ${SIGNING}`,
      tags, params: OrgParams,
      response: { 200: ref(GetChatWebhookSecret, 'The secret.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => ({ secret: await getWebhookSecret(core, request.caller, { id: request.params.organization_id }) }));

  app.post('/account/organizations/:organization_id/webhook-secret', {
    schema: {
      operationId: 'getchatRotateWebhookSecret',
      summary: 'Rotate the webhook signing secret',
      description: 'Replaces the signing secret and answers the new one. Every try from now on is signed with it, those of deliveries already queued too; the former secret stops verifying at once.',
      tags, params: OrgParams, body: NoBody,
      response: { 200: ref(GetChatWebhookSecret, 'The new secret.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => ({ secret: await rotateWebhookSecret(core, request.caller, { id: request.params.organization_id }) }));

  const ListParams = listQuery(DELIVERY_FILTERS);
  app.get('/account/organizations/:organization_id/webhook-deliveries', {
    schema: {
      operationId: 'getchatListWebhookDeliveries',
      summary: 'List webhook deliveries',
      description: 'The events sent (or being sent) to the organization\'s webhook_url: its own and, for a partner, its customers\'. Newest last by default (`sort=-id` for newest first).',
      tags, params: OrgParams, querystring: ListParams,
      response: { 200: ListOf(ref(GetChatWebhookDelivery), 'A page of deliveries.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, DELIVERY_FILTERS, WEBHOOK_DELIVERY_LIST, core.config);
    const page = await listWebhookDeliveries(core, request.caller, { id: request.params.organization_id }, asked.list);
    return listAnswer(asked, page, deliveryJson);
  });

  app.get('/account/organizations/:organization_id/webhook-deliveries/:delivery_id', {
    schema: {
      operationId: 'getchatGetWebhookDelivery',
      summary: 'Get a webhook delivery',
      description: 'One delivery with the body sent and every try made of it: when, how long, the status answered and the start of the answer.',
      tags, params: DeliveryParams,
      response: { 200: ref(GetChatWebhookDeliveryDetail, 'The delivery.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => deliveryDetailJson(await getWebhookDelivery(core, request.caller, { id: request.params.organization_id }, request.params.delivery_id)));

  app.post('/account/organizations/:organization_id/webhook-deliveries/:delivery_id/resend', {
    schema: {
      operationId: 'getchatResendWebhookDelivery',
      summary: 'Send a webhook delivery again',
      description: 'Queues the delivery again, whatever its state, to the organization\'s webhook_url as it is now, with the same `webhook-id` '
        + '(a receiver that kept it drops the repeat) and a fresh count of tries. Answers at once; the delivery is tried in the background.',
      tags, params: DeliveryParams, body: NoBody,
      response: {
        202: ref(GetChatWebhookDeliveryDetail, 'The delivery, queued again.'),
        ...errors(400, 401, 403, 404, [409, 'The organization has no webhook_url to send to (`webhook.no_url`).']),
      },
    },
  }, async (request, reply) => reply.code(202).send(deliveryDetailJson(
    await resendWebhookDelivery(core, request.caller, { id: request.params.organization_id }, request.params.delivery_id),
  )));
};
