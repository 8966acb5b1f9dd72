// EmbedThis's accounts, the changes: identity, invoice details, payment terms, metrics, the
// lifecycle (suspend, close, remove), and drafts that save nothing. Reads and finds are in
// account-details.ts.
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { Conflict, Forbidden, Invalid } from '../errors.js';
import { authorizeOrganization, authorizeSite } from '../access/policy.js';
import { isEmailAddress } from '../notify/addresses.js';
import { normalizeEmail } from '../identity/users.js';
import { recordOrganizationEvent } from './events.js';
import { closeOrganization, reactivateOrganization, suspendOrganization } from './lifecycle.js';
import { findOrganization, requireUser, updateProfile } from './profiles.js';
import { accountOf, accountRef, emptyAccount, emptyMetrics, nested, resolveAccount, type Account, type AccountBilling, type AccountMetrics } from './account-details.js';

// ---- changes -------------------------------------------------------------------------------

/** Empty text means none. */
function text(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value.trim() === '' ? null : value.trim();
}

/** UpdateIdentity: the organization's name and e-mail, through the profile core (its managers). */
export async function updateAccountIdentity(core: Core, caller: Caller, id: string, changes: { name?: string; email?: string }): Promise<Account> {
  if (changes.name !== undefined && changes.name.trim() === '') throw new Invalid('name', 'This field may not be blank.');
  if (changes.email !== undefined && changes.email.trim() !== '' && !isEmailAddress(changes.email.trim())) {
    throw new Invalid('email', 'Enter a valid email address.');
  }
  const organization = await updateProfile(core, caller, accountRef(id), {
    ...(changes.name !== undefined ? { full_name: changes.name } : {}),
    ...(changes.email !== undefined ? { email: changes.email.trim() === '' ? null : normalizeEmail(changes.email) } : {}),
  });
  return accountOf(core, organization.id);
}

export interface BillingChanges {
  address?: string;
  company?: string;
  country?: string;
  invoiceEmail?: string;
  order?: string;
  subject?: string;
}

async function writeDetails(tx: Db, organizationId: number, values: Record<string, unknown>, now: Date): Promise<void> {
  await tx.insertInto('account_details').values({ organization_id: organizationId, ...values, updated_at: now } as never)
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ ...values, updated_at: now } as never))
    .execute();
}

/** UpdateBilling: the details invoices carry; the account's managers (and whoever sits above). */
export async function updateAccountBilling(core: Core, caller: Caller, id: string, changes: BillingChanges): Promise<Account> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, accountRef(id));
  await authorizeOrganization(core, caller, 'organization.billing.manage', organization);
  const invoiceEmail = text(changes.invoiceEmail);
  if (invoiceEmail && !isEmailAddress(invoiceEmail)) throw new Invalid('invoiceEmail', 'Enter a valid email address.');
  const country = text(changes.country);
  if (country && !/^[A-Za-z]{2}$/.test(country)) throw new Invalid('country', 'A two-letter ISO 3166 country code, such as US or FR.');
  const values: Record<string, string | null> = {};
  const columns: [keyof BillingChanges, string, string | null | undefined][] = [
    ['address', 'address', text(changes.address)], ['company', 'company', text(changes.company)],
    ['country', 'country', country?.toUpperCase() ?? country], ['invoiceEmail', 'invoice_email', invoiceEmail ? normalizeEmail(invoiceEmail) : invoiceEmail],
    ['order', 'purchase_order', text(changes.order)], ['subject', 'invoice_subject', text(changes.subject)],
  ];
  for (const [, column, value] of columns) if (value !== undefined) values[column] = value;
  if (Object.keys(values).length > 0) {
    const now = core.now();
    await core.transact(async (tx) => {
      await writeDetails(tx, organization.id, values, now);
      await recordOrganizationEvent(tx, {
        organizationId: organization.id, type: 'account.billing_updated', actorId: user.userId, now,
        detail: { fields: columns.filter(([, column]) => column in values).map(([name]) => name) },
      });
    });
  }
  return accountOf(core, organization.id);
}

export interface PaymentChanges {
  agreement?: boolean;
  canWire?: boolean;
  credit?: number;
  renew?: string | null;
  renewing?: boolean;
  terms?: number;
  wire?: boolean;
  memo?: string;
}

/** The payment terms only the broker's staff set; the account's managers set renew and renewing. */
const STAFF_ONLY = ['agreement', 'canWire', 'credit', 'terms', 'wire', 'memo'] as const;

/** UpdatePayment: payment terms and renewal. */
export async function updateAccountPayment(core: Core, caller: Caller, id: string, changes: PaymentChanges): Promise<Account> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, accountRef(id));
  const access = await authorizeOrganization(core, caller, 'organization.billing.manage', organization);
  const current = (await accountOf(core, organization.id)).billing;
  const values: Record<string, unknown> = {};
  if (changes.credit !== undefined) {
    const cents = Math.round(changes.credit * 100);
    if (!Number.isFinite(changes.credit) || changes.credit < 0 || Math.abs(cents - changes.credit * 100) > 1e-6 || !Number.isSafeInteger(cents)) {
      throw new Invalid('credit', 'A non-negative amount with at most two decimals.');
    }
    values.credit = cents;
  }
  if (changes.terms !== undefined) {
    if (!Number.isInteger(changes.terms) || changes.terms < 0 || changes.terms > 365) throw new Invalid('terms', 'A whole number of days, 0 to 365.');
    values.terms = changes.terms;
  }
  if (changes.renew !== undefined) {
    const date = changes.renew === null || changes.renew.trim() === '' ? null : new Date(changes.renew);
    if (date && (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(changes.renew!))) {
      throw new Invalid('renew', 'A date (2026-12-31) or an ISO 8601 time.');
    }
    values.renew = date;
  }
  if (changes.agreement !== undefined) values.agreement = changes.agreement;
  if (changes.canWire !== undefined) values.can_wire = changes.canWire;
  if (changes.wire !== undefined) values.wire = changes.wire;
  if (changes.renewing !== undefined) values.renewing = changes.renewing;
  if (changes.memo !== undefined) values.memo = text(changes.memo);
  // A field rule, as for a profile's broker-only flags: sending the value it has is no change.
  for (const field of STAFF_ONLY) {
    const asked = field === 'credit' ? (values.credit === undefined ? undefined : Number(values.credit) / 100)
      : field === 'memo' ? values.memo : changes[field];
    if (asked !== undefined && asked !== current[field] && !access.may('organization.payment_terms.update')) {
      throw new Forbidden(`Only the broker's staff may change ${field}: the payment terms are theirs to set.`);
    }
  }
  if (values.wire === true || (values.wire === undefined && current.wire)) {
    const canWire = values.can_wire ?? current.canWire;
    if (!canWire) throw new Invalid('wire', 'This account may not pay by wire (canWire is false).');
  }
  if (Object.keys(values).length > 0) {
    const now = core.now();
    await core.transact(async (tx) => {
      await writeDetails(tx, organization.id, values, now);
      await recordOrganizationEvent(tx, {
        organizationId: organization.id, type: 'account.payment_updated', actorId: user.userId, now,
        detail: { fields: Object.keys(changes).filter((k) => changes[k as keyof PaymentChanges] !== undefined) },
      });
    });
  }
  return accountOf(core, organization.id);
}

/** The most a metrics object may weigh, as JSON. */
const METRICS_MAX_BYTES = 16_384;

const COUNTERS = ['connected', 'clouds', 'dashboards', 'devices', 'developer', 'notifications', 'plans', 'products', 'software', 'support', 'users'] as const;

/** Metrics as a whole: a field left out is its empty value; counters are whole numbers from 0, balance any amount. */
function checkedMetrics(metrics: Partial<AccountMetrics>): AccountMetrics {
  const replaced = { ...emptyMetrics(), ...metrics };
  for (const name of COUNTERS) {
    if (!Number.isSafeInteger(replaced[name]) || replaced[name] < 0) throw new Invalid(nested('metrics', name), 'A whole number from 0.');
  }
  if (!Number.isFinite(replaced.balance)) throw new Invalid(nested('metrics', 'balance'), 'A number.');
  if (Buffer.byteLength(JSON.stringify(replaced)) > METRICS_MAX_BYTES) throw new Invalid('metrics', `At most ${METRICS_MAX_BYTES} bytes as JSON.`);
  return replaced;
}

/**
 * UpdateMetrics: the metrics replaced as a whole (a field left out is back to its empty
 * value), by the account's managers. Counters are whole numbers from 0; balance any amount.
 */
export async function updateAccountMetrics(core: Core, caller: Caller, id: string, metrics: Partial<AccountMetrics>): Promise<Account> {
  const organization = await findOrganization(core.db, accountRef(id));
  await authorizeOrganization(core, caller, 'organization.update', organization);
  const json = JSON.stringify(checkedMetrics(metrics));
  await core.transact(async (tx) => {
    await writeDetails(tx, organization.id, { metrics: json }, core.now());
  });
  return accountOf(core, organization.id);
}

/**
 * Suspend with a boolean: suspends or reactivates through the organization's lifecycle (whoever
 * sits above it: a partner's managers, the broker's staff). Asking for the state it is in
 * changes nothing and answers the account.
 */
export async function setAccountSuspended(core: Core, caller: Caller, id: string, suspended: boolean, reason?: string): Promise<Account> {
  const organization = await findOrganization(core.db, accountRef(id));
  await authorizeOrganization(core, caller, 'organization.lifecycle', organization);
  const ref = { id: organization.id };
  try {
    if (suspended && organization.status === 'active') {
      await suspendOrganization(core, caller, ref, reason?.trim() || 'Suspended through the EmbedThis API.');
    } else if (!suspended && organization.status === 'suspended') {
      await reactivateOrganization(core, caller, ref);
    }
  } catch (error) {
    // Another request set the same state first: the state asked for holds.
    if (!(error instanceof Conflict && (error.code === 'organization.not_active' || error.code === 'organization.not_suspended'))) throw error;
  }
  return accountOf(core, organization.id);
}

/** Close: the `support` role only (the broker's staff); irreversible, through the organization's close. */
export async function closeAccount(core: Core, caller: Caller, id: string): Promise<Account> {
  const organization = await findOrganization(core.db, accountRef(id));
  await authorizeOrganization(core, caller, 'organization.support.close', organization);
  await closeOrganization(core, caller, { id: organization.id }, 'close', 'Closed through the EmbedThis API (support).');
  return accountOf(core, organization.id);
}

/** What an account may hold that `remove` will not throw away; each named when it blocks. */
async function holdings(db: Db, organizationId: number): Promise<string[]> {
  const row = await sql<Record<string, boolean>>`select
      exists (select 1 from subscriptions where organization_id = ${organizationId}) as subscriptions,
      exists (select 1 from ledger_transactions where orig_organization_id = ${organizationId} or dest_organization_id = ${organizationId}) as ledger,
      exists (select 1 from charges where organization_id = ${organizationId}) as charges,
      exists (select 1 from organizations where partner_id = ${organizationId} and status <> 'closed') as customers,
      exists (select 1 from stacks where organization_id = ${organizationId} and deleted_at is null) as stacks,
      exists (select 1 from plans where organization_id = ${organizationId}) as plans`.execute(db);
  const found = row.rows[0] ?? {};
  return Object.keys(found).filter((name) => found[name]);
}

/**
 * Remove: the account's managers take away an account that holds nothing (no subscription,
 * ledger row, charge, customer, stack or plan), such as one created by mistake. It is closed
 * like a deletion on /api (its members detached, its name and contact details cleared, its
 * history kept); an account that holds something is refused (409 `account.not_empty`) and
 * is for the broker's staff to `close`.
 */
export async function removeAccount(core: Core, caller: Caller, key: { id?: string; email?: string }): Promise<void> {
  const organization = await resolveAccount(core, caller, key);
  await authorizeOrganization(core, caller, 'organization.delete', organization);
  const held = await holdings(core.db, organization.id);
  if (held.length > 0) {
    throw new Conflict(`This account holds ${held.join(', ')}: it cannot be removed; the broker's staff may close it.`, 'account.not_empty');
  }
  await closeOrganization(core, caller, { id: organization.id }, 'delete', 'Removed through the EmbedThis API.');
}

// ---- drafts: nothing saved -----------------------------------------------------------------

export interface AccountDraft {
  name?: string;
  email?: string;
  billing?: Partial<Omit<AccountBilling, 'cardId' | 'stripeId' | 'error' | 'renew'>> & { renew?: string | null };
  metrics?: Partial<AccountMetrics>;
  suspended?: boolean;
}

/** Init: an empty account object (saved nowhere), for any signed-in caller. */
export async function initAccount(core: Core, caller: Caller): Promise<Account> {
  await authorizeSite(core, caller, 'accounts.draft');
  return emptyAccount();
}

/**
 * Make: an account object built from the fields given and checked as a change would check
 * them; nothing is saved and no id is given (the account does not exist).
 */
export async function makeAccount(core: Core, caller: Caller, draft: AccountDraft): Promise<Account> {
  await authorizeSite(core, caller, 'accounts.draft');
  const account = emptyAccount();
  if (draft.name !== undefined) {
    if (draft.name.trim() === '') throw new Invalid('name', 'This field may not be blank.');
    account.name = draft.name.trim();
  }
  if (draft.email !== undefined) {
    if (!isEmailAddress(draft.email.trim())) throw new Invalid('email', 'Enter a valid email address.');
    account.email = normalizeEmail(draft.email);
  }
  if (draft.suspended !== undefined) account.suspended = draft.suspended;
  const billing = draft.billing ?? {};
  for (const field of ['address', 'company', 'country', 'invoiceEmail', 'order', 'subject', 'memo'] as const) {
    const value = billing[field];
    if (value !== undefined) account.billing[field] = value === null ? null : text(value) ?? null;
  }
  if (account.billing.invoiceEmail && !isEmailAddress(account.billing.invoiceEmail)) throw new Invalid(nested('billing', 'invoiceEmail'), 'Enter a valid email address.');
  if (account.billing.country) {
    if (!/^[A-Za-z]{2}$/.test(account.billing.country)) throw new Invalid(nested('billing', 'country'), 'A two-letter ISO 3166 country code, such as US or FR.');
    account.billing.country = account.billing.country.toUpperCase();
  }
  for (const field of ['agreement', 'canWire', 'renewing', 'wire'] as const) {
    if (billing[field] !== undefined) account.billing[field] = billing[field]!;
  }
  if (billing.credit !== undefined) {
    const cents = Math.round(billing.credit * 100);
    if (billing.credit < 0 || Math.abs(cents - billing.credit * 100) > 1e-6) throw new Invalid(nested('billing', 'credit'), 'A non-negative amount with at most two decimals.');
    account.billing.credit = cents / 100;
  }
  if (billing.terms !== undefined) {
    if (!Number.isInteger(billing.terms) || billing.terms < 0 || billing.terms > 365) throw new Invalid(nested('billing', 'terms'), 'A whole number of days, 0 to 365.');
    account.billing.terms = billing.terms;
  }
  if (billing.renew !== undefined && billing.renew !== null) {
    const date = new Date(billing.renew);
    if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(billing.renew)) throw new Invalid(nested('billing', 'renew'), 'A date (2026-12-31) or an ISO 8601 time.');
    account.billing.renew = date;
  }
  if (draft.metrics !== undefined) {
    account.metrics = checkedMetrics(draft.metrics);
  }
  return account;
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** GetID: `size` characters drawn uniformly from [0-9A-Za-z] by the system's CSPRNG. */
export async function newAccountId(core: Core, caller: Caller, size: number): Promise<string> {
  await authorizeSite(core, caller, 'accounts.draft');
  if (!Number.isInteger(size) || size < 1 || size > 256) throw new Invalid('size', 'A whole number of characters, 1 to 256.');
  let id = '';
  for (let i = 0; i < size; i += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}
