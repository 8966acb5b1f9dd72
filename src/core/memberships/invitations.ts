// Accepting an invitation with the key mailed by a grant. The key is the proof: an
// invitation sent to someone not registered yet (a contact without credentials) goes to
// the first authenticated user who presents it; one sent to a registered user can only be
// accepted by that user. Either way the key works once.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import { Conflict, NotFound, Unauthenticated, linkInvalid } from '../errors.js';
import { findUser } from '../identity/users.js';
import { sha256 } from '../identity/secrets.js';
import { authorizeUser } from '../access/policy.js';
import { loadRole, lockOrganization, type RoleView } from './role-views.js';
import { recordOrganizationEvent } from '../organizations/events.js';

export async function acceptInvitation(core: Core, caller: Caller, userRef: Ref, key: string): Promise<RoleView> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const hash = sha256(key);
  let pathUser = await findUser(core.db, userRef);
  if (!pathUser) {
    // The invitee may have chosen another username when activating their account since the
    // link was mailed: the key still names them, so they accept under their new name.
    const invited = await core.db.selectFrom('roles').select('user_id').where('grant_key_hash', '=', hash).executeTakeFirst();
    if (invited?.user_id === caller.userId) pathUser = await findUser(core.db, { id: caller.userId });
  }
  if (!pathUser) throw new NotFound('user');
  // The link names the invitee; the caller is either that user or claims a contact's invitation.
  if (pathUser.id !== caller.userId && pathUser.password_hash) {
    await authorizeUser(core, caller, 'user.update', pathUser);
  }
  const roleId = await core.transact(async (tx) => {
    const found = await tx.selectFrom('roles').select(['id', 'organization_id']).where('grant_key_hash', '=', hash).executeTakeFirst();
    if (!found) throw linkInvalid();
    await lockOrganization(tx, found.organization_id);
    // Read again under the lock: a concurrent accept may have consumed the key.
    const role = await tx.selectFrom('roles').innerJoin('users', 'users.id', 'roles.user_id')
      .select(['roles.id', 'roles.user_id', 'roles.organization_id', 'roles.role_description_id', 'users.password_hash'])
      .where('roles.id', '=', found.id).where('roles.grant_key_hash', '=', hash).executeTakeFirst();
    if (!role || role.user_id !== pathUser.id) throw linkInvalid();
    let userId = role.user_id;
    if (role.user_id !== caller.userId) {
      if (role.password_hash) throw linkInvalid();
      const held = await tx.selectFrom('roles').select('id').where('organization_id', '=', role.organization_id)
        .where('user_id', '=', caller.userId).where('role_description_id', '=', role.role_description_id).executeTakeFirst();
      if (held) throw new Conflict('You already have this role on the organization.', 'role.exists');
      // The contact stays (it may carry history); the role moves to whoever proved the key.
      userId = caller.userId;
    }
    await tx.updateTable('roles').set({ user_id: userId, grant_key_hash: null, accepted_at: core.now() })
      .where('id', '=', role.id).execute();
    await recordOrganizationEvent(tx, {
      organizationId: role.organization_id, type: 'role.accepted', actorId: caller.userId, now: core.now(),
      detail: { role_id: role.id, claimed_from: role.user_id !== userId ? pathUser.slug : undefined },
    });
    return role.id;
  });
  return loadRole(core.db, roleId);
}

/**
 * Ends the keys of the invitations a contact (a user without a password) holds, when its
 * address changes: such a key grants the role to whoever presents it, and it went to the
 * former address. The invitations stay pending; re-sending one mails a new key to the
 * current address.
 */
export async function retireContactInvitationKeys(tx: Db, userId: number): Promise<void> {
  await tx.updateTable('roles')
    .set({ grant_key_hash: sql<string>`'retired:' || md5(random()::text || id::text)` })
    .where('user_id', '=', userId).where('grant_key_hash', 'is not', null)
    .execute();
}
