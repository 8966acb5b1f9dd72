// Role descriptions ("role types"): the global manager and contributor every organization
// has, plus the ones an organization adds. Each is listed with the roles that hold it.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { RoleDescriptionRow } from '../../db/schema.js';
import { Conflict, Forbidden, Invalid, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, type OrganizationAccess } from '../access/policy.js';
import { assertOrderable, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import {
  RESERVED_ROLE_SLUGS, findDescription, findOrganization, lockOrganization, organizationRoleQuery, toRoleView, type RoleView,
} from './role-views.js';

export interface DescriptionView {
  description: RoleDescriptionRow;
  organization: RoleView['organization'];
  roles: RoleView[];
}

export interface DescriptionInput {
  title?: string;
  skip_optin_on_grant?: boolean;
  implicit_create_on_none?: boolean;
  extra?: string | null;
}

/** "Support Staff" -> "support-staff". */
export function slugifyTitle(title: string): string {
  return title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50);
}

async function withRoles(core: Core, orgId: number, org: DescriptionView['organization'], rows: RoleDescriptionRow[]): Promise<DescriptionView[]> {
  const ids = rows.map((r) => r.id);
  const roles = ids.length
    ? (await organizationRoleQuery(core.db, orgId)
        .where('roles.role_description_id', 'in', ids).orderBy('roles.created_at').orderBy('roles.id').execute()).map(toRoleView)
    : [];
  return rows.map((description) => ({
    description, organization: org, roles: roles.filter((r) => r.description.id === description.id),
  }));
}

/**
 * One ordering, `created_at`: the global descriptions first, then the organization's own in
 * creation order (a manager reads the built-in roles before the ones they added).
 */
export const DESCRIPTION_LIST: ListSpec = { orderable: { created_at: 'created_at' }, searchable: [], defaultOrder: ['created_at'], tieBreaker: 'id' };

export async function listDescriptions(core: Core, caller: Caller, orgRef: Ref, list: ListQuery): Promise<Page<DescriptionView>> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.read', org);
  assertOrderable(list.order, DESCRIPTION_LIST);
  const base = core.db.selectFrom('role_descriptions')
    .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)]));
  const count = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  // Global descriptions first, then the organization's own in creation order.
  const rows = await base.selectAll().orderBy(sql`organization_id is not null`).orderBy('created_at').orderBy('id')
    .limit(list.pageSize).offset((list.page - 1) * list.pageSize).execute();
  return { count: Number(count.n), results: await withRoles(core, org.id, org, rows) };
}

export async function getDescription(core: Core, caller: Caller, orgRef: Ref, roleRef: Ref): Promise<DescriptionView> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.read', org);
  const description = await findDescription(core.db, org.id, roleRef);
  return (await withRoles(core, org.id, org, [description]))[0];
}

const SKIP_OPTIN_RESERVED = 'Only the broker\'s managers may make a role that skips the opt-in (skip_optin_on_grant).';

/** A role granted without the grantee's opt-in is the broker's decision, never an organization's. */
function assertMaySkipOptin(access: OrganizationAccess, turnedOn: boolean): void {
  if (turnedOn && !access.may('organization.roles.grant_without_consent')) throw new Forbidden(SKIP_OPTIN_RESERVED);
}

function checkTitle(title: string | undefined): string {
  const value = title?.trim() ?? '';
  if (!value) throw new Invalid('title', 'This field may not be blank.');
  if (value.length > 100) throw new Invalid('title', 'Ensure this field has no more than 100 characters.');
  return value;
}

export async function createDescription(core: Core, caller: Caller, orgRef: Ref, input: DescriptionInput): Promise<DescriptionView> {
  const org = await findOrganization(core.db, orgRef);
  const access = await authorizeOrganization(core, caller, 'organization.members.manage', org);
  assertMaySkipOptin(access, input.skip_optin_on_grant === true);
  const title = checkTitle(input.title);
  const slug = slugifyTitle(title);
  if (!slug) throw new Invalid('title', 'The title must contain at least one letter or digit.');
  if (RESERVED_ROLE_SLUGS.has(slug)) throw new Invalid('title', `"${slug}" is reserved; choose another title.`, 'role_description.reserved');
  const created = await core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const clash = await tx.selectFrom('role_descriptions').select('id').where('slug', '=', slug)
      .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)])).executeTakeFirst();
    if (clash) throw new Conflict(`A role "${slug}" already exists on ${org.slug}.`, 'role_description.exists');
    return tx.insertInto('role_descriptions').values({
      organization_id: org.id, slug, title,
      skip_optin_on_grant: input.skip_optin_on_grant ?? false,
      implicit_create_on_none: input.implicit_create_on_none ?? false,
      extra: input.extra ?? null,
      created_at: core.now(),
    }).returningAll().executeTakeFirstOrThrow();
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) throw new Conflict(`A role "${slug}" already exists on ${org.slug}.`, 'role_description.exists');
    throw error;
  });
  return { description: created, organization: org, roles: [] };
}

const GLOBAL_READ_ONLY = 'The manager and contributor roles are shared by every organization; they cannot be changed or deleted.';

/** PUT replaces (title required), PATCH changes only what is given. The slug never changes. */
export async function updateDescription(
  core: Core, caller: Caller, orgRef: Ref, roleRef: Ref, input: DescriptionInput, partial: boolean,
): Promise<DescriptionView> {
  const org = await findOrganization(core.db, orgRef);
  const access = await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const description = await findDescription(core.db, org.id, roleRef);
  if (description.organization_id === null) throw new Forbidden(GLOBAL_READ_ONLY, 'role_description.global');
  assertMaySkipOptin(access, input.skip_optin_on_grant === true && !description.skip_optin_on_grant);
  const title = partial && input.title === undefined ? description.title : checkTitle(input.title);
  const updated = await core.db.updateTable('role_descriptions').set({
    title,
    skip_optin_on_grant: input.skip_optin_on_grant ?? (partial ? description.skip_optin_on_grant : false),
    implicit_create_on_none: input.implicit_create_on_none ?? (partial ? description.implicit_create_on_none : false),
    extra: input.extra !== undefined ? input.extra : partial ? description.extra : null,
  }).where('id', '=', description.id).returningAll().executeTakeFirstOrThrow();
  return (await withRoles(core, org.id, org, [updated]))[0];
}

/** A description still held (or pending) by someone cannot be deleted: revoke those first. */
export async function deleteDescription(core: Core, caller: Caller, orgRef: Ref, roleRef: Ref): Promise<void> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const description = await findDescription(core.db, org.id, roleRef);
  if (description.organization_id === null) throw new Forbidden(GLOBAL_READ_ONLY, 'role_description.global');
  await core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const held = await tx.selectFrom('roles').select(sql<number>`count(*)`.as('n'))
      .where('role_description_id', '=', description.id).executeTakeFirstOrThrow();
    if (Number(held.n) > 0) {
      throw new Conflict(`The role "${description.slug}" is still held by ${held.n} user(s); revoke it from them first.`, 'role_description.in_use');
    }
    await tx.deleteFrom('role_descriptions').where('id', '=', description.id).execute();
  });
}
