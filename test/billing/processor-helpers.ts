// Orders to charge, written straight to the database: a plan of the provider, a
// subscription of the payer to it and the order row of one period
// (`provider:Receivable -> payer:Payable`, event `sub_N/`), as checkout books it.
import { sql } from 'kysely';
import { unique, type TestService } from '../support/service.js';
import { makeOrganization, type TestOrg } from '../support/fixtures.js';
import { book, move } from '../../src/core/billing/ledger.js';

export interface TestOrder { payer: TestOrg; plan: { id: number; slug: string }; subscriptionId: number; orderId: number; eventId: string }

export async function makeOrder(
  s: TestService, seller: TestOrg, amount: number, options: { brokerFeePercent?: number; payer?: TestOrg; unit?: string } = {},
): Promise<TestOrder> {
  const unit = options.unit ?? 'usd';
  const payer = options.payer ?? await makeOrganization(s);
  const plan = await s.core.db.insertInto('plans').values({
    organization_id: seller.id, slug: unique('plan').toLowerCase(), title: unique('Plan'), is_active: true,
    period_amount: amount, period_type: 'monthly', broker_fee_percent: options.brokerFeePercent ?? 0, unit,
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
  const now = s.core.now();
  const subscription = await s.core.db.insertInto('subscriptions').values({
    organization_id: payer.id, plan_id: plan.id, created_at: now, ends_at: new Date(now.getTime() + 30 * 86400_000), auto_renew: true,
  }).returning('id').executeTakeFirstOrThrow();
  const eventId = `sub_${subscription.id}/`;
  const [orderId] = await s.core.transact(() => book(s.core, [move(amount, unit,
    { organizationId: seller.id, account: 'Receivable' }, { organizationId: payer.id, account: 'Payable' },
    `Subscription to ${plan.slug}`, eventId)]));
  return { payer, plan, subscriptionId: subscription.id, orderId: orderId!, eventId };
}

/** The ledger rows booked under one event id. */
export async function rowsOfEvent(s: TestService, eventId: string): Promise<number> {
  const result = await sql<{ n: string | number }>`select count(*) as n from ledger_transactions where event_id = ${eventId}`.execute(s.core.db);
  return Number(result.rows[0]!.n);
}

/** Every unit nets to zero over the whole ledger: what goes out of one account goes into another. */
export async function netPerUnit(s: TestService): Promise<Map<string, number>> {
  const result = await sql<{ unit: string; net: string | number }>`
    select unit, sum(amount) as net from (
      select dest_unit as unit, dest_amount as amount from ledger_transactions
      union all select orig_unit, -orig_amount from ledger_transactions) moves group by unit`.execute(s.core.db);
  return new Map(result.rows.map((row) => [row.unit, Number(row.net)]));
}
