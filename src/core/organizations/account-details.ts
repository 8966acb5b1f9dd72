// EmbedThis's accounts (seed 003): an account is an organization, named by its id as a
// decimal string, with what EmbedThis keeps beside it: invoice details, payment terms (the
// broker's to set), metrics (replaced as a whole), and the lifecycle the organization already
// has (suspended, closed). Reads and finds here, changes in account-changes.ts; creating an account with its
// initial user is memberships/account-creation.ts (it invites).
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import { Conflict, Invalid, NotFound } from '../errors.js';
import { authorizeOrganization, mayOnSite } from '../access/policy.js';
import { normalizeEmail } from '../identity/users.js';
import { findOrganization, organizationById, requireUser, type Organization } from './profiles.js';
import { isAmong, visibleOrganizationIds } from './visibility.js';
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
export function nested(object: 'billing' | 'metrics', field: string): string {
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
export async function resolveAccount(core: Core, caller: Caller, key: { id?: string; email?: string }): Promise<Organization> {
  if (key.id !== undefined && key.id.trim() !== '') return findOrganization(core.db, accountRef(key.id));
  if (key.email === undefined || key.email.trim() === '') {
    throw new Invalid({ id: ['Give the account\'s id, or its email.'] });
  }
  const user = requireUser(caller);
  const email = normalizeEmail(key.email);
  let query = core.db.selectFrom('organizations').select('id')
    .where(sql<SqlBool>`lower(organizations.email) = ${email}`).where('status', '<>', 'closed');
  if (!(await mayOnSite(core, user, 'organizations.list'))) {
    query = query.where(isAmong('organizations.id', visibleOrganizationIds(user.userId)));
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
    conditions.push(isAmong('organizations.id', visibleOrganizationIds(user.userId)));
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
