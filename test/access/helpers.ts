// Setup for the role tests: an organization created straight in the database (the
// organization routes are tested elsewhere) with its manager.
import type { TestService, TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';

export type { TestOrg };

export async function makeOrg(s: TestService, manager: TestUser, options: { email?: string; seatQuota?: number } = {}): Promise<TestOrg> {
  const org = await makeOrganization(s, options);
  await grantRole(s, org, manager.id, 'manager');
  return org;
}

export async function addRole(s: TestService, org: TestOrg, user: TestUser, role: string): Promise<void> {
  await grantRole(s, org, user.id, role);
}
