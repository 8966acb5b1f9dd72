// Who used a customer's applications and when (first and last access, from
// user_application_accesses), and the counters of a hub workspace (one of the customer's
// stacks, whose nodes are its applications).
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { NotFound } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { findOrganization } from '../organizations/profiles.js';
import { platformApplication } from './platform-applications.js';

export interface ApplicationAccess {
  userId: number;
  username: string;
  firstName: string | null;
  lastName: string | null;
  fullName: string;
  email: string | null;
  application: string;
  firstAccessAt: Date;
  lastAccessAt: Date;
}

export const APPLICATION_ACCESS_LIST: ListSpec = {
  orderable: { lastAccess: 'user_application_accesses.last_access_at', username: 'users.slug' },
  searchable: [],
  defaultOrder: ['-lastAccess'],
  tieBreaker: 'user_application_accesses.id',
};

/**
 * The users that used the customer's applications (every application, or the one named by
 * its code), one element per user and application, most recent access first. Deleted
 * accounts are left out.
 */
export async function listApplicationAccesses(
  core: Core, caller: Caller, ref: Ref, applicationCode: string | null, list: ListQuery,
): Promise<Page<ApplicationAccess>> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.activity.read', organization);
  let application: string | null = null;
  if (applicationCode !== null) {
    const found = platformApplication(core, applicationCode);
    if (!found) throw new NotFound('platform_application', `The platform has no application "${applicationCode}".`);
    application = found.code;
  }
  let query = core.db.selectFrom('user_application_accesses')
    .innerJoin('users', 'users.id', 'user_application_accesses.user_id')
    .select([
      'users.id as userId', 'users.slug as username', 'users.first_name as firstName', 'users.last_name as lastName',
      'users.full_name as fullName', 'users.email', 'user_application_accesses.application',
      'user_application_accesses.first_access_at as firstAccessAt', 'user_application_accesses.last_access_at as lastAccessAt',
    ])
    .where('user_application_accesses.organization_id', '=', organization.id)
    .where('users.deleted_at', 'is', null);
  if (application !== null) query = query.where('user_application_accesses.application', '=', application);
  return paginate(query, list, APPLICATION_ACCESS_LIST);
}

export interface WorkspaceCounter {
  status: string;
  count: number;
}

export interface WorkspaceCounters {
  workspaceId: number;
  total: number;
  byStatus: WorkspaceCounter[];
}

/**
 * A hub workspace's counters: the workspace is one of the customer's stacks, its nodes the
 * stack's applications (deleted ones left out), counted by status; `nodes` keeps only those
 * applications. An id that is not a node of this workspace counts nothing.
 */
export async function workspaceCounters(core: Core, caller: Caller, ref: Ref, workspaceId: number, nodes?: readonly number[]): Promise<WorkspaceCounters> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.deployments.read', organization);
  const stack = await core.db.selectFrom('stacks').select('id')
    .where('id', '=', workspaceId).where('organization_id', '=', organization.id).where('deleted_at', 'is', null).executeTakeFirst();
  if (!stack) throw new NotFound('stack');
  let query = core.db.selectFrom('applications')
    .select(['status', sql<number>`count(*)::int`.as('count')])
    .where('stack_id', '=', stack.id).where('deleted_at', 'is', null)
    .groupBy('status').orderBy('status');
  if (nodes !== undefined) {
    if (nodes.length === 0) return { workspaceId: stack.id, total: 0, byStatus: [] };
    query = query.where('id', 'in', [...nodes]);
  }
  const rows = await query.execute();
  const byStatus = rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  return { workspaceId: stack.id, total: byStatus.reduce((sum, r) => sum + r.count, 0), byStatus };
}
