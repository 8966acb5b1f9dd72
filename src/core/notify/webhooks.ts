// Webhook events (get.chat): each event about an organization is POSTed as `{event, data}`
// to its webhook_url and to every partner's above it, signed the Standard Webhooks way.
// FOUNDATION STUB: the webhooks lane replaces the bodies; the signatures are the contract.
import type { Core } from '../context.js';

export type StackEvent = `stack.${'deployment' | 'modification' | 'destruction'}.${'succeeded' | 'failed'}`;
export type ApplicationEvent = `application.${'deployment' | 'modification' | 'destruction'}.${'succeeded' | 'failed'}`;
export type WebhookEvent = StackEvent | ApplicationEvent;

/**
 * Queues `event` for the organization `organizationId` is about and every partner above it
 * that has a webhook_url: one delivery row and one durable job each, in the caller's unit
 * of work (it opens one if there is none), so nothing is sent for a change that did not commit.
 */
export async function queueWebhookEvent(core: Core, organizationId: number, event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
  void core; void organizationId; void event; void data;
}

/** The job: POSTs one delivery, signed; throws to have pg-boss retry it with backoff. */
export async function deliverWebhook(core: Core, deliveryId: number): Promise<void> {
  void core; void deliveryId;
}
