// Billing fixtures for the ledger's tests: providers with a plan, subscriptions, orders and
// paid charges written straight to the database with the ledger's own book(), so the
// statements can be tested on rows whose shape the reference fixes.
import type { TestService } from '../support/service.js';
import { makeOrganization, type TestOrg } from '../support/fixtures.js';
import { book, move, type LedgerRow } from '../../src/core/billing/ledger.js';

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

/** The payment processor's organization in the ledger (the processors lane creates it at boot; a test makes one if not). */
export async function processorOrganization(s: TestService): Promise<number> {
  const found = await s.core.db.selectFrom('organizations').select('id').where('is_processor', '=', true).orderBy('id').executeTakeFirst();
  if (found) return found.id;
  const org = await makeOrganization(s, { slug: 'test-processor' });
  await s.core.db.updateTable('organizations').set({ is_processor: true }).where('id', '=', org.id).execute();
  return org.id;
}

/** An order: P:Receivable -> payer:Payable on the subscription's event. Returns the row's id. */
export async function bookOrder(s: TestService, payerId: number, plan: TestPlan, eventId: string, amount = plan.amount): Promise<number> {
  const [id] = await book(s.core, [move(amount, plan.unit, { organizationId: plan.providerId, account: 'Receivable' },
    { organizationId: payerId, account: 'Payable' }, `Subscription to ${plan.slug}`, eventId)]);
  return id!;
}

export interface PaidItem { invoicedId: number; amount: number; providerId: number; eventId: string }

/** The test processor's fee: 2.9% + 30 cents. */
export function processorFee(amount: number): number {
  return Math.floor((amount * 290 + 5000) / 10000) + 30;
}

/**
 * A charge paid by card, booked as the reference's rows (a)-(f) (no broker fee): what the
 * processors lane's executeCharge books. Returns the charge's id and processor key.
 */
export async function bookPaidCharge(s: TestService, payerId: number, items: PaidItem[], unit = 'usd'): Promise<{ id: number; key: string; itemIds: number[] }> {
  const processorId = await processorOrganization(s);
  const amount = items.reduce((sum, item) => sum + item.amount, 0);
  const key = `ch_test${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return s.core.transact(async (tx) => {
    const charge = await tx.insertInto('charges').values({
      processor: 'test', processor_key: key, organization_id: payerId, amount, unit, state: 'done',
      description: `Charge ${key}`, last4: '4242', exp_date: '12/2030',
    }).returning('id').executeTakeFirstOrThrow();
    const itemIds: number[] = [];
    for (const [position, item] of items.entries()) {
      const row = await tx.insertInto('charge_items').values({ charge_id: charge.id, position, invoiced_id: item.invoicedId })
        .returning('id').executeTakeFirstOrThrow();
      itemIds.push(row.id);
    }
    const event = `cha_${charge.id}/`;
    const rows: LedgerRow[] = [move(amount, unit, { organizationId: payerId, account: 'Liability' }, { organizationId: processorId, account: 'Funds' }, `Charge ${key}`, event)];
    for (const item of items) {
      const fee = Math.min(item.amount, processorFee(item.amount));
      rows.push(
        move(item.amount, unit, { organizationId: payerId, account: 'Payable' }, { organizationId: payerId, account: 'Liability' }, 'Keep a balanced ledger', item.eventId),
        move(fee, unit, { organizationId: processorId, account: 'Backlog' }, { organizationId: item.providerId, account: 'Expenses' }, 'Processor fee', event),
        move(item.amount, unit, { organizationId: item.providerId, account: 'Backlog' }, { organizationId: item.providerId, account: 'Receivable' }, 'Payment', item.eventId),
        move(item.amount - fee, unit, { organizationId: processorId, account: 'Funds' }, { organizationId: item.providerId, account: 'Funds' }, `Charge ${key} distribution`, event),
      );
    }
    await book(s.core, rows);
    return { id: charge.id, key, itemIds };
  });
}
