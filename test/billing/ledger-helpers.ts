// Billing fixtures for the ledger's tests: providers with a plan, subscriptions, orders and
// charges paid through the processors lane's machinery on the test processor.
import type { TestService } from '../support/service.js';
import { makeOrganization, type TestOrg } from '../support/fixtures.js';
import { book, move } from '../../src/core/billing/ledger.js';
import { createCharge, executeCharge, type ChargeRow } from '../../src/core/billing/charges.js';
import { cardFee } from '../../src/core/billing/processors/processor.js';

export interface TestPlan { id: number; slug: string; providerId: number; amount: number; unit: string }

/** A provider organization with one active monthly plan. */
export async function makeProvider(s: TestService, amount = 2000, unit = 'usd'): Promise<{ org: TestOrg; plan: TestPlan }> {
  const org = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', org.id).execute();
  const slug = `${org.slug}-plan`;
  const plan = await s.core.db.insertInto('plans').values({
    organization_id: org.id, slug, title: `Plan of ${org.slug}`, is_active: true, period_amount: amount, period_type: 'monthly', unit,
  }).returning('id').executeTakeFirstOrThrow();
  return { org, plan: { id: plan.id, slug, providerId: org.id, amount, unit } };
}

/** An active subscription of `subscriber` to `plan`, started a day ago, ending in a month. */
export async function subscribe(s: TestService, subscriber: TestOrg, plan: TestPlan): Promise<{ id: number; eventId: string }> {
  const now = s.clock.now;
  const row = await s.core.db.insertInto('subscriptions').values({
    organization_id: subscriber.id, plan_id: plan.id,
    created_at: new Date(now.getTime() - 86_400_000), ends_at: new Date(now.getTime() + 30 * 86_400_000), auto_renew: true,
  }).returning('id').executeTakeFirstOrThrow();
  return { id: row.id, eventId: `sub_${row.id}/` };
}

/** The payment processor's organization in the ledger (made at start). */
export async function processorOrganization(s: TestService): Promise<{ id: number; slug: string }> {
  return s.core.db.selectFrom('organizations').select(['id', 'slug']).where('is_processor', '=', true).executeTakeFirstOrThrow();
}

/** An order: P:Receivable -> payer:Payable on the subscription's event. Returns the row's id. */
export async function bookOrder(s: TestService, payerId: number, plan: TestPlan, eventId: string, amount = plan.amount): Promise<number> {
  const [id] = await book(s.core, [move(amount, plan.unit, { organizationId: plan.providerId, account: 'Receivable' },
    { organizationId: payerId, account: 'Payable' }, `Subscription to ${plan.slug}`, eventId)]);
  return id!;
}

/** The test processor's fee: 2.9% + 30 cents. */
export const processorFee = cardFee;

/**
 * Charges the payer's card for the given order rows with the processors lane's machinery
 * (createCharge in a unit, executeCharge after it), as checkout does.
 */
export async function payByCard(s: TestService, payerId: number, invoicedIds: number[], token = 'tok_visa'): Promise<ChargeRow> {
  const created = await s.core.transact(() => createCharge(s.core, { payerId, invoicedIds, token, rememberCard: false, createdBy: null }));
  return executeCharge(s.core, created.id);
}
