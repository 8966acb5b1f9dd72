// Roles seen from the user ("accessibles"): what they can access, pending invitations
// and requests included; asking to join an organization, re-sending and withdrawing.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import { refMatches, type Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import type { OrganizationRow, UserRow } from '../../db/schema.js';
import { BadRequest, Conflict, Forbidden, NotFound, TooManyAttempts, isUniqueViolation } from '../errors.js';
import { paginate, type ListQuery, type Page } from '../pagination.js';
import { getUser, printableName } from '../identity/users.js';
import { authorizeUser } from '../access/policy.js';
import { assertSeatAvailable } from '../organizations/quotas.js';
import { actorOf, removeRoles } from './roles.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import {
  ALL_ROLES, ROLE_LIST_SPEC, type RolesRef, asSeenByUser, findDescription, findOrganization, isMember, loadRole, lockOrganization, roleQuery,
  toRoleView, type RoleView,
} from './role-views.js';
import { isBlockedRequester } from './join-request-blocks.js';
import { emailDomain } from './domains.js';
import type { ImplicitRoleUser } from '../identity/hooks.js';

/**
 * Grants the roles whose description has implicit_create_on_none to a user whose verified
 * e-mail domain is one the organization proved (organization_domains, status verified),
 * where the user holds no role and never left, was removed or was denied there. Called at
 * login (with the row the login read: `known`) and when the user lists their accessibles.
 */
export async function grantImplicitRoles(core: Core, userId: number, known?: ImplicitRoleUser): Promise<number> {
  const user = known ?? await core.db.selectFrom('users').select(['email', 'email_verified_at', 'deleted_at'])
    .where('id', '=', userId).executeTakeFirst();
  if (!user?.email || !user.email_verified_at || user.deleted_at) return 0;
  const domain = emailDomain(user.email);
  if (!domain) return 0;
  // Most domains no organization proved: one index lookup (organization_domains_verified)
  // answers them, where the query below costs a five-table plan at each login.
  const proved = await core.db.selectFrom('organization_domains').select('organization_id')
    .where('domain', '=', domain).where('status', '=', 'verified').executeTakeFirst();
  if (!proved) return 0;
  // The login's row was read before the hash and a second factor: a proved domain grants only
  // on the address the account has now (a change meanwhile must not grant on the old one).
  if (known) return grantImplicitRoles(core, userId);
  const candidates = await core.db.selectFrom('organization_domains')
    .innerJoin('organizations', 'organizations.id', 'organization_domains.organization_id')
    .innerJoin('role_descriptions', 'role_descriptions.organization_id', 'organizations.id')
    .select(['organizations.id as org_id', 'role_descriptions.id as rd_id'])
    .where('organization_domains.domain', '=', domain)
    .where('organization_domains.status', '=', 'verified')
    .where('organizations.status', '=', 'active')
    .where('organizations.type', '=', 'organization')
    .where('role_descriptions.implicit_create_on_none', '=', true)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('roles').select('roles.id')
      .whereRef('roles.organization_id', '=', 'organizations.id').where('roles.user_id', '=', userId))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('organization_departures').select('organization_departures.user_id')
      .whereRef('organization_departures.organization_id', '=', 'organizations.id').where('organization_departures.user_id', '=', userId))))
    .orderBy('organizations.id').orderBy('role_descriptions.id')
    .execute();
  let granted = 0;
  const seen = new Set<number>();
  for (const c of candidates) {
    if (seen.has(c.org_id)) continue;
    seen.add(c.org_id);
    try {
      await core.transact(async (tx) => {
        await lockOrganization(tx, c.org_id);
        if (await isMember(tx, c.org_id, userId)) return;
        await assertSeatAvailable(tx, c.org_id);
        await tx.insertInto('roles').values({
          organization_id: c.org_id, user_id: userId, role_description_id: c.rd_id,
          created_at: core.now(), accepted_at: core.now(), granted_without_consent: true,
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
  core: Core, caller: Caller, userRef: Ref, role: RolesRef | null, list: ListQuery,
): Promise<{ user: UserRow; page: Page<RoleView> }> {
  const user = await getUser(core.db, userRef);
  // Everything a user can access names their other organizations: only they (and the
  // broker's managers) may read it.
  await authorizeUser(core, caller, 'user.update', user);
  await grantImplicitRoles(core, user.id);
  let query = roleQuery(core.db).where('roles.user_id', '=', user.id).where('organizations.status', '!=', 'closed');
  // A description named by slug matches that slug on every organization.
  if (role !== null && role !== ALL_ROLES) query = query.where(refMatches('role_descriptions', role));
  const page = await paginate(query, list, ROLE_LIST_SPEC);
  return { user, page: { count: page.count, results: page.results.map((r) => asSeenByUser(toRoleView(r))) } };
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
  const base = core.links.roleRequest(org.slug, role.request_key!);
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

const REQUEST_EVENTS = ['role.requested', 'role.request_resent'] as const;

/**
 * Refuses (429) a requester who made `perUser` requests or re-sends within the window. The
 * broker's managers asking on a user's behalf are not counted.
 * Call inside the transaction, after locking the requester's row: concurrent requests
 * of one user are counted one after the other.
 */
async function assertRequesterUnderLimit(core: Core, tx: Db, actorId: number): Promise<void> {
  const { perUser, windowSeconds } = core.config.joinRequests;
  await tx.selectFrom('users').select('id').where('id', '=', actorId).forUpdate().execute();
  const since = new Date(core.now().getTime() - windowSeconds * 1000);
  const row = await tx.selectFrom('organization_events')
    .select([sql<number>`count(*)`.as('n'), sql<Date | null>`min(created_at)`.as('oldest')])
    .where('actor_user_id', '=', actorId).where('type', 'in', REQUEST_EVENTS).where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  if (Number(row.n) < perUser) return;
  const oldest = row.oldest ? new Date(row.oldest).getTime() : core.now().getTime();
  const retryAfter = Math.max(1, Math.ceil((oldest + windowSeconds * 1000 - core.now().getTime()) / 1000));
  throw new TooManyAttempts(`You asked to join organizations ${perUser} times recently; try again later.`, retryAfter, 'request.limited');
}

/**
 * Whether this request may be mailed to the organization's managers: not for a blocked
 * requester, and at most `perOrganization` mails per window (later requests wait, unmailed,
 * in the organization's list of roles).
 */
async function mayMailManagers(core: Core, tx: Db, orgId: number, userId: number): Promise<boolean> {
  if (await isBlockedRequester(tx, orgId, userId)) return false;
  const { perOrganization, windowSeconds } = core.config.joinRequests;
  const since = new Date(core.now().getTime() - windowSeconds * 1000);
  const row = await tx.selectFrom('organization_events').select(sql<number>`count(*)`.as('n'))
    .where('organization_id', '=', orgId).where('type', 'in', REQUEST_EVENTS).where('created_at', '>', since)
    .where(sql<boolean>`detail->>'mailed' = 'true'`)
    .executeTakeFirstOrThrow();
  return Number(row.n) < perOrganization;
}

/**
 * The user asks for the role `roleRef` (contributor by default) on an organization they have no
 * role on. The answer names the organization by slug and printable name only, and is the
 * same for a suspended organization (whose managers answer once it is active again) and
 * for a requester its managers blocked (whose request notifies nobody). A pending request
 * takes no seat; accepting it does.
 */
export async function requestRole(
  core: Core, caller: Caller, userRef: Ref, roleRef: Ref | null, input: { organization: Ref; message?: string },
): Promise<RoleView> {
  const user = await getUser(core.db, userRef);
  await authorizeUser(core, caller, 'user.update', user);
  const org = await findOrganization(core.db, input.organization);
  const description = await findDescription(core.db, org.id, roleRef ?? { slug: 'contributor' });
  const actorId = actorOf(caller) ?? user.id;
  try {
    const roleId = await core.transact(async (tx) => {
      if (actorId === user.id) await assertRequesterUnderLimit(core, tx, actorId);
      await lockOrganization(tx, org.id);
      if (await isMember(tx, org.id, user.id)) {
        throw new BadRequest(`${user.slug} already has a role, an invitation or a request on ${org.slug}.`, 'request.exists');
      }
      const row = await tx.insertInto('roles').values({
        organization_id: org.id, user_id: user.id, role_description_id: description.id,
        request_key: randomBytes(20).toString('hex'),
        request_message: input.message?.trim().slice(0, 2000) || null,
        created_by: caller.kind === 'user' ? caller.userId : null,
        created_at: core.now(),
      }).returning('id').executeTakeFirstOrThrow();
      const role = await loadRole(tx, row.id);
      const mailed = await mayMailManagers(core, tx, org.id, user.id);
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: 'role.requested', actorId, now: core.now(),
        detail: { user: user.slug, role: description.slug, mailed },
      });
      if (mailed) await mailRequest(core, tx, org, role);
      return row.id;
    });
    return asSeenByUser(await loadRole(core.db, roleId));
  } catch (error) {
    if (isUniqueViolation(error)) throw new BadRequest(`${user.slug} already has a request on ${org.slug}.`, 'request.exists');
    throw error;
  }
}

/** Mails the organization's managers the pending request again, within the same limits. */
export async function resendRequest(core: Core, caller: Caller, userRef: Ref, role: RolesRef, orgRef: Ref): Promise<RoleView> {
  const user = await getUser(core.db, userRef);
  await authorizeUser(core, caller, 'user.update', user);
  const org = await findOrganization(core.db, orgRef);
  const actorId = actorOf(caller) ?? user.id;
  const roleId = await core.transact(async (tx) => {
    let query = roleQuery(tx).where('roles.organization_id', '=', org.id).where('roles.user_id', '=', user.id)
      .where('roles.request_key', 'is not', null);
    if (role !== ALL_ROLES) query = query.where(refMatches('role_descriptions', role));
    const row = await query.executeTakeFirst();
    if (!row) throw new NotFound('request', `${user.slug} has no pending request on ${org.slug}.`);
    if (actorId === user.id) await assertRequesterUnderLimit(core, tx, actorId);
    const request = toRoleView(row);
    const mailed = await mayMailManagers(core, tx, org.id, user.id);
    await recordOrganizationEvent(tx, {
      organizationId: org.id, type: 'role.request_resent', actorId, now: core.now(),
      detail: { user: user.slug, role: request.description.slug, mailed },
    });
    if (mailed) await mailRequest(core, tx, org, request);
    return request.id;
  });
  return asSeenByUser(await loadRole(core.db, roleId));
}

/** Withdraws a request, declines an invitation, or leaves: one role or every role (ALL_ROLES). */
export async function withdrawRoles(core: Core, caller: Caller, userRef: Ref, role: RolesRef, orgRef: Ref): Promise<void> {
  const user = await getUser(core.db, userRef);
  await authorizeUser(core, caller, 'user.update', user);
  const org = await findOrganization(core.db, orgRef);
  await removeRoles(core, caller, org.id, { id: user.id }, role, 'left');
}
