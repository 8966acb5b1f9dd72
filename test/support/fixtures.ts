// Setup shortcuts shared by the test files: organizations and roles written straight to
// the database, so a test controls exactly who holds what without going through routes
// tested elsewhere.
import type { TestService, TestUser } from './service.js';
import { unique } from './service.js';

export interface TestOrg {
  id: number;
  slug: string;
}

export async function makeOrganization(
  s: TestService,
  options: { slug?: string; fullName?: string; email?: string | null; seatQuota?: number | null } = {},
): Promise<TestOrg> {
  const slug = options.slug ?? unique('org').toLowerCase();
  return s.core.db.insertInto('organizations').values({
    slug,
    full_name: options.fullName ?? `Org ${slug}`,
    email: options.email === undefined ? `help@${slug}.example.com` : options.email,
    seat_quota: options.seatQuota ?? null,
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

/** Gives `userId` the role (global or the organization's own); `pending` leaves it an unaccepted invitation. */
export async function grantRole(s: TestService, org: TestOrg, userId: number, role: string, pending = false): Promise<void> {
  const description = await s.core.db.selectFrom('role_descriptions').select('id')
    .where('slug', '=', role)
    .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)]))
    .executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({
    organization_id: org.id, user_id: userId, role_description_id: description.id,
    grant_key_hash: pending ? `pending-${org.slug}-${userId}` : null,
    accepted_at: pending ? null : new Date(),
  }).execute();
}

/** An organization (not the broker) that `manager` manages and `member` contributes to. */
export async function organizationWith(s: TestService, manager: TestUser, member: TestUser): Promise<TestOrg> {
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  await grantRole(s, org, member.id, 'contributor');
  return org;
}
