// Stacks (get.chat): the group of applications an organization deploys together (an inbox
// and the packages around it). Creating, renaming or moving (subdomain) a stack, or deleting
// it, answers at once with the stack locked and REQUESTED, and queues a deployment.
// Stacks are soft-deleted: the destruction sets deleted_at once it succeeded.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { BadRequest, Conflict, Forbidden, NotFound, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, type OrganizationAccess, type OrganizationAction } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { findOrganization, requireUser, type Organization } from '../organizations/profiles.js';
import { requestDeployment } from './deployments.js';
import type { StackRow } from './views.js';

export interface StackInput {
  name?: string;
  subdomain?: string;
  partner_meta?: Record<string, unknown>;
}

export const STACK_LIST: ListSpec = {
  orderable: {
    id: 'stacks.id', name: 'stacks.name', subdomain: 'stacks.subdomain', created_at: 'stacks.created_at',
    modified_at: 'stacks.modified_at', user_status: 'stacks.user_status',
  },
  searchable: [],
  defaultOrder: ['id'],
  tieBreaker: 'stacks.id',
  filterable: {
    id: { column: 'stacks.id', type: 'integer' },
    name: { column: 'stacks.name', type: 'string' },
    subdomain: { column: 'stacks.subdomain', type: 'string' },
    is_deployed: { column: 'stacks.is_deployed', type: 'boolean' },
    organization_id: { column: 'stacks.organization_id', type: 'integer' },
  },
  deletedColumn: 'stacks.deleted_at',
};

/** A 12-digit hex name, like the seed's `64a54c6d72df`: a valid subdomain too. */
function generatedName(): string {
  return randomBytes(6).toString('hex');
}

/** A subdomain from a free-form name: lower case, letters, digits and dashes, at most 50 long. */
function subdomainFrom(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50).replace(/-+$/, '');
}

/**
 * The stack `stackId` and what the caller may do on its organization, authorized for
 * `action`. A stack the caller may not see answers the same 404 as one that does not exist.
 */
export async function loadStack(
  core: Core, caller: Caller, stackId: number, action: OrganizationAction,
): Promise<{ stack: StackRow; organization: Organization; access: OrganizationAccess }> {
  requireUser(caller);
  const stack = Number.isSafeInteger(stackId)
    ? await core.db.selectFrom('stacks').selectAll().where('id', '=', stackId).where('deleted_at', 'is', null).executeTakeFirst()
    : undefined;
  if (!stack) throw new NotFound('stack');
  const organization = await findOrganization(core.db, { id: stack.organization_id });
  try {
    return { stack, organization, access: await authorizeOrganization(core, caller, action, organization) };
  } catch (error) {
    if (error instanceof NotFound) throw new NotFound('stack');
    throw error;
  }
}

/**
 * The organization the deprecated `POST /integration/stacks` means: the caller's own, the
 * oldest one where they hold an accepted managing role (partner or manager), else the
 * oldest where they hold an accepted role of another kind.
 */
export async function callerOrganization(core: Core, caller: Caller): Promise<Ref> {
  const user = requireUser(caller);
  const row = await core.db.selectFrom('roles')
    .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .select('organizations.id')
    .where('roles.user_id', '=', user.userId)
    .where('roles.grant_key_hash', 'is', null).where('roles.request_key', 'is', null)
    .where('organizations.status', '<>', 'closed')
    .orderBy(sql`(role_descriptions.slug in ('partner', 'manager') and role_descriptions.organization_id is null)`, 'desc')
    .orderBy('organizations.id')
    .executeTakeFirst();
  if (!row) throw new BadRequest('You belong to no organization: name the organization the stack is for.', 'request.refused', { organization_id: ['You belong to no organization.'] });
  return { id: row.id };
}

/**
 * Inside the unit of work creating a stack: locks the organization row, so racing creations
 * are counted one after the other, and refuses one past its stack_quota (403).
 */
async function assertStackQuota(core: Core, organizationId: number): Promise<void> {
  const org = await core.db.selectFrom('organizations').select('stack_quota').where('id', '=', organizationId).forUpdate().executeTakeFirstOrThrow();
  if (org.stack_quota === null) return;
  const used = await core.db.selectFrom('stacks').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  if (Number(used.n) >= org.stack_quota) {
    throw new Forbidden(`Quota exceeded: the organization may have ${org.stack_quota} stack(s) (stack_quota).`, 'quota.stacks_exceeded');
  }
}

/** Refuses a subdomain another live stack uses (409 `stack.subdomain_taken`). */
async function assertSubdomainFree(core: Core, subdomain: string, exceptId?: number): Promise<void> {
  let query = core.db.selectFrom('stacks').select('id')
    .where(sql<SqlBool>`lower(subdomain) = ${subdomain.toLowerCase()}`).where('deleted_at', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  if (await query.executeTakeFirst()) throw subdomainTaken(subdomain);
}

function subdomainTaken(subdomain: string): Conflict {
  return new Conflict(`The subdomain "${subdomain}" is taken.`, 'stack.subdomain_taken', { subdomain: ['This subdomain is taken.'] });
}

/** A free subdomain from `base`: itself, or with a short random suffix. */
async function freeSubdomain(core: Core, base: string): Promise<string> {
  for (let i = 0; i < 5; i += 1) {
    const candidate = i === 0 && base ? base : `${base ? `${base}-` : ''}${randomBytes(3).toString('hex')}`;
    const taken = await core.db.selectFrom('stacks').select('id')
      .where(sql<SqlBool>`lower(subdomain) = ${candidate}`).where('deleted_at', 'is', null).executeTakeFirst();
    if (!taken) return candidate;
  }
  return generatedName();
}

/**
 * Creates a stack in the caller's unit of work (or one of its own), once the organization
 * is authorized: within its stack_quota, locked and REQUESTED, its deployment queued
 * (unless `queue: false`: the caller queues it, with what should follow it).
 */
export async function insertStack(
  core: Core, organizationId: number, userId: number, input: StackInput, options: { queue?: boolean } = {},
): Promise<StackRow> {
  const now = core.now();
  const name = input.name?.trim() || generatedName();
  try {
    return await core.transact(async (tx) => {
      await assertStackQuota(core, organizationId);
      let subdomain = input.subdomain;
      if (subdomain !== undefined) await assertSubdomainFree(core, subdomain);
      else subdomain = await freeSubdomain(core, subdomainFrom(name));
      const stack = await tx.insertInto('stacks').values({
        uuid: randomUUID(),
        organization_id: organizationId,
        name,
        subdomain,
        partner_meta: JSON.stringify(input.partner_meta ?? {}),
        created_by: userId,
        created_at: now,
        modified_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      if (options.queue !== false) await requestDeployment(core, { kind: 'stack', id: stack.id }, 'deployment', userId);
      return stack;
    });
  } catch (error) {
    // Two creations racing for one subdomain: the unique index keeps one.
    if (isUniqueViolation(error)) throw subdomainTaken(input.subdomain ?? name);
    throw error;
  }
}

/** S1 (and the deprecated form without an organization: the caller's own). */
export async function createStack(core: Core, caller: Caller, organizationRef: Ref | null, input: StackInput): Promise<StackRow> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, organizationRef ?? (await callerOrganization(core, caller)));
  await authorizeOrganization(core, caller, 'organization.deployments.manage', organization);
  return insertStack(core, organization.id, user.userId, input);
}

/** S2: the organization's stacks. */
export async function listStacks(core: Core, caller: Caller, organizationRef: Ref, list: ListQuery): Promise<Page<StackRow>> {
  const organization = await findOrganization(core.db, organizationRef);
  await authorizeOrganization(core, caller, 'organization.deployments.read', organization);
  const query = core.db.selectFrom('stacks').selectAll('stacks').where('stacks.organization_id', '=', organization.id);
  return paginate(query, list, STACK_LIST);
}

/** S4. */
export async function getStack(core: Core, caller: Caller, stackId: number): Promise<StackRow> {
  return (await loadStack(core, caller, stackId, 'organization.deployments.read')).stack;
}

function assertUnlocked(stack: StackRow): void {
  if (stack.is_locked) throw new Conflict('The stack is being deployed: wait until it is READY or FAILED.', 'stack.locked');
}

/**
 * S5. A new name or subdomain is a modification (deployed; a new subdomain also redeploys
 * every application of the stack afterwards, as their domains change). partner_meta alone
 * is the partner's own data: saved at once, nothing is deployed.
 */
export async function updateStack(core: Core, caller: Caller, stackId: number, input: StackInput): Promise<StackRow> {
  const user = requireUser(caller);
  const { stack } = await loadStack(core, caller, stackId, 'organization.deployments.manage');
  const now = core.now();
  const name = input.name?.trim() || undefined;
  try {
    return await core.transact(async (tx) => {
      const current = await tx.selectFrom('stacks').selectAll().where('id', '=', stack.id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
      if (!current) throw new NotFound('stack');
      assertUnlocked(current);
      const moved = input.subdomain !== undefined && input.subdomain.toLowerCase() !== current.subdomain.toLowerCase();
      const renamed = name !== undefined && name !== current.name;
      if (moved) {
        await assertSubdomainFree(core, input.subdomain!, current.id);
        const busy = await tx.selectFrom('applications').select('id').where('stack_id', '=', current.id)
          .where('deleted_at', 'is', null).where('is_locked', '=', true).executeTakeFirst();
        if (busy) throw new Conflict('An application of this stack is being deployed: wait until it is READY or FAILED.', 'application.locked');
      }
      const deploy = moved || renamed;
      const updated = await tx.updateTable('stacks').set({
        ...(renamed ? { name } : {}),
        ...(moved ? { subdomain: input.subdomain } : {}),
        ...(input.partner_meta !== undefined ? { partner_meta: JSON.stringify(input.partner_meta) } : {}),
        ...(deploy ? { is_locked: true, user_status: 'REQUESTED', status: 'REQUESTED' } : {}),
        modified_at: now,
      }).where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
      if (deploy) {
        await requestDeployment(core, { kind: 'stack', id: current.id }, 'modification', user.userId, moved ? { redeploy_applications: true } : undefined);
      }
      return updated;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw subdomainTaken(input.subdomain ?? '');
    throw error;
  }
}

/** S3: destroys the stack (soft delete once done). Its applications must be deleted first. */
export async function deleteStack(core: Core, caller: Caller, stackId: number): Promise<StackRow> {
  const user = requireUser(caller);
  const { stack } = await loadStack(core, caller, stackId, 'organization.deployments.manage');
  return core.transact(async (tx) => {
    const current = await tx.selectFrom('stacks').selectAll().where('id', '=', stack.id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
    if (!current) throw new NotFound('stack');
    assertUnlocked(current);
    const application = await tx.selectFrom('applications').select('id').where('stack_id', '=', current.id).where('deleted_at', 'is', null).executeTakeFirst();
    if (application) throw new BadRequest('The stack still has applications: delete them first.', 'stack.not_empty');
    const updated = await tx.updateTable('stacks')
      .set({ is_locked: true, user_status: 'REQUESTED', status: 'REQUESTED', modified_at: core.now() })
      .where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
    await requestDeployment(core, { kind: 'stack', id: current.id }, 'destruction', user.userId);
    return updated;
  });
}
