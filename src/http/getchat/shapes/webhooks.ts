// Webhook deliveries as get.chat shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { GetChatWebhookAttempt, GetChatWebhookDelivery, GetChatWebhookDeliveryDetail } from '../schemas/webhooks.js';

/** The columns of a delivery this shape reads. */
export interface DeliveryFields {
  id: number;
  message_id: string;
  organization_id: number;
  subject_organization_id: number;
  event: string;
  body: string;
  url: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
}

export interface AttemptFields {
  id: number;
  url: string;
  attempted_at: Date;
  duration_ms: number;
  status: number | null;
  error: string | null;
  response_body: string | null;
}

export function deliveryJson(delivery: DeliveryFields): Static<typeof GetChatWebhookDelivery> {
  return {
    id: delivery.id,
    message_id: delivery.message_id,
    organization_id: delivery.organization_id,
    subject_organization_id: delivery.subject_organization_id,
    event: delivery.event,
    url: delivery.url,
    state: delivery.state,
    attempts: delivery.attempts,
    last_status: delivery.last_status,
    last_error: delivery.last_error,
    created_at: delivery.created_at.toISOString(),
    last_attempt_at: delivery.last_attempt_at?.toISOString() ?? null,
    delivered_at: delivery.delivered_at?.toISOString() ?? null,
  };
}

export function attemptJson(attempt: AttemptFields): Static<typeof GetChatWebhookAttempt> {
  return { ...attempt, attempted_at: attempt.attempted_at.toISOString() };
}

export function deliveryDetailJson(delivery: DeliveryFields & { attempt_log: AttemptFields[] }): Static<typeof GetChatWebhookDeliveryDetail> {
  return {
    ...deliveryJson(delivery),
    payload: JSON.parse(delivery.body) as Static<typeof GetChatWebhookDeliveryDetail>['payload'],
    attempt_log: delivery.attempt_log.map(attemptJson),
  };
}
