// Roles seen from the user ("accessibles"): what they can access, pending invitations
// and requests included; asking to join an organization, re-sending and withdrawing.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { OrganizationRow, UserRow } from '../../db/schema.js';
import { BadRequest, Conflict, Forbidden, NotFound, isUniqueViolation } from '../errors.js';
import { paginate, type ListQuery, type Page } from '../pagination.js';
import { getUserBySlug, printableName } from '../identity/users.js';
import { authorizeUser } from './policy.js';
import { assertSeatAvailable } from '../organizations/quotas.js';
import { actorOf, removeRoles } from './roles.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import {
  ALL_ROLES, ROLE_LIST_SPEC, findDescription, findOrganization, isMember, loadRole, lockOrganization, roleQuery,
  toRoleView, type RoleView,
} from './role-views.js';

/**
 * Grants, once, the roles whose description has implicit_create_on_none to a user whose
 * verified e-mail domain is the organization's, where the user holds no role yet. Called
 * when the user's accessibles are listed; login can call it too.
 */
export async function grantImplicitRoles(core: Core, userId: number): Promise<number> {
  const user = await core.db.selectFrom('users').select(['email', 'email_verified_at', 'deleted_at'])
    .where('id', '=', userId).executeTakeFirst();
  if (!user?.email || !user.email_verified_at || user.deleted_at) return 0;
  const domain = user.email.split('@')[1]?.toLowerCase();
  if (!domain) return 0;
  const candidates = await core.db.selectFrom('organizations')
    .innerJoin('role_descriptions', 'role_descriptions.organization_id', 'organizations.id')
    .select(['organizations.id as org_id', 'role_descriptions.id as rd_id'])
    .where(sql<boolean>`lower(split_part(organizations.email, '@', 2)) = ${domain}`)
    .where('organizations.status', '=', 'active')
    .where('organizations.type', '=', 'organization')
    .where('role_descriptions.implicit_create_on_none', '=', true)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('roles').select('roles.id')
      .whereRef('roles.organization_id', '=', 'organizations.id').where('roles.user_id', '=', userId))))
    .orderBy('organizations.id').orderBy('role_descriptions.id')
    .execute();
  let granted = 0;
  const seen = new Set<number>();
  for (const c of candidates) {
    if (seen.has(c.org_id)) continue;
    seen.add(c.org_id);
    try {
      await core.db.transaction().execute(async (tx) => {
        await lockOrganization(tx, c.org_id);
        if (await isMember(tx, c.org_id, userId)) return;
        await assertSeatAvailable(tx, c.org_id);
        await tx.insertInto('roles').values({
          organization_id: c.org_id, user_id: userId, role_description_id: c.rd_id,
          created_at: core.now(), accepted_at: core.now(),
        }).execute();
        granted += 1;
      });
    } catch (error) {
      // A full organization or a concurrent grant: the implicit role is simply not added.
      if (!(error instanceof Conflict) && !(error instanceof Forbidden) && !isUniqueViolation(error)) throw error;
    }
  }
  return granted;
}

export async function listAccessibles(
  core: Core, caller: Caller, userSlug: string, roleSlug: string | null, list: ListQuery,
): Promise<{ user: UserRow; page: Page<RoleView> }> {
  const user = await getUserBySlug(core.db, userSlug);
  // Everything a user can access names their other organizations: only they (and the
  // broker's managers) may read it.
  await authorizeUser(core, caller, 'user.update', user);
  await grantImplicitRoles(core, user.id);
  let query = roleQuery(core.db).where('roles.user_id', '=', user.id).where('organizations.status', '!=', 'closed');
  if (roleSlug !== null && roleSlug !== ALL_ROLES) query = query.where('role_descriptions.slug', '=', roleSlug.toLowerCase());
  const page = await paginate(query, list, ROLE_LIST_SPEC);
  return { user, page: { count: page.count, results: page.results.map(toRoleView) } };
}

async function mailRequest(core: Core, tx: Db, org: OrganizationRow, role: RoleView): Promise<void> {
  const managers = await tx.selectFrom('roles')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .select(['users.email', 'users.full_name', 'users.slug'])
    .where('roles.organization_id', '=', org.id)
    .where('role_descriptions.slug', '=', 'manager').where('role_descriptions.organization_id', 'is', null)
    .where('roles.grant_key_hash', 'is', null).where('roles.request_key', 'is', null)
    .where('users.email', 'is not', null).where('users.deleted_at', 'is', null)
    .execute();
  const base = `${core.config.baseUrl}/api/profile/${encodeURIComponent(org.slug)}/roles/accept/${role.request_key}/`;
  for (const manager of managers) {
    await core.mailer.enqueue(tx, {
      to: manager.email!,
      template: 'role_request',
      context: {
        full_name: printableName(manager),
        requester: printableName(role.user),
        requester_username: role.user.slug,
        requester_email: role.user.email,
        organization: printableName(org),
        role: role.description.title,
        message: role.request_message ? `\nTheir message:\n\n${role.request_message}\n` : '',
        link: base,
        site: core.config.brokerName,
      },
    });
  }
}

/** The user asks for `roleSlug` (contributor by default) on an organization they have no role on. */
export async function requestRole(
  core: Core, caller: Caller, userSlug: string, roleSlug: string | null, input: { slug: string; message?: string },
): Promise<RoleView> {
  const user = await getUserBySlug(core.db, userSlug);
  await authorizeUser(core, caller, 'user.update', user);
  const org = await findOrganization(core.db, input.slug);
  if (org.status === 'suspended') throw new Forbidden(`${org.slug} is suspended and takes no new members.`);
  const description = await findDescription(core.db, org.id, roleSlug ?? 'contributor');
  try {
    const roleId = await core.db.transaction().execute(async (tx) => {
      await lockOrganization(tx, org.id);
      if (await isMember(tx, org.id, user.id)) {
        throw new BadRequest(`${user.slug} already has a role, an invitation or a request on ${org.slug}.`);
      }
      await assertSeatAvailable(tx, org.id);
      const row = await tx.insertInto('roles').values({
        organization_id: org.id, user_id: user.id, role_description_id: description.id,
        request_key: randomBytes(20).toString('hex'),
        request_message: input.message?.trim().slice(0, 2000) || null,
        created_by: caller.kind === 'user' ? caller.userId : null,
        created_at: core.now(),
      }).returning('id').executeTakeFirstOrThrow();
      const role = await loadRole(tx, row.id);
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: 'role.requested', actorId: actorOf(caller), now: core.now(),
        detail: { user: user.slug, role: description.slug },
      });
      await mailRequest(core, tx, org, role);
      return row.id;
    });
    core.mailer.kick();
    return loadRole(core.db, roleId);
  } catch (error) {
    if (isUniqueViolation(error)) throw new BadRequest(`${user.slug} already has a request on ${org.slug}.`);
    throw error;
  }
}

/** Mails the organization's managers the pending request again. */
export async function resendRequest(core: Core, caller: Caller, userSlug: string, roleSlug: string, orgSlug: string): Promise<RoleView> {
  const user = await getUserBySlug(core.db, userSlug);
  await authorizeUser(core, caller, 'user.update', user);
  const org = await findOrganization(core.db, orgSlug);
  const roleId = await core.db.transaction().execute(async (tx) => {
    let query = roleQuery(tx).where('roles.organization_id', '=', org.id).where('roles.user_id', '=', user.id)
      .where('roles.request_key', 'is not', null);
    if (roleSlug !== ALL_ROLES) query = query.where('role_descriptions.slug', '=', roleSlug.toLowerCase());
    const row = await query.executeTakeFirst();
    if (!row) throw new NotFound('request', `${user.slug} has no pending request on ${org.slug}.`);
    const role = toRoleView(row);
    await mailRequest(core, tx, org, role);
    return role.id;
  });
  core.mailer.kick();
  return loadRole(core.db, roleId);
}

/** Withdraws a request, declines an invitation, or leaves: one role or every role (`*`). */
export async function withdrawRoles(core: Core, caller: Caller, userSlug: string, roleSlug: string, orgSlug: string): Promise<void> {
  const user = await getUserBySlug(core.db, userSlug);
  await authorizeUser(core, caller, 'user.update', user);
  const org = await findOrganization(core.db, orgSlug);
  await removeRoles(core, caller, org.id, user.slug, roleSlug);
}
