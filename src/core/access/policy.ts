// The one place that answers "may this caller do this action on this resource?".
// Every route of every surface asks here; nothing else decides. Deny by default.
// Who stands in which relation is relations.ts; which relation may do what is the
// permission tables of permissions.ts. This file only joins the two and words refusals:
// - a caller with no relation that sees the resource gets the same 404 as for one that
//   does not exist;
// - one that sees it but may not act gets 403, naming a suspension when that is the reason.
import type { Caller, Core } from '../context.js';
import { Forbidden, NotFound, Unauthenticated } from '../errors.js';
import {
  ORGANIZATION_PERMISSIONS, SITE_PERMISSIONS, USER_PERMISSIONS, userRelationsAllowing,
  type OrganizationAction, type OrganizationRelation, type SiteAction, type UserAction, type UserRelation,
} from './permissions.js';
import { isBrokerManager, managesHomeOf, managesMemberOf, organizationRelations } from './relations.js';

export type { OrganizationAction, SiteAction, UserAction } from './permissions.js';
export { isBrokerManager } from './relations.js';

/** What a caller may do on one organization, once authorized for an action. */
export interface OrganizationAccess {
  relations: OrganizationRelation[];
  /** Field rules and finer choices inside a route ask here, from the same table. */
  may(action: OrganizationAction): boolean;
}

function accessOf(relations: OrganizationRelation[]): OrganizationAccess {
  return {
    relations,
    may: (action) => relations.some((relation) => ORGANIZATION_PERMISSIONS[relation].may.includes(action)),
  };
}

function requireUser(caller: Caller): asserts caller is Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new Unauthenticated();
}

function reasonOf(text: string | null): string {
  return (text ?? 'no reason given').replace(/\.+$/, '');
}

/**
 * Authorizes an action on an organization. A caller who may not even see it gets the
 * same 404 as for an organization that does not exist, word for word: the message names
 * no row (a caller who asked by id must not learn the slug, or that the id is taken).
 */
export async function authorizeOrganization(
  core: Core,
  caller: Caller,
  action: OrganizationAction,
  organization: { id: number; slug: string },
): Promise<OrganizationAccess> {
  requireUser(caller);
  const found = await organizationRelations(core, caller.userId, organization.id);
  const access = accessOf(found.relations);
  if (found.exists && access.may(action)) return access;
  if (!found.exists || !found.relations.some((relation) => ORGANIZATION_PERMISSIONS[relation].sees)) {
    throw new NotFound('organization');
  }
  if (found.relations.includes('suspended_member')) {
    throw new Forbidden(`This organization is suspended: ${reasonOf(found.statusReason)}.`, 'organization.suspended');
  }
  if (found.relations.includes('suspended_partner_manager')) {
    throw new Forbidden(`Your partner organization is suspended: ${reasonOf(found.partnerSuspension)}.`, 'partner.suspended');
  }
  if (found.status === 'closed') throw new Forbidden('This organization is closed.', 'organization.closed');
  throw new Forbidden();
}

/**
 * An organization action the operator may open to everyone by a setting (`open`): then any
 * caller, with or without a credential, passes while the organization is active; otherwise
 * the table decides as for authorizeOrganization. The organization's state still counts:
 * nobody acts for a suspended or closed one.
 */
export async function authorizeOrganizationOrOpen(
  core: Core,
  caller: Caller,
  action: OrganizationAction,
  organization: { id: number; slug: string },
  open: boolean,
): Promise<OrganizationAccess> {
  if (!open) return authorizeOrganization(core, caller, action, organization);
  const found = await organizationRelations(core, caller.kind === 'user' ? caller.userId : 0, organization.id);
  if (!found.exists) throw new NotFound('organization');
  if (found.status === 'suspended') throw new Forbidden(`This organization is suspended: ${reasonOf(found.statusReason)}.`, 'organization.suspended');
  if (found.status === 'closed') throw new Forbidden('This organization is closed.', 'organization.closed');
  return accessOf(found.relations);
}

/**
 * A choice inside a function (which of a user's organizations the caller manages): true
 * when authorizeOrganization would let the caller do `action` on the organization.
 */
export async function mayOnOrganization(core: Core, caller: Caller, action: OrganizationAction, organization: { id: number }): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  const found = await organizationRelations(core, caller.userId, organization.id);
  return found.exists && accessOf(found.relations).may(action);
}

/**
 * Authorizes an action on a user account. Relations are checked cheapest first, and only
 * those the table lets do the action: the owner, the broker's managers, the managers of an
 * organization where the user holds a role they accepted, then those of the organization
 * that owns the account.
 */
export async function authorizeUser(
  core: Core,
  caller: Caller,
  action: UserAction,
  target: { id: number; slug: string },
): Promise<void> {
  requireUser(caller);
  for (const relation of userRelationsAllowing(action)) {
    const held = holdsUserRelation(core, caller.userId, target.id, relation);
    // The owner's own check answers at once: no await (and no closure) on the commonest read.
    if (held === true || (held !== false && (await held))) return;
  }
  throw new NotFound('user');
}

function holdsUserRelation(core: Core, userId: number, targetId: number, relation: UserRelation): boolean | Promise<boolean> {
  switch (relation) {
    case 'self': return userId === targetId;
    case 'broker_manager': return isBrokerManager(core, userId);
    case 'member_manager': return managesMemberOf(core, userId, targetId);
    case 'team_manager': return managesHomeOf(core, userId, targetId);
  }
}

/** A field rule on a user account (such as the broker team's notes): true when some relation allows it. */
export async function mayOnUser(core: Core, caller: Caller, action: UserAction, target: { id: number }): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  if (caller.userId === target.id && USER_PERMISSIONS.self.includes(action)) return true;
  if (USER_PERMISSIONS.broker_manager.includes(action) && (await isBrokerManager(core, caller.userId))) return true;
  if (USER_PERMISSIONS.member_manager.includes(action) && (await managesMemberOf(core, caller.userId, target.id))) return true;
  return USER_PERMISSIONS.team_manager.includes(action) && managesHomeOf(core, caller.userId, target.id);
}

/** Site-wide actions: listing every user or organization is for the broker's managers. */
export async function authorizeSite(core: Core, caller: Caller, action: SiteAction): Promise<void> {
  requireUser(caller);
  const relation = (await isBrokerManager(core, caller.userId)) ? 'broker_manager' : 'user';
  if (SITE_PERMISSIONS[relation].includes(action)) return;
  throw new Forbidden(action === 'users.list' ? 'Only the site managers may list users.' : undefined);
}

/** A site-wide choice inside a route (such as "every account, or only those I relate to"). */
export async function mayOnSite(core: Core, caller: Caller, action: SiteAction): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  return SITE_PERMISSIONS[(await isBrokerManager(core, caller.userId)) ? 'broker_manager' : 'user'].includes(action);
}
