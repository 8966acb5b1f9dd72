// What an organization's managers (and its partners' managers) do with its webhooks: read
// and rotate the signing secret, list the deliveries made to its webhook_url (its own
// events and its customers'), read one with every try, and send one again. Delivering is
// notify/webhooks.ts; this is the organization's side of it, behind the access policy.
import type { Caller, Core } from '../context.js';
import { Conflict, NotFound } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import type { Ref } from '../refs.js';
import { replaceWebhookSecret, webhookSecretOf } from '../notify/webhook-secrets.js';
import { findOrganization, requireUser } from './profiles.js';
import { recordOrganizationEvent } from './events.js';

export interface WebhookDelivery {
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

export interface WebhookAttempt {
  id: number;
  url: string;
  attempted_at: Date;
  duration_ms: number;
  status: number | null;
  error: string | null;
  response_body: string | null;
}

export const WEBHOOK_DELIVERY_LIST: ListSpec = {
  orderable: {
    id: 'webhook_deliveries.id',
    created_at: 'webhook_deliveries.created_at',
    last_attempt_at: 'webhook_deliveries.last_attempt_at',
    event: 'webhook_deliveries.event',
    state: 'webhook_deliveries.state',
    attempts: 'webhook_deliveries.attempts',
  },
  searchable: [],
  defaultOrder: ['id'],
  tieBreaker: 'webhook_deliveries.id',
  filterable: {
    id: { column: 'webhook_deliveries.id', type: 'integer' },
    message_id: { column: 'webhook_deliveries.message_id', type: 'string' },
    event: { column: 'webhook_deliveries.event', type: 'string' },
    state: { column: 'webhook_deliveries.state', type: 'string' },
    subject_organization_id: { column: 'webhook_deliveries.subject_organization_id', type: 'integer' },
    last_status: { column: 'webhook_deliveries.last_status', type: 'integer' },
    created_at: { column: 'webhook_deliveries.created_at', type: 'datetime' },
  },
};

async function authorized(core: Core, caller: Caller, ref: Ref) {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.webhooks.manage', organization);
  return organization;
}

function asDelivery(row: Omit<WebhookDelivery, 'id' | 'organization_id' | 'subject_organization_id'> & { id: number | string; organization_id: number | string; subject_organization_id: number | string }): WebhookDelivery {
  return { ...row, id: Number(row.id), organization_id: Number(row.organization_id), subject_organization_id: Number(row.subject_organization_id) };
}

function selectDeliveries(core: Core, organizationId: number) {
  return core.db.selectFrom('webhook_deliveries').selectAll('webhook_deliveries')
    .where('webhook_deliveries.organization_id', '=', organizationId);
}

/** The organization's signing secret (`whsec_...`), made now if it has none yet. */
export async function getWebhookSecret(core: Core, caller: Caller, ref: Ref): Promise<string> {
  const organization = await authorized(core, caller, ref);
  return webhookSecretOf(core, organization.id);
}

/** A new signing secret; every try from now on is signed with it, those already queued included. */
export async function rotateWebhookSecret(core: Core, caller: Caller, ref: Ref): Promise<string> {
  const user = requireUser(caller);
  return core.transact(async (tx) => {
    const organization = await authorized(core, caller, ref);
    const secret = await replaceWebhookSecret(core, organization.id);
    await recordOrganizationEvent(tx, { organizationId: organization.id, type: 'webhook_secret.rotated', actorId: user.userId, now: core.now() });
    return secret;
  });
}

/** The deliveries made to the organization's webhook_url: its own events and its customers'. */
export async function listWebhookDeliveries(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Page<WebhookDelivery>> {
  const organization = await authorized(core, caller, ref);
  const page = await paginate(selectDeliveries(core, organization.id), list, WEBHOOK_DELIVERY_LIST);
  return { count: page.count, results: page.results.map(asDelivery) };
}

async function deliveryOf(core: Core, organizationId: number, deliveryId: number): Promise<WebhookDelivery> {
  const row = Number.isSafeInteger(deliveryId)
    ? await selectDeliveries(core, organizationId).where('webhook_deliveries.id', '=', deliveryId).executeTakeFirst()
    : undefined;
  if (!row) throw new NotFound('delivery', 'No webhook delivery of this organization has this id.', 'delivery.not_found');
  return asDelivery(row);
}

async function attemptsOf(core: Core, deliveryId: number): Promise<WebhookAttempt[]> {
  const rows = await core.db.selectFrom('webhook_delivery_attempts')
    .select(['id', 'url', 'attempted_at', 'duration_ms', 'status', 'error', 'response_body'])
    .where('delivery_id', '=', deliveryId).orderBy('id').execute();
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

/** One delivery with every try made of it, oldest first. */
export async function getWebhookDelivery(core: Core, caller: Caller, ref: Ref, deliveryId: number): Promise<WebhookDelivery & { attempt_log: WebhookAttempt[] }> {
  const organization = await authorized(core, caller, ref);
  const delivery = await deliveryOf(core, organization.id, deliveryId);
  return { ...delivery, attempt_log: await attemptsOf(core, delivery.id) };
}

/**
 * Sends a delivery again, whatever its state, to the organization's webhook_url as it is
 * now (the receiver may have moved), with the same message id (receivers drop repeats by
 * it) and a fresh count of tries. A job still waiting to retry it finds it pending and
 * tries too, or finds it delivered and stops.
 */
export async function resendWebhookDelivery(core: Core, caller: Caller, ref: Ref, deliveryId: number): Promise<WebhookDelivery & { attempt_log: WebhookAttempt[] }> {
  return core.transact(async (tx) => {
    const organization = await authorized(core, caller, ref);
    await deliveryOf(core, organization.id, deliveryId);
    const current = await tx.selectFrom('organizations').select('webhook_url').where('id', '=', organization.id).executeTakeFirstOrThrow();
    if (!current.webhook_url) throw new Conflict('The organization has no webhook_url to send to: set one first.', 'webhook.no_url');
    await tx.updateTable('webhook_deliveries').set({
      url: current.webhook_url, state: 'pending', attempts: 0, delivered_at: null, last_status: null, last_error: null,
    }).where('id', '=', deliveryId).execute();
    await core.jobs.enqueue('webhook-delivery', { deliveryId });
    const delivery = await deliveryOf(core, organization.id, deliveryId);
    return { ...delivery, attempt_log: await attemptsOf(core, delivery.id) };
  });
}
