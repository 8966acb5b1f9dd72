// The partner tree: an organization creates customer organizations below it. Nobody gets
// a role on a new customer: the partner's managers manage it through the tree (the access
// policy walks up partner_id), and its own people are invited later through its roles.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { BadRequest, Invalid, isUniqueViolation } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { paginate, type ListQuery, type Page } from '../pagination.js';
import { recordOrganizationEvent } from './events.js';
import { assertSlugFree, slugClash, slugify, uniqueSlug } from './slugs.js';
import { customerIds, isAmong } from './visibility.js';
import { assertCustomerQuota } from './quotas.js';
import {
  PROFILE_LIST, checkedWebhookUrl, findOrganization, organizationById, requireUser, type Organization, type ProfileFields,
} from './profiles.js';

export interface CustomerCreate extends ProfileFields {
  /** Who should manage the customer (e-mail or username); recorded, nobody is invited yet. */
  manager?: string;
}

export async function listCustomers(core: Core, caller: Caller, partnerRef: Ref, all: boolean, list: ListQuery): Promise<Page<Organization>> {
  const partner = await findOrganization(core.db, partnerRef);
  const access = await authorizeOrganization(core, caller, 'organization.customers.read', partner);
  let query = core.db.selectFrom('organizations')
    .selectAll('organizations')
    .select(sql<string | null>`(select p.slug from organizations p where p.id = organizations.partner_id)`.as('partner_slug'))
    // Direct customers by their own column: the partner_id index serves it, where `id in
    // (select ...)` made PostgreSQL hash-join a scan of every organization.
    .where(all ? isAmong('organizations.id', customerIds(partner.id, true)) : sql<SqlBool>`organizations.partner_id = ${partner.id}`);
  if (!access.may('organization.customers.read_closed')) query = query.where('organizations.status', '<>', 'closed');
  return paginate(query, list, PROFILE_LIST);
}

/**
 * Creates a customer of `partnerSlug`, within the customer_quota of the partner and of
 * every organization above it (assertCustomerQuota locks them for the count and the insert).
 */
export async function createCustomer(core: Core, caller: Caller, partnerRef: Ref, input: CustomerCreate): Promise<Organization> {
  const user = requireUser(caller);
  const partner = await findOrganization(core.db, partnerRef);
  await authorizeOrganization(core, caller, 'organization.customers.create', partner);
  if (partner.type === 'personal') throw new BadRequest('A personal billing profile cannot have customers.', 'organization.personal');
  const fullName = input.full_name?.trim() ?? '';
  if (!fullName) throw new Invalid('full_name', 'This field is required.');
  if (input.slug !== undefined) await assertSlugFree(core.db, input.slug);
  const webhookUrl = await checkedWebhookUrl(core, input.webhook_url);
  const now = core.now();
  try {
    const id = await core.transact(async (tx) => {
      await assertCustomerQuota(tx, partner.id);
      const slug = input.slug ?? (await uniqueSlug(tx, slugify(fullName)));
      const optional = (v: string | null | undefined) => (v === undefined || v === null || v.trim() === '' ? null : v.trim());
      const row = await tx.insertInto('organizations').values({
        slug,
        full_name: fullName,
        email: optional(input.email),
        phone: optional(input.phone),
        street_address: optional(input.street_address),
        locality: optional(input.locality),
        region: optional(input.region),
        postal_code: optional(input.postal_code),
        country: optional(input.country),
        default_timezone: input.default_timezone?.trim() || 'UTC',
        extra: input.extra ?? null,
        picture: optional(input.picture),
        partner_id: partner.id,
        webhook_url: webhookUrl ?? null,
        created_by: user.userId,
        created_at: now,
        updated_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      await recordOrganizationEvent(tx, {
        organizationId: row.id, type: 'created', actorId: user.userId, now,
        detail: { slug, type: 'organization', partner: partner.slug, ...(input.manager ? { requested_manager: input.manager } : {}) },
      });
      await recordOrganizationEvent(tx, { organizationId: partner.id, type: 'customer_created', actorId: user.userId, now, detail: { customer: slug } });
      return row.id;
    });
    return organizationById(core.db, id);
  } catch (error) {
    if (isUniqueViolation(error)) throw slugClash(input.slug ?? fullName);
    throw error;
  }
}
