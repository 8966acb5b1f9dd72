// Billing profiles (organizations): creating, reading, changing and listing them. A
// profile's creator becomes its manager; a personal profile is one user's own.
import { sql, type SqlBool, type Selectable } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { Db } from '../../db/database.js';
import type { OrganizationsTable, OrganizationType } from '../../db/schema.js';
import { BadRequest, Forbidden, Invalid, NotFound, Unauthenticated, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, authorizeUser, mayOnSite } from '../access/policy.js';
import { getUser, printableName } from '../identity/users.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { recordOrganizationEvent } from './events.js';
import { refMatches, type Ref } from '../refs.js';
import { assertSlugFree, slugClash, slugify, uniqueSlug } from './slugs.js';
import { ACCEPTED, isAmong, visibleOrganizationIds } from './visibility.js';
import { assertOrganizationQuota } from './creation-quota.js';
import { assertPublicUrl } from '../notify/outbound.js';

export type OrganizationRow = Selectable<OrganizationsTable>;
export type Organization = OrganizationRow & { partner_slug: string | null };

export interface ProfileFields {
  slug?: string;
  full_name?: string;
  email?: string | null;
  phone?: string | null;
  street_address?: string | null;
  locality?: string | null;
  region?: string | null;
  postal_code?: string | null;
  country?: string | null;
  default_timezone?: string;
  extra?: string | null;
  picture?: string | null;
  /** Where webhook events are POSTed (get.chat): absolute http(s), public unless WEBHOOK_ALLOW_PRIVATE. */
  webhook_url?: string | null;
}

export interface ProfileCreate extends ProfileFields {
  type?: OrganizationType;
}

export interface ProfileChanges extends ProfileFields {
  is_provider?: boolean;
  is_bulk_buyer?: boolean;
}

export function requireUser(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return caller;
}

function selectOrganization(db: Db) {
  return db.selectFrom('organizations')
    .selectAll('organizations')
    .select(sql<string | null>`(select p.slug from organizations p where p.id = organizations.partner_id)`.as('partner_slug'));
}

/** The one organization resolver: by id or by slug (case-insensitive), closed ones included. */
export async function findOrganization(db: Db, ref: Ref): Promise<Organization> {
  const row = await selectOrganization(db).where(refMatches('organizations', ref)).executeTakeFirst();
  if (!row) throw new NotFound('organization');
  return row;
}

export async function organizationById(db: Db, id: number): Promise<Organization> {
  return selectOrganization(db).where('organizations.id', '=', id).executeTakeFirstOrThrow();
}

/** Organizations by id, for presenting a page of rows that name them (one query). */
export async function organizationsByIds(db: Db, ids: readonly number[]): Promise<Map<number, Organization>> {
  if (ids.length === 0) return new Map();
  const rows = await selectOrganization(db).where('organizations.id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

export async function managerRoleId(db: Db): Promise<number> {
  const row = await db.selectFrom('role_descriptions').select('id')
    .where('organization_id', 'is', null).where('slug', '=', 'manager').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The webhook address to store: checked (absolute http(s), and not the service's own
 * network) before a unit of work opens, since it resolves the host. Empty means none.
 */
export async function checkedWebhookUrl(core: Core, value: string | null | undefined): Promise<string | null | undefined> {
  if (value === undefined) return undefined;
  if (value === null || value.trim() === '') return null;
  return (await assertPublicUrl(core, 'webhook_url', value.trim())).href;
}

/** Empty strings in optional text fields mean "none". */
function text(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === null || value.trim() === '' ? null : value.trim();
}

function profileValues(fields: ProfileFields) {
  const values: Record<string, string | null> = {};
  for (const key of ['email', 'phone', 'street_address', 'locality', 'region', 'postal_code', 'country', 'extra', 'picture'] as const) {
    const v = text(fields[key]);
    if (v !== undefined) values[key] = key === 'extra' ? (fields.extra ?? null) : v;
  }
  if (fields.full_name !== undefined) values.full_name = fields.full_name.trim();
  if (fields.default_timezone !== undefined) values.default_timezone = fields.default_timezone.trim() || 'UTC';
  return values;
}

/**
 * Creates an organization managed by `managerId` (the creator, or the user a broker
 * manager creates it for). A personal profile is that user's billing profile: one each,
 * named after them unless told otherwise.
 */
async function createOrganization(
  core: Core,
  actorId: number,
  managerId: number,
  input: ProfileCreate,
  partner?: { id: number; slug: string; extraDetail?: Record<string, unknown> },
): Promise<Organization> {
  const type = input.type ?? 'organization';
  const now = core.now();
  if (input.slug !== undefined) await assertSlugFree(core.db, input.slug);
  const webhookUrl = await checkedWebhookUrl(core, input.webhook_url);
  try {
    const id = await core.transact(async (tx) => {
      // An organization of its own (not a customer, not a billing profile) counts against
      // its creator's organization_quota; the creator's row is locked for the count.
      if (type === 'organization' && !partner) await assertOrganizationQuota(tx, actorId);
      const manager = await tx.selectFrom('users').select(['id', 'slug', 'full_name', 'email'])
        .where('id', '=', managerId).forUpdate().executeTakeFirstOrThrow();
      let fullName = input.full_name?.trim() ?? '';
      let email = text(input.email);
      let base: string;
      if (type === 'personal') {
        // Locking the user row above makes "one personal profile per user" hold under races.
        const existing = await tx.selectFrom('organizations').select('slug')
          .where('personal_user_id', '=', managerId).where('type', '=', 'personal').executeTakeFirst();
        if (existing) throw new Invalid('type', `${manager.slug} already has a personal billing profile ("${existing.slug}").`, 'organization.personal_exists');
        fullName ||= printableName(manager);
        email ??= manager.email;
        base = manager.slug;
      } else {
        if (!fullName) throw new Invalid('full_name', 'This field is required.');
        base = slugify(fullName);
      }
      const slug = input.slug ?? (await uniqueSlug(tx, base));
      const values = profileValues(input);
      const row = await tx.insertInto('organizations').values({
        ...values,
        slug,
        full_name: fullName,
        email: email ?? null,
        type,
        partner_id: partner?.id ?? null,
        personal_user_id: type === 'personal' ? managerId : null,
        webhook_url: webhookUrl ?? null,
        created_by: actorId,
        created_at: now,
        updated_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      if (!partner) {
        await tx.insertInto('roles').values({
          organization_id: row.id, user_id: managerId, role_description_id: await managerRoleId(tx),
          created_by: actorId, created_at: now, accepted_at: now,
          // A broker manager making a profile for someone: that person did not ask for it.
          granted_without_consent: actorId !== managerId,
        }).execute();
      }
      await recordOrganizationEvent(tx, {
        organizationId: row.id, type: 'created', actorId, now,
        detail: { slug, type, ...(partner ? { partner: partner.slug, ...partner.extraDetail } : { manager: manager.slug }) },
      });
      if (partner) {
        await recordOrganizationEvent(tx, { organizationId: partner.id, type: 'customer_created', actorId, now, detail: { customer: slug } });
      }
      return row.id;
    });
    return organizationById(core.db, id);
  } catch (error) {
    if (isUniqueViolation(error)) throw slugClash(input.slug ?? input.full_name ?? '');
    throw error;
  }
}

/** Used by the partner tree: the customer row is created under the partner's lock. */
export { createOrganization as createOrganizationRecord };

export async function createProfile(core: Core, caller: Caller, input: ProfileCreate): Promise<Organization> {
  const user = requireUser(caller);
  return createOrganization(core, user.userId, user.userId, input);
}

/** Creates a profile managed by `userSlug`: that user themselves, or the broker's managers. */
export async function createProfileForUser(core: Core, caller: Caller, user: Ref, input: ProfileCreate): Promise<Organization> {
  const actor = requireUser(caller);
  const target = await getUser(core.db, user);
  await authorizeUser(core, caller, 'user.update', { id: target.id, slug: target.slug });
  return createOrganization(core, actor.userId, target.id, input);
}

export async function getProfile(core: Core, caller: Caller, ref: Ref): Promise<Organization> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.read', organization);
  return organization;
}

const BROKER_ONLY = ['is_provider', 'is_bulk_buyer'] as const;

export async function updateProfile(core: Core, caller: Caller, ref: Ref, changes: ProfileChanges): Promise<Organization> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  const access = await authorizeOrganization(core, caller, 'organization.update', organization);
  for (const field of BROKER_ONLY) {
    if (changes[field] !== undefined && changes[field] !== organization[field] && !access.may('organization.flags.update')) {
      throw new Forbidden(`Only the broker's managers may change ${field}.`);
    }
  }
  if (changes.full_name !== undefined && changes.full_name.trim() === '') throw new Invalid('full_name', 'This field may not be blank.');
  if (changes.slug !== undefined && changes.slug.toLowerCase() !== organization.slug.toLowerCase()) {
    if (organization.is_broker) throw new BadRequest('The broker organization keeps its slug.', 'organization.broker');
    await assertSlugFree(core.db, changes.slug, organization.id);
  }
  const values: Record<string, string | boolean | null | Date> = profileValues(changes);
  if (changes.slug !== undefined) values.slug = changes.slug;
  const webhookUrl = await checkedWebhookUrl(core, changes.webhook_url);
  if (webhookUrl !== undefined) values.webhook_url = webhookUrl;
  for (const field of BROKER_ONLY) if (changes[field] !== undefined) values[field] = changes[field];
  const changed = Object.keys(values).filter((k) => values[k] !== (organization as Record<string, unknown>)[k]);
  if (changed.length === 0) return organization;
  const now = core.now();
  try {
    await core.transact(async (tx) => {
      await tx.updateTable('organizations').set({ ...values, updated_at: now }).where('id', '=', organization.id).execute();
      await recordOrganizationEvent(tx, { organizationId: organization.id, type: 'updated', actorId: user.userId, now, detail: { fields: changed } });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slugClash(changes.slug ?? '');
    throw error;
  }
  return organizationById(core.db, organization.id);
}

export const PROFILE_LIST: ListSpec = {
  orderable: {
    slug: 'organizations.slug',
    full_name: 'organizations.full_name',
    email: 'organizations.email',
    created_at: 'organizations.created_at',
  },
  searchable: [
    'organizations.slug', 'organizations.full_name', 'organizations.email', 'organizations.phone',
    'organizations.street_address', 'organizations.locality', 'organizations.region',
    'organizations.postal_code', 'organizations.country',
  ],
  dateColumn: 'organizations.created_at',
  defaultOrder: ['slug'],
  tieBreaker: 'organizations.id',
};

/** Restricts a query on organizations to what `userId` may see (everything for the broker's managers). */
export async function visibilityFilter(core: Core, caller: UserCaller): Promise<(qb: ReturnType<typeof selectOrganization>) => ReturnType<typeof selectOrganization>> {
  if (await mayOnSite(core, caller, 'organizations.list')) return (qb) => qb;
  // Compared with one array of ids rather than `in (subquery)`: PostgreSQL probes the
  // primary key with the array, where `in` let it hash-join the ids against a scan of
  // every organization (a partner's 10,000 customers among 100,000 organizations).
  return (qb) => qb
    .where(isAmong('organizations.id', visibleOrganizationIds(caller.userId)))
    .where('organizations.status', '<>', 'closed');
}

/** `/api/profile/`: every organization the caller may see. */
export async function listProfiles(core: Core, caller: Caller, list: ListQuery): Promise<Page<Organization>> {
  const user = requireUser(caller);
  const visible = await visibilityFilter(core, user);
  return paginate(visible(selectOrganization(core.db)), list, PROFILE_LIST);
}

/**
 * `/api/users/{user}/profiles/`: the organizations where the user holds an accepted role.
 * Someone else asking (a manager of one of them) only sees those they may see themselves.
 */
export async function listUserProfiles(core: Core, caller: Caller, user: Ref, list: ListQuery): Promise<Page<Organization>> {
  const actor = requireUser(caller);
  const target = await getUser(core.db, user);
  await authorizeUser(core, caller, 'user.read', { id: target.id, slug: target.slug });
  let query = selectOrganization(core.db)
    .where(sql<SqlBool>`organizations.id in (select r.organization_id from roles r where r.user_id = ${target.id} and ${ACCEPTED})`);
  if (actor.userId !== target.id) query = (await visibilityFilter(core, actor))(query);
  return paginate(query, list, PROFILE_LIST);
}
