// What the membership functions share: loading an organization by reference, a role with everything
// shown about it, the seat check, and the rule that an organization keeps a manager.
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { OrganizationRow, RoleDescriptionRow } from '../../db/schema.js';
import { Conflict, NotFound } from '../errors.js';
import { describeRef, refMatches, type Ref } from '../refs.js';

/** A role with its user, organization and description, as every role answer shows it. */
export interface RoleView {
  id: number;
  created_at: Date;
  accepted_at: Date | null;
  /** An invitation is pending (the key itself is only ever mailed). */
  invited: boolean;
  request_key: string | null;
  request_message: string | null;
  user: {
    id: number;
    slug: string;
    email: string | null;
    full_name: string;
    nick_name: string | null;
    picture: string | null;
    created_at: Date;
    credentials: boolean;
  };
  organization: Pick<OrganizationRow, 'id' | 'slug' | 'full_name' | 'email' | 'phone' | 'picture' | 'type'
    | 'street_address' | 'locality' | 'region' | 'postal_code' | 'country' | 'created_at'>;
  description: Pick<RoleDescriptionRow, 'id' | 'organization_id' | 'slug' | 'title' | 'skip_optin_on_grant'
    | 'implicit_create_on_none' | 'extra' | 'created_at'>;
}

export type RoleState = 'accepted' | 'invited' | 'requested';

export function roleState(role: Pick<RoleView, 'invited' | 'request_key'>): RoleState {
  if (role.request_key) return 'requested';
  return role.invited ? 'invited' : 'accepted';
}

/** Slugs that name sub-routes of `/roles/` and `/accessibles/`, or "every role". */
export const RESERVED_ROLE_SLUGS = new Set(['describe', 'accept', 'blocked', '*']);
export const ALL_ROLES = '*';
/** A role named in a request: one description (by id or slug), or ALL_ROLES for every role held. */
export type RolesRef = Ref | typeof ALL_ROLES;

// What a role shows of its user. A pending invitation shows only what the manager typed
// (the address and name for an invitation by e-mail, the username for one by username):
// never the account behind an address, nor the other identifier, nor whether it can log in.
// The user consents by accepting; then the organization sees them as a member. Search and
// ordering go through the same expressions, so they cannot be used to probe what is hidden.
const INVITED = sql`roles.grant_key_hash is not null`;
export const SHOWN_USER = {
  slug: sql<string>`case when ${INVITED} and roles.invited_email is not null then roles.invited_email else users.slug end`,
  email: sql<string | null>`case when ${INVITED} then roles.invited_email else users.email end`,
  full_name: sql<string>`case when ${INVITED} then coalesce(roles.invited_name, '') else users.full_name end`,
  nick_name: sql<string | null>`case when ${INVITED} then null else users.nick_name end`,
  picture: sql<string | null>`case when ${INVITED} then null else users.picture end`,
  created_at: sql<Date>`case when ${INVITED} then roles.created_at else users.created_at end`,
  credentials: sql<boolean>`(not ${INVITED} and users.password_hash is not null and users.status = 'active')`,
};

/** Roles joined with what they are shown with; search and order refer to these columns. */
export function roleQuery(db: Db) {
  return db.selectFrom('roles')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .select([
      'roles.id as role_id', 'roles.created_at as role_created_at', 'roles.accepted_at',
      'roles.request_key', 'roles.request_message',
      sql<boolean>`roles.grant_key_hash is not null`.as('invited'),
      'users.id as user_id', SHOWN_USER.slug.as('user_slug'), SHOWN_USER.email.as('user_email'),
      SHOWN_USER.full_name.as('user_full_name'), SHOWN_USER.nick_name.as('user_nick_name'),
      SHOWN_USER.picture.as('user_picture'), SHOWN_USER.created_at.as('user_created_at'),
      SHOWN_USER.credentials.as('user_credentials'),
      'organizations.id as org_id', 'organizations.slug as org_slug', 'organizations.full_name as org_full_name',
      'organizations.email as org_email', 'organizations.phone as org_phone', 'organizations.picture as org_picture',
      'organizations.type as org_type', 'organizations.street_address as org_street_address',
      'organizations.locality as org_locality', 'organizations.region as org_region',
      'organizations.postal_code as org_postal_code', 'organizations.country as org_country',
      'organizations.created_at as org_created_at',
      'role_descriptions.id as rd_id', 'role_descriptions.organization_id as rd_organization_id',
      'role_descriptions.slug as rd_slug', 'role_descriptions.title as rd_title',
      'role_descriptions.skip_optin_on_grant as rd_skip_optin_on_grant',
      'role_descriptions.implicit_create_on_none as rd_implicit_create_on_none',
      'role_descriptions.extra as rd_extra', 'role_descriptions.created_at as rd_created_at',
    ])
    .where('users.deleted_at', 'is', null);
}

/**
 * The roles of an organization as its managers list them: a blocked requester's pending
 * request is left out (it was taken silently and notifies nobody).
 */
export function organizationRoleQuery(db: Db, organizationId: number) {
  return roleQuery(db).where('roles.organization_id', '=', organizationId)
    .where(({ or, eb, not, exists, selectFrom }) => or([
      eb('roles.request_key', 'is', null),
      not(exists(selectFrom('join_request_blocks').select('join_request_blocks.user_id')
        .whereRef('join_request_blocks.organization_id', '=', 'roles.organization_id')
        .whereRef('join_request_blocks.user_id', '=', 'roles.user_id'))),
    ]));
}

/**
 * A role as its user sees it: the organization's contact details (e-mail, phone, address)
 * only once the role is accepted. A pending request or invitation names the organization
 * by slug and printable name, no more than anyone who asks to join may learn.
 */
export function asSeenByUser(role: RoleView): RoleView {
  if (roleState(role) === 'accepted') return role;
  return {
    ...role,
    organization: {
      ...role.organization, email: null, phone: null, picture: null, street_address: null, locality: null,
      region: null, postal_code: null, country: null,
    },
  };
}

type RoleQueryRow = Awaited<ReturnType<ReturnType<typeof roleQuery>['executeTakeFirstOrThrow']>>;

export function toRoleView(r: RoleQueryRow): RoleView {
  return {
    id: r.role_id,
    created_at: r.role_created_at,
    accepted_at: r.accepted_at,
    invited: !!r.invited,
    request_key: r.request_key,
    request_message: r.request_message,
    user: {
      id: r.user_id, slug: r.user_slug, email: r.user_email, full_name: r.user_full_name,
      nick_name: r.user_nick_name, picture: r.user_picture, created_at: r.user_created_at,
      credentials: !!r.user_credentials,
    },
    organization: {
      id: r.org_id, slug: r.org_slug, full_name: r.org_full_name, email: r.org_email, phone: r.org_phone,
      picture: r.org_picture, type: r.org_type, street_address: r.org_street_address, locality: r.org_locality,
      region: r.org_region, postal_code: r.org_postal_code, country: r.org_country, created_at: r.org_created_at,
    },
    description: {
      id: r.rd_id, organization_id: r.rd_organization_id, slug: r.rd_slug, title: r.rd_title,
      skip_optin_on_grant: r.rd_skip_optin_on_grant, implicit_create_on_none: r.rd_implicit_create_on_none,
      extra: r.rd_extra, created_at: r.rd_created_at,
    },
  };
}

export async function loadRole(db: Db, roleId: number): Promise<RoleView> {
  return toRoleView(await roleQuery(db).where('roles.id', '=', roleId).executeTakeFirstOrThrow());
}

/** Columns `q` searches and `o` orders by, for both the organization and the user side. */
export const ROLE_LIST_SPEC = {
  orderable: {
    created_at: 'roles.created_at',
    username: SHOWN_USER.slug,
    email: SHOWN_USER.email,
    full_name: SHOWN_USER.full_name,
    role_name: 'role_descriptions.title',
    slug: 'organizations.slug',
    printable_name: 'organizations.full_name',
    request_key: 'roles.request_key',
  },
  searchable: [SHOWN_USER.slug, SHOWN_USER.email, SHOWN_USER.full_name, 'organizations.slug', 'organizations.full_name',
    'role_descriptions.slug', 'role_descriptions.title'],
  dateColumn: 'roles.created_at',
  defaultOrder: ['created_at'],
  tieBreaker: 'roles.id',
};

/** An organization that exists and is not closed, by id or slug; a closed one is gone for memberships. */
export async function findOrganization(db: Db, ref: Ref): Promise<OrganizationRow> {
  const org = await db.selectFrom('organizations').selectAll()
    .where(refMatches('organizations', ref))
    .where('status', '!=', 'closed')
    .executeTakeFirst();
  if (!org) throw new NotFound('organization');
  return org;
}

/** The one role-description resolver: by id or slug, as seen from an organization (its own, or a global one). */
export async function findDescription(db: Db, organizationId: number, ref: Ref): Promise<RoleDescriptionRow> {
  const row = await db.selectFrom('role_descriptions').selectAll()
    .where(refMatches('role_descriptions', ref))
    .where((eb) => eb.or([eb('organization_id', '=', organizationId), eb('organization_id', 'is', null)]))
    .orderBy(sql`organization_id is null`)
    .executeTakeFirst();
  if (!row) throw new NotFound('role', `No role ${describeRef(ref)} on this organization.`);
  return row;
}

/**
 * Serializes changes to an organization's members: grants, accepts and removals of one
 * organization run one after the other, so the seat and last-manager checks hold.
 */
export async function lockOrganization(tx: Db, organizationId: number): Promise<void> {
  await tx.selectFrom('organizations').select('id').where('id', '=', organizationId).forUpdate().execute();
}

export async function isMember(tx: Db, organizationId: number, userId: number): Promise<boolean> {
  const row = await tx.selectFrom('roles').select('id')
    .where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
  return !!row;
}

export const LAST_MANAGER = 'An organization must keep at least one manager.';

/** Call after removing roles inside the locked transaction: refuses to leave no manager. */
export async function assertManagerRemains(tx: Db, organizationId: number, removedAcceptedManager: boolean): Promise<void> {
  if (!removedAcceptedManager) return;
  const row = await tx.selectFrom('roles')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .select(sql<number>`count(*)`.as('n'))
    .where('roles.organization_id', '=', organizationId)
    // A partner manages too (a manager with partner-only settings).
    .where('role_descriptions.slug', 'in', ['manager', 'partner'])
    .where('role_descriptions.organization_id', 'is', null)
    .where('roles.grant_key_hash', 'is', null)
    .where('roles.request_key', 'is', null)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(row.n) === 0) throw new Conflict(LAST_MANAGER, 'role.last_manager');
}

/** Accepted manager roles among `roles`, for assertManagerRemains. */
export function includesAcceptedManager(roles: RoleView[]): boolean {
  return roles.some((r) => (r.description.slug === 'manager' || r.description.slug === 'partner') && r.description.organization_id === null
    && roleState(r) === 'accepted');
}
