// EmbedThis's accounts (seed 003): an account is an organization, named by its id as a
// decimal string, with what EmbedThis keeps beside it: invoice details, payment terms (the
// broker's to set), metrics (replaced as a whole), and the lifecycle the organization already
// has (suspended, closed). Reads and finds here, changes below; creating an account with its
// initial user is memberships/account-creation.ts (it invites).
import { randomInt } from 'node:crypto';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.js';
import { authorizeOrganization, authorizeSite, mayOnSite } from '../access/policy.js';
import { isEmailAddress } from '../notify/addresses.js';
import { normalizeEmail } from '../identity/users.js';
import { recordOrganizationEvent } from './events.js';
import { closeOrganization, reactivateOrganization, suspendOrganization } from './lifecycle.js';
import { findOrganization, organizationById, requireUser, updateProfile, type Organization } from './profiles.js';
import { visibleOrganizationIds } from './visibility.js';
import { compileWhere, parseWhere, type AccountField } from './account-where.js';

export interface AccountBilling {
  address: string | null;
  agreement: boolean;
  cardId: string | null;
  canWire: boolean;
  company: string | null;
  country: string | null;
  /** In the currency's units (minor units / 100); stored as minor units. */
  credit: number;
  error: string | null;
  invoiceEmail: string | null;
  memo: string | null;
  order: string | null;
  renew: Date | null;
  renewing: boolean;
  stripeId: string | null;
  subject: string | null;
  terms: number;
  wire: boolean;
}

export interface AccountMetrics {
  agents: unknown[];
  balance: number;
  connected: number;
  clouds: number;
  customer: boolean;
  dashboards: number;
  devices: number;
  developer: number;
  emails: Record<string, unknown>;
  interest: unknown[];
  notifications: number;
  plans: number;
  products: number;
  software: number;
  support: number;
  users: number;
}

export interface Account {
  activity: Date | null;
  billing: AccountBilling;
  closed: boolean;
  created: Date | null;
  email: string | null;
  id: string;
  metrics: AccountMetrics;
  name: string;
  suspended: boolean;
}

/** An account's metrics before anything was reported. */
export function emptyMetrics(): AccountMetrics {
  return {
    agents: [], balance: 0, connected: 0, clouds: 0, customer: false, dashboards: 0, devices: 0, developer: 0, emails: {},
    interest: [], notifications: 0, plans: 0, products: 0, software: 0, support: 0, users: 0,
  };
}

function emptyBilling(): AccountBilling {
  return {
    address: null, agreement: false, cardId: null, canWire: false, company: null, country: null, credit: 0, error: null,
    invoiceEmail: null, memo: null, order: null, renew: null, renewing: false, stripeId: null, subject: null, terms: 0, wire: false,
  };
}

/** Init: the empty account object, saved nowhere. */
export function emptyAccount(): Account {
  return {
    activity: null, billing: emptyBilling(), closed: false, created: null, email: null, id: '', metrics: emptyMetrics(), name: '',
    suspended: false,
  };
}

/** A field inside an object of the body (`billing.credit`), as the error's `fields` name it. */
function nested(object: 'billing' | 'metrics', field: string): string {
  return `${object}.${field}`;
}

// ---- references --------------------------------------------------------------------------

/** An account id is its organization's id as a decimal string; anything else names no account. */
export function accountRef(id: string): { id: number } {
  const trimmed = id.trim();
  return { id: /^[1-9]\d{0,15}$/.test(trimmed) ? Number(trimmed) : Number.NaN };
}

/**
 * The account `key` names: by id, or by e-mail among the accounts the caller may see. Two
 * of them with the address is a 409 (EmbedThis keeps e-mails unique; organizations need not).
 */
async function resolveAccount(core: Core, caller: Caller, key: { id?: string; email?: string }): Promise<Organization> {
  if (key.id !== undefined && key.id.trim() !== '') return findOrganization(core.db, accountRef(key.id));
  if (key.email === undefined || key.email.trim() === '') {
    throw new Invalid({ id: ['Give the account\'s id, or its email.'] });
  }
  const user = requireUser(caller);
  const email = normalizeEmail(key.email);
  let query = core.db.selectFrom('organizations').select('id')
    .where(sql<SqlBool>`lower(organizations.email) = ${email}`).where('status', '<>', 'closed');
  if (!(await mayOnSite(core, user, 'organizations.list'))) {
    query = query.where(sql<SqlBool>`organizations.id in ${visibleOrganizationIds(user.userId)}`);
  }
  const rows = await query.limit(2).execute();
  if (rows.length === 0) throw new NotFound('organization');
  if (rows.length > 1) {
    throw new Conflict('Several accounts you may see have this email: name the account by its id.', 'account.email_ambiguous', {
      email: ['Several accounts have this address.'],
    });
  }
  return findOrganization(core.db, { id: rows[0]!.id });
}

// ---- presenting ----------------------------------------------------------------------------

/** The account's last activity: its latest recorded change, or its members' latest login. */
function activitySql(): RawBuilder<Date | null> {
  return sql<Date | null>`greatest(
    (select max(e.created_at) from organization_events e where e.organization_id = organizations.id),
    (select max(u.last_login_at) from roles r join users u on u.id = r.user_id
      where r.organization_id = organizations.id and r.grant_key_hash is null and r.request_key is null))`;
}

const COLUMNS: Record<AccountField, RawBuilder<unknown>> = {
  id: sql`organizations.id`,
  name: sql`organizations.full_name`,
  email: sql`organizations.email`,
  suspended: sql`(organizations.status = 'suspended')`,
  closed: sql`(organizations.status = 'closed')`,
  created: sql`organizations.created_at`,
  activity: activitySql(),
};

function metricsOf(stored: unknown): AccountMetrics {
  const metrics = emptyMetrics();
  if (stored && typeof stored === 'object') Object.assign(metrics, stored);
  return metrics;
}

/** The accounts of these organizations, in the order given, each read with what belongs to it (a few queries for a page). */
async function accountsOf(core: Core, organizations: readonly Organization[]): Promise<Account[]> {
  if (organizations.length === 0) return [];
  const ids = organizations.map((o) => o.id);
  const db = core.db;
  const [details, methods, activity, failures] = await Promise.all([
    db.selectFrom('account_details').selectAll().where('organization_id', 'in', ids).execute(),
    db.selectFrom('payment_methods').select(['organization_id', 'customer_key', 'last4'])
      .where('organization_id', 'in', ids).where('processor', '=', core.processor.name).execute(),
    db.selectFrom('organizations').select(['organizations.id', activitySql().as('activity')]).where('organizations.id', 'in', ids).execute(),
    // The billing error is the latest charge's failure, while it is the latest charge.
    db.selectFrom('charges').select(['organization_id', 'state', 'failure_message'])
      .distinctOn('organization_id').where('organization_id', 'in', ids)
      .orderBy('organization_id').orderBy('created_at', 'desc').orderBy('id', 'desc').execute(),
  ]);
  const detailOf = new Map(details.map((d) => [d.organization_id, d]));
  const methodOf = new Map(methods.map((m) => [m.organization_id, m]));
  const activityOf = new Map(activity.map((a) => [a.id, a.activity]));
  const failureOf = new Map(failures.filter((f) => f.state === 'failed').map((f) => [f.organization_id, f.failure_message]));
  return organizations.map((org) => {
    const d = detailOf.get(org.id);
    const method = methodOf.get(org.id);
    const billing: AccountBilling = {
      ...emptyBilling(),
      cardId: method?.last4 ?? null,
      stripeId: method?.customer_key ?? null,
      error: failureOf.get(org.id) ?? null,
      ...(d ? {
        address: d.address, company: d.company, country: d.country, invoiceEmail: d.invoice_email, order: d.purchase_order,
        subject: d.invoice_subject, agreement: d.agreement, canWire: d.can_wire, credit: Number(d.credit) / 100,
        renew: d.renew, renewing: d.renewing, terms: d.terms, wire: d.wire, memo: d.memo,
      } : {}),
    };
    return {
      activity: activityOf.get(org.id) ?? null,
      billing,
      closed: org.status === 'closed',
      created: org.created_at,
      email: org.email,
      id: String(org.id),
      metrics: metricsOf(d?.metrics),
      name: org.full_name,
      suspended: org.status === 'suspended',
    };
  });
}

export async function accountOf(core: Core, organizationId: number): Promise<Account> {
  const [account] = await accountsOf(core, [await organizationById(core.db, organizationId)]);
  return account!;
}

// ---- reads ---------------------------------------------------------------------------------

/** Get: by id, or by e-mail; any accepted role reads (EmbedThis's `user`). */
export async function getAccount(core: Core, caller: Caller, key: { id?: string; email?: string }): Promise<Account> {
  const organization = await resolveAccount(core, caller, key);
  await authorizeOrganization(core, caller, 'organization.read', organization);
  return accountOf(core, organization.id);
}

/** The seed's placeholder operation (Aaaa): the id of an account the caller may read, as a string. */
export async function accountIdOf(core: Core, caller: Caller, id: string): Promise<string> {
  const organization = await findOrganization(core.db, accountRef(id));
  await authorizeOrganization(core, caller, 'organization.read', organization);
  return String(organization.id);
}

export interface AccountFind {
  id?: string;
  email?: string;
  /** Substring of the name or e-mail, case-insensitive. */
  filter?: string;
  where?: string;
  limit: number;
  next?: string;
  prev?: string;
}

export interface AccountPage {
  data: Account[];
  next: string | null;
  prev: string | null;
}

function cursor(direction: 'after' | 'before', id: number): string {
  return Buffer.from(`${direction === 'after' ? 'a' : 'b'}:${id}`).toString('base64url');
}

function readCursor(field: 'next' | 'prev', value: string): number {
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const match = /^([ab]):([1-9]\d{0,15})$/.exec(text);
  if (!match || match[1] !== (field === 'next' ? 'a' : 'b') || !Number.isSafeInteger(Number(match[2]))) {
    throw new Invalid(field, `Not a cursor this service answered: pass the \`${field}\` of a previous page as it was.`);
  }
  return Number(match[2]);
}

/**
 * Find: the accounts the caller relates to (every account for the broker's staff, closed
 * ones included), oldest first, a cursor page at a time. `next` continues after a page,
 * `prev` goes back before one; each answer gives the cursors that lead on, or null.
 */
export async function findAccounts(core: Core, caller: Caller, find: AccountFind): Promise<AccountPage> {
  const user = requireUser(caller);
  if (find.next !== undefined && find.prev !== undefined) throw new Invalid('prev', 'Give `next` or `prev`, not both.');
  const conditions: ReturnType<typeof sql<SqlBool>>[] = [];
  if (!(await mayOnSite(core, user, 'organizations.list'))) {
    conditions.push(sql<SqlBool>`organizations.id in ${visibleOrganizationIds(user.userId)}`);
    conditions.push(sql<SqlBool>`organizations.status <> 'closed'`);
  }
  if (find.id !== undefined && find.id.trim() !== '') {
    const ref = accountRef(find.id);
    conditions.push(Number.isNaN(ref.id) ? sql<SqlBool>`false` : sql<SqlBool>`organizations.id = ${ref.id}`);
  }
  if (find.email !== undefined && find.email.trim() !== '') {
    conditions.push(sql<SqlBool>`lower(organizations.email) = ${normalizeEmail(find.email)}`);
  }
  if (find.filter !== undefined && find.filter.trim() !== '') {
    const pattern = `%${find.filter.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql<SqlBool>`(organizations.full_name ilike ${pattern} or coalesce(organizations.email, '') ilike ${pattern})`);
  }
  if (find.where !== undefined && find.where.trim() !== '') {
    conditions.push(sql<SqlBool>`${compileWhere(parseWhere(find.where), COLUMNS)}`);
  }
  const matching = (extra?: ReturnType<typeof sql<SqlBool>>) => {
    let query = core.db.selectFrom('organizations').select('organizations.id');
    for (const condition of [...conditions, ...(extra ? [extra] : [])]) query = query.where(condition);
    return query;
  };
  const after = find.next !== undefined ? readCursor('next', find.next) : undefined;
  const before = find.prev !== undefined ? readCursor('prev', find.prev) : undefined;
  let ids: number[];
  if (before !== undefined) {
    const rows = await matching(sql<SqlBool>`organizations.id < ${before}`).orderBy('organizations.id', 'desc').limit(find.limit + 1).execute();
    ids = rows.slice(0, find.limit).map((r) => r.id).reverse();
  } else {
    const from = after ?? 0;
    const rows = await matching(sql<SqlBool>`organizations.id > ${from}`).orderBy('organizations.id', 'asc').limit(find.limit + 1).execute();
    ids = rows.slice(0, find.limit).map((r) => r.id);
  }
  const first = ids[0];
  const last = ids[ids.length - 1];
  // Whether more lie on either side is asked, not guessed from the page's length.
  const [earlier, later] = await Promise.all([
    first === undefined ? undefined : matching(sql<SqlBool>`organizations.id < ${first}`).limit(1).executeTakeFirst(),
    last === undefined ? undefined : matching(sql<SqlBool>`organizations.id > ${last}`).limit(1).executeTakeFirst(),
  ]);
  const organizations = await Promise.all(ids.map((id) => organizationById(core.db, id)));
  return {
    data: await accountsOf(core, organizations),
    next: later && last !== undefined ? cursor('after', last) : null,
    prev: earlier && first !== undefined ? cursor('before', first) : null,
  };
}

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
