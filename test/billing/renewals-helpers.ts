// Fixtures for the renewals tests: a subscription bought through the real checkout (card on
// file), and readers of what the renewals wrote (orders, recognized income, mails).
import assert from 'node:assert/strict';
import { unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';
import { makePlan, makeProvider, type PlanOptions } from './checkout-helpers.js';

export interface Subscribed {
  provider: TestOrg;
  plan: { id: number; slug: string };
  user: TestUser;
  org: TestOrg;
  email: string;
  subscriptionId: number;
  createdAt: Date;
  endsAt: Date;
}

/** A provider's plan bought through the checkout API, by a new organization, with `token`'s card kept on file. */
export async function subscribeByCheckout(
  s: TestService, options: PlanOptions & { token?: string; rememberCard?: boolean; provider?: TestOrg } = {},
): Promise<Subscribed> {
  const provider = options.provider ?? await makeProvider(s);
  const plan = await makePlan(s, provider, options);
  const user = await s.user();
  const email = `${unique('billing')}@example.com`;
  const org = await makeOrganization(s, { email });
  await grantRole(s, org, user.id, 'manager');
  const cart = await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: { plan: plan.slug, option: 1 } });
  assert.ok([200, 201].includes(cart.statusCode), cart.body);
  const placed = await s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token,
    body: { items: [{ option: 1 }], processor_token: options.token ?? 'tok_visa', remember_card: options.rememberCard ?? true },
    headers: { 'idempotency-key': unique('k') } });
  assert.equal(placed.statusCode, 200, placed.body);
  const row = await s.core.db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', org.id).where('plan_id', '=', plan.id).executeTakeFirstOrThrow();
  return { provider, plan, user, org, email, subscriptionId: row.id, createdAt: new Date(row.created_at), endsAt: new Date(row.ends_at) };
}

/** A subscription written straight into the database (no order, no card): for notices and plans of other kinds. */
export async function insertSubscription(
  s: TestService, options: PlanOptions & { createdAt: Date; endsAt: Date; autoRenew?: boolean; email?: string | null },
): Promise<Subscribed> {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, options);
  const user = await s.user();
  const email = options.email === undefined ? `${unique('billing')}@example.com` : options.email;
  const org = await makeOrganization(s, email === null ? {} : { email });
  await grantRole(s, org, user.id, 'manager');
  const row = await s.core.db.insertInto('subscriptions').values({
    organization_id: org.id, plan_id: plan.id, created_at: options.createdAt, ends_at: options.endsAt,
    auto_renew: options.autoRenew ?? (options.renewalType ?? 'auto-renew') === 'auto-renew',
  }).returningAll().executeTakeFirstOrThrow();
  return { provider, plan, user, org, email: email ?? user.email, subscriptionId: row.id, createdAt: new Date(row.created_at), endsAt: new Date(row.ends_at) };
}

export async function subscriptionEnd(s: TestService, id: number): Promise<Date> {
  const row = await s.core.db.selectFrom('subscriptions').select('ends_at').where('id', '=', id).executeTakeFirstOrThrow();
  return new Date(row.ends_at);
}

/** The orders (provider Receivable -> payer Payable) of a subscription, oldest first. */
export async function ordersOf(s: TestService, subscriptionId: number) {
  const rows = await s.core.db.selectFrom('ledger_transactions').select(['id', 'created_at', 'descr', 'dest_amount'])
    .where('event_id', '=', `sub_${subscriptionId}/`).where('orig_account', '=', 'Receivable').where('dest_account', '=', 'Payable')
    .orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, createdAt: new Date(r.created_at), descr: r.descr, amount: Number(r.dest_amount) }));
}

/** The income recognized on a subscription, one entry per row, oldest first. */
export async function incomeOf(s: TestService, subscriptionId: number) {
  const rows = await s.core.db.selectFrom('ledger_transactions').select(['created_at', 'dest_account', 'orig_amount', 'descr'])
    .where('event_id', '=', `sub_${subscriptionId}/`).where('orig_account', '=', 'Income')
    .orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ createdAt: new Date(r.created_at), account: r.dest_account, amount: Number(r.orig_amount), descr: r.descr }));
}

/** How many rows the tables the renewals write to hold: compared before and after a second run. */
export async function footprint(s: TestService): Promise<Record<string, number>> {
  const count = async (table: 'ledger_transactions' | 'charges' | 'mail_outbox' | 'renewal_notices' | 'renewal_attempts') =>
    Number((await s.core.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const ends = await s.core.db.selectFrom('subscriptions').select((eb) => eb.fn.max('ends_at').as('m')).executeTakeFirstOrThrow();
  return {
    ledger: await count('ledger_transactions'), charges: await count('charges'), mails: await count('mail_outbox'),
    notices: await count('renewal_notices'), attempts: await count('renewal_attempts'),
    lastEnd: ends.m ? new Date(ends.m as Date).getTime() : 0,
  };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

/** The mails recorded in the outbox for `to` with `template`, oldest first. */
export async function outboxMails(s: TestService, to: string, template: string) {
  return s.core.db.selectFrom('mail_outbox').select(['id', 'subject', 'template', 'created_at'])
    .where('recipient', '=', to).where('template', '=', template).orderBy('id').execute();
}

/** The charges of an organization, oldest first. */
export async function chargesOf(s: TestService, organizationId: number) {
  return s.core.db.selectFrom('charges').select(['id', 'state', 'amount', 'created_at'])
    .where('organization_id', '=', organizationId).orderBy('id').execute();
}

/** Puts the card a test token stands for on file, through the API. */
export async function putCard(s: TestService, sub: Subscribed, token: string): Promise<void> {
  const put = await s.request({ method: 'PUT', url: `/api/billing/${sub.org.slug}/card/`, token: sub.user.token, body: { token } });
  assert.equal(put.statusCode, 200, put.body);
}
