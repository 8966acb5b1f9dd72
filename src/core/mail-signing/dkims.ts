// Accountcentral's DKIM keys: each customer's (an organization's) and the platform's. A
// customer's managers, and whoever sits above it, manage its keys; its members read them
// without their private parts and may have mail signed with them; the broker's managers keep
// the platform's key. A private key is never answered in clear: those who manage the keys
// read the sealed form (the seed's "DKIM role ... encrypted by AES"), other readers null
// (its CUSTOMER_CARE role).
//
// One default per customer, always an active key: the first active key becomes the default,
// and when the default is deactivated or deleted the oldest other active key takes its place.
// So "the customer's default key" exists exactly when the customer has an active key, and the
// seed's rules for choosing a signing key (exact sender domain, else the default, else the
// platform's key) need nothing more.
import type { Selectable } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { DkimKeysTable, PlatformDkimTable } from '../../db/schema.js';
import type { Ref } from '../refs.js';
import { BadRequest, Conflict, NotFound, Unauthenticated, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, authorizeSite, mayOnSite, type OrganizationAccess } from '../access/policy.js';
import { paginate, type ListSpec, type Page } from '../pagination.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { findOrganization, lockOrganization } from '../memberships/role-views.js';
import {
  alignmentOf, checkKeyPair, dnsRecordOf, generateKeyPairSealed, selectorName, signingDomain,
  type Alignment, type DnsRecord, type KeyPair,
} from './keys.js';

export type DkimRow = Selectable<DkimKeysTable>;
type PlatformRow = Selectable<PlatformDkimTable>;

/** A DKIM key as every surface shows it. */
export interface DkimView {
  /** 0 for the platform's key. */
  id: number;
  /** The customer's organization; null for the platform's key. */
  organizationId: number | null;
  domain: string;
  selector: string;
  /** PEM (SPKI). */
  publicKey: string;
  /** The sealed private key for those who manage it; null for everyone else. */
  privateKey: string | null;
  alignment: Alignment;
  isDefault: boolean;
  active: boolean;
  dnsRecord: DnsRecord;
}

export interface DkimInput {
  domain: string;
  selector: string;
  publicKey: string;
  privateKey: string;
  active: boolean;
}

export interface DkimFilters {
  domain?: string;
  isDefault?: boolean;
  active?: boolean;
}

const FIELDS = { domain: 'domain', selector: 'selector', publicKey: 'publicKey', privateKey: 'privateKey' };

export function dkimView(row: DkimRow, sealedShown: boolean, sender: string | null = null): DkimView {
  return {
    id: row.id, organizationId: row.organization_id, domain: row.domain, selector: row.selector, publicKey: row.public_key,
    privateKey: sealedShown ? row.private_key_sealed : null, alignment: alignmentOf(row.domain, sender),
    isDefault: row.is_default, active: row.active, dnsRecord: dnsRecordOf({ ...row, publicKey: row.public_key }),
  };
}

function platformView(row: PlatformRow, sealedShown: boolean, sender: string | null = null): DkimView {
  return {
    id: 0, organizationId: null, domain: row.domain, selector: row.selector, publicKey: row.public_key,
    privateKey: sealedShown ? row.private_key_sealed : null, alignment: alignmentOf(row.domain, sender),
    isDefault: false, active: true, dnsRecord: dnsRecordOf({ ...row, publicKey: row.public_key }),
  };
}

/** The customer, and the caller's access to its keys. */
async function customerFor(core: Core, caller: Caller, orgRef: Ref, action: 'organization.dkim.read' | 'organization.dkim.manage') {
  const org = await findOrganization(core.db, orgRef);
  const access = await authorizeOrganization(core, caller, action, org);
  return { org, access };
}

const sealedShownTo = (access: OrganizationAccess) => access.may('organization.dkim.manage');

const LIST: ListSpec = {
  orderable: { domain: 'dkim_keys.domain', selector: 'dkim_keys.selector' },
  searchable: [],
  defaultOrder: ['domain', 'selector'],
  tieBreaker: 'dkim_keys.id',
};

/** A customer's keys, by domain then selector; `domain`, `isDefault`, `active` narrow it. */
export async function listCustomerDkims(
  core: Core, caller: Caller, orgRef: Ref, filters: DkimFilters, window: { page: number; pageSize: number },
): Promise<Page<DkimView>> {
  const { org, access } = await customerFor(core, caller, orgRef, 'organization.dkim.read');
  let query = core.db.selectFrom('dkim_keys').selectAll().where('organization_id', '=', org.id);
  if (filters.domain !== undefined) query = query.where('domain', '=', filters.domain.trim().toLowerCase().replace(/\.$/, ''));
  if (filters.isDefault !== undefined) query = query.where('is_default', '=', filters.isDefault);
  if (filters.active !== undefined) query = query.where('active', '=', filters.active);
  const page = await paginate(query, { ...window, order: [] }, LIST);
  return { count: page.count, results: page.results.map((row) => dkimView(row, sealedShownTo(access))) };
}

async function keyOf(db: Db, organizationId: number, id: number): Promise<DkimRow> {
  const row = Number.isSafeInteger(id)
    ? await db.selectFrom('dkim_keys').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new NotFound('dkim', 'This customer has no DKIM key with this id.');
  return row;
}

export async function getCustomerDkim(core: Core, caller: Caller, orgRef: Ref, id: number): Promise<DkimView> {
  const { org, access } = await customerFor(core, caller, orgRef, 'organization.dkim.read');
  return dkimView(await keyOf(core.db, org.id, id), sealedShownTo(access));
}

/** Keeps "one default, an active key, whenever the customer has an active key". */
async function keepDefault(tx: Db, organizationId: number): Promise<void> {
  const current = await tx.selectFrom('dkim_keys').select('id').where('organization_id', '=', organizationId)
    .where('is_default', '=', true).executeTakeFirst();
  if (current) return;
  const oldest = await tx.selectFrom('dkim_keys').select('id').where('organization_id', '=', organizationId)
    .where('active', '=', true).orderBy('id').limit(1).executeTakeFirst();
  if (oldest) await tx.updateTable('dkim_keys').set({ is_default: true }).where('id', '=', oldest.id).execute();
}

const EXISTS = 'This customer already has a DKIM key for this domain and selector.';

async function insertKey(
  core: Core, caller: Extract<Caller, { kind: 'user' }>, organizationId: number,
  key: { domain: string; selector: string; active: boolean } & KeyPair,
): Promise<DkimRow> {
  const now = core.now();
  try {
    return await core.transact(async (tx) => {
      await lockOrganization(tx, organizationId);
      const row = await tx.insertInto('dkim_keys').values({
        organization_id: organizationId, domain: key.domain, selector: key.selector, public_key: key.publicKey,
        private_key_sealed: key.privateKeySealed, active: key.active, created_by: caller.userId, created_at: now, updated_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      await keepDefault(tx, organizationId);
      await recordOrganizationEvent(tx, {
        organizationId, type: 'dkim.added', actorId: caller.userId, now,
        detail: { id: row.id, domain: key.domain, selector: key.selector, active: key.active },
      });
      return keyOf(tx, organizationId, row.id);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'dkim_keys_selector')) throw new Conflict(EXISTS, 'dkim.exists');
    throw error;
  }
}

/** Registers a key pair the customer made: checked (RSA, the public key the private key's), sealed. */
export async function addCustomerDkim(core: Core, caller: Caller, orgRef: Ref, input: DkimInput): Promise<DkimView> {
  const { org } = await customerFor(core, caller, orgRef, 'organization.dkim.manage');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const domain = signingDomain(input.domain, FIELDS.domain);
  const selector = selectorName(input.selector, FIELDS.selector);
  const pair = checkKeyPair(core, input, FIELDS);
  return dkimView(await insertKey(core, caller, org.id, { domain, selector, active: input.active, ...pair }), true);
}

/** Makes a key pair here (RSA 2048): the private key is sealed at once and never shown in clear. */
export async function generateCustomerDkim(
  core: Core, caller: Caller, orgRef: Ref, input: { domain: string; selector: string; active: boolean },
): Promise<DkimView> {
  const { org } = await customerFor(core, caller, orgRef, 'organization.dkim.manage');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const domain = signingDomain(input.domain, FIELDS.domain);
  const selector = selectorName(input.selector, FIELDS.selector);
  const exists = await core.db.selectFrom('dkim_keys').select('id').where('organization_id', '=', org.id)
    .where('domain', '=', domain).where('selector', '=', selector).executeTakeFirst();
  if (exists) throw new Conflict(EXISTS, 'dkim.exists');
  const pair = await generateKeyPairSealed(core);
  return dkimView(await insertKey(core, caller, org.id, { domain, selector, active: input.active, ...pair }), true);
}

/**
 * Replaces a key's fields, all of them (the seed's update). `privateKey` is a new PEM, or the
 * sealed value this key answers, which keeps the key. Deactivating the default passes the
 * default on to the oldest other active key.
 */
export async function updateCustomerDkim(core: Core, caller: Caller, orgRef: Ref, id: number, input: DkimInput): Promise<DkimView> {
  const { org } = await customerFor(core, caller, orgRef, 'organization.dkim.manage');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const domain = signingDomain(input.domain, FIELDS.domain);
  const selector = selectorName(input.selector, FIELDS.selector);
  const existing = await keyOf(core.db, org.id, id);
  const pair = checkKeyPair(core, input, FIELDS, existing.private_key_sealed);
  const now = core.now();
  try {
    return dkimView(await core.transact(async (tx) => {
      await lockOrganization(tx, org.id);
      const before = await keyOf(tx, org.id, id);
      await tx.updateTable('dkim_keys').set({
        domain, selector, public_key: pair.publicKey, private_key_sealed: pair.privateKeySealed, active: input.active,
        is_default: before.is_default && input.active, updated_at: now,
      }).where('id', '=', id).execute();
      await keepDefault(tx, org.id);
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: 'dkim.updated', actorId: caller.userId, now,
        detail: { id, domain, selector, active: input.active, key_replaced: pair.privateKeySealed !== before.private_key_sealed },
      });
      return keyOf(tx, org.id, id);
    }), true);
  } catch (error) {
    if (isUniqueViolation(error, 'dkim_keys_selector')) throw new Conflict(EXISTS, 'dkim.exists');
    throw error;
  }
}

export async function deleteCustomerDkim(core: Core, caller: Caller, orgRef: Ref, id: number): Promise<void> {
  const { org } = await customerFor(core, caller, orgRef, 'organization.dkim.manage');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const now = core.now();
  await core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const row = await keyOf(tx, org.id, id);
    await tx.deleteFrom('dkim_keys').where('id', '=', id).execute();
    await keepDefault(tx, org.id);
    await recordOrganizationEvent(tx, {
      organizationId: org.id, type: 'dkim.removed', actorId: caller.userId, now, detail: { id, domain: row.domain, selector: row.selector },
    });
  });
}

/** Makes an active key the customer's default (and the one before it no longer). */
export async function setDefaultDkim(core: Core, caller: Caller, orgRef: Ref, id: number): Promise<DkimView> {
  const { org } = await customerFor(core, caller, orgRef, 'organization.dkim.manage');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const now = core.now();
  return dkimView(await core.transact(async (tx) => {
    await lockOrganization(tx, org.id);
    const row = await keyOf(tx, org.id, id);
    if (!row.active) throw new BadRequest('An inactive key cannot be the default: activate it first.', 'dkim.inactive', { id: ['This key is inactive.'] });
    if (!row.is_default) {
      await tx.updateTable('dkim_keys').set({ is_default: false, updated_at: now }).where('organization_id', '=', org.id)
        .where('is_default', '=', true).execute();
      await tx.updateTable('dkim_keys').set({ is_default: true, updated_at: now }).where('id', '=', id).execute();
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: 'dkim.default_set', actorId: caller.userId, now, detail: { id, domain: row.domain, selector: row.selector },
      });
    }
    return keyOf(tx, org.id, id);
  }), true);
}

/**
 * The seed's choice of the key that signs for `sender` (a domain, or null for "the default"):
 * the customer's active key for exactly that domain (its default first, then the oldest),
 * else the customer's default, else the platform's key; null when there is none at all.
 */
/**
 * Whether the organization may have mail signed with the platform's keys (its DKIM key, the
 * FBLs'): DKIM_PLATFORM_SIGNING decides; by default the broker and the organizations a partner
 * made, never one anyone could make by signing up.
 */
export async function platformKeysAllowed(core: Core, organizationId: number): Promise<boolean> {
  const setting = core.config.dkimPlatformSigning;
  if (setting !== 'customers') return setting === 'all';
  const org = await core.db.selectFrom('organizations').select(['partner_id', 'is_broker'])
    .where('id', '=', organizationId).executeTakeFirst();
  return !!org && (org.is_broker || org.partner_id !== null);
}

export async function chooseSigningKey(core: Core, organizationId: number, sender: string | null): Promise<{ row: DkimRow | null; platform: PlatformRow | null } | null> {
  let query = core.db.selectFrom('dkim_keys').selectAll().where('organization_id', '=', organizationId).where('active', '=', true);
  query = sender === null
    ? query.where('is_default', '=', true)
    : query.where((eb) => eb.or([eb('domain', '=', sender), eb('is_default', '=', true)]));
  const rows = await query.orderBy('id').execute();
  const chosen = (sender !== null ? rows.find((r) => r.domain === sender && r.is_default) ?? rows.find((r) => r.domain === sender) : undefined)
    ?? rows.find((r) => r.is_default);
  if (chosen) return { row: chosen, platform: null };
  if (!(await platformKeysAllowed(core, organizationId))) return null;
  const platform = await core.db.selectFrom('platform_dkim').selectAll().executeTakeFirst();
  return platform ? { row: null, platform } : null;
}

/**
 * The key that would sign the customer's mail from `domain` (the default when no domain is
 * given), with its alignment to that domain. The platform's key shows its private key (sealed)
 * to the broker's managers only.
 */
export async function signingDkim(core: Core, caller: Caller, orgRef: Ref, rawDomain: string | undefined): Promise<DkimView> {
  const { org, access } = await customerFor(core, caller, orgRef, 'organization.dkim.read');
  const sender = rawDomain === undefined || rawDomain.trim() === '' ? null : signingDomain(rawDomain, 'domain');
  const chosen = await chooseSigningKey(core, org.id, sender);
  if (!chosen) throw new NotFound('dkim', 'Neither this customer nor the platform has a DKIM key.');
  if (chosen.row) return dkimView(chosen.row, sealedShownTo(access), sender);
  return platformView(chosen.platform!, await mayOnSite(core, caller, 'mail_signing.administer'), sender);
}

const ALL: ListSpec = {
  orderable: { customer: 'dkim_keys.organization_id', domain: 'dkim_keys.domain', selector: 'dkim_keys.selector' },
  searchable: [],
  defaultOrder: ['customer', 'domain', 'selector'],
  tieBreaker: 'dkim_keys.id',
};

/** Every customer's keys (the broker's managers), by customer id then domain; closed customers' are left out. */
export async function listAllCustomerDkims(core: Core, caller: Caller, window: { page: number; pageSize: number }): Promise<Page<DkimView>> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  const query = core.db.selectFrom('dkim_keys').innerJoin('organizations', 'organizations.id', 'dkim_keys.organization_id')
    .selectAll('dkim_keys').where('organizations.status', '!=', 'closed');
  const page = await paginate(query, { ...window, order: [] }, ALL);
  return { count: page.count, results: page.results.map((row) => dkimView(row, true)) };
}

export async function getPlatformDkim(core: Core, caller: Caller): Promise<DkimView> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  const row = await core.db.selectFrom('platform_dkim').selectAll().executeTakeFirst();
  if (!row) throw new NotFound('dkim', 'The platform has no DKIM key yet: set one first.');
  return platformView(row, true);
}

/** Sets the platform's key; `privateKey` may be the sealed value answered, keeping the key. */
export async function setPlatformDkim(
  core: Core, caller: Caller, input: { domain: string; selector: string; publicKey: string; privateKey: string },
): Promise<DkimView> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const domain = signingDomain(input.domain, FIELDS.domain);
  const selector = selectorName(input.selector, FIELDS.selector);
  const existing = await core.db.selectFrom('platform_dkim').select('private_key_sealed').executeTakeFirst();
  const pair = checkKeyPair(core, input, FIELDS, existing?.private_key_sealed);
  const values = {
    domain, selector, public_key: pair.publicKey, private_key_sealed: pair.privateKeySealed, updated_by: caller.userId, updated_at: core.now(),
  };
  const row = await core.db.insertInto('platform_dkim').values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values)).returningAll().executeTakeFirstOrThrow();
  return platformView(row, true);
}
