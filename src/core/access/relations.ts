// The one relation model: who stands in which relation (permissions.ts) to an organization
// or a user. Every decision and every list reads it from here:
// - an accepted role is one with neither a pending invitation nor a pending join request;
// - a role's powers hold while its organization is active;
// - a partner's managers act below it while the partner and every organization between
//   are active; a closed organization cuts the tree;
// - the broker's managers act everywhere;
// - a member's personal data opens only through a role the member accepted themselves;
// - an account's credentials are administered by the organization that made it (its team),
//   never by one it merely joined.
// One organization is decided by walking up its partner chain (depth of the tree, not its
// size); lists walk down from the caller's roles. Both walks follow the rules above, and
// the access matrices check they agree. Neither has a depth limit: a path array stops a
// cycle, should the data ever hold one.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Core } from '../context.js';
import type { OrganizationRelation } from './permissions.js';

/** An accepted role `r`: neither a pending invitation nor a pending join request. */
export const ACCEPTED = sql`r.grant_key_hash is null and r.request_key is null`;

/** The global manager description (an organization cannot define its own "manager"). */
const MANAGER_ROLE = sql`(select id from role_descriptions where slug = 'manager' and organization_id is null)`;
/** The global descriptions that manage: manager, and partner (a manager with partner-only deployment settings). */
const MANAGING_ROLES = sql`(select id from role_descriptions where slug in ('manager', 'partner') and organization_id is null)`;

/**
 * Whether the user manages the broker. Cached per user and fenced like the session state
 * (it decides access); the entry depends on the user's roles, the global manager
 * description and each organization the user manages (one may become or stop being the broker).
 */
export async function isBrokerManager(core: Core, userId: number): Promise<boolean> {
  const managed = await core.cache.get(`broker-manager:${userId}`, () => queryManagedOrganizations(core, userId),
    (rows) => [`roles:${userId}`, 'role_descriptions:null', ...rows.map((r) => `organizations:${r.id}` as const)],
    { fenced: true });
  return managed.some((r) => r.is_broker);
}

async function queryManagedOrganizations(core: Core, userId: number): Promise<Array<{ id: number; is_broker: boolean }>> {
  const rows = await sql<{ id: number; is_broker: boolean }>`
    select o.id, o.is_broker from roles r join organizations o on o.id = r.organization_id
     where r.user_id = ${userId} and r.role_description_id = ${MANAGER_ROLE} and ${ACCEPTED}`.execute(core.db);
  return rows.rows;
}

export interface OrganizationRelations {
  exists: boolean;
  status: 'active' | 'suspended' | 'closed';
  statusReason: string | null;
  relations: OrganizationRelation[];
  /** Why a partner relation is without powers: the reason the partner (or one between) is suspended. */
  partnerSuspension: string | null;
}

interface ChainRow {
  id: number;
  depth: number;
  status: 'active' | 'suspended' | 'closed';
  status_reason: string | null;
  manager: boolean | null;
  partner: boolean | null;
  role: boolean | null;
  broker_manager: boolean;
}

/** How `userId` (0 for nobody) stands toward one organization, walking up its partner chain. */
export async function organizationRelations(core: Core, userId: number, organizationId: number): Promise<OrganizationRelations> {
  const rows = await sql<ChainRow>`
    with recursive chain (id, partner_id, status, status_reason, depth, path) as (
      select id, partner_id, status, status_reason, 0, array[id] from organizations where id = ${organizationId}
      union all
      select o.id, o.partner_id, o.status, o.status_reason, c.depth + 1, c.path || o.id
        from organizations o join chain c on o.id = c.partner_id
       where not o.id = any(c.path)
    )
    select chain.id, chain.depth, chain.status, chain.status_reason,
           bool_or(rd.slug in ('manager', 'partner') and rd.organization_id is null) as manager,
           bool_or(rd.slug = 'partner' and rd.organization_id is null) as partner,
           bool_or(r.id is not null) as role,
           ${userId > 0 ? sql`exists (
             select 1 from roles r join organizations o on o.id = r.organization_id and o.is_broker
              where r.user_id = ${userId} and r.role_description_id = ${MANAGER_ROLE} and ${ACCEPTED})` : sql`false`} as broker_manager
      from chain
      left join roles r on r.organization_id = chain.id and r.user_id = ${userId} and ${ACCEPTED}
      left join role_descriptions rd on rd.id = r.role_description_id
     group by chain.id, chain.depth, chain.status, chain.status_reason
     order by chain.depth
  `.execute(core.db);
  const [self, ...above] = rows.rows;
  if (!self) return { exists: false, status: 'closed', statusReason: null, relations: [], partnerSuspension: null };
  const relations: OrganizationRelation[] = [];
  if (self.broker_manager) relations.push(self.status === 'closed' ? 'broker_manager_of_closed' : 'broker_manager');
  let partnerSuspension: string | null = null;
  if (self.status !== 'closed' && userId > 0) {
    if (self.role) {
      if (self.status === 'suspended') relations.push('suspended_member');
      else {
        relations.push(self.manager ? 'manager' : 'member');
        // A partner is a manager who may also pass partner-only settings.
        if (self.partner) relations.push('partner');
      }
    }
    // The nearest partner the caller manages decides: a suspension anywhere on the way up to it
    // (itself included) leaves the relation without powers; a closed one cuts it.
    let suspension: string | null = null;
    for (const org of above) {
      if (org.status === 'closed') break;
      if (org.status === 'suspended') suspension ??= org.status_reason ?? 'no reason given';
      if (!org.manager) continue;
      if (suspension === null) relations.push('partner_manager');
      else {
        relations.push('suspended_partner_manager');
        partnerSuspension = suspension;
      }
      break;
    }
  }
  return { exists: true, status: self.status, statusReason: self.status_reason, relations, partnerSuspension };
}

/**
 * Whether `managerId` is a member_manager of `targetId`: walking up from the organizations
 * where the target holds a role they accepted themselves, through active organizations
 * only, one of them is managed by the caller.
 */
export async function managesMemberOf(core: Core, managerId: number, targetId: number): Promise<boolean> {
  const row = await sql<{ found: number }>`
    with recursive up (id, partner_id, path) as (
      select o.id, o.partner_id, array[o.id] from roles r
        join organizations o on o.id = r.organization_id and o.status = 'active'
       where r.user_id = ${targetId} and ${ACCEPTED} and not r.granted_without_consent
      union all
      select o.id, o.partner_id, u.path || o.id from organizations o join up u on o.id = u.partner_id
       where o.status = 'active' and not o.id = any(u.path)
    )
    select 1 as found from up join roles r on r.organization_id = up.id
     where r.user_id = ${managerId} and r.role_description_id in ${MANAGING_ROLES} and ${ACCEPTED}
     limit 1
  `.execute(core.db);
  return row.rows.length > 0;
}

/**
 * Whether `managerId` is a team_manager of `targetId`: walking up from the organization that
 * owns the target's account (`home_organization_id`), through active organizations only, one
 * of them is managed by the caller.
 */
export async function managesHomeOf(core: Core, managerId: number, targetId: number): Promise<boolean> {
  const row = await sql<{ found: number }>`
    with recursive up (id, partner_id, path) as (
      select o.id, o.partner_id, array[o.id] from users u
        join organizations o on o.id = u.home_organization_id and o.status = 'active'
       where u.id = ${targetId} and u.deleted_at is null
      union all
      select o.id, o.partner_id, u.path || o.id from organizations o join up u on o.id = u.partner_id
       where o.status = 'active' and not o.id = any(u.path)
    )
    select 1 as found from up join roles r on r.organization_id = up.id
     where r.user_id = ${managerId} and r.role_description_id in ${MANAGING_ROLES} and ${ACCEPTED}
     limit 1
  `.execute(core.db);
  return row.rows.length > 0;
}

/**
 * Ids of the organizations `userId` stands in a relation to (one that `sees`, every one in
 * the table does): an accepted role on it, or an accepted manager role above it with no
 * closed organization between. Closed organizations are the caller's to filter out.
 */
export function visibleOrganizationIds(userId: number): RawBuilder<number> {
  return sql<number>`(
    with recursive below (id, path) as (
      select o.id, array[o.id] from roles r join organizations o on o.id = r.organization_id and o.status <> 'closed'
       where r.user_id = ${userId} and r.role_description_id in ${MANAGING_ROLES} and ${ACCEPTED}
      union all
      select o.id, b.path || o.id from organizations o join below b on o.partner_id = b.id
       where o.status <> 'closed' and not o.id = any(b.path)
    )
    select id from below
    union
    select r.organization_id from roles r where r.user_id = ${userId} and ${ACCEPTED}
  )`;
}

/**
 * Ids of the organizations whose members `userId` may read: an accepted role on an active
 * one, and those below an active organization they manage, reached through active ones
 * (a suspended customer included: its partner still acts on it).
 */
export function memberReadableOrganizationIds(userId: number): RawBuilder<number> {
  return sql<number>`(
    with recursive below (id, status, path) as (
      select o.id, o.status, array[o.id] from roles r join organizations o on o.id = r.organization_id and o.status = 'active'
       where r.user_id = ${userId} and r.role_description_id in ${MANAGING_ROLES} and ${ACCEPTED}
      union all
      select o.id, o.status, b.path || o.id from organizations o join below b on o.partner_id = b.id
       where b.status = 'active' and o.status <> 'closed' and not o.id = any(b.path)
    )
    select id from below
    union
    select r.organization_id from roles r join organizations o on o.id = r.organization_id and o.status = 'active'
     where r.user_id = ${userId} and ${ACCEPTED}
  )`;
}

/** Ids of the users `userId` may find: themselves and the accepted members of organizations whose members they may read. */
export function visibleUserIds(userId: number): RawBuilder<number> {
  return sql<number>`(
    select ${userId}::bigint
    union
    select r.user_id from roles r where ${ACCEPTED} and r.organization_id in ${memberReadableOrganizationIds(userId)}
  )`;
}

/**
 * `column` is one of the ids a sub-select such as visibleOrganizationIds lists. Compared with
 * an array of those ids, PostgreSQL probes the column's index once per id; as `in (...)` it may
 * hash-join a scan of the whole table, which grows with the table (docs/benchmarks/scale.md).
 */
export function isAmong(column: string, ids: RawBuilder<number>): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} = any(array${ids})`;
}

/** Customers below an organization: direct ones, or every level with `all`. */
export function customerIds(organizationId: number, all: boolean): RawBuilder<number> {
  if (!all) return sql<number>`(select id from organizations where partner_id = ${organizationId})`;
  return sql<number>`(
    with recursive below (id, path) as (
      select id, array[id] from organizations where partner_id = ${organizationId}
      union all
      select o.id, b.path || o.id from organizations o join below b on o.partner_id = b.id
       where not o.id = any(b.path)
    )
    select id from below
  )`;
}

/**
 * Ids of the organizations `userId` sits above: below an active organization they manage,
 * reached through active ones (the partner_manager relation, as a list). A suspended
 * organization is listed (its partner still acts on it) but cuts the tree below it.
 */
export function organizationIdsAbove(userId: number): RawBuilder<number> {
  return sql<number>`(
    with recursive below (id, status, path) as (
      select o.id, o.status, array[m.id, o.id] from roles r
        join organizations m on m.id = r.organization_id and m.status = 'active'
        join organizations o on o.partner_id = m.id and o.status <> 'closed'
       where r.user_id = ${userId} and r.role_description_id in ${MANAGING_ROLES} and ${ACCEPTED}
      union all
      select o.id, o.status, b.path || o.id from organizations o join below b on o.partner_id = b.id
       where b.status = 'active' and o.status <> 'closed' and not o.id = any(b.path)
    )
    select id from below
  )`;
}
