// get.chat's webhook shapes: the signing secret, a delivery, and one try of it.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';

export const GetChatWebhookSecret = Type.Object({
  secret: Type.String({ pattern: '^whsec_', description: 'The signing secret, `whsec_<base64>`: verify `webhook-signature` with it (Standard Webhooks).' }),
}, { $id: 'GetChatWebhookSecret', description: 'The organization\'s webhook signing secret.' });

const DeliveryFields = {
  id: Type.Integer({ description: 'The delivery\'s id.' }),
  message_id: Type.String({ description: 'The `webhook-id` header (`msg_...`): the same on every try and re-send, so a receiver can drop repeats.' }),
  organization_id: Type.Integer({ description: 'The organization whose webhook_url receives it.' }),
  subject_organization_id: Type.Integer({ description: 'The organization the event is about: this one, or one of its customers.' }),
  event: Type.String({ description: 'The event, `stack.deployment.succeeded` and so on.' }),
  url: Type.String({ description: 'Where it is (or was last) sent.' }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')], {
    description: '`pending` while it is tried (retried with backoff), `delivered` once the receiver answered 2xx, `failed` once given up (10 tries, or a URL refused).',
  }),
  attempts: Type.Integer({ description: 'Tries since it was queued or last re-sent.' }),
  last_status: Nullable(Type.Integer({ description: 'The HTTP status of the last answer; null when none came.' })),
  last_error: Nullable(Type.String({ description: 'Why the last try failed; null when it succeeded or none was made.' })),
  created_at: DateTime('When the event was queued.'),
  last_attempt_at: Nullable(DateTime('When it was last tried.')),
  delivered_at: Nullable(DateTime('When the receiver took it.')),
};

export const GetChatWebhookDelivery = Type.Object(DeliveryFields, {
  $id: 'GetChatWebhookDelivery', description: 'One event sent (or to be sent) to the organization\'s webhook_url.',
});

export const GetChatWebhookAttempt = Type.Object({
  id: Type.Integer({ description: 'The try\'s id.' }),
  url: Type.String({ description: 'Where it was sent.' }),
  attempted_at: DateTime('When it was made.'),
  duration_ms: Type.Integer({ description: 'How long it took, in milliseconds.' }),
  status: Nullable(Type.Integer({ description: 'The receiver\'s HTTP status; null when no answer came.' })),
  error: Nullable(Type.String({ description: 'Why it failed; null when the receiver took it.' })),
  response_body: Nullable(Type.String({ description: 'The start of the receiver\'s answer (up to 1000 characters).' })),
}, { $id: 'GetChatWebhookAttempt', description: 'One try of a delivery.' });

export const GetChatWebhookDeliveryDetail = Type.Object({
  ...DeliveryFields,
  payload: Type.Object({
    event: Type.String({ description: 'The event.' }),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'The stack or application as it was when the event happened.' }),
  }, { description: 'The body POSTed: `{event, data}`.' }),
  attempt_log: Type.Array(Type.Unsafe({ $ref: 'GetChatWebhookAttempt' }), { description: 'Every try, oldest first (re-sends included).' }),
}, { $id: 'GetChatWebhookDeliveryDetail', description: 'A delivery with its body and every try made of it.' });
