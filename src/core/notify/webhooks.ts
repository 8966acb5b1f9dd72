// Webhook events (get.chat): each event about an organization is POSTed as `{event, data}`
// to its webhook_url and to every partner's above it, signed the Standard Webhooks way.
// A delivery is a row written in the unit of work of the change it tells about, plus a
// durable `webhook-delivery` job: nothing is sent for a change that rolled back, nothing is
// lost to a crash after the commit. Each try is logged (webhook_delivery_attempts) and
// connects only to an address the SSRF check passed (the lookup is pinned to it).
import { randomUUID } from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import type { Core } from '../context.js';
import { deleteOlderThan } from '../batches.js';
import { Invalid } from '../errors.js';
import { resolvePublicUrl } from './outbound.js';
import { signWebhook, webhookSecretOf } from './webhook-secrets.js';
import { postSigned, type PostOutcome } from './webhook-http.js';

export type StackEvent = `stack.${'deployment' | 'modification' | 'destruction'}.${'succeeded' | 'failed'}`;
export type ApplicationEvent = `application.${'deployment' | 'modification' | 'destruction'}.${'succeeded' | 'failed'}`;
export type WebhookEvent = StackEvent | ApplicationEvent;

/**
 * Tries before a delivery is given up (state `failed`). The queue's policy (src/jobs/queue.ts)
 * allows one more run, so a try lost to a crash still leaves the last one its turn.
 */
export const WEBHOOK_MAX_ATTEMPTS = 10;

/** How far up the partner tree events travel: far beyond a real tree, and a guard against a cycle. */
const MAX_PARTNER_DEPTH = 32;

/** The organization itself and every organization above it in the partner tree, nearest first, with a webhook_url. */
async function receiversOf(core: Core, organizationId: number): Promise<{ id: number; webhook_url: string }[]> {
  const { rows } = await sql<{ id: number | string; webhook_url: string; depth: number }>`
    with recursive chain (id, partner_id, depth) as (
      select id, partner_id, 0 from organizations where id = ${organizationId}
      union all
      select o.id, o.partner_id, c.depth + 1 from organizations o join chain c on o.id = c.partner_id
      where c.depth < ${MAX_PARTNER_DEPTH}
    )
    select o.id, o.webhook_url, min(c.depth) as depth from chain c join organizations o on o.id = c.id
    where o.webhook_url is not null and o.status <> 'closed'
    group by o.id, o.webhook_url order by depth`.execute(core.db);
  return rows.map((row) => ({ id: Number(row.id), webhook_url: row.webhook_url }));
}

/** A Standard Webhooks message id: the same on every try and re-send, so receivers can drop repeats. */
function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/**
 * Queues `event` for the organization `organizationId` is about and every partner above it
 * that has a webhook_url: one delivery row and one durable job each, in the caller's unit
 * of work (it opens one if there is none), so nothing is sent for a change that did not commit.
 */
export async function queueWebhookEvent(core: Core, organizationId: number, event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify({ event, data });
  await core.transact(async (tx) => {
    for (const receiver of await receiversOf(core, organizationId)) {
      const row = await tx.insertInto('webhook_deliveries').values({
        message_id: newMessageId(),
        organization_id: receiver.id,
        subject_organization_id: organizationId,
        event,
        body,
        url: receiver.webhook_url,
        created_at: core.now(),
      }).returning('id').executeTakeFirstOrThrow();
      await core.jobs.enqueue('webhook-delivery', { deliveryId: Number(row.id) });
    }
  });
}

interface TryOutcome extends PostOutcome {
  /** Retrying cannot help (the URL is refused, the receiver is gone): give up now. */
  permanent: boolean;
}

async function tryDelivery(core: Core, delivery: { id: number; message_id: string; organization_id: number; url: string; body: string }): Promise<TryOutcome> {
  let target;
  try {
    target = await resolvePublicUrl(core, 'webhook_url', delivery.url);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    // A name that does not resolve may resolve later; an address refused stays refused.
    const message = Object.values(error.fields).flat().join(' ') || error.message;
    return { status: null, error: `Refused: ${message}`, responseBody: null, permanent: !/does not resolve/.test(message) };
  }
  const secret = await webhookSecretOf(core, delivery.organization_id);
  const timestamp = Math.floor(core.now().getTime() / 1000);
  const headers = {
    'webhook-id': delivery.message_id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, delivery.message_id, timestamp, delivery.body),
  };
  const outcome = await postSigned(target, headers, delivery.body, core.config.webhookTimeoutMs);
  return { ...outcome, permanent: false };
}

/** The job: POSTs one delivery, signed; throws to have pg-boss retry it with backoff. */
export async function deliverWebhook(core: Core, deliveryId: number): Promise<void> {
  const delivery = await core.db.selectFrom('webhook_deliveries')
    .select(['id', 'message_id', 'organization_id', 'url', 'body', 'state'])
    .where('id', '=', deliveryId).executeTakeFirst();
  // Delivered (an earlier job or a re-send got there first) or given up: nothing to do.
  if (!delivery || delivery.state !== 'pending') return;

  const attemptedAt = core.now();
  const started = performance.now();
  const outcome = await tryDelivery(core, { ...delivery, id: Number(delivery.id), organization_id: Number(delivery.organization_id) });
  const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
  const durationMs = Math.round(performance.now() - started);

  const state = await core.transact(async (tx) => {
    await tx.insertInto('webhook_delivery_attempts').values({
      delivery_id: delivery.id,
      url: delivery.url,
      attempted_at: attemptedAt,
      duration_ms: durationMs,
      status: outcome.status,
      error: outcome.error,
      response_body: outcome.responseBody,
    }).execute();
    const updated = await tx.updateTable('webhook_deliveries').set({
      attempts: sql`attempts + 1`,
      last_status: outcome.status,
      last_error: outcome.error,
      last_attempt_at: attemptedAt,
      delivered_at: delivered ? core.now() : null,
      state: delivered
        ? 'delivered'
        : sql<'failed' | 'pending'>`case when ${outcome.permanent} or attempts + 1 >= ${WEBHOOK_MAX_ATTEMPTS} then 'failed' else 'pending' end`,
    }).where('id', '=', delivery.id).where('state', '=', 'pending')
      .returning('state').executeTakeFirst();
    return updated?.state ?? 'delivered';
  });
  if (state === 'pending') {
    throw new Error(`Webhook delivery ${delivery.id} not taken (${outcome.status ?? 'no answer'}); it will be tried again.`);
  }
}

/**
 * Part of the daily `prune-records` job: deletes deliveries finished (delivered, or given
 * up after the last try) more than WEBHOOK_RETENTION_DAYS ago, with their tries. A
 * delivery still pending is kept whatever its age: its job may yet send it.
 */
export async function pruneFinishedDeliveries(core: Core): Promise<number> {
  const before = new Date(core.now().getTime() - core.config.webhookRetentionDays * 86_400_000);
  return deleteOlderThan(core.db, 'webhook_deliveries', 'created_at', before, sql<SqlBool>`state <> 'pending'`);
}
