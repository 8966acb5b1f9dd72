// The users of a customer and its sub-customers, as Accountcentral lists them: all of them
// (with search and filters), those with failed logins, those with issues, and the
// application users with when and by whom their credentials were made. "The users of a
// customer" are the accounts it (or a customer below it) made, its team, and the accepted
// members of it and of the customers below it; closed customers are left out. Each row says
// which customer made the account (`homeOrganizationId`), so a list tells team accounts
// (which its managers administer) from members (which they only read).
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { UserStatus } from '../../db/schema.js';
import { Invalid } from '../errors.js';
import { authorizeOrganization, type OrganizationAction } from '../access/policy.js';
import { ACCEPTED } from '../organizations/visibility.js';
import { findOrganization } from '../memberships/role-views.js';
import { paginate, unknownOrderFields, type ListSpec, type Page } from '../pagination.js';

/** The customer and every customer below it in the partner tree, closed ones (and what is below them) left out. */
function subtree(organizationId: number): RawBuilder<number> {
  return sql<number>`(
    with recursive tree (id, path) as (
      select id, array[id] from organizations where id = ${organizationId} and status <> 'closed'
      union all
      select o.id, t.path || o.id from organizations o join tree t on o.partner_id = t.id
       where o.status <> 'closed' and not o.id = any(t.path)
    )
    select id from tree
  )`;
}

/** A user of the customer: made by it or one below it, or an accepted member of one of them. */
function usersOf(organizationId: number): Expression<SqlBool> {
  const tree = subtree(organizationId);
  return sql<SqlBool>`(users.home_organization_id in ${tree} or exists (
    select 1 from roles r where r.user_id = users.id and ${ACCEPTED} and r.organization_id in ${tree}))`;
}

/** Finds the customer and checks the caller may read (or manage) its users. */
async function customerFor(core: Core, caller: Caller, ref: Ref, action: OrganizationAction): Promise<number> {
  const org = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, action, org);
  return org.id;
}

/** The list's ordering, by the names Accountcentral's `sort` uses; an unknown one is a 400 on `sort`. */
function checkedOrder(order: string[], spec: ListSpec): string[] {
  const unknown = unknownOrderFields(order, spec);
  if (unknown.length) {
    throw new Invalid('sort', `Cannot sort by ${unknown.join(', ')}. Allowed: ${Object.keys(spec.orderable).join(', ')}.`, 'list.order_unknown');
  }
  return order;
}

export interface CustomerUser {
  id: number;
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  homeOrganizationId: number | null;
  /** The name of the customer that made the account. */
  groupName: string | null;
  /** The contact number; `cellPhone` is the one the PIN goes to. */
  phone: string | null;
  cellPhone: string | null;
  cellPhoneVerified: boolean;
  dateOfBirth: string | null;
  sex: 'M' | 'F' | null;
  status: UserStatus;
  userType: 'interactive' | 'application';
  createdAt: Date;
  lastLoginAt: Date | null;
}

// Users made through DjaoApp only have a full name: its first word stands for the first name.
const FIRST_NAME = sql<string>`coalesce(users.first_name, split_part(users.full_name, ' ', 1))`;
const LAST_NAME = sql<string>`coalesce(users.last_name, nullif(substr(users.full_name, length(split_part(users.full_name, ' ', 1)) + 2), ''), '')`;

const USER_COLUMNS = {
  name: FIRST_NAME,
  surname: LAST_NAME,
  username: 'users.slug',
  email: 'users.email',
  status: 'users.status',
  userType: 'users.user_type',
  creationDate: 'users.created_at',
  lastLogin: 'users.last_login_at',
} as const;

export const CUSTOMER_USER_LIST: ListSpec = {
  orderable: USER_COLUMNS,
  searchable: [FIRST_NAME, LAST_NAME, 'users.slug', 'users.email', 'users.full_name'],
  defaultOrder: ['username'],
  tieBreaker: 'users.id',
};

function userQuery(core: Core, organizationId: number) {
  return core.db.selectFrom('users')
    .leftJoin('organizations as home', 'home.id', 'users.home_organization_id')
    .select([
      'users.id', 'users.slug', 'users.email', 'users.phone', 'users.phone_verified_at', 'users.mobile', 'users.date_of_birth',
      'users.sex', 'users.status', 'users.user_type', 'users.home_organization_id', 'users.created_at', 'users.last_login_at',
      FIRST_NAME.as('first_name'), LAST_NAME.as('last_name'),
      sql<string | null>`coalesce(nullif(home.full_name, ''), home.slug)`.as('group_name'),
    ])
    .where('users.deleted_at', 'is', null)
    .where(usersOf(organizationId));
}

type UserQueryRow = Awaited<ReturnType<ReturnType<typeof userQuery>['execute']>>[number];

function customerUserOf(row: UserQueryRow): CustomerUser {
  return {
    id: row.id,
    username: row.slug,
    email: row.email,
    firstName: row.first_name ?? '',
    lastName: row.last_name ?? '',
    homeOrganizationId: row.home_organization_id,
    groupName: row.group_name,
    phone: row.mobile,
    cellPhone: row.phone,
    cellPhoneVerified: !!row.phone && row.phone_verified_at !== null,
    dateOfBirth: row.date_of_birth,
    sex: row.sex,
    status: row.status,
    userType: row.user_type,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

export interface CustomerUserFilters {
  search?: string;
  userType?: 'interactive' | 'application';
  status?: UserStatus;
}

/** Accountcentral's "users of a customer/sub-customers": for whoever may read the customer's members. */
export async function listCustomerUsers(
  core: Core, caller: Caller, ref: Ref, filters: CustomerUserFilters, window: { page: number; pageSize: number; order: string[] },
): Promise<Page<CustomerUser>> {
  const organizationId = await customerFor(core, caller, ref, 'organization.members.read');
  let query = userQuery(core, organizationId);
  if (filters.userType) query = query.where('users.user_type', '=', filters.userType);
  if (filters.status) query = query.where('users.status', '=', filters.status);
  const page = await paginate(query, { ...window, order: checkedOrder(window.order, CUSTOMER_USER_LIST), q: filters.search?.trim() || undefined },
    CUSTOMER_USER_LIST);
  return { count: page.count, results: page.results.map(customerUserOf) };
}

// ---- Failed logins ----------------------------------------------------------------------

export interface FailedLoginUser extends CustomerUser {
  /** Failed logins in the window. */
  failedLogins: number;
  /** Failed logins since the last successful one, whenever they were. */
  consecutiveFailedLogins: number;
  lastFailedLoginAt: Date | null;
  lockedOut: boolean;
  lockExpirationDate: Date | null;
}

function failuresSince(since: Date) {
  return sql<number>`(select count(*)::int from security_events e
    where e.user_id = users.id and e.type = 'login.failed' and e.created_at >= ${since}::timestamptz)`;
}
const CONSECUTIVE_FAILURES = sql<number>`(select count(*)::int from security_events e
  where e.user_id = users.id and e.type = 'login.failed' and e.created_at > coalesce(
    (select max(s.created_at) from security_events s where s.user_id = users.id and s.type = 'login.succeeded'),
    '-infinity'::timestamptz))`;
const LAST_FAILURE = sql<Date | null>`(select max(e.created_at) from security_events e where e.user_id = users.id and e.type = 'login.failed')`;
/** The latest lock on the account's count, any identifier it logs in with (throttle.ts's `getLockout` in SQL). */
const LOCKED_UNTIL = sql<Date | null>`(select max(t.locked_until) from login_throttle t
  where t.address = '' and t.identifier in (lower(trim(users.slug)), lower(trim(users.email))))`;

/** Days the failed-logins list looks back, at least and at most (Accountcentral's `days`). */
export const FAILED_LOGIN_DAYS = { min: 1, max: 30, default: 7 } as const;

function failedLoginSpec(since: Date): ListSpec {
  return {
    orderable: {
      ...USER_COLUMNS,
      failedLogins: failuresSince(since),
      consecutiveFailedLogins: CONSECUTIVE_FAILURES,
      lastFailedLogin: LAST_FAILURE,
    },
    searchable: [],
    defaultOrder: ['-failedLogins'],
    tieBreaker: 'users.id',
  };
}

/**
 * The customer's users with failed logins in the last `days` days (1 to 30), most failures
 * first: how many, how many in a row since the last success, the last one, and whether the
 * account is locked out now. For the customer's managers.
 */
export async function listFailedLoginUsers(
  core: Core, caller: Caller, ref: Ref, days: number, window: { page: number; pageSize: number; order: string[] },
): Promise<Page<FailedLoginUser>> {
  if (!Number.isInteger(days) || days < FAILED_LOGIN_DAYS.min || days > FAILED_LOGIN_DAYS.max) {
    throw new Invalid('days', `Expected a number of days from ${FAILED_LOGIN_DAYS.min} to ${FAILED_LOGIN_DAYS.max}.`);
  }
  const organizationId = await customerFor(core, caller, ref, 'organization.members.manage');
  const now = core.now();
  const since = new Date(now.getTime() - days * 86_400_000);
  const spec = failedLoginSpec(since);
  const query = userQuery(core, organizationId)
    .select([
      failuresSince(since).as('failed_logins'),
      CONSECUTIVE_FAILURES.as('consecutive_failed_logins'),
      LAST_FAILURE.as('last_failed_login_at'),
      LOCKED_UNTIL.as('locked_until'),
    ])
    .where(sql<SqlBool>`exists (select 1 from security_events e
      where e.user_id = users.id and e.type = 'login.failed' and e.created_at >= ${since}::timestamptz)`);
  const page = await paginate(query, { ...window, order: checkedOrder(window.order, spec) }, spec);
  return {
    count: page.count,
    results: page.results.map((row) => {
      const lockedUntil = row.locked_until ? new Date(row.locked_until) : null;
      const locked = lockedUntil !== null && lockedUntil > now;
      return {
        ...customerUserOf(row),
        failedLogins: Number(row.failed_logins),
        consecutiveFailedLogins: Number(row.consecutive_failed_logins),
        lastFailedLoginAt: row.last_failed_login_at ? new Date(row.last_failed_login_at) : null,
        lockedOut: locked,
        lockExpirationDate: locked ? lockedUntil : null,
      };
    }),
  };
}

// ---- Issues -----------------------------------------------------------------------------

/**
 * What stands in a user's way, each a code:
 * - LOCKED_OUT: failed logins lock the account now (unlock it);
 * - SUSPENDED / DISABLED: the account cannot log in (reactivate it);
 * - PASSWORD_EXPIRED: the password is older than PASSWORD_MAX_AGE_DAYS (when set);
 * - NO_PASSWORD: no password was ever set, so nobody can log in with one;
 * - EMAIL_NOT_VERIFIED: no e-mail address, or one never proven (resets and notices cannot reach the user);
 * - FAILED_LOGINS: failed logins in the last ISSUE_FAILED_LOGIN_DAYS days;
 * - PIN_NUMBER_NOT_VERIFIED: login codes by SMS are on, but no code proved the number they go to.
 */
export const ISSUE_CODES = [
  'LOCKED_OUT', 'SUSPENDED', 'DISABLED', 'PASSWORD_EXPIRED', 'NO_PASSWORD', 'EMAIL_NOT_VERIFIED', 'FAILED_LOGINS',
  'PIN_NUMBER_NOT_VERIFIED',
] as const;
export type IssueCode = typeof ISSUE_CODES[number];

/** How far back failed logins count as an issue. */
export const ISSUE_FAILED_LOGIN_DAYS = 7;

export interface UserWithIssues extends CustomerUser {
  issues: IssueCode[];
}

function issueConditions(core: Core, now: Date): Record<IssueCode, RawBuilder<SqlBool>> {
  const maxAge = core.config.passwordMaxAgeDays;
  const expiredBefore = new Date(now.getTime() - maxAge * 86_400_000);
  const failuresFrom = new Date(now.getTime() - ISSUE_FAILED_LOGIN_DAYS * 86_400_000);
  return {
    LOCKED_OUT: sql<SqlBool>`coalesce(${LOCKED_UNTIL} > ${now}::timestamptz, false)`,
    SUSPENDED: sql<SqlBool>`users.status = 'suspended'`,
    DISABLED: sql<SqlBool>`users.status = 'disabled'`,
    PASSWORD_EXPIRED: maxAge > 0
      ? sql<SqlBool>`(users.password_hash is not null and coalesce(users.password_changed_at, users.created_at) < ${expiredBefore}::timestamptz)`
      : sql<SqlBool>`false`,
    NO_PASSWORD: sql<SqlBool>`users.password_hash is null`,
    EMAIL_NOT_VERIFIED: sql<SqlBool>`(users.email is null or users.email_verified_at is null)`,
    FAILED_LOGINS: sql<SqlBool>`exists (select 1 from security_events e
      where e.user_id = users.id and e.type = 'login.failed' and e.created_at >= ${failuresFrom}::timestamptz)`,
    PIN_NUMBER_NOT_VERIFIED: sql<SqlBool>`(users.phone_verification_enabled and (users.phone is null or users.phone_verified_at is null))`,
  };
}

/**
 * The customer's users with at least one issue (ISSUE_CODES), each with its list. Sorted
 * like the users list, and also by `issues` (how many). For the customer's managers.
 */
export async function listUsersWithIssues(
  core: Core, caller: Caller, ref: Ref, window: { page: number; pageSize: number; order: string[] },
): Promise<Page<UserWithIssues>> {
  const organizationId = await customerFor(core, caller, ref, 'organization.members.manage');
  const conditions = issueConditions(core, core.now());
  const flags = ISSUE_CODES.map((code) => sql<boolean>`${conditions[code]}`.as(`issue_${code}`));
  const count = sql<number>`(${sql.join(ISSUE_CODES.map((code) => sql`(case when ${conditions[code]} then 1 else 0 end)`), sql` + `)})`;
  const spec: ListSpec = { ...CUSTOMER_USER_LIST, orderable: { ...USER_COLUMNS, issues: count } };
  const query = userQuery(core, organizationId)
    .select(flags)
    .where(sql<SqlBool>`(${sql.join(ISSUE_CODES.map((code) => conditions[code]), sql` or `)})`);
  const page = await paginate(query, { ...window, order: checkedOrder(window.order, spec) }, spec);
  return {
    count: page.count,
    results: page.results.map((row) => {
      const flagsOf = row as unknown as Record<string, boolean>;
      return { ...customerUserOf(row), issues: ISSUE_CODES.filter((code) => flagsOf[`issue_${code}`] === true) };
    }),
  };
}

// ---- Application users -------------------------------------------------------------------

export interface ApplicationUser extends CustomerUser {
  /** When the credentials in use were made: the live API key, else the password. */
  secretCreatedAt: Date | null;
  /** Who made them, when recorded: a username. */
  secretCreatedBy: string | null;
  /** What the credentials are: an API key, a password, or none. */
  secretKind: 'api_key' | 'password' | null;
}

const KEY_CREATED = sql<Date | null>`(select max(k.created_at) from api_keys k where k.user_id = users.id and k.revoked_at is null)`;
/**
 * Who made the credentials in use: the `by` of the latest key reset (for a key) or password
 * change or reset (for a password); an event without `by` was the user themselves.
 */
const SECRET_CREATED_BY = sql<string | null>`case when ${KEY_CREATED} is not null
  then (select coalesce(e.detail ->> 'by', users.slug) from security_events e
         where e.user_id = users.id and e.type = 'api_key.reset' order by e.created_at desc, e.id desc limit 1)
  else (select coalesce(e.detail ->> 'by', users.slug) from security_events e
         where e.user_id = users.id and e.type in ('password.changed', 'password.reset') order by e.created_at desc, e.id desc limit 1)
  end`;
const SECRET_CREATED = sql<Date | null>`coalesce(${KEY_CREATED}, case when users.password_hash is not null then coalesce(users.password_changed_at, users.created_at) end)`;

/**
 * The customer's application users (credentials for an application, `user_type`
 * 'application') with when their credentials were made and by whom; never a secret.
 * Sorted like the users list, and also by `secretCreationDate`. For the customer's managers.
 */
export async function listApplicationUsers(
  core: Core, caller: Caller, ref: Ref, window: { page: number; pageSize: number; order: string[] },
): Promise<Page<ApplicationUser>> {
  const organizationId = await customerFor(core, caller, ref, 'organization.members.manage');
  const spec: ListSpec = { ...CUSTOMER_USER_LIST, orderable: { ...USER_COLUMNS, secretCreationDate: SECRET_CREATED } };
  const query = userQuery(core, organizationId)
    .select([
      KEY_CREATED.as('key_created_at'),
      SECRET_CREATED.as('secret_created_at'),
      SECRET_CREATED_BY.as('secret_created_by'),
      sql<boolean>`users.password_hash is not null`.as('has_password'),
    ])
    .where('users.user_type', '=', 'application');
  const page = await paginate(query, { ...window, order: checkedOrder(window.order, spec) }, spec);
  return {
    count: page.count,
    results: page.results.map((row) => ({
      ...customerUserOf(row),
      secretCreatedAt: row.secret_created_at ? new Date(row.secret_created_at) : null,
      secretCreatedBy: row.secret_created_by,
      secretKind: row.key_created_at ? 'api_key' : row.has_password ? 'password' : null,
    })),
  };
}
