// Fixtures for checkout tests: a provider with plans, a buyer organization with its
// manager, and a cart. Plans and cart items are written straight into the database here;
// the checkout itself always goes through HTTP.
import type { AdvanceDiscount } from '../../src/db/schema.js';
import { unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';

export interface PlanOptions {
  periodAmount?: number;
  periodType?: 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  periodLength?: number;
  unit?: string;
  advanceDiscounts?: AdvanceDiscount[];
  renewalType?: 'one-time' | 'auto-renew' | 'repeat';
}

export async function makePlan(s: TestService, provider: TestOrg, options: PlanOptions = {}): Promise<{ id: number; slug: string }> {
  const slug = unique('plan').toLowerCase();
  return s.core.db.insertInto('plans').values({
    organization_id: provider.id, slug, title: `Plan ${slug}`, is_active: true,
    period_amount: options.periodAmount ?? 2000, period_type: options.periodType ?? 'monthly', period_length: options.periodLength ?? 1,
    unit: options.unit ?? 'usd', renewal_type: options.renewalType ?? 'auto-renew',
    advance_discounts: JSON.stringify(options.advanceDiscounts ?? []),
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

export async function makeProvider(s: TestService): Promise<TestOrg> {
  const provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  return provider;
}

/** A user managing a new organization with an e-mail address (where receipts go). */
export async function makeBuyer(s: TestService): Promise<{ user: TestUser; org: TestOrg; email: string }> {
  const user = await s.user();
  const email = `${unique('billing')}@example.com`;
  const org = await makeOrganization(s, { email });
  await grantRole(s, org, user.id, 'manager');
  return { user, org, email };
}

export async function addToCart(
  s: TestService, user: TestUser, plan: { id: number },
  options: { option?: number; quantity?: number; couponId?: number; fullName?: string; email?: string; syncOn?: string } = {},
): Promise<number> {
  const row = await s.core.db.insertInto('cart_items').values({
    user_id: user.id, plan_id: plan.id, option: options.option ?? 0, quantity: options.quantity ?? 1, coupon_id: options.couponId ?? null,
    full_name: options.fullName ?? null, email: options.email ?? null, sync_on: options.syncOn ?? null,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function makeCoupon(
  s: TestService, provider: TestOrg, discountType: 'percentage' | 'currency' | 'period', discountValue: number,
): Promise<{ id: number; code: string }> {
  return s.core.db.insertInto('coupons').values({
    organization_id: provider.id, code: unique('CPN'), discount_type: discountType, discount_value: discountValue,
  }).returning(['id', 'code']).executeTakeFirstOrThrow();
}

/** What the ledger, charges and subscriptions hold: compared before and after a refused request. */
export async function billingState(s: TestService): Promise<Record<string, number>> {
  const count = async (table: 'ledger_transactions' | 'charges' | 'subscriptions' | 'coupons') =>
    Number((await s.core.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const recorded = Number((await s.core.db.selectFrom('cart_items').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('recorded_at', 'is not', null).executeTakeFirstOrThrow()).n);
  return {
    ledger: await count('ledger_transactions'), charges: await count('charges'), subscriptions: await count('subscriptions'),
    coupons: await count('coupons'), recorded,
  };
}
