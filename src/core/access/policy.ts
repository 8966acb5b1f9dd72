// The one place that answers "may this caller do this action on this resource?".
// Every route of every surface asks here; nothing else decides. Deny by default.
//
// Who can do what:
// - the broker's managers: everything;
// - a user: read and change their own account;
// - an organization's managers: everything on that organization;
// - its contributors (and holders of custom roles): read it;
// - the managers of a partner (at any depth above an organization): what its managers can,
//   except the actions reserved to whoever sits above the organization (suspension, quotas).
// - a suspended organization refuses its own members (403 with the reason) but not those
//   above it; a closed one is a 404 for everybody but the broker's managers, who may read it.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import { Forbidden, NotFound, Unauthenticated } from '../errors.js';

export type UserAction =
  | 'user.read'
  | 'user.update'
  | 'user.delete'
  | 'user.credentials'
  | 'user.security_events'
  | 'user.administer';

export type OrganizationAction =
  | 'organization.read'
  | 'organization.update'
  | 'organization.delete'
  | 'organization.members.read'
  | 'organization.members.manage'
  | 'organization.customers.create'
  | 'organization.customers.read'
  | 'organization.lifecycle'
  | 'organization.quota'
  | 'organization.events.read'
  | 'organization.billing.read'
  | 'organization.billing.manage';

export type SiteAction = 'users.list' | 'users.create' | 'organizations.list' | 'site.administer';

/** How a caller relates to one organization. */
export interface Relation {
  brokerManager: boolean;
  /** Accepted role slugs the caller holds on the organization itself. */
  roles: string[];
  /** The caller manages an organization above this one in the partner tree. */
  partnerManager: boolean;
}

const READ_ACTIONS = new Set<OrganizationAction>([
  'organization.read',
  'organization.members.read',
  'organization.customers.read',
  'organization.billing.read',
]);
/** Actions that belong to whoever sits above an organization, not to its own managers. */
const ABOVE_ACTIONS = new Set<OrganizationAction>(['organization.lifecycle', 'organization.quota']);

export function mayOnOrganization(relation: Relation, action: OrganizationAction): boolean {
  if (relation.brokerManager) return true;
  if (ABOVE_ACTIONS.has(action)) return relation.partnerManager;
  if (relation.partnerManager || relation.roles.includes('manager')) return true;
  return relation.roles.length > 0 && READ_ACTIONS.has(action);
}

export interface OrganizationState {
  exists: boolean;
  status: string;
  statusReason: string | null;
  /** Reason a partner the caller manages above this organization is suspended, if it is. */
  suspendedPartner?: string | null;
}

/** A relation that allows reading means the caller may know the organization exists. */
export function maySee(relation: Relation): boolean {
  return relation.brokerManager || relation.partnerManager || relation.roles.length > 0;
}

export async function isBrokerManager(core: Core, userId: number): Promise<boolean> {
  return core.cache.get(`broker-manager:${userId}`, () => queryBrokerManager(core, userId));
}

async function queryBrokerManager(core: Core, userId: number): Promise<boolean> {
  const row = await core.db
    .selectFrom('roles')
    .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .select('roles.id')
    .where('roles.user_id', '=', userId)
    .where('organizations.is_broker', '=', true)
    .where('role_descriptions.slug', '=', 'manager')
    .where('roles.grant_key_hash', 'is', null)
    .where('roles.request_key', 'is', null)
    .executeTakeFirst();
  return !!row;
}

export async function relationTo(core: Core, caller: Caller, organizationId: number): Promise<Relation & OrganizationState> {
  const userId = caller.kind === 'user' ? caller.userId : 0;
  // One round trip: the organization and its partners up the tree, each with the caller's
  // accepted roles, plus whether the caller manages the broker.
  const rows = await sql<{ depth: number; status: string; status_reason: string | null; slug: string | null; broker_manager: boolean }>`
    with recursive chain (id, partner_id, status, status_reason, depth) as (
      select id, partner_id, status, status_reason, 0 from organizations where id = ${organizationId}
      union all
      select o.id, o.partner_id, o.status, o.status_reason, c.depth + 1
        from organizations o join chain c on o.id = c.partner_id
       where c.depth < 32
    )
    select chain.depth, chain.status, chain.status_reason, rd.slug,
           exists (
             select 1 from roles br
               join organizations bo on bo.id = br.organization_id and bo.is_broker
               join role_descriptions brd on brd.id = br.role_description_id and brd.slug = 'manager'
              where br.user_id = ${userId} and br.grant_key_hash is null and br.request_key is null
           ) as broker_manager
      from chain
      left join roles r on r.organization_id = chain.id and r.user_id = ${userId}
           and r.grant_key_hash is null and r.request_key is null
      left join role_descriptions rd on rd.id = r.role_description_id
  `.execute(core.db);
  const self = rows.rows.find((r) => r.depth === 0);
  if (!self) return { brokerManager: false, roles: [], partnerManager: false, exists: false, status: 'closed', statusReason: null };
  if (caller.kind !== 'user') {
    return { brokerManager: false, roles: [], partnerManager: false, exists: true, status: self.status, statusReason: self.status_reason };
  }
  return {
    brokerManager: self.broker_manager,
    roles: rows.rows.filter((r) => r.depth === 0 && r.slug).map((r) => r.slug!),
    // Only an active partner passes its powers down: a suspended partner's managers stop
    // acting on its customers too.
    partnerManager: rows.rows.some((r) => r.depth > 0 && r.slug === 'manager' && r.status === 'active'),
    exists: true,
    status: self.status,
    statusReason: self.status_reason,
    suspendedPartner: rows.rows.find((r) => r.depth > 0 && r.slug === 'manager' && r.status === 'suspended')?.status_reason ?? null,
  };
}

function requireUser(caller: Caller): asserts caller is Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new Unauthenticated();
}

/**
 * Authorizes an action on an organization. A caller who may not even see it gets the
 * same 404 as for an organization that does not exist.
 */
export async function authorizeOrganization(
  core: Core,
  caller: Caller,
  action: OrganizationAction,
  organization: { id: number; slug: string },
): Promise<Relation> {
  requireUser(caller);
  const relation = await relationTo(core, caller, organization.id);
  const notFound = () => new NotFound('organization', `No organization "${organization.slug}".`);
  if (!relation.exists) throw notFound();
  const state = { status: relation.status, status_reason: relation.statusReason };
  // A closed organization is gone for everybody; the broker's managers may still read it.
  if (state.status === 'closed') {
    if (!relation.brokerManager) throw notFound();
    if (READ_ACTIONS.has(action) || action === 'organization.events.read') return relation;
    throw new Forbidden('This organization is closed.');
  }
  // A suspended organization keeps its data but refuses its own members; whoever sits
  // above it (the broker's or a partner's managers) still acts on it.
  if (state.status === 'suspended' && !relation.brokerManager && !relation.partnerManager && relation.roles.length > 0) {
    throw new Forbidden(`This organization is suspended: ${(state.status_reason ?? 'no reason given').replace(/\.+$/, '')}.`);
  }
  if (mayOnOrganization(relation, action)) return relation;
  if (maySee(relation)) throw new Forbidden();
  if (relation.suspendedPartner !== undefined && relation.suspendedPartner !== null) {
    throw new Forbidden(`Your partner organization is suspended: ${relation.suspendedPartner.replace(/\.+$/, '')}.`);
  }
  throw notFound();
}

/**
 * Authorizes an action on a user account: users act on themselves, the broker's
 * managers on anyone. Administrators of an organization the user belongs to may read
 * the account and its security events.
 */
export async function authorizeUser(
  core: Core,
  caller: Caller,
  action: UserAction,
  target: { id: number; slug: string },
): Promise<void> {
  requireUser(caller);
  const self = caller.userId === target.id;
  if (self && action !== 'user.administer') return;
  if (await isBrokerManager(core, caller.userId)) return;
  if (action === 'user.read' || action === 'user.security_events') {
    if (await managesOrganizationOf(core, caller.userId, target.id)) return;
  }
  throw new NotFound('user', `No user "${target.slug}".`);
}

/** The caller manages (directly or as a partner) an organization where target has a role. */
async function managesOrganizationOf(core: Core, managerId: number, targetId: number): Promise<boolean> {
  const row = await sql<{ found: number }>`
    with recursive managed (id, depth) as (
      select r.organization_id, 0 from roles r
        join role_descriptions rd on rd.id = r.role_description_id
       where r.user_id = ${managerId} and rd.slug = 'manager'
         and r.grant_key_hash is null and r.request_key is null
      union all
      select o.id, m.depth + 1 from organizations o join managed m on o.partner_id = m.id
       where m.depth < 32
    )
    select 1 as found from roles r where r.user_id = ${targetId}
       and r.organization_id in (select id from managed) limit 1
  `.execute(core.db);
  return row.rows.length > 0;
}

/** Site-wide actions: listing every user or organization is for the broker's managers. */
export async function authorizeSite(core: Core, caller: Caller, action: SiteAction): Promise<void> {
  requireUser(caller);
  if (await isBrokerManager(core, caller.userId)) return;
  throw new Forbidden(action === 'users.list' ? 'Only the site managers may list users.' : undefined);
}
