// Setup shared by the role tests: organizations created straight in the database (the
// organization routes are tested elsewhere), with a manager and optional members.
import type { TestService, TestUser } from '../support/service.js';
import { unique } from '../support/service.js';

export interface TestOrg {
  id: number;
  slug: string;
}

export async function makeOrg(s: TestService, manager: TestUser, options: { email?: string; seatQuota?: number } = {}): Promise<TestOrg> {
  const slug = unique('org').toLowerCase();
  const org = await s.core.db.insertInto('organizations').values({
    slug, full_name: `Org ${slug}`, email: options.email ?? `help@${slug}.example.com`, seat_quota: options.seatQuota ?? null,
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
  await addRole(s, org, manager, 'manager');
  return org;
}

export async function addRole(s: TestService, org: TestOrg, user: TestUser, role: string): Promise<void> {
  const description = await s.core.db.selectFrom('role_descriptions').select('id')
    .where('slug', '=', role)
    .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)]))
    .executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({
    organization_id: org.id, user_id: user.id, role_description_id: description.id, accepted_at: new Date(),
  }).execute();
}
