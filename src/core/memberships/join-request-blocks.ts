// Managers' answers to a flood of join requests: deny every pending request at once, and
// block requesters. A blocked requester's later requests are taken silently: the requester
// gets the usual answer (so blocking does not invite a new account), nobody is mailed,
// and the organization's lists leave the request out. Unblocking makes the next request
// notify the managers again.
import type { Caller, Core } from '../context.js';
import { describeRef, type Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import { NotFound } from '../errors.js';
import { paginate, type ListQuery, type Page } from '../pagination.js';
import { findUser } from '../identity/users.js';
import { authorizeOrganization } from '../access/policy.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { actorOf, denyRequests } from './roles.js';
import { findOrganization, lockOrganization, roleQuery, toRoleView } from './role-views.js';

/** Denies every pending request on the organization (blocking their authors with `block`). */
export async function denyAllRequests(core: Core, caller: Caller, orgRef: Ref, block: boolean): Promise<number> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  return core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const roles = (await roleQuery(tx).where('roles.organization_id', '=', org.id)
      .where('roles.request_key', 'is not', null).execute()).map(toRoleView);
    await denyRequests(core, tx, caller, org.id, roles, block);
    return roles.length;
  });
}

export async function isBlockedRequester(db: Db, orgId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('join_request_blocks').select('user_id')
    .where('organization_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return !!row;
}

export interface BlockView {
  user: { slug: string; full_name: string; picture: string | null };
  blocked_by: string | null;
  created_at: Date;
}

const BLOCK_LIST_SPEC = {
  orderable: { created_at: 'join_request_blocks.created_at', username: 'users.slug' },
  searchable: ['users.slug'],
  dateColumn: 'join_request_blocks.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'join_request_blocks.user_id',
};
export { BLOCK_LIST_SPEC };

export async function listBlockedRequesters(core: Core, caller: Caller, orgRef: Ref, list: ListQuery): Promise<Page<BlockView>> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const query = core.db.selectFrom('join_request_blocks')
    .innerJoin('users', 'users.id', 'join_request_blocks.user_id')
    .leftJoin('users as blocker', 'blocker.id', 'join_request_blocks.blocked_by')
    .select(['users.slug', 'users.full_name', 'users.picture', 'blocker.slug as blocked_by', 'join_request_blocks.created_at'])
    .where('join_request_blocks.organization_id', '=', org.id);
  const page = await paginate(query, list, BLOCK_LIST_SPEC);
  return {
    count: page.count,
    results: page.results.map((r) => ({
      user: { slug: r.slug, full_name: r.full_name, picture: r.picture }, blocked_by: r.blocked_by, created_at: r.created_at,
    })),
  };
}

export async function unblockRequester(core: Core, caller: Caller, orgRef: Ref, userRef: Ref): Promise<void> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const user = await findUser(core.db, userRef);
  await core.transact(async (tx) => {
    const removed = user
      ? await tx.deleteFrom('join_request_blocks').where('organization_id', '=', org.id).where('user_id', '=', user.id)
        .returning('user_id').executeTakeFirst()
      : undefined;
    if (!user || !removed) throw new NotFound('block', `${'slug' in userRef ? userRef.slug : describeRef(userRef)} is not blocked here.`);
    await recordOrganizationEvent(tx, {
      organizationId: org.id, type: 'role.requester_unblocked', actorId: actorOf(caller), now: core.now(), detail: { user: user.slug },
    });
  });
}
