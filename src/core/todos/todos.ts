// The caller's to-dos (DjaoApp's GET /api/todos/): what waits on them, gathered from the
// tables that already hold it, so an item disappears as soon as it is handled:
// - invitation: a role granted to the caller, not accepted yet (its key is only mailed);
// - role_request: someone asks to join an organization the caller manages;
// - subscription_grant: a provider offers a subscription to an organization the caller manages;
// - subscription_request: an organization asks to subscribe to a plan of one the caller manages.
// "Manages" is an accepted manager (or partner) role on an active organization: the powers
// that accept or deny. Items come newest first.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import { Unauthenticated } from '../errors.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';

export type TodoKind = 'invitation' | 'role_request' | 'subscription_grant' | 'subscription_request';

export interface Todo {
  kind: TodoKind;
  created_at: Date;
  /** Username of whoever made the item, when known (the inviter, the requester). */
  created_by: string | null;
  text: string;
  /** The organization the item is handled in (the caller's, or the inviting one). */
  organization: { slug: string; printable_name: string };
  /**
   * The key that accepts or denies the item, for those the caller answers with a key they
   * would also get by mail (requests and subscription keys); null for an invitation,
   * whose key only ever goes to the invitee's mailbox.
   */
  key: string | null;
  /** The page that handles it (the links port), null when no page takes it without the mailed key. */
  url: string | null;
}

interface TodoRow {
  id: string;
  kind: TodoKind;
  created_at: Date;
  created_by: string | null;
  org_slug: string;
  org_name: string;
  /** The other party: the inviting organization, the requester, the provider or the subscriber. */
  other: string;
  subject: string;
  key: string | null;
}

/** Orders by creation (newest first by default); `q` searches organization, other party and subject. */
export const TODO_LIST: ListSpec = {
  orderable: { created_at: 'todos.created_at' },
  searchable: ['todos.org_slug', 'todos.org_name', 'todos.other', 'todos.subject'],
  dateColumn: 'todos.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'todos.id',
};

/** Ids of the active organizations the user manages (accepted manager or partner role). */
function managed(userId: number) {
  return sql<number>`(select r.organization_id from roles r
      join organizations mo on mo.id = r.organization_id and mo.status = 'active'
     where r.user_id = ${userId} and r.grant_key_hash is null and r.request_key is null
       and r.role_description_id in (select id from role_descriptions where slug in ('manager', 'partner') and organization_id is null))`;
}

const orgName = (alias: string) => sql<string>`coalesce(nullif(${sql.ref(`${alias}.full_name`)}, ''), ${sql.ref(`${alias}.slug`)})`;
const userName = (alias: string) => sql<string>`coalesce(nullif(${sql.ref(`${alias}.full_name`)}, ''), ${sql.ref(`${alias}.slug`)})`;

export async function listTodos(core: Core, caller: Caller, list: ListQuery): Promise<Page<Todo>> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const me = caller.userId;
  const now = core.now();
  const db = core.db;

  const invitations = db.selectFrom('roles')
    .innerJoin('organizations as o', 'o.id', 'roles.organization_id')
    .innerJoin('role_descriptions as rd', 'rd.id', 'roles.role_description_id')
    .leftJoin('users as inviter', 'inviter.id', 'roles.created_by')
    .select([
      sql<string>`'i' || roles.id::text`.as('id'), sql<TodoKind>`'invitation'`.as('kind'), sql<Date>`roles.created_at`.as('created_at'),
      sql<string | null>`inviter.slug`.as('created_by'), sql<string>`o.slug`.as('org_slug'), orgName('o').as('org_name'),
      orgName('o').as('other'), sql<string>`rd.title`.as('subject'), sql<string | null>`null`.as('key'),
    ])
    .where('roles.user_id', '=', me).where('roles.grant_key_hash', 'is not', null).where('o.status', '!=', 'closed');

  const requests = db.selectFrom('roles')
    .innerJoin('organizations as o', 'o.id', 'roles.organization_id')
    .innerJoin('role_descriptions as rd', 'rd.id', 'roles.role_description_id')
    .innerJoin('users as u', 'u.id', 'roles.user_id')
    .select([
      sql<string>`'r' || roles.id::text`.as('id'), sql<TodoKind>`'role_request'`.as('kind'), sql<Date>`roles.created_at`.as('created_at'),
      sql<string | null>`u.slug`.as('created_by'), sql<string>`o.slug`.as('org_slug'), orgName('o').as('org_name'),
      userName('u').as('other'), sql<string>`rd.title`.as('subject'), sql<string | null>`roles.request_key`.as('key'),
    ])
    .where('roles.request_key', 'is not', null).where('u.deleted_at', 'is', null)
    .where(sql<SqlBool>`roles.organization_id in ${managed(me)}`);

  const grants = db.selectFrom('subscriptions as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .innerJoin('organizations as provider', 'provider.id', 'p.organization_id')
    .select([
      sql<string>`'g' || s.id::text`.as('id'), sql<TodoKind>`'subscription_grant'`.as('kind'), sql<Date>`s.created_at`.as('created_at'),
      sql<string | null>`null`.as('created_by'), sql<string>`o.slug`.as('org_slug'), orgName('o').as('org_name'),
      orgName('provider').as('other'), sql<string>`p.title`.as('subject'), sql<string | null>`s.grant_key`.as('key'),
    ])
    .where('s.grant_key', 'is not', null).where('s.ends_at', '>', now)
    .where(sql<SqlBool>`s.organization_id in ${managed(me)}`);

  const subscriberRequests = db.selectFrom('subscriptions as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .innerJoin('organizations as provider', 'provider.id', 'p.organization_id')
    .innerJoin('organizations as subscriber', 'subscriber.id', 's.organization_id')
    .select([
      sql<string>`'s' || s.id::text`.as('id'), sql<TodoKind>`'subscription_request'`.as('kind'), sql<Date>`s.created_at`.as('created_at'),
      sql<string | null>`null`.as('created_by'), sql<string>`provider.slug`.as('org_slug'), orgName('provider').as('org_name'),
      orgName('subscriber').as('other'), sql<string>`p.title`.as('subject'), sql<string | null>`s.request_key`.as('key'),
    ])
    .where('s.request_key', 'is not', null).where('s.ends_at', '>', now).where('subscriber.status', '!=', 'closed')
    .where(sql<SqlBool>`p.organization_id in ${managed(me)}`);

  const union = invitations.unionAll(requests).unionAll(grants).unionAll(subscriberRequests);
  const page = await paginate(db.selectFrom(union.as('todos')).selectAll('todos'), list, TODO_LIST);
  return { count: page.count, results: page.results.map((row) => toTodo(core, row)) };
}

function toTodo(core: Core, row: TodoRow): Todo {
  const organization = { slug: row.org_slug, printable_name: row.org_name };
  const base = { kind: row.kind, created_at: row.created_at, created_by: row.created_by, organization, key: row.key };
  switch (row.kind) {
    case 'invitation':
      return { ...base, text: `${row.org_name} invites you to join (${row.subject}).`, url: null };
    case 'role_request':
      return { ...base, text: `${row.other} asks to join ${row.org_name} (${row.subject}).`, url: core.links.roleRequest(row.org_slug, row.key!) };
    case 'subscription_grant':
      return { ...base, text: `${row.other} offers ${row.org_name} a subscription to ${row.subject}.`, url: core.links.subscriptionGrant(row.org_slug, row.key!) };
    case 'subscription_request':
      return { ...base, text: `${row.other} asks to subscribe to ${row.subject} of ${row.org_name}.`, url: core.links.subscriptionRequest(row.org_slug, row.key!) };
  }
}
