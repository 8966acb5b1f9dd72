// Applications (get.chat): a package installed on a stack with its settings. Creating,
// changing the settings of, or deleting an application answers at once (locked, REQUESTED)
// and queues a deployment run by the package's deployer. Settings are checked by the
// package's rules (validateApplicationSettings) with the caller's role, and stored sealed.
import { randomUUID } from 'node:crypto';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { Conflict, Forbidden, NotFound } from '../errors.js';
import { authorizeOrganization, type OrganizationAction } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { findOrganization, requireUser } from '../organizations/profiles.js';
import { validateApplicationSettings } from './settings.js';
import { requestDeployment } from './deployments.js';
import { objectOf } from './views.js';
import { callerOrganization, insertStack, loadStack } from './stacks.js';
import { createCustomer } from '../organizations/customers.js';
import { grantRole } from '../memberships/roles.js';
import type { Application, ApplicationRow, PackageRow, StackRow } from './views.js';

export interface ApplicationInput {
  package_id: number;
  settings?: Record<string, unknown>;
  partner_meta?: Record<string, unknown>;
}

export interface ApplicationChanges {
  settings?: Record<string, unknown>;
  partner_meta?: Record<string, unknown>;
}

export const APPLICATION_LIST: ListSpec = {
  orderable: {
    id: 'applications.id', created_at: 'applications.created_at', modified_at: 'applications.modified_at',
    user_status: 'applications.user_status', domain: 'applications.domain', package_id: 'applications.package_id',
    stack_id: 'applications.stack_id',
  },
  searchable: [],
  defaultOrder: ['id'],
  tieBreaker: 'applications.id',
  filterable: {
    id: { column: 'applications.id', type: 'integer' },
    user_status: { column: 'applications.user_status', type: 'string' },
    is_locked: { column: 'applications.is_locked', type: 'boolean' },
    is_deployed: { column: 'applications.is_deployed', type: 'boolean' },
    domain: { column: 'applications.domain', type: 'string' },
    stack_id: { column: 'applications.stack_id', type: 'integer' },
    created_at: { column: 'applications.created_at', type: 'datetime' },
    package_id: { column: 'applications.package_id', type: 'integer' },
    package_type: { column: 'packages.type', type: 'string' },
    organization_id: { column: 'stacks.organization_id', type: 'integer' },
    partner_id: { column: 'organizations.partner_id', type: 'integer' },
  },
  deletedColumn: 'applications.deleted_at',
};

function selectApplications(db: Db) {
  return db.selectFrom('applications')
    .innerJoin('stacks', 'stacks.id', 'applications.stack_id')
    .innerJoin('packages', 'packages.id', 'applications.package_id')
    .innerJoin('organizations', 'organizations.id', 'stacks.organization_id')
    .selectAll('applications')
    .select([
      'stacks.organization_id as organization_id',
      'packages.uuid as package_uuid', 'packages.name as package_name', 'packages.type as package_type',
      'packages.created_at as package_created_at', 'packages.modified_at as package_modified_at',
    ]);
}

type SelectedApplication = ApplicationRow & {
  organization_id: number; package_uuid: string; package_name: string; package_type: string;
  package_created_at: Date; package_modified_at: Date;
};

function toApplication(row: SelectedApplication): Application {
  const { package_uuid, package_name, package_type, package_created_at, package_modified_at, ...application } = row;
  return {
    ...application,
    package: {
      id: row.package_id, uuid: package_uuid, name: package_name, type: package_type,
      created_at: package_created_at, modified_at: package_modified_at,
    },
  };
}

async function applicationById(db: Db, id: number): Promise<Application> {
  return toApplication(await selectApplications(db).where('applications.id', '=', id).executeTakeFirstOrThrow());
}

/** The live application `applicationId`, authorized for `action`; one the caller may not see is a 404 like one that does not exist. */
export async function loadApplication(core: Core, caller: Caller, applicationId: number, action: OrganizationAction) {
  requireUser(caller);
  const row = Number.isSafeInteger(applicationId)
    ? await selectApplications(core.db).where('applications.id', '=', applicationId).where('applications.deleted_at', 'is', null).executeTakeFirst()
    : undefined;
  if (!row) throw new NotFound('application');
  const organization = await findOrganization(core.db, { id: row.organization_id });
  try {
    const access = await authorizeOrganization(core, caller, action, organization);
    return { application: toApplication(row), organization, access };
  } catch (error) {
    if (error instanceof NotFound) throw new NotFound('application');
    throw error;
  }
}

async function findPackage(db: Db, by: { id: number } | { type: string }): Promise<PackageRow> {
  let query = db.selectFrom('packages').selectAll().where('deleted_at', 'is', null);
  if ('id' in by) {
    if (!Number.isSafeInteger(by.id)) throw new NotFound('package');
    query = query.where('id', '=', by.id);
  } else {
    query = query.where('type', '=', by.type);
  }
  const pkg = await query.executeTakeFirst();
  if (!pkg) throw new NotFound('package', 'id' in by ? `No package ${by.id}.` : `No package of type "${by.type}".`);
  return pkg;
}

async function callerEmail(db: Db, userId: number): Promise<string | null> {
  const row = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
  return row?.email ?? null;
}

/**
 * Inside the unit of work: locks the stack row (racing creations are counted one after the
 * other), refuses a destroyed or busy stack, one past application_quota, and a second
 * application of one package on one stack; inserts the application locked and REQUESTED.
 * With `deploy`, its deployment is queued now; otherwise the caller queues it (after the stack's).
 */
async function insertApplication(
  core: Core, stackId: number, pkg: PackageRow, settings: Record<string, unknown>, partnerMeta: Record<string, unknown>,
  userId: number, deploy: boolean,
): Promise<number> {
  return core.transact(async (tx) => {
    const stack = await tx.selectFrom('stacks').selectAll().where('id', '=', stackId).forUpdate().executeTakeFirst();
    if (!stack || stack.deleted_at) throw new NotFound('stack');
    if (deploy && stack.is_locked) throw new Conflict('The stack is being deployed: wait until it is READY.', 'stack.locked');
    const live = await tx.selectFrom('applications').select(['package_id'])
      .where('stack_id', '=', stack.id).where('deleted_at', 'is', null).execute();
    if (stack.application_quota !== null && live.length >= stack.application_quota) {
      throw new Forbidden(`Quota exceeded: the stack may have ${stack.application_quota} application(s) (application_quota).`, 'quota.applications_exceeded');
    }
    if (live.some((a) => a.package_id === pkg.id)) {
      throw new Conflict(`The stack already has an application of the package "${pkg.type}".`, 'request.conflict', { package_id: ['Already installed on this stack.'] });
    }
    const now = core.now();
    const row = await tx.insertInto('applications').values({
      uuid: randomUUID(),
      stack_id: stack.id,
      package_id: pkg.id,
      settings: JSON.stringify(settings),
      partner_meta: JSON.stringify(partnerMeta),
      created_by: userId,
      created_at: now,
      modified_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    if (deploy) await requestDeployment(core, { kind: 'application', id: row.id }, 'deployment', userId);
    return row.id;
  });
}

/** AP1: installs a package on a stack. */
export async function createApplication(core: Core, caller: Caller, stackId: number, input: ApplicationInput): Promise<Application> {
  const user = requireUser(caller);
  const { stack, access } = await loadStack(core, caller, stackId, 'organization.deployments.manage');
  const pkg = await findPackage(core.db, { id: input.package_id });
  const settings = await validateApplicationSettings(core, {
    packageId: pkg.id, organizationId: stack.organization_id, access,
    callerEmail: await callerEmail(core.db, user.userId), settings: input.settings ?? {},
  });
  const id = await insertApplication(core, stack.id, pkg, settings, input.partner_meta ?? {}, user.userId, true);
  return applicationById(core.db, id);
}

/** AP2: a stack's applications. */
export async function listApplications(core: Core, caller: Caller, stackId: number, list: ListQuery): Promise<Page<Application>> {
  const { stack } = await loadStack(core, caller, stackId, 'organization.deployments.read');
  const page = await paginate(selectApplications(core.db).where('applications.stack_id', '=', stack.id), list, APPLICATION_LIST);
  return { count: page.count, results: page.results.map(toApplication) };
}

/** AP4. */
export async function getApplication(core: Core, caller: Caller, applicationId: number): Promise<Application> {
  return (await loadApplication(core, caller, applicationId, 'organization.deployments.read')).application;
}

function assertChangeable(application: ApplicationRow, stack: Pick<StackRow, 'is_locked'>): void {
  if (application.is_locked) throw new Conflict('The application is being deployed: wait until it is READY or FAILED.', 'application.locked');
  if (stack.is_locked) throw new Conflict('Its stack is being deployed: wait until it is READY or FAILED.', 'stack.locked');
}

/**
 * AP5. New settings (merged over the stored ones and checked again) are a modification,
 * deployed; partner_meta alone is the partner's own data, saved at once.
 */
export async function updateApplication(core: Core, caller: Caller, applicationId: number, changes: ApplicationChanges): Promise<Application> {
  const user = requireUser(caller);
  const { application, access } = await loadApplication(core, caller, applicationId, 'organization.deployments.manage');
  // The stored settings, secrets still sealed: validateApplicationSettings opens what it merges.
  const previous = objectOf(application.settings) ?? {};
  const settings = changes.settings === undefined ? undefined : await validateApplicationSettings(core, {
    packageId: application.package_id, organizationId: application.organization_id, access,
    callerEmail: await callerEmail(core.db, user.userId), settings: changes.settings, previous,
  });
  await core.transact(async (tx) => {
    const stack = await tx.selectFrom('stacks').select('is_locked').where('id', '=', application.stack_id).forUpdate().executeTakeFirstOrThrow();
    const current = await tx.selectFrom('applications').selectAll().where('id', '=', application.id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
    if (!current) throw new NotFound('application');
    assertChangeable(current, stack);
    await tx.updateTable('applications').set({
      ...(settings !== undefined ? { settings: JSON.stringify(settings), is_locked: true, user_status: 'REQUESTED', status: 'REQUESTED' } : {}),
      ...(changes.partner_meta !== undefined ? { partner_meta: JSON.stringify(changes.partner_meta) } : {}),
      modified_at: core.now(),
    }).where('id', '=', current.id).execute();
    if (settings !== undefined) await requestDeployment(core, { kind: 'application', id: current.id }, 'modification', user.userId);
  });
  return applicationById(core.db, application.id);
}

/** AP3: destroys the application (soft delete once done; its package routings go with it). */
export async function deleteApplication(core: Core, caller: Caller, applicationId: number): Promise<Application> {
  const user = requireUser(caller);
  const { application } = await loadApplication(core, caller, applicationId, 'organization.deployments.manage');
  await core.transact(async (tx) => {
    const stack = await tx.selectFrom('stacks').select('is_locked').where('id', '=', application.stack_id).forUpdate().executeTakeFirstOrThrow();
    const current = await tx.selectFrom('applications').selectAll().where('id', '=', application.id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
    if (!current) throw new NotFound('application');
    assertChangeable(current, stack);
    await tx.updateTable('applications').set({ is_locked: true, user_status: 'REQUESTED', status: 'REQUESTED', modified_at: core.now() })
      .where('id', '=', current.id).execute();
    await requestDeployment(core, { kind: 'application', id: current.id }, 'destruction', user.userId);
  });
  return applicationById(core.db, application.id);
}

export interface InstantInput {
  email: string;
  package_type: string;
  settings?: Record<string, unknown>;
  partner_meta?: Record<string, unknown>;
}

/**
 * AP6 (deprecated): one unit of work creates a customer organization of the caller's own
 * (named after `email`), invites `email` as its Owner (the invitation mailed), creates a
 * stack and installs the package of type `package_type` on it. The application is deployed
 * once the stack is READY (the stack's deployment queues it); admin_email defaults to the
 * invited address, the inbox's future owner.
 */
export async function instantCreateApplication(core: Core, caller: Caller, input: InstantInput): Promise<Application> {
  const user = requireUser(caller);
  const pkg = await findPackage(core.db, { type: input.package_type });
  const email = input.email.trim().toLowerCase();
  const id = await core.transact(async () => {
    const partner = await callerOrganization(core, caller);
    const customer = await createCustomer(core, caller, partner, { full_name: email });
    await grantRole(core, caller, { id: customer.id }, { slug: 'manager' }, { email });
    const access = await authorizeOrganization(core, caller, 'organization.deployments.manage', customer);
    const settings = await validateApplicationSettings(core, {
      packageId: pkg.id, organizationId: customer.id, access, callerEmail: email, settings: input.settings ?? {},
    });
    const stack = await insertStack(core, customer.id, user.userId, {}, { queue: false });
    const applicationId = await insertApplication(core, stack.id, pkg, settings, input.partner_meta ?? {}, user.userId, false);
    await requestDeployment(core, { kind: 'stack', id: stack.id }, 'deployment', user.userId, { deploy_applications: [applicationId] });
    return applicationId;
  });
  return applicationById(core.db, id);
}
