// Accountcentral's provisioning jobs: a customer is deactivated in two steps, each a durable
// job (`customer-provisioning`) whose row is its truth (status NEW -> RUNNING -> DONE or
// FAILED, and its actions).
// - PREPARE_DEACTIVATION records what deactivating would do, doing nothing: suspend the
//   customer and each sub-customer below it, and suspend the accounts each of them made
//   (its team: their logins are refused, their sessions and API keys end).
// - DEACTIVATE needs a finished preparation for that customer, which no other deactivation
//   used, then does it, on the tree as it is then (a sub-customer added since goes too):
//   deepest first, so every step is authorized while the organizations above are active.
// Whoever sits above the customer asks (`organization.lifecycle`); the job acts as them,
// through the lifecycle functions and the same policy, so a requester who lost the power
// since gets a FAILED job, not a deactivation.
// A job delivered twice runs once: it claims its row (NEW -> RUNNING, one more attempt) and
// does its work in one unit of work that first locks the row and checks its claim still holds.
import { randomUUID } from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { Db } from '../../db/database.js';
import type { ProvisioningOperation, ProvisioningStatus } from '../../db/schema.js';
import { BadRequest, Conflict, DomainError, NotFound, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, authorizeUser, mayOnSite } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { endUserSessions } from '../identity/sessions.js';
import { revokeApiKeys } from '../identity/api-keys.js';
import { recordSecurityEvent } from '../identity/security-events.js';
import { printableName } from '../identity/users.js';
import { recordOrganizationEvent } from './events.js';
import { suspendOrganization } from './lifecycle.js';
import { findOrganization, requireUser } from './profiles.js';
import { organizationIdsAbove } from './visibility.js';

/** Tries of one job before it is recorded FAILED (QUEUES['customer-provisioning'].retryLimit is this minus one). */
export const PROVISIONING_MAX_ATTEMPTS = 5;
/** A run RUNNING for longer than this died with its process: the next delivery claims it again. */
const LEASE_MS = 5 * 60_000;

export type ActionStatus = 'PLANNED' | 'DONE' | 'SKIPPED';

export interface ProvisioningAction {
  /** SUSPEND_CUSTOMER: the customer is suspended (its members refused); SUSPEND_USERS: the accounts it made are suspended. */
  type: 'SUSPEND_CUSTOMER' | 'SUSPEND_USERS';
  groupPk: number;
  groupName: string;
  status: ActionStatus;
  /** SUSPEND_USERS: the accounts concerned. */
  userPks?: number[];
  /** Why it was skipped (already suspended, nothing to do). */
  detail?: string;
}

export interface ProvisioningJob {
  id: string;
  organizationId: number;
  operation: ProvisioningOperation;
  status: ProvisioningStatus;
  actions: ProvisioningAction[];
  preparedBy: string | null;
  error: { code: string; message: string } | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type JobRow = {
  id: string; organization_id: number; operation: ProvisioningOperation; status: ProvisioningStatus; actions: unknown;
  prepared_by: string | null; error: unknown; attempts: number; requested_by: number | null;
  created_at: Date; started_at: Date | null; finished_at: Date | null;
};

function jobOf(row: JobRow): ProvisioningJob {
  return {
    id: row.id,
    organizationId: Number(row.organization_id),
    operation: row.operation,
    status: row.status,
    actions: Array.isArray(row.actions) ? (row.actions as ProvisioningAction[]) : [],
    preparedBy: row.prepared_by,
    error: (row.error as ProvisioningJob['error']) ?? null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export const PROVISIONING_JOB_LIST: ListSpec = {
  orderable: { created_at: 'customer_provisioning_jobs.created_at' },
  searchable: [],
  defaultOrder: ['-created_at'],
  tieBreaker: 'customer_provisioning_jobs.id',
};

/**
 * Jobs, newest first: of one customer (`organization.lifecycle` on it), or of every
 * customer the caller sits above (every customer for the broker's managers).
 */
export async function listProvisioningJobs(core: Core, caller: Caller, groupId: number | undefined, list: ListQuery): Promise<Page<ProvisioningJob>> {
  const user = requireUser(caller);
  let query = core.db.selectFrom('customer_provisioning_jobs').selectAll();
  if (groupId !== undefined) {
    const organization = await findOrganization(core.db, { id: groupId });
    await authorizeOrganization(core, caller, 'organization.lifecycle', organization);
    query = query.where('organization_id', '=', organization.id);
  } else if (!(await mayOnSite(core, caller, 'organizations.list'))) {
    query = query.where(sql<SqlBool>`organization_id in ${organizationIdsAbove(user.userId)}`);
  }
  const page = await paginate(query, list, PROVISIONING_JOB_LIST);
  return { count: page.count, results: page.results.map(jobOf) };
}

export async function getProvisioningJob(core: Core, caller: Caller, id: string): Promise<ProvisioningJob> {
  requireUser(caller);
  const row = await core.db.selectFrom('customer_provisioning_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('provisioning_job');
  const organization = await findOrganization(core.db, { id: row.organization_id });
  try {
    await authorizeOrganization(core, caller, 'organization.lifecycle', organization);
  } catch (error) {
    // A job of a customer the caller cannot see is one that does not exist, for them.
    if (error instanceof NotFound) throw new NotFound('provisioning_job');
    throw error;
  }
  return jobOf(row);
}

/** Asks for a job; it runs in the background (`customer-provisioning`). */
export async function createProvisioningJob(
  core: Core, caller: Caller, input: { groupId: number; operation: ProvisioningOperation },
): Promise<ProvisioningJob> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, { id: input.groupId });
  await authorizeOrganization(core, caller, 'organization.lifecycle', organization);
  if (organization.is_broker) throw new BadRequest('The broker organization cannot be deactivated.', 'organization.broker');
  const now = core.now();
  const id = randomUUID();
  try {
    await core.transact(async (tx) => {
      // Jobs of one customer are asked one after the other: two deactivations at once cannot both pass.
      await tx.selectFrom('organizations').select('id').where('id', '=', organization.id).forUpdate().execute();
      let preparedBy: string | null = null;
      if (input.operation === 'DEACTIVATE') {
        const running = await tx.selectFrom('customer_provisioning_jobs').select('id')
          .where('organization_id', '=', organization.id).where('operation', '=', 'DEACTIVATE')
          .where('status', 'in', ['NEW', 'RUNNING']).executeTakeFirst();
        if (running) throw new Conflict(`A deactivation of this customer is already under way (job ${running.id}).`, 'provisioning.in_progress');
        const prepared = await tx.selectFrom('customer_provisioning_jobs as p').select('p.id')
          .where('p.organization_id', '=', organization.id).where('p.operation', '=', 'PREPARE_DEACTIVATION').where('p.status', '=', 'DONE')
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('customer_provisioning_jobs as d').select('d.id')
            .whereRef('d.prepared_by', '=', 'p.id').where('d.status', '<>', 'FAILED'))))
          .orderBy('p.created_at', 'desc').orderBy('p.id').executeTakeFirst();
        if (!prepared) {
          throw new BadRequest('Deactivating a customer needs a finished PREPARE_DEACTIVATION job for it first (one per deactivation).',
            'provisioning.not_prepared', { operation: ['Run PREPARE_DEACTIVATION for this customer first.'] });
        }
        preparedBy = prepared.id;
      }
      await tx.insertInto('customer_provisioning_jobs').values({
        id, organization_id: organization.id, operation: input.operation, prepared_by: preparedBy,
        requested_by: user.userId, created_at: now,
      }).execute();
      await core.jobs.enqueue('customer-provisioning', { jobId: id });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict('This preparation was used by another deactivation a moment ago.', 'provisioning.in_progress');
    throw error;
  }
  const row = await core.db.selectFrom('customer_provisioning_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return jobOf(row);
}

// ---- the job ----

interface TreeNode {
  id: number;
  name: string;
  status: 'active' | 'suspended' | 'closed';
  depth: number;
}

/** The customer and every sub-customer not closed, deepest first. */
async function treeOf(db: Db, organizationId: number): Promise<TreeNode[]> {
  const rows = await sql<{ id: number; full_name: string; slug: string; status: TreeNode['status']; depth: number }>`
    with recursive below (id, depth, path) as (
      select ${organizationId}::bigint, 0, array[${organizationId}::bigint]
      union all
      select o.id, b.depth + 1, b.path || o.id from organizations o join below b on o.partner_id = b.id
       where o.status <> 'closed' and not o.id = any(b.path)
    )
    select o.id, o.full_name, o.slug, o.status, b.depth from below b join organizations o on o.id = b.id
     order by b.depth desc, o.id`.execute(db);
  return rows.rows.map((r) => ({ id: Number(r.id), name: r.full_name || r.slug, status: r.status, depth: Number(r.depth) }));
}

async function teamOf(db: Db, organizationId: number): Promise<number[]> {
  const rows = await db.selectFrom('users').select('id')
    .where('home_organization_id', '=', organizationId).where('status', '=', 'active').where('deleted_at', 'is', null)
    .orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** What deactivating the customer does now, every action PLANNED (or SKIPPED when already so). */
async function plan(db: Db, organizationId: number): Promise<ProvisioningAction[]> {
  const actions: ProvisioningAction[] = [];
  for (const node of await treeOf(db, organizationId)) {
    const users = await teamOf(db, node.id);
    actions.push(users.length
      ? { type: 'SUSPEND_USERS', groupPk: node.id, groupName: node.name, status: 'PLANNED', userPks: users }
      : { type: 'SUSPEND_USERS', groupPk: node.id, groupName: node.name, status: 'SKIPPED', userPks: [], detail: 'No active account of its own.' });
    actions.push(node.status === 'active'
      ? { type: 'SUSPEND_CUSTOMER', groupPk: node.id, groupName: node.name, status: 'PLANNED' }
      : { type: 'SUSPEND_CUSTOMER', groupPk: node.id, groupName: node.name, status: 'SKIPPED', detail: `Already ${node.status}.` });
  }
  return actions;
}

/** Suspends one team account as the requester, inside the job's unit of work. */
async function suspendTeamUser(core: Core, tx: Db, requester: UserCaller, userId: number, reason: string, now: Date): Promise<boolean> {
  await authorizeUser(core, requester, 'user.team.administer', { id: userId, slug: '' });
  const row = await tx.updateTable('users')
    .set({ status: 'suspended', status_reason: reason, suspended_at: now, updated_at: now })
    .where('id', '=', userId).where('status', '=', 'active')
    .returningAll().executeTakeFirst();
  if (!row) return false;
  const ended = await endUserSessions(tx, userId, 'suspended', now);
  const keysRevoked = await revokeApiKeys(tx, userId, now);
  await recordSecurityEvent(tx, userId, 'account.suspended', {}, now,
    { by: requester.username, reason, sessions_ended: ended, api_keys_revoked: keysRevoked });
  if (row.email) {
    await core.mailer.enqueue(tx, {
      to: row.email,
      template: 'account_suspended',
      context: {
        full_name: printableName(row), username: row.slug, at: now.toISOString(), reason,
        site: core.config.brokerName, site_url: core.links.site(),
      },
    });
  }
  return true;
}

/** Does the deactivation, deepest first; answers each action DONE or SKIPPED. */
async function deactivate(core: Core, tx: Db, job: JobRow, requester: UserCaller, now: Date): Promise<ProvisioningAction[]> {
  const reason = `Deactivated by provisioning job ${job.id}.`;
  const actions: ProvisioningAction[] = [];
  for (const node of await treeOf(tx, job.organization_id)) {
    const done: number[] = [];
    for (const userId of await teamOf(tx, node.id)) {
      if (await suspendTeamUser(core, tx, requester, userId, reason, now)) done.push(userId);
    }
    actions.push(done.length
      ? { type: 'SUSPEND_USERS', groupPk: node.id, groupName: node.name, status: 'DONE', userPks: done }
      : { type: 'SUSPEND_USERS', groupPk: node.id, groupName: node.name, status: 'SKIPPED', userPks: [], detail: 'No active account of its own.' });
    if (node.status === 'active') {
      await suspendOrganization(core, requester, { id: node.id }, reason);
      actions.push({ type: 'SUSPEND_CUSTOMER', groupPk: node.id, groupName: node.name, status: 'DONE' });
    } else {
      actions.push({ type: 'SUSPEND_CUSTOMER', groupPk: node.id, groupName: node.name, status: 'SKIPPED', detail: `Already ${node.status}.` });
    }
  }
  return actions;
}

async function requesterOf(core: Core, job: JobRow): Promise<UserCaller> {
  const user = job.requested_by === null ? undefined
    : await core.db.selectFrom('users').select(['id', 'slug']).where('id', '=', job.requested_by).where('deleted_at', 'is', null).executeTakeFirst();
  if (!user) throw new BadRequest('Whoever asked for this job no longer has an account.', 'request.refused');
  return { kind: 'user', userId: user.id, username: user.slug, via: 'jwt' };
}

async function fail(core: Core, job: JobRow, error: { code: string; message: string }): Promise<void> {
  const now = core.now();
  await core.transact(async (tx) => {
    const failed = await tx.updateTable('customer_provisioning_jobs')
      .set({ status: 'FAILED', error: JSON.stringify(error), finished_at: now })
      .where('id', '=', job.id).where('status', '=', 'RUNNING').where('attempts', '=', job.attempts)
      .returning('id').executeTakeFirst();
    if (!failed) return;
    await recordOrganizationEvent(tx, {
      organizationId: job.organization_id, type: 'provisioning.job', actorId: job.requested_by, now,
      detail: { job: job.id, operation: job.operation, status: 'FAILED', error: error.code },
    });
  });
}

/** The `customer-provisioning` job: runs one job row once; throws to have pg-boss retry a failure that may pass. */
export async function runProvisioningJob(core: Core, jobId: string): Promise<void> {
  const started = core.now();
  const claimed = await core.db.updateTable('customer_provisioning_jobs')
    .set({ status: 'RUNNING', attempts: sql<number>`attempts + 1`, started_at: started })
    .where('id', '=', jobId)
    .where((eb) => eb.or([
      eb('status', '=', 'NEW'),
      eb.and([eb('status', '=', 'RUNNING'), eb('started_at', '<', new Date(started.getTime() - LEASE_MS))]),
    ]))
    .returningAll().executeTakeFirst() as JobRow | undefined;
  // Done already (a job delivered twice), or under way in another worker.
  if (!claimed) return;
  try {
    const requester = await requesterOf(core, claimed);
    await core.transact(async (tx) => {
      // The claim still holds (no other run took the row over): one run does the work.
      const row = await tx.selectFrom('customer_provisioning_jobs').select(['status', 'attempts'])
        .where('id', '=', claimed.id).forUpdate().executeTakeFirst();
      if (row?.status !== 'RUNNING' || row.attempts !== claimed.attempts) return;
      const now = core.now();
      const actions = claimed.operation === 'PREPARE_DEACTIVATION'
        ? await plan(tx, claimed.organization_id)
        : await deactivate(core, tx, claimed, requester, now);
      await tx.updateTable('customer_provisioning_jobs')
        .set({ status: 'DONE', actions: JSON.stringify(actions), error: null, finished_at: now })
        .where('id', '=', claimed.id).execute();
      await recordOrganizationEvent(tx, {
        organizationId: claimed.organization_id, type: 'provisioning.job', actorId: claimed.requested_by, now,
        detail: { job: claimed.id, operation: claimed.operation, status: 'DONE' },
      });
    });
  } catch (error) {
    // A refusal (the requester lost the power, the customer was closed) is final.
    if (error instanceof DomainError) {
      await fail(core, claimed, { code: error.code, message: error.message });
      return;
    }
    if (claimed.attempts >= PROVISIONING_MAX_ATTEMPTS) {
      await fail(core, claimed, { code: 'request.refused', message: `The job failed ${claimed.attempts} times.` });
      return;
    }
    // Back to NEW: pg-boss's retry claims it again.
    await core.db.updateTable('customer_provisioning_jobs').set({ status: 'NEW' })
      .where('id', '=', claimed.id).where('status', '=', 'RUNNING').where('attempts', '=', claimed.attempts).execute();
    throw error;
  }
}
