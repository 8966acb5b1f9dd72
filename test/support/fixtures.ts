// Setup shortcuts shared by the test files: organizations and roles written straight to
// the database, so a test controls exactly who holds what without going through routes
// tested elsewhere.
import type { TestService, TestUser } from './service.js';
import { unique } from './service.js';
import { resetApiKey } from '../../src/core/identity/api-keys.js';

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

/**
 * How a role came to be, for the access matrices: accepted by its holder, a pending
 * invitation, a pending join request, granted by a broker manager without the opt-in
 * ("forced"), or given implicitly from the e-mail domain.
 */
export type RoleState = 'accepted' | 'invited' | 'requested' | 'forced' | 'implicit';

/** Gives `userId` the role (global or the organization's own) in the given state. */
export async function giveRole(s: TestService, org: TestOrg, userId: number, role: string, state: RoleState = 'accepted'): Promise<void> {
  const description = await s.core.db.selectFrom('role_descriptions').select('id')
    .where('slug', '=', role)
    .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)]))
    .executeTakeFirstOrThrow();
  const pending = state === 'invited' || state === 'requested';
  await s.core.db.insertInto('roles').values({
    organization_id: org.id, user_id: userId, role_description_id: description.id,
    grant_key_hash: state === 'invited' ? `pending-${org.slug}-${userId}-${role}` : null,
    request_key: state === 'requested' ? `request${org.id}x${userId}x${role}`.replace(/[^a-zA-Z0-9]/g, 'x') : null,
    granted_without_consent: state === 'forced' || state === 'implicit',
    accepted_at: pending ? null : new Date(),
  }).execute();
}

/** Gives `userId` the role (global or the organization's own); `pending` leaves it an unaccepted invitation. */
export async function grantRole(s: TestService, org: TestOrg, userId: number, role: string, pending = false): Promise<void> {
  await giveRole(s, org, userId, role, pending ? 'invited' : 'accepted');
}

/** Sets an organization's partner and status straight in the database. */
export async function placeOrganization(
  s: TestService, org: TestOrg, options: { partner?: TestOrg; status?: 'active' | 'suspended' | 'closed' },
): Promise<void> {
  await s.core.db.updateTable('organizations').set({
    ...(options.partner ? { partner_id: options.partner.id } : {}),
    ...(options.status ? { status: options.status, status_reason: options.status === 'active' ? null : 'Test fixture' } : {}),
  }).where('id', '=', org.id).execute();
}

/** An organization (not the broker) that `manager` manages and `member` contributes to. */
export async function organizationWith(s: TestService, manager: TestUser, member: TestUser): Promise<TestOrg> {
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  await grantRole(s, org, member.id, 'contributor');
  return org;
}

export const QUICK_PASSWORD = 'Quick-user-Pa55word';

/** An active user with a password, quick to make: every such user shares one password, hashed once. */
export async function quickUser(s: TestService, prefix = 'q'): Promise<TestUser> {
  return s.user({ username: unique(prefix).toLowerCase(), password: QUICK_PASSWORD });
}

/** Headers that authenticate as `userId` with a new secret API key (HTTP Basic, key as user name). */
export async function apiKeyHeaders(s: TestService, userId: number): Promise<Record<string, string>> {
  const key = await s.core.transact((tx) => resetApiKey(tx, userId, s.clock.now));
  return { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
}

/**
 * The callers of the access matrices, each in one relation to the organizations a matrix
 * targets (see relationTarget):
 *   A  active, a customer of partner P; managerA and contributorA hold accepted roles,
 *      invited has a pending invitation, requesting a pending join request, forced a role
 *      a broker manager gave without the opt-in, implicit a role from the e-mail domain.
 *   B  active, managed by managerB only.
 *   S  suspended, a customer of P; suspendedMember manages it.
 *   X  active, a customer of the suspended partner SP that suspendedPartner manages.
 *   Y  active, a customer of the closed organization CP, itself a customer of P, that
 *      closedPartner managed (a role closing would have removed, kept to prove it gives nothing).
 * apiKeyManagerA is managerA authenticated with a secret API key.
 */
export const RELATION_USERS = [
  'plain', 'contributorA', 'managerA', 'managerB', 'partnerManager', 'invited', 'requesting', 'forced', 'implicit',
  'suspendedMember', 'suspendedPartner', 'closedPartner',
] as const;
export type RelationUser = typeof RELATION_USERS[number];
export type RelationCaller = 'anonymous' | RelationUser | 'apiKeyManagerA' | 'admin';
export const RELATION_CALLERS: RelationCaller[] = ['anonymous', ...RELATION_USERS, 'apiKeyManagerA', 'admin'];
export type RelationTarget = 'A' | 'B' | 'S' | 'X' | 'Y';
export const RELATION_TARGETS: RelationTarget[] = ['A', 'B', 'S', 'X', 'Y'];
/** Callers holding an accepted role (consented or not) on A. */
export const MEMBERS_OF_A: RelationCaller[] = ['managerA', 'apiKeyManagerA', 'contributorA', 'forced', 'implicit'];

export interface RelationWorld {
  users: Record<RelationUser, TestUser>;
  partner: TestOrg;
  suspendedPartner: TestOrg;
  closedPartner: TestOrg;
  apiKey: Record<string, string>;
  /** How `caller` authenticates: nothing, a token, or API-key headers. */
  credentials(caller: RelationCaller): { token?: string; headers?: Record<string, string> };
  /** A fresh organization of kind `which`, suspended if asked (S always is). */
  target(which: RelationTarget, suspended?: boolean): Promise<TestOrg>;
}

export async function relationWorld(s: TestService): Promise<RelationWorld> {
  const users = Object.fromEntries(await Promise.all(RELATION_USERS.map(async (n) => [n, await quickUser(s, n.slice(0, 6))]))) as Record<RelationUser, TestUser>;
  const apiKey = await apiKeyHeaders(s, users.managerA.id);
  const partner = await makeOrganization(s);
  await grantRole(s, partner, users.partnerManager.id, 'manager');
  const suspendedPartner = await makeOrganization(s);
  await grantRole(s, suspendedPartner, users.suspendedPartner.id, 'manager');
  await placeOrganization(s, suspendedPartner, { status: 'suspended' });
  const closedPartner = await makeOrganization(s);
  await grantRole(s, closedPartner, users.closedPartner.id, 'manager');
  await placeOrganization(s, closedPartner, { partner, status: 'closed' });
  return {
    users, partner, suspendedPartner, closedPartner, apiKey,
    credentials(caller) {
      if (caller === 'anonymous') return {};
      if (caller === 'apiKeyManagerA') return { headers: apiKey };
      return { token: caller === 'admin' ? s.admin.token : users[caller].token };
    },
    async target(which, suspended = false) {
      const org = await makeOrganization(s);
      if (which === 'A') {
        await placeOrganization(s, org, { partner });
        await giveRole(s, org, users.managerA.id, 'manager');
        await giveRole(s, org, users.contributorA.id, 'contributor');
        await giveRole(s, org, users.invited.id, 'manager', 'invited');
        await giveRole(s, org, users.requesting.id, 'manager', 'requested');
        await giveRole(s, org, users.forced.id, 'contributor', 'forced');
        await giveRole(s, org, users.implicit.id, 'contributor', 'implicit');
      } else if (which === 'B') {
        await giveRole(s, org, users.managerB.id, 'manager');
      } else if (which === 'S') {
        await placeOrganization(s, org, { partner });
        await giveRole(s, org, users.suspendedMember.id, 'manager');
      } else if (which === 'X') {
        await placeOrganization(s, org, { partner: suspendedPartner });
      } else {
        await placeOrganization(s, org, { partner: closedPartner });
      }
      if (suspended || which === 'S') await placeOrganization(s, org, { status: 'suspended' });
      return org;
    },
  };
}
