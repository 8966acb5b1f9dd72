// A user's roles in the platform's applications and their capabilities (Accountcentral).
// - Application roles: at most one role per application, each one the application accepts
//   (the catalog, platform-applications.ts).
// - Capabilities: a role on a resource of an application's capabilities schema. Our schema
//   (version 1 and up) names a customer: `resource` is ["customers", "<groupPk>", ...more],
//   so "the role is assigned to a specific customer using the user capabilities" (the
//   AccountCentral role of a user for a customer is its capability there). Granting another
//   role on the same resource replaces the one in force; every grant and revocation is logged.
// Changing either is `user.team.administer` on the account (a manager of the customer that
// made it, those above, the broker) and, for a capability, managing the customer it names.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid, NotFound, Unauthenticated } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { targetUser } from '../identity/administration.js';
import { findOrganization } from '../organizations/profiles.js';
import { applicationRoles, platformApplication } from './platform-applications.js';

/** The application whose capabilities give a user's AccountCentral role per customer. */
export const ACCOUNTCENTRAL = 'accountcentral';

// ---- application roles ----

/** The roles a creation form offers per application (the catalog's `atCreation` ones); for signed-in users. */
export function rolesAtCreation(core: Core, caller: Caller): Record<string, string[]> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return applicationRoles(core, { atCreation: true });
}

async function rolesOf(core: Core, userId: number): Promise<Record<string, string[]>> {
  const rows = await core.db.selectFrom('user_application_roles').select(['application', 'role'])
    .where('user_id', '=', userId).orderBy('application').execute();
  return Object.fromEntries(rows.map((r) => [r.application, [r.role]]));
}

/** `{application: [role]}` for every application the user has a role in. */
export async function getApplicationRoles(core: Core, caller: Caller, ref: Ref): Promise<Record<string, string[]>> {
  const { user } = await targetUser(core, caller, 'user.read', ref);
  return rolesOf(core, user.id);
}

/** Checks a role per application against the catalog; throws naming every field at fault. */
export function checkApplicationRoles(core: Core, roles: Readonly<Record<string, string | null | undefined>>): void {
  const errors: Record<string, string[]> = {};
  for (const [code, role] of Object.entries(roles)) {
    if (role === undefined || role === null) continue;
    const application = platformApplication(core, code);
    if (!application) errors[code] = [`The platform has no application "${code}".`];
    else if (!application.roles.includes(role)) errors[code] = [`"${role}" is not a role of ${application.name}: one of ${application.roles.join(', ')}.`];
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
}

/**
 * Writes the roles given (null removes the application's role; an application left out
 * keeps its own) in the caller's unit of work. The roles must have been checked.
 */
export async function writeApplicationRoles(
  core: Core, userId: number, roles: Readonly<Record<string, string | null | undefined>>, actorId: number | null,
): Promise<void> {
  const now = core.now();
  await core.transact(async (tx) => {
    for (const [application, role] of Object.entries(roles)) {
      if (role === undefined) continue;
      if (role === null) {
        await tx.deleteFrom('user_application_roles').where('user_id', '=', userId).where('application', '=', application).execute();
        continue;
      }
      await tx.insertInto('user_application_roles')
        .values({ user_id: userId, application, role, assigned_by: actorId, assigned_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'application']).doUpdateSet({ role, assigned_by: actorId, assigned_at: now }))
        .execute();
    }
  });
}

/** Assigns a role per application (null removes it); answers the roles the user then has. */
export async function assignApplicationRoles(
  core: Core, caller: Caller, ref: Ref, roles: Readonly<Record<string, string | null | undefined>>,
): Promise<Record<string, string[]>> {
  const { user, caller: admin } = await targetUser(core, caller, 'user.team.administer', ref);
  checkApplicationRoles(core, roles);
  await writeApplicationRoles(core, user.id, roles, admin.userId);
  return rolesOf(core, user.id);
}

// ---- capabilities ----

export interface CapabilityGrant {
  application: string;
  version: number;
  resource: string[];
  role: string;
}

export interface Capability extends CapabilityGrant {
  id: number;
  grantedAt: Date;
}

/** The customer a resource path names: ["customers", "<groupPk>", ...]. */
function customerOfResource(resource: readonly string[]): number {
  const id = resource[0] === 'customers' && /^[1-9][0-9]{0,15}$/.test(resource[1] ?? '') ? Number(resource[1]) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new Invalid('resource', 'A resource names a customer: ["customers", "<groupPk>"], optionally followed by deeper segments.');
  }
  return id;
}

/** The customer a capability is about, which the caller must manage. */
async function managedCustomer(core: Core, caller: Caller, resource: readonly string[]): Promise<number> {
  const id = customerOfResource(resource);
  let organization;
  try {
    organization = await findOrganization(core.db, { id });
  } catch (error) {
    if (error instanceof NotFound) throw new Invalid('resource', `No customer ${id}.`);
    throw error;
  }
  try {
    await authorizeOrganization(core, caller, 'organization.members.manage', organization);
  } catch (error) {
    // A customer the caller cannot even see reads as one that does not exist.
    if (error instanceof NotFound) throw new Invalid('resource', `No customer ${id}.`);
    throw error;
  }
  return organization.id;
}

/**
 * Grants a capability: replaces the one in force on the same application and resource
 * (revoked, logged), or does nothing when that one is the same. Answers the capability in force.
 */
export async function grantCapability(core: Core, caller: Caller, ref: Ref, grant: CapabilityGrant): Promise<Capability> {
  const { user, caller: admin } = await targetUser(core, caller, 'user.team.administer', ref);
  const application = platformApplication(core, grant.application);
  if (!application) throw new Invalid('application', `The platform has no application "${grant.application}".`);
  if (!application.roles.includes(grant.role)) {
    throw new Invalid('role', `"${grant.role}" is not a role of ${application.name}: one of ${application.roles.join(', ')}.`);
  }
  const organizationId = await managedCustomer(core, caller, grant.resource);
  const resource = JSON.stringify(grant.resource);
  const now = core.now();
  return core.transact(async (tx) => {
    // Grants to one user are serialized on its row: two at once cannot both find nothing in force.
    await tx.selectFrom('users').select('id').where('id', '=', user.id).forUpdate().executeTakeFirstOrThrow();
    const current = await tx.selectFrom('user_capabilities').selectAll()
      .where('user_id', '=', user.id).where('application', '=', application.code)
      .where(sql<boolean>`resource = ${resource}::jsonb`).where('revoked_at', 'is', null).executeTakeFirst();
    if (current && current.role === grant.role && current.version === grant.version) {
      return { id: current.id, application: current.application, version: current.version, resource: grant.resource, role: current.role, grantedAt: current.granted_at };
    }
    if (current) {
      await tx.updateTable('user_capabilities').set({ revoked_at: now, revoked_by: admin.userId }).where('id', '=', current.id).execute();
      await tx.insertInto('user_capability_log').values({ user_id: user.id, capability_id: current.id, action: 'REVOKED', actor_id: admin.userId, created_at: now }).execute();
    }
    const row = await tx.insertInto('user_capabilities').values({
      user_id: user.id, application: application.code, version: grant.version, resource, role: grant.role,
      organization_id: organizationId, granted_by: admin.userId, granted_at: now,
    }).returning(['id']).executeTakeFirstOrThrow();
    await tx.insertInto('user_capability_log').values({ user_id: user.id, capability_id: row.id, action: 'GRANTED', actor_id: admin.userId, created_at: now }).execute();
    return { id: row.id, application: application.code, version: grant.version, resource: grant.resource, role: grant.role, grantedAt: now };
  });
}

/** Revokes one capability in force of the user; the caller must manage the customer it names. */
export async function revokeCapability(core: Core, caller: Caller, ref: Ref, capabilityId: number): Promise<void> {
  const { user, caller: admin } = await targetUser(core, caller, 'user.team.administer', ref);
  const capability = await core.db.selectFrom('user_capabilities').select(['id', 'resource'])
    .where('id', '=', capabilityId).where('user_id', '=', user.id).where('revoked_at', 'is', null).executeTakeFirst();
  if (!capability) throw new NotFound('capability');
  await managedCustomer(core, caller, capability.resource as string[]);
  const now = core.now();
  await core.transact(async (tx) => {
    const revoked = await tx.updateTable('user_capabilities').set({ revoked_at: now, revoked_by: admin.userId })
      .where('id', '=', capability.id).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
    // Revoked by someone else a moment ago: the same answer as for one never in force.
    if (!revoked) throw new NotFound('capability');
    await tx.insertInto('user_capability_log').values({ user_id: user.id, capability_id: capability.id, action: 'REVOKED', actor_id: admin.userId, created_at: now }).execute();
  });
}

export interface CapabilityLogEntry {
  id: number;
  capabilityId: number;
  action: 'GRANTED' | 'REVOKED';
  application: string;
  version: number;
  resource: string[];
  role: string;
  /** Who did it (a username); null when it was the service itself or the account is gone. */
  by: string | null;
  at: Date;
}

export const CAPABILITY_LOG_LIST: ListSpec = {
  orderable: { at: 'user_capability_log.id' },
  searchable: [],
  defaultOrder: ['-at'],
  tieBreaker: 'user_capability_log.id',
};

/** Every grant and revocation of the user's capabilities, newest first. */
export async function capabilityLog(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Page<CapabilityLogEntry>> {
  const { user } = await targetUser(core, caller, 'user.team.administer', ref);
  const query = core.db.selectFrom('user_capability_log')
    .innerJoin('user_capabilities', 'user_capabilities.id', 'user_capability_log.capability_id')
    .leftJoin('users as actor', 'actor.id', 'user_capability_log.actor_id')
    .select([
      'user_capability_log.id', 'user_capability_log.capability_id as capabilityId', 'user_capability_log.action',
      'user_capabilities.application', 'user_capabilities.version', 'user_capabilities.resource', 'user_capabilities.role',
      sql<string | null>`case when actor.deleted_at is null then actor.slug end`.as('by'), 'user_capability_log.created_at as at',
    ])
    .where('user_capability_log.user_id', '=', user.id);
  const page = await paginate(query, list, CAPABILITY_LOG_LIST);
  return { count: page.count, results: page.results.map((r) => ({ ...r, resource: r.resource as string[] })) };
}

/**
 * The caller's AccountCentral role: for a customer, the role of their `accountcentral`
 * capability on it (["customers", "<groupPk>"]); without a customer, their role in the
 * `accountcentral` application. Null when they have none. About the caller only.
 */
export async function accountcentralRole(core: Core, caller: Caller, groupPk: number | undefined): Promise<string | null> {
  const { user } = await targetUser(core, caller, 'user.read', { id: caller.kind === 'user' ? caller.userId : 0 });
  if (groupPk === undefined) {
    const row = await core.db.selectFrom('user_application_roles').select('role')
      .where('user_id', '=', user.id).where('application', '=', ACCOUNTCENTRAL).executeTakeFirst();
    return row?.role ?? null;
  }
  const row = await core.db.selectFrom('user_capabilities').select('role')
    .where('user_id', '=', user.id).where('application', '=', ACCOUNTCENTRAL).where('revoked_at', 'is', null)
    .where(sql<boolean>`resource = ${JSON.stringify(['customers', String(groupPk)])}::jsonb`).executeTakeFirst();
  return row?.role ?? null;
}

export interface ApplicationCapabilities {
  /** The highest schema version among the application's capabilities. */
  version: number;
  /** Resource path (segments joined by `/`) -> role. */
  resources: Record<string, string>;
}

/**
 * What the authorization server puts in a token: the capabilities in force of the user the
 * request authenticates, by application. Nothing for an anonymous caller.
 */
export async function ownCapabilities(core: Core, caller: Caller): Promise<Record<string, ApplicationCapabilities>> {
  if (caller.kind !== 'user') return {};
  const rows = await core.db.selectFrom('user_capabilities').select(['application', 'version', 'resource', 'role'])
    .where('user_id', '=', caller.userId).where('revoked_at', 'is', null).orderBy('application').orderBy('id').execute();
  const out: Record<string, ApplicationCapabilities> = {};
  for (const row of rows) {
    const entry = (out[row.application] ??= { version: row.version, resources: {} });
    entry.version = Math.max(entry.version, row.version);
    entry.resources[(row.resource as string[]).join('/')] = row.role;
  }
  return out;
}
