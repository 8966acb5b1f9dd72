// An organization's life: active, suspended (data kept, its members refused), reactivated,
// and closed (irreversible: members detached, personal data anonymized, history kept).
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import { BadRequest, Conflict } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { recordOrganizationEvent } from './events.js';
import { findOrganization, organizationById, requireUser, type Organization } from './profiles.js';

export async function suspendOrganization(core: Core, caller: Caller, ref: Ref, reason: string): Promise<Organization> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.lifecycle', organization);
  if (organization.is_broker) throw new BadRequest('The broker organization cannot be suspended.', 'organization.broker');
  const now = core.now();
  await core.transact(async (tx) => {
    const row = await tx.selectFrom('organizations').select('status').where('id', '=', organization.id).forUpdate().executeTakeFirstOrThrow();
    if (row.status !== 'active') throw new Conflict(`The organization is ${row.status}, not active.`, 'organization.not_active');
    await tx.updateTable('organizations').set({ status: 'suspended', status_reason: reason.trim(), updated_at: now })
      .where('id', '=', organization.id).execute();
    await recordOrganizationEvent(tx, { organizationId: organization.id, type: 'suspended', actorId: user.userId, now, detail: { reason: reason.trim() } });
  });
  return organizationById(core.db, organization.id);
}

export async function reactivateOrganization(core: Core, caller: Caller, ref: Ref): Promise<Organization> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.lifecycle', organization);
  const now = core.now();
  await core.transact(async (tx) => {
    const row = await tx.selectFrom('organizations').select('status').where('id', '=', organization.id).forUpdate().executeTakeFirstOrThrow();
    if (row.status !== 'suspended') throw new Conflict(`The organization is ${row.status}, not suspended.`, 'organization.not_suspended');
    await tx.updateTable('organizations').set({ status: 'active', status_reason: null, updated_at: now })
      .where('id', '=', organization.id).execute();
    await recordOrganizationEvent(tx, { organizationId: organization.id, type: 'reactivated', actorId: user.userId, now });
  });
  return organizationById(core.db, organization.id);
}

/**
 * Closes an organization for good. `via: 'delete'` is DjaoApp's DELETE, which its own
 * managers may do; `via: 'close'` is the lifecycle action from above. Either way the row
 * stays (subscriptions and transactions point at it) but says nothing about anyone: the
 * slug becomes `closed-<id>` so the old one can be reused, contact details are cleared,
 * every role, invitation and request is removed, and the events are kept.
 */
export async function closeOrganization(core: Core, caller: Caller, ref: Ref, via: 'close' | 'delete', reason?: string): Promise<Organization> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, via === 'delete' ? 'organization.delete' : 'organization.lifecycle', organization);
  if (organization.is_broker) throw new BadRequest('The broker organization cannot be closed.', 'organization.broker');
  const now = core.now();
  await core.transact(async (tx) => {
    const row = await tx.selectFrom('organizations').select('status').where('id', '=', organization.id).forUpdate().executeTakeFirstOrThrow();
    if (row.status === 'closed') throw new Conflict('The organization is already closed.', 'organization.already_closed');
    await closeOrganizationRow(tx, organization.id, user.userId, now, { via }, reason);
  });
  return organizationById(core.db, organization.id);
}

/**
 * Closes one organization inside `tx`: detaches every role, invitation and request, clears
 * everything that says who it was (`closed-<id>`, no contact details, no personal user)
 * and records the event. Shared by closing and by deleting the user of a personal profile.
 */
export async function closeOrganizationRow(
  tx: Db, organizationId: number, actorId: number | null, now: Date, detail: Record<string, unknown>, reason?: string,
): Promise<void> {
  const detached = await tx.deleteFrom('roles').where('organization_id', '=', organizationId).executeTakeFirst();
  // Nothing renews once it is closed: neither its own subscriptions (renewing charges its card,
  // which it no longer holds) nor those to its plans. They run to their end.
  await tx.updateTable('subscriptions').set({ auto_renew: false, updated_at: now })
    .where('auto_renew', '=', true)
    .where((eb) => eb.or([
      eb('organization_id', '=', organizationId),
      eb('plan_id', 'in', eb.selectFrom('plans').select('id').where('organization_id', '=', organizationId)),
    ])).execute();
  await tx.deleteFrom('payment_methods').where('organization_id', '=', organizationId).execute();
  // EmbedThis's invoice details, payment terms and metrics say who it was and what it did.
  await tx.deleteFrom('account_details').where('organization_id', '=', organizationId).execute();
  await tx.updateTable('organizations').set({
    slug: `closed-${organizationId}`,
    full_name: 'Closed organization',
    email: null, phone: null, street_address: null, locality: null, region: null, postal_code: null,
    country: null, picture: null, extra: null, personal_user_id: null,
    platform_responsible: null, technical_responsible: null, privacy_responsible: null,
    status: 'closed', status_reason: reason?.trim() || null, closed_at: now, updated_at: now,
  }).where('id', '=', organizationId).execute();
  await recordOrganizationEvent(tx, {
    organizationId, type: 'closed', actorId, now,
    detail: { ...detail, roles_removed: Number(detached.numDeletedRows), ...(reason?.trim() ? { reason: reason.trim() } : {}) },
  });
}

/**
 * Closes and anonymizes the personal billing profiles of a user being deleted, inside the
 * deletion's transaction: they carry the user's name, e-mail, phone and address. The rows
 * stay for the history (and, once billing exists, for the records a provider must keep).
 */
export async function closePersonalProfiles(tx: Db, userId: number, actorId: number | null, now: Date): Promise<void> {
  const personal = await tx.selectFrom('organizations').select('id')
    .where('personal_user_id', '=', userId).where('type', '=', 'personal').execute();
  for (const profile of personal) {
    await closeOrganizationRow(tx, profile.id, actorId, now, { via: 'user_deleted' });
  }
}

export interface OrganizationEvent {
  id: number;
  type: string;
  actor: string | null;
  detail: unknown;
  created_at: Date;
}

export const ORGANIZATION_EVENT_LIST: ListSpec = {
  // Events of one transaction share a timestamp; ids keep them in the order they happened.
  orderable: { created_at: 'organization_events.id', type: 'organization_events.type' },
  searchable: ['organization_events.type'],
  dateColumn: 'organization_events.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'organization_events.id',
};

export async function listOrganizationEvents(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Page<OrganizationEvent>> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.events.read', organization);
  const query = core.db.selectFrom('organization_events')
    .leftJoin('users', 'users.id', 'organization_events.actor_user_id')
    .select([
      'organization_events.id', 'organization_events.type', 'organization_events.created_at',
      'organization_events.detail', sql<string | null>`users.slug`.as('actor'),
    ])
    .where('organization_events.organization_id', '=', organization.id);
  return paginate(query, list, ORGANIZATION_EVENT_LIST);
}
