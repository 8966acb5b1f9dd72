// get.chat's accesses: one user's access to one organization, with one role, addressed by
// the user's integer id. The core lets a user hold several roles on an organization (one per
// description); get.chat sees one: the most powerful (Partner, then Owner, then Maintainer,
// then the organization's own roles). Join requests are not accesses. Roles are the core's
// descriptions: the global `manager`, `contributor` and `partner` are get.chat's Owner,
// Maintainer and Partner; an organization's own descriptions keep their titles.
//
// A pending invitation shows only what the manager typed (the address), as everywhere
// (role-views.ts): its user is named by id, which get.chat's paths need, and nothing else of
// the account behind the address.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import { Conflict, Forbidden, NotFound, Unauthenticated, linkInvalid } from '../errors.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { authorizeOrganization, type OrganizationAccess } from '../access/policy.js';
import { findUserByEmail, normalizeEmail } from '../identity/users.js';
import { sha256 } from '../identity/secrets.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { acceptInvitation } from './invitations.js';
import { actorOf, grantRole, removeRoles, resendInvitation } from './roles.js';
import { ALL_ROLES, assertManagerRemains, findDescription, findOrganization, lockOrganization } from './role-views.js';

/** get.chat's names of the global descriptions. */
export const ROLE_NAMES: Readonly<Record<string, string>> = { manager: 'Owner', contributor: 'Maintainer', partner: 'Partner' };
/** What each global role may do, as get.chat describes it. */
const ROLE_TEXTS: Readonly<Record<string, string>> = {
  manager: 'Manages the organization: its users and accesses, webhooks, OAuth2 client, customers, stacks and applications.',
  contributor: 'Deploys and changes stacks and applications; the least privileged role, given to invitations by default.',
  partner: 'An Owner who may also pass partner-only application settings and issue users\' ID tokens; manages the customers below.',
};
const MANAGING = new Set(['manager', 'partner']);
/** The role invitations get when none is named: the least privileged. */
export const DEFAULT_ROLE_SLUG = 'contributor';

const INVITED = sql<boolean>`roles.grant_key_hash is not null`;
const GLOBAL = sql<boolean>`role_descriptions.organization_id is null`;
const ROLE_NAME = sql<string>`case when ${GLOBAL} and role_descriptions.slug = 'manager' then 'Owner'
  when ${GLOBAL} and role_descriptions.slug = 'contributor' then 'Maintainer'
  when ${GLOBAL} and role_descriptions.slug = 'partner' then 'Partner' else role_descriptions.title end`;
const ACCESS_TYPE = sql<string>`case when ${INVITED} then 'INVITED' else 'DIRECT' end`;

/** Which of a user's roles on an organization is their access: the most powerful, then the oldest. */
function primaryRole(alias: string): RawBuilder<number> {
  const ref = sql.ref;
  return sql<number>`(select r2.id from roles r2 join role_descriptions d2 on d2.id = r2.role_description_id
     where r2.organization_id = ${ref(`${alias}.organization_id`)} and r2.user_id = ${ref(`${alias}.user_id`)} and r2.request_key is null
     order by case when d2.organization_id is null then case d2.slug when 'partner' then 0 when 'manager' then 1 when 'contributor' then 2 else 3 end else 3 end, r2.id
     limit 1)`;
}

/** Accesses with their user (as the organization may see them) and role. */
function accessQuery(db: Db) {
  return db.selectFrom('roles')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .select([
      'roles.id', 'roles.created_at', 'roles.accepted_at', 'roles.organization_id', 'roles.user_id',
      INVITED.as('invited'), ACCESS_TYPE.as('type'),
      sql<string | null>`case when ${INVITED} then roles.invited_email else users.email end`.as('user_email'),
      sql<Date>`case when ${INVITED} then roles.created_at else users.created_at end`.as('user_created_at'),
      sql<Date>`case when ${INVITED} then roles.created_at else users.updated_at end`.as('user_modified_at'),
      sql<boolean>`(not ${INVITED} and users.email_verified_at is not null)`.as('user_email_verified'),
      sql<number | null>`case when ${INVITED} then null else users.organization_quota end`.as('user_organization_quota'),
      'role_descriptions.id as role_id', 'role_descriptions.created_at as role_created_at',
      'role_descriptions.slug as role_slug', ROLE_NAME.as('role_name'), GLOBAL.as('role_global'), 'role_descriptions.extra as role_extra',
    ])
    .where('users.deleted_at', 'is', null)
    .where('roles.request_key', 'is', null)
    .where(sql<SqlBool>`roles.id = ${primaryRole('roles')}`);
}

type AccessRow = Awaited<ReturnType<ReturnType<typeof accessQuery>['executeTakeFirstOrThrow']>>;

export interface RoleEntry {
  id: number;
  created_at: Date;
  name: string;
  description: string;
}

export interface AccessUser {
  id: number;
  created_at: Date;
  modified_at: Date;
  email: string | null;
  is_email_verified: boolean;
  organization_quota: number | null;
}

export interface AccessView {
  id: number;
  created_at: Date;
  modified_at: Date;
  type: 'DIRECT' | 'INVITED';
  user_id: number;
  organization_id: number;
  role_id: number;
  user: AccessUser;
  role: RoleEntry;
}

function roleEntry(row: { id: number; created_at: Date; slug: string; title: string; organization_id: number | null; extra: string | null }): RoleEntry {
  const global = row.organization_id === null && Object.hasOwn(ROLE_NAMES, row.slug);
  return {
    id: row.id,
    created_at: row.created_at,
    name: global ? ROLE_NAMES[row.slug]! : row.title,
    description: global ? ROLE_TEXTS[row.slug]! : (row.extra ?? ''),
  };
}

function toAccess(row: AccessRow): AccessView {
  return {
    id: row.id,
    created_at: row.created_at,
    modified_at: row.accepted_at ?? row.created_at,
    type: row.invited ? 'INVITED' : 'DIRECT',
    user_id: row.user_id,
    organization_id: row.organization_id,
    role_id: row.role_id,
    user: {
      id: row.user_id, created_at: row.user_created_at, modified_at: row.user_modified_at, email: row.user_email,
      is_email_verified: !!row.user_email_verified, organization_quota: row.user_organization_quota,
    },
    role: roleEntry({
      id: row.role_id, created_at: row.role_created_at, slug: row.role_slug, title: row.role_name,
      organization_id: row.role_global ? null : 0, extra: row.role_extra,
    }),
  };
}

/** The columns get.chat lists an organization's users by (U5). */
export const ACCESS_USER_LIST: ListSpec = {
  orderable: {
    id: 'users.id',
    email: sql`case when ${INVITED} then roles.invited_email else users.email end`,
    created_at: sql`case when ${INVITED} then roles.created_at else users.created_at end`,
  },
  searchable: [],
  defaultOrder: ['id'],
  tieBreaker: 'roles.id',
  filterable: {
    user_id: { column: 'users.id', type: 'integer' },
    user_email: { column: sql`case when ${INVITED} then roles.invited_email else users.email end`, type: 'string' },
    organization_id: { column: 'roles.organization_id', type: 'integer' },
    organization_partner_id: { column: 'organizations.partner_id', type: 'integer' },
    role_id: { column: 'roles.role_description_id', type: 'integer' },
    role_name: { column: ROLE_NAME, type: 'string' },
    type: { column: ACCESS_TYPE, type: 'string' },
  },
};

/** U5: the users of an organization (one row per access). */
export async function listAccesses(core: Core, caller: Caller, orgRef: Ref, list: ListQuery): Promise<Page<AccessView>> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.read', org);
  const page = await paginate(accessQuery(core.db).where('roles.organization_id', '=', org.id), list, ACCESS_USER_LIST);
  return { count: page.count, results: page.results.map(toAccess) };
}

async function loadAccess(db: Db, orgId: number, userId: number): Promise<AccessView> {
  const row = await accessQuery(db).where('roles.organization_id', '=', orgId).where('roles.user_id', '=', userId).executeTakeFirst();
  if (!row) throw new NotFound('user', 'This user has no access to this organization.');
  return toAccess(row);
}

/** U1 */
export async function getAccess(core: Core, caller: Caller, orgRef: Ref, userId: number): Promise<AccessView> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.read', org);
  return loadAccess(core.db, org.id, userId);
}

/** The Partner role goes only from whoever is a partner there (or above it): an Owner cannot promote themselves. */
function assertMayGrant(access: OrganizationAccess, description: { slug: string; organization_id: number | null }): void {
  if (description.organization_id === null && description.slug === 'partner' && !access.may('organization.deployments.partner_settings')) {
    throw new Forbidden('Only a partner of this organization (or of one above it) may give the Partner role.');
  }
}

/**
 * U2: the user's access takes the role `roleId`; every other role they held on the
 * organization goes (get.chat shows one). The organization keeps an accepted Owner.
 */
export async function changeAccessRole(core: Core, caller: Caller, orgRef: Ref, userId: number, roleId: number): Promise<AccessView> {
  const org = await findOrganization(core.db, orgRef);
  const access = await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const description = await findDescription(core.db, org.id, { id: roleId });
  assertMayGrant(access, description);
  const now = core.now();
  await core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const current = await loadAccess(tx, org.id, userId);
    const held = await tx.selectFrom('roles').innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
      .select(['roles.id', 'roles.grant_key_hash', 'role_descriptions.slug', 'role_descriptions.organization_id'])
      .where('roles.organization_id', '=', org.id).where('roles.user_id', '=', userId).where('roles.request_key', 'is', null).execute();
    const others = held.filter((r) => r.id !== current.id);
    if (others.length) await tx.deleteFrom('roles').where('id', 'in', others.map((r) => r.id)).execute();
    await tx.updateTable('roles').set({ role_description_id: description.id }).where('id', '=', current.id).execute();
    const managed = held.some((r) => r.grant_key_hash === null && r.organization_id === null && MANAGING.has(r.slug));
    await assertManagerRemains(tx, org.id, managed);
    await recordOrganizationEvent(tx, {
      organizationId: org.id, type: 'role.granted', actorId: actorOf(caller), now,
      detail: { user_id: userId, role: description.slug, replaced: current.role.name },
    });
  });
  return loadAccess(core.db, org.id, userId);
}

/** U3: removes the user's access (every role they hold there, pending invitations included); answers it as it was. */
export async function removeAccess(core: Core, caller: Caller, orgRef: Ref, userId: number): Promise<AccessView> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const removed = await loadAccess(core.db, org.id, userId);
  await removeRoles(core, caller, org.id, { id: userId }, ALL_ROLES, 'removed', { includeInvitations: true });
  return removed;
}

export interface Invitation {
  email: string;
  role_id?: number;
  send_invitation_email?: boolean;
}

/**
 * U4: invites an address with a role (Maintainer when none is named). The invitee accepts
 * with the mailed key; without the mail (`send_invitation_email: false`) the invitation
 * waits, and inviting again with the mail sends it. A user who already has an access is a
 * 409: change their role instead.
 */
export async function inviteToOrganization(core: Core, caller: Caller, orgRef: Ref, input: Invitation): Promise<AccessView> {
  const org = await findOrganization(core.db, orgRef);
  const access = await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const description = await findDescription(core.db, org.id, input.role_id === undefined ? { slug: DEFAULT_ROLE_SLUG } : { id: input.role_id });
  assertMayGrant(access, description);
  const email = normalizeEmail(input.email);
  const existing = await findUserByEmail(core.db, email);
  if (existing) {
    const held = await core.db.selectFrom('roles').select(['id', 'role_description_id', 'grant_key_hash', 'invited_email'])
      .where('organization_id', '=', org.id).where('user_id', '=', existing.id).where('request_key', 'is', null).execute();
    // Inviting again what is still pending, the same way, with the mail: mail it (a new key).
    const pending = held.find((r) => r.grant_key_hash !== null && r.invited_email === email && r.role_description_id === description.id);
    if (held.length && !(pending && input.send_invitation_email !== false)) {
      throw new Conflict('This user already has an access to the organization: change its role instead.', 'role.exists');
    }
    if (pending) {
      const resent = await resendInvitation(core, caller, { id: org.id }, { id: description.id }, { slug: email });
      return loadAccess(core.db, org.id, resent.user.id);
    }
  }
  const role = await grantRole(core, caller, { id: org.id }, { id: description.id }, { email }, { mail: input.send_invitation_email !== false });
  return loadAccess(core.db, org.id, role.user.id);
}

/** G8: the roles an organization grants: the global ones, then its own. */
export async function listRoleEntries(core: Core, caller: Caller, orgRef: Ref, list: ListQuery): Promise<Page<RoleEntry>> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.read', org);
  const query = core.db.selectFrom('role_descriptions').selectAll()
    .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)]));
  const page = await paginate(query, list, ROLE_ENTRY_LIST);
  return { count: page.count, results: page.results.map(roleEntry) };
}

export const ROLE_ENTRY_LIST: ListSpec = {
  orderable: { id: 'id', name: 'title', created_at: 'created_at' },
  searchable: [],
  defaultOrder: ['id'],
  tieBreaker: 'id',
};

/**
 * Accepts an invitation with the key its mail carries, for the caller (get.chat has no
 * user in its paths): the invitee, or whoever claims an invitation to an address without
 * an account. Answers the access.
 */
export async function acceptInvitationKey(core: Core, caller: Caller, key: string): Promise<AccessView> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const role = await core.db.selectFrom('roles').select(['user_id', 'organization_id']).where('grant_key_hash', '=', sha256(key)).executeTakeFirst();
  if (!role) throw linkInvalid();
  const accepted = await acceptInvitation(core, caller, { id: role.user_id }, key);
  return loadAccess(core.db, accepted.organization.id, accepted.user.id);
}
