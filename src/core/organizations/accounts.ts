// Search for auto-completion (`/api/accounts/...`). Every signed-in user may search, so that
// a manager can pick a colleague or a customer in a form, but the answers are limited to
// what that user may already see. The broker's managers see every account; everyone else
// sees the organizations they can see and the users who share one of them.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import { mayOnSite } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { requireUser } from './profiles.js';
import { isAmong, visibleOrganizationIds, visibleUserIds } from './visibility.js';

export interface AccountBrief {
  slug: string;
  full_name: string;
  email: string | null;
  picture: string | null;
  type: 'organization' | 'personal' | 'user';
  credentials: boolean;
  created_at: Date;
}

/** The account search's orderings (`slug`, `full_name`, `email`, `created_at`) and searched columns. */
export const ACCOUNT_LIST: ListSpec = {
  orderable: { slug: 'accounts.slug', full_name: 'accounts.full_name', email: 'accounts.email', created_at: 'accounts.created_at' },
  searchable: ['accounts.slug', 'accounts.full_name', 'accounts.email'],
  dateColumn: 'accounts.created_at',
  defaultOrder: ['slug'],
  tieBreaker: 'accounts.key',
};

async function organizationsQuery(core: Core, userId: number, broker: boolean) {
  let query = core.db.selectFrom('organizations').select([
    sql<string>`organizations.slug`.as('slug'),
    sql<string>`organizations.full_name`.as('full_name'),
    sql<string | null>`organizations.email`.as('email'),
    sql<string | null>`organizations.picture`.as('picture'),
    sql<AccountBrief['type']>`organizations.type`.as('type'),
    // A personal profile is a user's own, and that user logs in.
    sql<boolean>`organizations.type = 'personal'`.as('credentials'),
    sql<Date>`organizations.created_at`.as('created_at'),
    sql<string>`'o' || organizations.id::text`.as('key'),
  ]).where('organizations.status', '<>', 'closed');
  if (!broker) query = query.where(isAmong('organizations.id', visibleOrganizationIds(userId)));
  return query;
}

async function usersQuery(core: Core, userId: number, broker: boolean) {
  let query = core.db.selectFrom('users').select([
    sql<string>`users.slug`.as('slug'),
    sql<string>`users.full_name`.as('full_name'),
    sql<string | null>`users.email`.as('email'),
    sql<string | null>`users.picture`.as('picture'),
    sql<AccountBrief['type']>`'user'`.as('type'),
    sql<boolean>`(users.password_hash is not null and users.status = 'active')`.as('credentials'),
    sql<Date>`users.created_at`.as('created_at'),
    sql<string>`'u' || users.id::text`.as('key'),
  ]).where('users.deleted_at', 'is', null);
  if (!broker) query = query.where(sql<SqlBool>`users.id in ${visibleUserIds(userId)}`);
  return query;
}

export async function searchAccounts(
  core: Core, caller: Caller, kinds: 'all' | 'organizations' | 'users', list: ListQuery,
): Promise<Page<AccountBrief>> {
  const user = requireUser(caller);
  const broker = await mayOnSite(core, user, 'organizations.list');
  const orgs = await organizationsQuery(core, user.userId, broker);
  const users = await usersQuery(core, user.userId, broker);
  const union = kinds === 'organizations' ? orgs : kinds === 'users' ? users : orgs.unionAll(users);
  const query = core.db.selectFrom(union.as('accounts')).selectAll('accounts');
  return paginate(query, list, ACCOUNT_LIST);
}
