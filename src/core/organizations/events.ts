// The organization's history: every lifecycle, profile and quota change, kept even after
// the organization is closed.
import type { Db } from '../../db/database.js';

export type OrganizationEventType =
  | 'created'
  | 'updated'
  | 'customer_created'
  | 'suspended'
  | 'reactivated'
  | 'closed'
  | 'quota_changed'
  | 'role.granted'
  | 'role.invited'
  | 'role.accepted'
  | 'role.revoked'
  | 'role.requested'
  | 'role.request_accepted'
  | 'role.request_denied'
  | 'role.request_resent'
  | 'role.requester_blocked'
  | 'role.requester_unblocked'
  | 'domain.requested'
  | 'domain.verified'
  | 'domain.removed'
  | 'webhook_secret.rotated'
  | 'dkim.added'
  | 'dkim.updated'
  | 'dkim.removed'
  | 'dkim.default_set'
  | 'account.billing_updated'
  | 'account.payment_updated'
  // Accountcentral: an account made for the customer's team; a provisioning job's run.
  | 'team_user.created'
  | 'provisioning.job';

export async function recordOrganizationEvent(
  tx: Db,
  event: { organizationId: number; type: OrganizationEventType; actorId: number | null; detail?: Record<string, unknown>; now: Date },
): Promise<void> {
  await tx.insertInto('organization_events').values({
    organization_id: event.organizationId,
    type: event.type,
    actor_user_id: event.actorId,
    detail: event.detail ? JSON.stringify(event.detail) : null,
    created_at: event.now,
  }).execute();
}
