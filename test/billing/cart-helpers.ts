// Setup for the cart and coupon tests: providers and plans written straight to the
// database (the plans routes are tested in their own files), and a provider world with one
// user per relation that matters to a provider's coupons.
import type { TestService, TestUser } from '../support/service.js';
import { unique } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, type TestOrg } from '../support/fixtures.js';

export interface PlanOptions {
  active?: boolean;
  periodAmount?: number;
  unit?: string;
  advanceDiscounts?: { discount_type: 'percentage' | 'currency' | 'period'; discount_value: number; length: number }[];
}

export async function makePlan(s: TestService, provider: TestOrg, options: PlanOptions = {}): Promise<{ id: number; slug: string }> {
  const slug = unique('plan').toLowerCase();
  return s.core.db.insertInto('plans').values({
    organization_id: provider.id,
    slug,
    title: `Plan ${slug}`,
    is_active: options.active ?? true,
    period_amount: options.periodAmount ?? 2000,
    unit: options.unit ?? 'usd',
    period_type: 'monthly',
    advance_discounts: JSON.stringify(options.advanceDiscounts ?? []),
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

export interface ProviderWorld {
  provider: TestOrg;
  manager: TestUser;
  contributor: TestUser;
  outsider: TestUser;
  /** Manages an organization that is the provider's partner (above it in the tree). */
  partnerManager: TestUser;
  plan: { id: number; slug: string };
  otherPlan: { id: number; slug: string };
  inactivePlan: { id: number; slug: string };
  /** A plan of another provider. */
  foreignPlan: { id: number; slug: string };
  foreign: TestOrg;
}

export async function providerWorld(s: TestService): Promise<ProviderWorld> {
  const [manager, contributor, outsider, partnerManager] = await Promise.all([s.user(), s.user(), s.user(), s.user()]);
  const provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  await grantRole(s, provider, manager.id, 'manager');
  await grantRole(s, provider, contributor.id, 'contributor');
  const partner = await makeOrganization(s);
  await grantRole(s, partner, partnerManager.id, 'manager');
  await placeOrganization(s, provider, { partner });
  const foreign = await makeOrganization(s);
  return {
    provider, manager, contributor, outsider, partnerManager, foreign,
    plan: await makePlan(s, provider, { advanceDiscounts: [{ discount_type: 'percentage', discount_value: 1000, length: 12 }] }),
    otherPlan: await makePlan(s, provider),
    inactivePlan: await makePlan(s, provider, { active: false }),
    foreignPlan: await makePlan(s, foreign),
  };
}

/** The cart cookie a response set ('' when it cleared it, undefined when it did not touch it). */
export function cartCookieOf(res: { headers: Record<string, unknown> }): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw as string[] : raw === undefined ? [] : [String(raw)];
  const cookie = all.find((c) => c.startsWith('cart='));
  if (cookie === undefined) return undefined;
  return cookie.slice('cart='.length).split(';')[0]!;
}
