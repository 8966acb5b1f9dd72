// Seeds what the checkout figures need, inside the benchmarked service's own process:
// a provider with plans, `orders` buyers (a user managing an organization, with one plan in
// the cart) whose checkouts are timed, and one buyer with `cartSize` plans in the cart,
// whose cart is priced. Tokens are made by the service's session code (no password work).
import type { Service } from '../src/server.js';
import { openSession } from '../src/core/identity/sessions.js';

export interface CheckoutSeed {
  buyers: { token: string; org: string }[];
  pricer: { token: string; org: string };
}

export async function seedCheckout(service: Service, orders: number, cartSize: number): Promise<CheckoutSeed> {
  const { db } = service.core;
  const provider = await db.insertInto('organizations').values({ slug: 'bench-provider', full_name: 'Bench Provider', is_provider: true })
    .returning('id').executeTakeFirstOrThrow();
  const manager = await db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null)
    .executeTakeFirstOrThrow();
  const plans = await db.insertInto('plans').values(Array.from({ length: Math.max(cartSize, 1) }, (_, i) => ({
    organization_id: provider.id, slug: `bench-plan-${i}`, title: `Bench plan ${i}`, is_active: true,
    period_amount: 1000 + i * 100, period_type: 'monthly' as const,
    advance_discounts: JSON.stringify([
      { discount_type: 'percentage', discount_value: 1000, length: 12 },
      { discount_type: 'period', discount_value: 1, length: 6 },
    ]),
  }))).returning('id').execute();

  const buyer = async (name: string, planIds: number[], option: number) => {
    const user = await db.insertInto('users').values({
      slug: name, email: `${name}@example.com`, full_name: name, password_hash: null, email_verified_at: new Date(),
    }).returning(['id', 'slug', 'email', 'full_name']).executeTakeFirstOrThrow();
    const org = await db.insertInto('organizations').values({ slug: `${name}-org`, full_name: `${name} org`, email: `${name}-billing@example.com` })
      .returning(['id', 'slug']).executeTakeFirstOrThrow();
    await db.insertInto('roles').values({ organization_id: org.id, user_id: user.id, role_description_id: manager.id }).execute();
    await db.insertInto('cart_items').values(planIds.map((planId) => ({ user_id: user.id, plan_id: planId, option }))).execute();
    const { token } = await openSession(service.core, db, user, 'password', {}, new Date(Date.now() + 1000));
    return { token, org: org.slug };
  };
  const buyers = [];
  for (let i = 0; i < orders; i++) buyers.push(await buyer(`bench-buyer-${i}`, [plans[0]!.id], 1));
  const pricer = await buyer('bench-pricer', plans.map((p) => p.id), 0);
  return { buyers, pricer };
}
