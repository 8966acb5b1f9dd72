// The metrics lists that are not subscriptions: a coupon's uses (the checked-out cart items
// that carried it) and the top of the funnel (users registered who subscribe to nothing).
import { sql } from 'kysely';
import type { Caller, Core } from '../../context.js';
import { authorizeSite, mayOnOrganization } from '../../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../../pagination.js';
import type { Ref } from '../../refs.js';
import { getCoupon } from '../coupons.js';

export interface UserBrief {
  slug: string;
  email: string | null;
  full_name: string;
  created_at: Date;
}

export interface CouponUse {
  user: UserBrief;
  plan: string;
  created_at: Date;
}

export const COUPON_USE_LIST: ListSpec = {
  orderable: { created_at: 'cart_items.created_at', user: 'users.slug', plan: 'plans.slug' },
  searchable: ['users.slug', 'users.email', 'users.full_name', 'plans.slug'],
  dateColumn: 'cart_items.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'cart_items.id',
};

/** For the provider's members who do not manage its sales: no buyer's address, shown or searched. */
const COUPON_USE_LIST_WITHOUT_EMAIL: ListSpec = { ...COUPON_USE_LIST, searchable: ['users.slug', 'users.full_name', 'plans.slug'] };

/** The uses of one of the provider's coupons: cart items checked out with it, newest first. */
export async function listCouponUses(core: Core, caller: Caller, providerRef: Ref, code: string, list: ListQuery): Promise<Page<CouponUse>> {
  // Reads the coupon as its own route does: the provider's members, its code ignoring case.
  const coupon = await getCoupon(core, caller, providerRef, code);
  // A buyer's personal address is for those who manage the provider's sales, as the buyers' billing is.
  const showEmail = await mayOnOrganization(core, caller, 'organization.sales.manage', { id: coupon.organization_id });
  const query = core.db.selectFrom('cart_items')
    .innerJoin('users', 'users.id', 'cart_items.user_id')
    .innerJoin('plans', 'plans.id', 'cart_items.plan_id')
    .select(['cart_items.id', 'cart_items.created_at', 'plans.slug as plan', 'users.slug as user_slug', 'users.email as user_email',
      'users.full_name as user_full_name', 'users.created_at as user_created_at'])
    .where('cart_items.coupon_id', '=', coupon.id)
    .where('plans.organization_id', '=', coupon.organization_id)
    .where('cart_items.recorded_at', 'is not', null);
  const page = await paginate(query, list, showEmail ? COUPON_USE_LIST : COUPON_USE_LIST_WITHOUT_EMAIL);
  return {
    count: page.count,
    results: page.results.map((row) => ({
      user: { slug: row.user_slug, email: showEmail ? row.user_email : null, full_name: row.user_full_name, created_at: row.user_created_at },
      plan: row.plan,
      created_at: row.created_at,
    })),
  };
}

export const REGISTERED_LIST: ListSpec = {
  orderable: { created_at: 'users.created_at', slug: 'users.slug', email: 'users.email', full_name: 'users.full_name' },
  searchable: ['users.slug', 'users.email', 'users.full_name'],
  dateColumn: 'users.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'users.id',
};

/**
 * Users who subscribe to nothing: no role (accepted) on an organization that ever had a
 * subscription, and no personal profile that did. For the broker's managers.
 */
export async function listRegisteredUsers(core: Core, caller: Caller, list: ListQuery): Promise<Page<UserBrief>> {
  await authorizeSite(core, caller, 'users.list');
  const query = core.db.selectFrom('users')
    .select(['users.id', 'users.slug', 'users.email', 'users.full_name', 'users.created_at'])
    .where('users.deleted_at', 'is', null)
    .where(sql<boolean>`not exists (
      select 1 from roles r join subscriptions s on s.organization_id = r.organization_id
       where r.user_id = users.id and r.grant_key_hash is null and r.request_key is null)`)
    .where(sql<boolean>`not exists (
      select 1 from organizations o join subscriptions s on s.organization_id = o.id
       where o.personal_user_id = users.id)`);
  const page = await paginate(query, list, REGISTERED_LIST);
  return { count: page.count, results: page.results.map(({ id: _id, ...user }) => user) };
}
