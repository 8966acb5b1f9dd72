// Organizations by integer id, as get.chat lists and changes them: the ones a caller can
// access, a partner's customers (with the filters get.chat offers on both), what the caller
// may do on one, and the quotas on organizations and on their creators.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { Filter, ListQuery, ListSpec, Page } from '../pagination.js';
import { paginate } from '../pagination.js';
import { Invalid } from '../errors.js';
import { authorizeOrganization, authorizeSite } from '../access/policy.js';
import { ORGANIZATION_PERMISSIONS, type OrganizationAction } from '../access/permissions.js';
import { getUser } from '../identity/users.js';
import type { UserRow } from '../../db/schema.js';
import { recordOrganizationEvent } from './events.js';
import { customerIds, isAmong } from './visibility.js';
import { createCustomer } from './customers.js';
import {
  createProfile, findOrganization, getProfile, organizationById, requireUser, updateProfile, visibilityFilter, type Organization,
} from './profiles.js';

const ACCEPTED_ROLE = sql`r.grant_key_hash is null and r.request_key is null`;
const MANAGER_DESCRIPTION = sql`(select id from role_descriptions where slug = 'manager' and organization_id is null)`;

/**
 * Fields get.chat lists organizations by. `users_ids`, `owner_id` and `accesses_types` are
 * about the organization's accesses (roles), not its columns: `relationConditions` turns them
 * into conditions; the rest are columns.
 */
export const ORGANIZATION_LIST: ListSpec = {
  orderable: {
    id: 'organizations.id',
    name: 'organizations.full_name',
    created_at: 'organizations.created_at',
    modified_at: 'organizations.updated_at',
  },
  searchable: ['organizations.full_name'],
  dateColumn: 'organizations.created_at',
  defaultOrder: ['id'],
  tieBreaker: 'organizations.id',
  filterable: {
    id: { column: 'organizations.id', type: 'integer' },
    slug: { column: 'organizations.slug', type: 'string' },
    partner_id: { column: 'organizations.partner_id', type: 'integer' },
    created_at: { column: 'organizations.created_at', type: 'datetime' },
  },
};

/** The access-type names get.chat shows: an accepted role is DIRECT, a pending invitation INVITED. */
export const ACCESS_TYPES = ['DIRECT', 'INVITED'] as const;
export type AccessType = typeof ACCESS_TYPES[number];

function relationCondition(filter: Filter): Expression<SqlBool> {
  const name = `${filter.field}[${filter.op}]`;
  const value = Array.isArray(filter.value) ? filter.value[0] : filter.value;
  if (filter.op !== 'eq') throw new Invalid(name, `${filter.field} can only be filtered with eq.`, 'list.filter_unknown');
  switch (filter.field) {
    // Accepted roles only: a pending invitation by e-mail must not tie the address to an account.
    case 'users_ids':
      if (typeof value !== 'number') throw new Invalid(name, 'Expected an integer.');
      return sql<SqlBool>`exists (select 1 from roles r where r.organization_id = organizations.id and r.user_id = ${value} and ${ACCEPTED_ROLE})`;
    case 'owner_id':
      if (typeof value !== 'number') throw new Invalid(name, 'Expected an integer.');
      return sql<SqlBool>`exists (select 1 from roles r where r.organization_id = organizations.id and r.user_id = ${value}
        and r.role_description_id = ${MANAGER_DESCRIPTION} and ${ACCEPTED_ROLE})`;
    default: {
      if (value !== 'DIRECT' && value !== 'INVITED') throw new Invalid(name, `Expected one of ${ACCESS_TYPES.join(', ')}.`);
      return value === 'DIRECT'
        ? sql<SqlBool>`exists (select 1 from roles r where r.organization_id = organizations.id and ${ACCEPTED_ROLE})`
        : sql<SqlBool>`exists (select 1 from roles r where r.organization_id = organizations.id and r.grant_key_hash is not null)`;
    }
  }
}

const RELATION_FIELDS = new Set(['users_ids', 'owner_id', 'accesses_types']);

/** Splits the access filters (made into conditions here) from the column filters (the spec's). */
function splitFilters(list: ListQuery): { list: ListQuery; conditions: Expression<SqlBool>[] } {
  const filters = list.filters ?? [];
  return {
    list: { ...list, filters: filters.filter((f) => !RELATION_FIELDS.has(f.field)) },
    conditions: filters.filter((f) => RELATION_FIELDS.has(f.field)).map(relationCondition),
  };
}

function selectOrganizations(core: Core) {
  return core.db.selectFrom('organizations')
    .selectAll('organizations')
    .select(sql<string | null>`(select p.slug from organizations p where p.id = organizations.partner_id)`.as('partner_slug'))
    .where('organizations.type', '=', 'organization');
}

/** G2: the organizations the caller can access (their roles, and the customers below those they manage). */
export async function listAccessibleOrganizations(core: Core, caller: Caller, list: ListQuery): Promise<Page<Organization>> {
  const user = requireUser(caller);
  const visible = await visibilityFilter(core, user);
  const { list: columns, conditions } = splitFilters(list);
  let query = visible(selectOrganizations(core));
  for (const condition of conditions) query = query.where(condition);
  return paginate(query, columns, ORGANIZATION_LIST);
}

/** G4: a partner's customers, at every depth below it (closed ones only for the broker). */
export async function listCustomerOrganizations(core: Core, caller: Caller, partnerRef: Ref, list: ListQuery): Promise<Page<Organization>> {
  const partner = await findOrganization(core.db, partnerRef);
  const access = await authorizeOrganization(core, caller, 'organization.customers.read', partner);
  const { list: columns, conditions } = splitFilters(list);
  let query = selectOrganizations(core).where(isAmong('organizations.id', customerIds(partner.id, true)));
  if (!access.may('organization.customers.read_closed')) query = query.where('organizations.status', '<>', 'closed');
  for (const condition of conditions) query = query.where(condition);
  return paginate(query, columns, ORGANIZATION_LIST);
}

export interface OrganizationInput {
  name?: string;
  webhook_url?: string | null;
}

function checkName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const trimmed = name.trim();
  if (!trimmed) throw new Invalid('name', 'This field may not be blank.');
  return trimmed;
}

/** G1: an organization managed by the caller (its Owner), within the caller's organization_quota. */
export async function createOwnOrganization(core: Core, caller: Caller, input: OrganizationInput): Promise<Organization> {
  requireUser(caller);
  const name = checkName(input.name);
  if (name === undefined) throw new Invalid('name', 'This field is required.');
  return createProfile(core, caller, { full_name: name, webhook_url: input.webhook_url, type: 'organization' });
}

/**
 * G3: a customer below the partner organization. get.chat's guide sends no body, so the
 * name defaults to one made from the partner's.
 */
export async function createCustomerOrganization(core: Core, caller: Caller, partnerRef: Ref, input: OrganizationInput): Promise<Organization> {
  const name = checkName(input.name);
  const partner = await findOrganization(core.db, partnerRef);
  return createCustomer(core, caller, { id: partner.id }, {
    full_name: name ?? `${partner.full_name} customer`.slice(0, 150),
    webhook_url: input.webhook_url,
  });
}

/** G5 */
export async function getOrganizationById(core: Core, caller: Caller, ref: Ref): Promise<Organization> {
  return getProfile(core, caller, ref);
}

/** G6: name and webhook address. */
export async function updateOrganization(core: Core, caller: Caller, ref: Ref, input: OrganizationInput): Promise<Organization> {
  const name = checkName(input.name);
  return updateProfile(core, caller, ref, {
    ...(name !== undefined ? { full_name: name } : {}),
    ...(input.webhook_url !== undefined ? { webhook_url: input.webhook_url } : {}),
  });
}

/** Every organization action some relation may do, in the table's order. */
const ORGANIZATION_ACTIONS: OrganizationAction[] = [...new Set(Object.values(ORGANIZATION_PERMISSIONS).flatMap((grant) => grant.may))];

/** G7: what the caller may do on the organization, as action names (`organization.update`...). */
export async function organizationPermissions(core: Core, caller: Caller, ref: Ref): Promise<string[]> {
  const organization = await findOrganization(core.db, ref);
  const access = await authorizeOrganization(core, caller, 'organization.read', organization);
  return ORGANIZATION_ACTIONS.filter((action) => access.may(action));
}

/** How many stacks the organization may have (null: no limit): the broker's managers decide. */
export async function setStackQuota(core: Core, caller: Caller, ref: Ref, stackQuota: number | null): Promise<Organization> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.deployments.limits', organization);
  const now = core.now();
  await core.transact(async (tx) => {
    await tx.updateTable('organizations').set({ stack_quota: stackQuota, updated_at: now }).where('id', '=', organization.id).execute();
    await recordOrganizationEvent(tx, {
      organizationId: organization.id, type: 'quota_changed', actorId: user.userId, now,
      detail: { before: { stack_quota: organization.stack_quota }, after: { stack_quota: stackQuota } },
    });
  });
  return organizationById(core.db, organization.id);
}

/** How many organizations the user may create (null: no limit): the broker's managers decide. */
export async function setOrganizationQuota(core: Core, caller: Caller, userRef: Ref, quota: number | null): Promise<UserRow> {
  await authorizeSite(core, caller, 'site.administer');
  const target = await getUser(core.db, userRef);
  return core.db.updateTable('users').set({ organization_quota: quota, updated_at: core.now() })
    .where('id', '=', target.id).returningAll().executeTakeFirstOrThrow();
}
