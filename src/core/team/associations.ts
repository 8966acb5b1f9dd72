// The customers a user is associated with (Accountcentral's "associated customers"): the
// organizations where the user holds an accepted role. A manager of a team account may
// associate it with other customers the manager manages (the user gets the member role
// there, active at once, as the account is the team's), and remove the associations it may
// remove. An organization's own powers still decide: the caller must manage each customer.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import type { OrganizationRow } from '../../db/schema.js';
import { NotFound } from '../errors.js';
import { authorizeOrganization, mayOnOrganization, mayOnSite } from '../access/policy.js';
import { targetUser } from '../identity/administration.js';
import { printableName } from '../identity/users.js';
import { ACCEPTED, isAmong, visibleOrganizationIds } from '../organizations/visibility.js';
import { assertSeatAvailable } from '../organizations/quotas.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { DEFAULT_ROLE_SLUG } from '../memberships/accesses.js';
import { findDescription, lockOrganization } from '../memberships/role-views.js';
import { ALL_ROLES } from '../memberships/role-views.js';
import { removeRoles } from '../memberships/roles.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';

export interface AssociatedCustomer {
  id: number;
  name: string;
  status: OrganizationRow['status'];
  /** The partner above it, if any. */
  partnerId: number | null;
  /** The role descriptions the user holds there (slugs). */
  roles: string[];
  /** It made the account (the user's home customer). */
  home: boolean;
}

export const ASSOCIATED_CUSTOMER_LIST: ListSpec = {
  orderable: { groupName: sql`coalesce(nullif(organizations.full_name, ''), organizations.slug)`, groupPk: 'organizations.id' },
  searchable: [],
  defaultOrder: ['groupName'],
  tieBreaker: 'organizations.id',
};

export interface GroupNameFilter {
  value?: string;
  /** `containing` (the default) or `startsWith`; case-insensitive either way. */
  mode?: 'containing' | 'startsWith';
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The customers where the user holds an accepted role, as far as the caller may see them:
 * all of them for the user and the broker's managers, else those the caller relates to.
 */
export async function listAssociatedCustomers(
  core: Core, caller: Caller, ref: Ref, filter: GroupNameFilter, list: Pick<ListQuery, 'page' | 'pageSize'>,
): Promise<Page<AssociatedCustomer>> {
  const { user, caller: reader } = await targetUser(core, caller, 'user.read', ref);
  const seesAll = reader.userId === user.id || (await mayOnSite(core, caller, 'organizations.list'));
  let query = core.db.selectFrom('organizations')
    .select([
      'organizations.id', 'organizations.slug', 'organizations.full_name', 'organizations.status', 'organizations.partner_id',
      sql<string[]>`array(select rd.slug from roles r join role_descriptions rd on rd.id = r.role_description_id
        where r.user_id = ${user.id} and r.organization_id = organizations.id and ${ACCEPTED} order by rd.slug)`.as('roles'),
    ])
    .where('organizations.status', '!=', 'closed')
    .where(sql<SqlBool>`exists (select 1 from roles r where r.user_id = ${user.id} and r.organization_id = organizations.id and ${ACCEPTED})`);
  if (!seesAll) query = query.where(isAmong('organizations.id', visibleOrganizationIds(reader.userId)));
  const value = filter.value?.trim();
  if (value) {
    const pattern = filter.mode === 'startsWith' ? `${escapeLike(value)}%` : `%${escapeLike(value)}%`;
    query = query.where(sql<SqlBool>`coalesce(nullif(organizations.full_name, ''), organizations.slug) ilike ${pattern}`);
  }
  const page = await paginate(query, { ...list, order: [] }, ASSOCIATED_CUSTOMER_LIST);
  return {
    count: page.count,
    results: page.results.map((row) => ({
      id: row.id,
      name: row.full_name || row.slug,
      status: row.status,
      partnerId: row.partner_id,
      roles: row.roles,
      home: row.id === user.home_organization_id,
    })),
  };
}

/** Each customer named, found and managed by the caller (the policy's 404 or 403 otherwise), in id order. */
async function managedCustomers(core: Core, caller: Caller, ids: readonly number[]): Promise<OrganizationRow[]> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  const rows = unique.length ? await core.db.selectFrom('organizations').selectAll()
    .where('id', 'in', unique).where('status', '!=', 'closed').execute() : [];
  const orgs: OrganizationRow[] = [];
  for (const id of unique) {
    const org = rows.find((row) => row.id === id);
    if (!org) throw new NotFound('organization', `No customer ${id}.`);
    await authorizeOrganization(core, caller, 'organization.members.manage', org);
    orgs.push(org);
  }
  return orgs;
}

/**
 * Associates a team account with customers the caller manages: the member role there,
 * accepted at once (a pending invitation or request of the user there becomes accepted).
 * Customers where the user already holds an accepted role are left as they are, so asking
 * twice, or two managers at once, gives one association. All or nothing: one customer
 * refused (not found, not managed by the caller, no seat left) and none is associated.
 * Answers how many customers gained the user.
 */
export async function associateCustomers(core: Core, caller: Caller, ref: Ref, customerIds: readonly number[]): Promise<number> {
  const { user, caller: manager } = await targetUser(core, caller, 'user.team.administer', ref);
  const orgs = await managedCustomers(core, caller, customerIds);
  const now = core.now();
  return core.transact(async (tx) => {
    let added = 0;
    for (const org of orgs) {
      // Grants and removals of one organization run one after the other (role-views.ts).
      await lockOrganization(tx, org.id);
      if (await associate(core, tx, org, user, manager.userId, now)) added += 1;
    }
    return added;
  });
}

async function associate(
  core: Core, tx: Db, org: OrganizationRow, user: { id: number; slug: string; email: string | null; full_name: string }, managerId: number, now: Date,
): Promise<boolean> {
  const held = await tx.selectFrom('roles').select(['id', 'grant_key_hash', 'request_key'])
    .where('organization_id', '=', org.id).where('user_id', '=', user.id).execute();
  if (held.some((r) => r.grant_key_hash === null && r.request_key === null)) return false;
  await assertSeatAvailable(tx, org.id, user.id);
  const description = await findDescription(tx, org.id, { slug: DEFAULT_ROLE_SLUG });
  const accepted = { grant_key_hash: null, request_key: null, request_message: null, invited_email: null, invited_name: null, accepted_at: now };
  if (held.length) {
    // The user asked, or was invited: the association answers it.
    await tx.updateTable('roles').set(accepted).where('id', 'in', held.map((r) => r.id)).execute();
  } else {
    // Given by the team, not by the user: it opens no access to the user's personal data
    // for this organization's managers (the member_manager relation needs the user's consent).
    const inserted = await tx.insertInto('roles').values({
      organization_id: org.id, user_id: user.id, role_description_id: description.id, ...accepted,
      granted_without_consent: true, created_by: managerId, created_at: now,
    }).onConflict((oc) => oc.columns(['organization_id', 'user_id', 'role_description_id']).doNothing())
      .returning('id').execute();
    if (!inserted.length) return false;
  }
  await recordOrganizationEvent(tx, {
    organizationId: org.id, type: 'role.granted', actorId: managerId, now,
    detail: { user: user.slug, role: description.slug, via: 'association' },
  });
  if (user.email) {
    await core.mailer.enqueue(tx, {
      to: user.email,
      template: 'role_grant_notice',
      context: {
        full_name: printableName(user), organization: printableName(org), role: description.title,
        inviter: 'A manager of your team', message: '', link: core.links.organization(org.slug), site: core.config.brokerName,
      },
    });
  }
  return true;
}

/**
 * Removes a user's associations: with `customerIds`, from those customers (each must be
 * one the caller manages; one where the user holds nothing is skipped); without, from every
 * customer the caller manages where the user holds a role (Accountcentral's operation names
 * none). Every role there goes, pending ones included. The last manager of a customer is
 * never removed (409, and nothing is removed). The account itself stays, with the customer
 * that made it. Answers how many customers lost the user.
 */
export async function removeCustomerAssociations(core: Core, caller: Caller, ref: Ref, customerIds?: readonly number[]): Promise<number> {
  const { user } = await targetUser(core, caller, 'user.team.administer', ref);
  const heldRows = await core.db.selectFrom('roles').innerJoin('organizations', 'organizations.id', 'roles.organization_id')
    .select('organizations.id').distinct()
    .where('roles.user_id', '=', user.id).where('organizations.status', '!=', 'closed').execute();
  const held = new Set(heldRows.map((row) => row.id));
  let targets: number[];
  if (customerIds) {
    targets = (await managedCustomers(core, caller, customerIds)).map((org) => org.id).filter((id) => held.has(id));
  } else {
    targets = [];
    for (const id of [...held].sort((a, b) => a - b)) {
      if (await mayOnOrganization(core, caller, 'organization.members.manage', { id })) targets.push(id);
    }
  }
  await core.transact(async () => {
    for (const id of targets) await removeRoles(core, caller, id, { id: user.id }, ALL_ROLES, 'removed', { includeInvitations: true });
  });
  return targets.length;
}
