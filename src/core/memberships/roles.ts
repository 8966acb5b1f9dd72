// Roles seen from the organization: who holds what, granting (or inviting by e-mail),
// re-sending an invitation, revoking, and answering users' requests.
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { OrganizationDeparturesTable, OrganizationRow, RoleDescriptionRow, UserRow } from '../../db/schema.js';
import { BadRequest, Conflict, Forbidden, Invalid, NotFound, isUniqueViolation, linkInvalid } from '../errors.js';
import { paginate, type ListQuery, type Page } from '../pagination.js';
import { findUser, findUserByEmail, findUserBySlug, normalizeEmail, printableName } from '../identity/users.js';
import { describeRef, type Ref } from '../refs.js';
import { randomToken, sha256 } from '../identity/secrets.js';
import { authorizeOrganization } from '../access/policy.js';
import { assertSeatAvailable } from '../organizations/quotas.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { checkSendLimit } from '../notify/send-limits.js';
import { isEmailAddress } from '../notify/addresses.js';
import {
  ALL_ROLES, ROLE_LIST_SPEC, type RolesRef, assertManagerRemains, findDescription, findOrganization, includesAcceptedManager,
  loadRole, lockOrganization, organizationRoleQuery, roleQuery, toRoleView, type RoleView,
} from './role-views.js';

export async function listRoles(
  core: Core, caller: Caller, orgRef: Ref, role: RolesRef | null, list: ListQuery,
): Promise<Page<RoleView>> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.read', org);
  let query = organizationRoleQuery(core.db, org.id);
  if (role !== null && role !== ALL_ROLES) {
    const description = await findDescription(core.db, org.id, role);
    query = query.where('roles.role_description_id', '=', description.id);
  }
  const page = await paginate(query, list, ROLE_LIST_SPEC);
  return { count: page.count, results: page.results.map(toRoleView) };
}

export type Departure = OrganizationDeparturesTable['how'];

export interface GrantInput {
  slug?: string;
  email?: string;
  full_name?: string;
  message?: string;
}

/** The URL a grantee opens (after logging in) to accept; the key is never stored in clear. */
export function acceptInvitationUrl(core: Core, userSlug: string, key: string): string {
  return core.links.invitation(userSlug, key);
}

/**
 * A username for the contact that holds an invitation sent to someone with no account:
 * a stand-in under the reserved `invited-` prefix, so it never takes the username the
 * invited person will want when they register (they choose it when activating).
 */
function contactSlug(): string {
  return `invited-${randomToken(12).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
}

async function mailInvitation(
  core: Core, tx: Db, org: OrganizationRow, description: RoleDescriptionRow,
  user: Pick<UserRow, 'slug' | 'email' | 'full_name' | 'password_hash'>, key: string, inviter: string, message: string | null,
): Promise<void> {
  if (!user.email) return;
  await core.mailer.enqueue(tx, {
    to: user.email,
    template: 'role_grant_invite',
    context: {
      full_name: printableName(user),
      organization: printableName(org),
      role: description.title,
      inviter,
      message: message ? `\nTheir message:\n\n${message}\n` : '',
      link: acceptInvitationUrl(core, user.slug, key),
      register: user.password_hash
        ? 'The link asks you to log in first if you are not.'
        : `You do not have an account with this address yet: the link lets you sign up (or log in if you have another account), then accept. You can also sign up at ${core.links.register()}.`,
      site: core.config.brokerName,
    },
  });
}

async function callerName(tx: Db, caller: Caller): Promise<string> {
  if (caller.kind !== 'user') return 'Someone';
  const row = await tx.selectFrom('users').select(['slug', 'full_name']).where('id', '=', caller.userId).executeTakeFirst();
  return row ? printableName(row) : caller.username;
}

/**
 * Grants the role `roleRef` to an existing user by username, or invites an e-mail address (through
 * the account that has it, or a contact without credentials when none does). The grantee
 * accepts with the mailed key, unless a broker manager grants a description that skips the
 * opt-in to a grantee named by username: then the role is active at once (marked as given
 * without consent) and a notice is mailed.
 *
 * The answer, the list of roles and the history show only what the manager typed until the
 * grantee accepts: an invitation by e-mail looks the same whether the address has an
 * account or not, and names neither its username nor its name; one by username does not
 * name the e-mail. An invitation by e-mail therefore never skips the opt-in (the skip would
 * answer "accepted" for an address with an account).
 */
export async function grantRole(
  core: Core, caller: Caller, orgRef: Ref, roleRef: Ref, input: GrantInput, options: { mail?: boolean } = {},
): Promise<RoleView> {
  const org = await findOrganization(core.db, orgRef);
  const access = await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const description = await findDescription(core.db, org.id, roleRef);
  // The Partner role (partner-only settings, ID tokens) is given by partners, never taken by a manager.
  if (description.organization_id === null && description.slug === 'partner' && !access.may('organization.deployments.partner_settings')) {
    throw new Forbidden('Only a partner of this organization (or of one above it) may give the Partner role.');
  }
  // get.chat invites without a mail when asked: the invitation waits until invited again with one.
  const mail = options.mail !== false;
  // Only the broker's managers grant without the grantee's consent; anyone else invites.
  const mayForce = access.may('organization.roles.grant_without_consent');
  const slug = input.slug?.trim() || undefined;
  const email = input.email?.trim() ? normalizeEmail(input.email) : undefined;
  if (!slug && !email) {
    throw new Invalid({ slug: ['Give the username of a user, or the e-mail address of someone to invite.'] });
  }
  if (email && !isEmailAddress(email)) throw new Invalid('email', 'Enter a valid email address.');
  const typedName = input.full_name?.trim().slice(0, 150) ?? '';
  const now = core.now();
  let grantee = slug ?? email!;
  try {
    const roleId = await core.transact(async (tx) => {
      await lockOrganization(tx, org.id);
      let user = slug ? await findUserBySlug(tx, slug) : undefined;
      const byEmail = !user;
      if (!user && !email) throw new NotFound('user', `No user "${slug}".`);
      if (byEmail) grantee = email!;
      if (!user) user = await findUserByEmail(tx, email!);
      if (!user) {
        // Someone not registered yet: a contact without credentials holds the invitation
        // until an authenticated user claims it with the mailed key.
        user = await tx.insertInto('users').values({
          slug: contactSlug(),
          email: email!,
          full_name: typedName,
          created_at: now,
        }).returningAll().executeTakeFirstOrThrow();
      }
      const existing = await tx.selectFrom('roles').select(['id', 'grant_key_hash', 'invited_email'])
        .where('organization_id', '=', org.id).where('user_id', '=', user.id)
        .where('role_description_id', '=', description.id).executeTakeFirst();
      // A pending invitation addressed otherwise (by username, now by e-mail, or the other
      // way round) is addressed anew and mailed again, as a new invitation would be: a 409
      // here would tell the manager that this username and this address are one account.
      const readdress = !!existing?.grant_key_hash && existing.invited_email !== (byEmail ? email! : null);
      if (existing && !readdress) throw new Conflict(`${grantee} already has the role "${description.slug}" on ${org.slug}.`, 'role.exists');
      // The quota knows who already takes a seat (a role or invitation, not a join request).
      await assertSeatAvailable(tx, org.id, user.id);

      const skip = description.skip_optin_on_grant && mayForce && !byEmail && !!user.password_hash;
      const key = skip ? null : randomToken(32);
      // Every grant mails the grantee: limited per target (the address as typed, or the
      // username), so revoking and granting again cannot flood anyone; not per manager, who
      // may invite a whole team at once. In this transaction, so a refused grant writes nothing.
      if (user.email && mail) {
        await checkSendLimit(core, tx, caller, 'role_grant', byEmail ? `email:${email!}` : `user:${user.id}`, { perCaller: false });
      }
      const addressing = {
        grant_key_hash: key ? sha256(key) : null,
        invited_email: key && byEmail ? email! : null,
        invited_name: key && byEmail ? typedName : null,
        accepted_at: key ? null : now,
        granted_without_consent: !key,
      };
      const role = existing
        ? await tx.updateTable('roles').set(addressing).where('id', '=', existing.id).returning('id').executeTakeFirstOrThrow()
        : await tx.insertInto('roles').values({
          organization_id: org.id,
          user_id: user.id,
          role_description_id: description.id,
          ...addressing,
          created_by: caller.kind === 'user' ? caller.userId : null,
          created_at: now,
        }).returning('id').executeTakeFirstOrThrow();
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: key ? 'role.invited' : 'role.granted', actorId: actorOf(caller), now,
        detail: { user: grantee, role: description.slug },
      });
      const inviter = await callerName(tx, caller);
      if (key && !mail) {
        // Recorded without a mail: nobody holds this key, so it is as good as none until re-sent.
      } else if (key) {
        await mailInvitation(core, tx, org, description, user, key, inviter, input.message?.trim() || null);
      } else if (user.email && mail) {
        await core.mailer.enqueue(tx, {
          to: user.email,
          template: 'role_grant_notice',
          context: {
            full_name: printableName(user), organization: printableName(org), role: description.title, inviter,
            message: input.message?.trim() ? `\nTheir message:\n\n${input.message.trim()}\n` : '',
            link: core.links.organization(org.slug), site: core.config.brokerName,
          },
        });
      }
      return role.id;
    });
    return loadRole(core.db, roleId);
  } catch (error) {
    // Two grants racing past the check: the unique index keeps exactly one.
    if (isUniqueViolation(error)) throw new Conflict(`${grantee} already has the role "${description.slug}" on ${org.slug}.`, 'role.exists');
    throw error;
  }
}

/**
 * The roles of one user on the organization, and how the caller named that user. The user
 * is named by id or username, or (a slug with an @) by the address a pending invitation was
 * made to (what the organization sees of it), or by the e-mail of a member who accepted.
 */
async function findUserRoles(
  tx: Db, orgId: number, member: Ref, role: RolesRef, seenBy: 'organization' | 'user' | 'access',
): Promise<{ roles: RoleView[]; named: string }> {
  const user = await findUser(tx, member);
  // The name history records: what the caller typed, or the username an id stands for.
  const named = 'slug' in member ? member.slug : user?.slug ?? describeRef(member);
  let query = roleQuery(tx).where('roles.organization_id', '=', orgId);
  if (user) {
    query = query.where('roles.user_id', '=', user.id);
    // The organization knows an invitation by e-mail by its address only: the account's
    // username must not find it (that would link the two).
    if (seenBy === 'organization') {
      query = query.where(({ or, eb }) => or([eb('roles.grant_key_hash', 'is', null), eb('roles.invited_email', 'is', null)]));
    }
  } else if ('slug' in member && member.slug.includes('@')) {
    const email = normalizeEmail(member.slug);
    query = query.where(({ or, and, eb }) => or([
      and([eb('roles.grant_key_hash', 'is not', null), eb('roles.invited_email', '=', email)]),
      and([eb('roles.grant_key_hash', 'is', null), eb(eb.fn('lower', ['users.email']), '=', email)]),
    ]));
  } else {
    throw new NotFound('user');
  }
  if (role !== ALL_ROLES) {
    const description = await findDescription(tx, orgId, role);
    query = query.where('roles.role_description_id', '=', description.id);
  }
  const roles = (await query.execute()).map(toRoleView);
  if (roles.length === 0) {
    throw new NotFound('role', role === ALL_ROLES ? `${named} has no role here.` : `${named} has no role ${describeRef(role)} here.`);
  }
  return { roles, named };
}

/** Mails a new key for a pending invitation; the previous key stops working. */
export async function resendInvitation(
  core: Core, caller: Caller, orgRef: Ref, roleRef: RolesRef, member: Ref,
): Promise<RoleView> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  if (roleRef === ALL_ROLES) throw new NotFound('role', 'Name the role whose invitation to re-send.');
  const roleId = await core.transact(async (tx) => {
    const { roles: [role], named } = await findUserRoles(tx, org.id, member, roleRef, 'organization');
    if (!role.invited) throw new BadRequest(`${named} has no pending invitation for "${role.description.slug}" to re-send.`, 'invitation.not_pending');
    await checkSendLimit(core, tx, caller, 'invitation', `user:${role.user.id}`);
    const key = randomToken(32);
    await tx.updateTable('roles').set({ grant_key_hash: sha256(key) }).where('id', '=', role.id).execute();
    const user = await tx.selectFrom('users').selectAll().where('id', '=', role.user.id).executeTakeFirstOrThrow();
    const description = await tx.selectFrom('role_descriptions').selectAll().where('id', '=', role.description.id).executeTakeFirstOrThrow();
    await mailInvitation(core, tx, org, description, user, key, await callerName(tx, caller), null);
    return role.id;
  });
  return loadRole(core.db, roleId);
}

/**
 * Removes one role or every role (ALL_ROLES) of a user on the organization, pending
 * invitations and requests included.
 */
export async function revokeRoles(core: Core, caller: Caller, orgRef: Ref, role: RolesRef, member: Ref): Promise<void> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  await removeRoles(core, caller, org.id, member, role, 'removed');
}

export function actorOf(caller: Caller): number | null {
  return caller.kind === 'user' ? caller.userId : null;
}

/**
 * Remembers that a user left, was removed or was denied: the organization's implicit
 * roles never enroll them again (leaving sticks).
 */
export async function recordDeparture(tx: Db, orgId: number, userIds: number[], how: Departure, now: Date): Promise<void> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return;
  await tx.insertInto('organization_departures')
    .values(unique.map((userId) => ({ organization_id: orgId, user_id: userId, how, created_at: now })))
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doUpdateSet({ how }))
    .execute();
}

/** Shared by revoke (organization side, `removed`) and withdraw (user side, `left`). */
export async function removeRoles(
  core: Core, caller: Caller, orgId: number, member: Ref, role: RolesRef, how: Departure,
  options: { includeInvitations?: boolean } = {},
): Promise<void> {
  await core.transact(async (tx) => {
    await lockOrganization(tx, orgId);
    // get.chat names an invitation's user by id (its paths have no other name): 'access' finds it.
    const seenBy = how === 'left' ? 'user' : options.includeInvitations ? 'access' : 'organization';
    const { roles, named } = await findUserRoles(tx, orgId, member, role, seenBy);
    await tx.deleteFrom('roles').where('id', 'in', roles.map((r) => r.id)).execute();
    await assertManagerRemains(tx, orgId, includesAcceptedManager(roles));
    await recordDeparture(tx, orgId, roles.map((r) => r.user.id), how, core.now());
    await recordOrganizationEvent(tx, {
      organizationId: orgId, type: 'role.revoked', actorId: actorOf(caller), now: core.now(),
      detail: { user: named, roles: roles.map((r) => r.description.slug) },
    });
  });
}

export async function pendingRequest(tx: Db, orgId: number, requestKey: string): Promise<RoleView> {
  const row = await roleQuery(tx).where('roles.organization_id', '=', orgId)
    .where('roles.request_key', '=', requestKey).executeTakeFirst();
  if (!row) throw linkInvalid();
  return toRoleView(row);
}

/** A manager accepts a user's request, optionally with another role than the one asked. */
export async function acceptRequest(
  core: Core, caller: Caller, orgRef: Ref, requestKey: string, roleRef: Ref | undefined,
): Promise<RoleView> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const now = core.now();
  try {
    const roleId = await core.transact(async (tx) => {
      await lockOrganization(tx, org.id);
      const role = await pendingRequest(tx, org.id, requestKey);
      const description = roleRef ? await findDescription(tx, org.id, roleRef) : null;
      // A request took no seat while pending: accepting it takes one.
      await assertSeatAvailable(tx, org.id, role.user.id);
      await tx.updateTable('roles').set({
        request_key: null, grant_key_hash: null, accepted_at: now,
        ...(description ? { role_description_id: description.id } : {}),
      }).where('id', '=', role.id).execute();
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: 'role.request_accepted', actorId: actorOf(caller), now,
        detail: { user: role.user.slug, role: description?.slug ?? role.description.slug },
      });
      if (role.user.email) {
        await core.mailer.enqueue(tx, {
          to: role.user.email,
          template: 'role_request_accepted',
          context: {
            full_name: printableName(role.user), organization: printableName(org),
            role: description?.title ?? role.description.title, accepted_by: await callerName(tx, caller),
            link: core.links.organization(org.slug), site: core.config.brokerName,
          },
        });
      }
      return role.id;
    });
    return loadRole(core.db, roleId);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`This user already has the role ${roleRef ? describeRef(roleRef) : 'asked for'} on ${org.slug}.`, 'role.exists');
    throw error;
  }
}

/** A manager denies a request: it is removed; with `block`, its author is blocked too. */
export async function denyRequest(
  core: Core, caller: Caller, orgRef: Ref, requestKey: string, block = false,
): Promise<void> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  await core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const role = await pendingRequest(tx, org.id, requestKey);
    await denyRequests(core, tx, caller, org.id, [role], block);
  });
}

/** Removes pending requests, records each denial (and block), and remembers the departure. */
export async function denyRequests(
  core: Core, tx: Db, caller: Caller, orgId: number, roles: RoleView[], block: boolean,
): Promise<void> {
  if (roles.length === 0) return;
  const now = core.now();
  await tx.deleteFrom('roles').where('id', 'in', roles.map((r) => r.id)).execute();
  await recordDeparture(tx, orgId, roles.map((r) => r.user.id), 'denied', now);
  for (const role of roles) {
    await recordOrganizationEvent(tx, {
      organizationId: orgId, type: 'role.request_denied', actorId: actorOf(caller), now,
      detail: { user: role.user.slug, role: role.description.slug },
    });
  }
  if (!block) return;
  const users = new Map(roles.map((r) => [r.user.id, r.user.slug]));
  for (const [userId, userSlug] of users) {
    const added = await tx.insertInto('join_request_blocks')
      .values({ organization_id: orgId, user_id: userId, blocked_by: actorOf(caller), created_at: now })
      .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
      .returning('user_id').executeTakeFirst();
    if (added) {
      await recordOrganizationEvent(tx, {
        organizationId: orgId, type: 'role.requester_blocked', actorId: actorOf(caller), now, detail: { user: userSlug },
      });
    }
  }
}
