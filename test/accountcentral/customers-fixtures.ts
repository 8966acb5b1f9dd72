// Setup for the customers lane's tests: a stack (hub workspace) with applications (nodes),
// capabilities and provisioning jobs written straight to the database.
import { randomUUID } from 'node:crypto';
import type { TestService } from '../support/service.js';
import { unique } from '../support/service.js';

/** A stack of `organizationId` with one application per status given. */
export async function makeWorkspace(s: TestService, organizationId: number, statuses: string[] = []): Promise<{ id: number; nodes: number[] }> {
  const stack = await s.core.db.insertInto('stacks').values({
    uuid: randomUUID(), organization_id: organizationId, name: 'Workspace', subdomain: unique('ws').toLowerCase(),
    partner_meta: '{}', user_status: 'READY', status: 'READY', is_locked: false,
  }).returning('id').executeTakeFirstOrThrow();
  const pkg = await s.core.db.insertInto('packages').values({
    uuid: randomUUID(), name: 'Node', type: unique('node').toLowerCase(), settings_schema: '{}', setting_rules: '{}', deployer_config: '{}',
  })
    .returning('id').executeTakeFirstOrThrow();
  const nodes: number[] = [];
  for (const status of statuses) {
    const app = await s.core.db.insertInto('applications').values({
      uuid: randomUUID(), stack_id: stack.id, package_id: pkg.id, settings: '{}', partner_meta: '{}', status, user_status: status,
    }).returning('id').executeTakeFirstOrThrow();
    nodes.push(app.id);
  }
  return { id: stack.id, nodes };
}

/** A capability in force for `userId` on customer `groupPk`, as if granted. */
export async function giveCapability(s: TestService, userId: number, groupPk: number, role = 'CUSTOMER_CARE', application = 'accountcentral'): Promise<number> {
  const row = await s.core.db.insertInto('user_capabilities').values({
    user_id: userId, application, version: 1, resource: JSON.stringify(['customers', String(groupPk)]), role,
    organization_id: groupPk, granted_at: new Date(),
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}
