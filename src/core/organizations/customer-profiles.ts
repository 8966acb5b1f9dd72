// Customers as Accountcentral sees them: an organization with its responsibles, its premium
// flag and a status (ACTIVE, SUSPENDED, INACTIVE) that is the organization's lifecycle
// (active, suspended, closed). Lists: the customers a caller is associated with, and the
// parents of one (up its partner tree). Changes go through the profile and lifecycle
// functions, so the same rules and history apply as on every other surface.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { OrganizationStatus } from '../../db/schema.js';
import { BadRequest, Forbidden } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { recordOrganizationEvent } from './events.js';
import { reactivateOrganization, suspendOrganization } from './lifecycle.js';
import {
  findOrganization, getProfile, organizationById, requireUser, updateProfile, visibilityFilter, type Organization, type ProfileFields,
} from './profiles.js';
import { ACCEPTED } from './visibility.js';

export interface CustomerFilter {
  /** Part of the customer's name (case-insensitive). */
  name?: string;
  /** Leave out the customers this user is associated with (an accepted role on it, or its home organization). */
  excludeUserId?: number;
}

export const CUSTOMER_LIST: ListSpec = {
  orderable: { name: 'organizations.full_name', id: 'organizations.id' },
  searchable: [],
  defaultOrder: ['name'],
  tieBreaker: 'organizations.id',
};

function selectCustomers(core: Core) {
  return core.db.selectFrom('organizations')
    .selectAll('organizations')
    .select(sql<string | null>`(select p.slug from organizations p where p.id = organizations.partner_id)`.as('partner_slug'))
    .where('organizations.type', '=', 'organization');
}

type CustomerQuery = ReturnType<typeof selectCustomers>;

function filtered(query: CustomerQuery, filter: CustomerFilter): CustomerQuery {
  let q = query;
  const name = filter.name?.trim();
  if (name) q = q.where(sql<SqlBool>`organizations.full_name ilike ${`%${name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  if (filter.excludeUserId !== undefined) {
    const userId = filter.excludeUserId;
    q = q.where(sql<SqlBool>`not exists (select 1 from roles r where r.organization_id = organizations.id and r.user_id = ${userId} and ${ACCEPTED})`)
      .where(sql<SqlBool>`organizations.id is distinct from (select u.home_organization_id from users u where u.id = ${userId})`);
  }
  return q;
}

/**
 * The customers associated with the caller: those where they hold an accepted role, and
 * every customer below one they manage (every organization for the broker's managers).
 * Personal billing profiles are not customers; closed ones show only to the broker's managers.
 */
export async function listAssociatedCustomers(core: Core, caller: Caller, filter: CustomerFilter, list: ListQuery): Promise<Page<Organization>> {
  const user = requireUser(caller);
  const visible = await visibilityFilter(core, user);
  return paginate(filtered(visible(selectCustomers(core)) as CustomerQuery, filter), list, CUSTOMER_LIST);
}

/**
 * The parents of a customer, nearest first: its partner, that partner's partner, and so on
 * up the tree (closed ones left out). Whoever may read the customer may see who sits above
 * it, as its own partner is shown on every surface.
 */
export async function listCustomerParents(core: Core, caller: Caller, ref: Ref, filter: CustomerFilter, list: ListQuery): Promise<Page<Organization>> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.read', organization);
  const rows = await sql<{ id: number; depth: number }>`
    with recursive up (id, partner_id, depth, path) as (
      select o.id, o.partner_id, 0, array[o.id] from organizations o where o.id = ${organization.id}
      union all
      select o.id, o.partner_id, u.depth + 1, u.path || o.id from organizations o join up u on o.id = u.partner_id
       where not o.id = any(u.path)
    )
    select id, depth from up where depth > 0 order by depth`.execute(core.db);
  const ids = rows.rows.map((row) => Number(row.id));
  if (ids.length === 0) return { count: 0, results: [] };
  const depth = sql`array_position(array[${sql.join(ids)}]::bigint[], organizations.id::bigint)`;
  const spec: ListSpec = { ...CUSTOMER_LIST, orderable: { ...CUSTOMER_LIST.orderable, depth }, defaultOrder: ['depth'] };
  const query = selectCustomers(core)
    .where('organizations.id', 'in', ids)
    .where('organizations.status', '<>', 'closed');
  return paginate(filtered(query, filter), list, spec);
}

export async function getCustomer(core: Core, caller: Caller, ref: Ref): Promise<Organization> {
  return getProfile(core, caller, ref);
}

export interface CustomerChanges {
  name?: string;
  address?: string | null;
  country?: string | null;
  phone?: string | null;
  platformResponsible?: string | null;
  technicalResponsible?: string | null;
  privacyResponsible?: string | null;
  status?: OrganizationStatus;
  premium?: boolean;
  /** The customer's group id: its slug. */
  gid?: string;
}

const SUSPENSION_REASON = 'Suspended through Accountcentral.';

/**
 * Changes a customer. Its profile fields need `organization.update` (its managers and those
 * above); `premium` and the status are decided from above (`organization.premium`,
 * `organization.lifecycle`): SUSPENDED suspends it and ACTIVE reactivates it through the
 * lifecycle functions; INACTIVE (closed) is refused, closing being irreversible. Everything
 * is one unit of work: a refused part changes nothing.
 */
export async function updateCustomer(core: Core, caller: Caller, ref: Ref, changes: CustomerChanges): Promise<Organization> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  const statusChange = changes.status !== undefined && changes.status !== organization.status ? changes.status : undefined;
  if (statusChange === 'closed') {
    throw new BadRequest('A customer becomes INACTIVE only when it is closed, which cannot be undone: deactivate it with provisioning '
      + 'jobs (PREPARE_DEACTIVATION, then DEACTIVATE), or close it on the native API.', 'customer.inactive_refused', {
      status: ['INACTIVE cannot be set here.'],
    });
  }
  const profile: ProfileFields = {};
  if (changes.name !== undefined) profile.full_name = changes.name;
  if (changes.address !== undefined) profile.street_address = changes.address;
  if (changes.country !== undefined) profile.country = changes.country;
  if (changes.phone !== undefined) profile.phone = changes.phone;
  if (changes.gid !== undefined) profile.slug = changes.gid;
  const own: Record<string, string | boolean | null> = {};
  const text = (value: string | null) => (value === null || value.trim() === '' ? null : value.trim());
  if (changes.platformResponsible !== undefined) own.platform_responsible = text(changes.platformResponsible);
  if (changes.technicalResponsible !== undefined) own.technical_responsible = text(changes.technicalResponsible);
  if (changes.privacyResponsible !== undefined) own.privacy_responsible = text(changes.privacyResponsible);
  if (changes.premium !== undefined) own.premium = changes.premium;
  const changedOwn = Object.keys(own).filter((key) => own[key] !== (organization as Record<string, unknown>)[key]);
  const fieldsAsked = Object.keys(profile).length > 0 || changedOwn.length > 0;

  await core.transact(async (tx) => {
    if (fieldsAsked || !statusChange) {
      const access = await authorizeOrganization(core, caller, 'organization.update', organization);
      if (changedOwn.includes('premium') && !access.may('organization.premium')) {
        throw new Forbidden('Only whoever sits above a customer (its partner, the broker) may change premium.');
      }
    }
    if (Object.keys(profile).length > 0) await updateProfile(core, caller, { id: organization.id }, profile);
    if (changedOwn.length > 0) {
      const now = core.now();
      const values = Object.fromEntries(changedOwn.map((key) => [key, own[key]]));
      await tx.updateTable('organizations').set({ ...values, updated_at: now }).where('id', '=', organization.id).execute();
      await recordOrganizationEvent(tx, { organizationId: organization.id, type: 'updated', actorId: user.userId, now, detail: { fields: changedOwn } });
    }
    if (statusChange === 'suspended') await suspendOrganization(core, caller, { id: organization.id }, SUSPENSION_REASON);
    else if (statusChange === 'active') await reactivateOrganization(core, caller, { id: organization.id });
  });
  return organizationById(core.db, organization.id);
}
