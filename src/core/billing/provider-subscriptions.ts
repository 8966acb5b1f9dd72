// Subscriptions seen from the provider's side: it lists its plans' subscriptions and its
// subscribers, grants, extends and ends them, and accepts a subscriber's request. What
// both sides share is in subscriptions.ts.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import { BadRequest, Invalid, NotFound } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization, type Organization } from '../organizations/profiles.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import type { Ref } from '../refs.js';
import { addPlanPeriods } from './periods.js';
import { providerPlan } from './plans.js';
import {
  endNow, latestSubscription, lockSubscriber, mailGrant, newKey, openSubscription, selectSubscriptions,
  stateCondition, subscriptionById, viewOf, viewsOf, SUBSCRIPTION_LIST, type SubscriptionRow, type SubscriptionState,
  type SubscriptionView,
} from './subscriptions.js';
import type { SubscriptionChanges } from './subscriber-subscriptions.js';


async function providerAccess(core: Core, caller: Caller, providerRef: Ref, action: 'organization.sales.read' | 'organization.sales.manage') {
  const provider = await findOrganization(core.db, providerRef);
  const access = await authorizeOrganization(core, caller, action, provider);
  return { provider, access };
}

export async function listPlanSubscriptions(
  core: Core, caller: Caller, providerRef: Ref, planRef: Ref, list: ListQuery, state?: SubscriptionState,
): Promise<Page<SubscriptionView>> {
  const { provider, access } = await providerAccess(core, caller, providerRef, 'organization.sales.read');
  const plan = await providerPlan(core, provider, planRef);
  let query = selectSubscriptions(core.db).where('subscriptions.plan_id', '=', plan.id);
  if (state) query = query.where(stateCondition(state, core.now()));
  const page = await paginate(query, list, SUBSCRIPTION_LIST);
  return { count: page.count, results: await viewsOf(core, caller, page.results, access) };
}

/**
 * Every subscription to any plan of the provider (its active and churned metrics lists), in
 * `state` as of `at` (default now: "active at ends_at" in DjaoApp's words).
 */
export async function listProviderSubscriptions(
  core: Core, caller: Caller, providerRef: Ref, list: ListQuery, state?: SubscriptionState, at?: Date,
): Promise<Page<SubscriptionView>> {
  const { provider, access } = await providerAccess(core, caller, providerRef, 'organization.sales.read');
  let query = selectSubscriptions(core.db).where('plans.organization_id', '=', provider.id);
  if (state) query = query.where(stateCondition(state, at ?? core.now()));
  const page = await paginate(query, list, SUBSCRIPTION_LIST);
  return { count: page.count, results: await viewsOf(core, caller, page.results, access) };
}

async function planSubscription(core: Core, provider: Organization, planRef: Ref, subscriberRef: Ref, forUpdate = false) {
  const plan = await providerPlan(core, provider, planRef);
  const subscriber = await findOrganization(core.db, subscriberRef).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound('subscription', `No such subscriber of "${plan.slug}".`) : error;
  });
  const row = await latestSubscription(core.db, subscriber.id, plan.id, forUpdate);
  if (!row) throw new NotFound('subscription', `"${subscriber.slug}" has no subscription to "${plan.slug}".`);
  return { plan, subscriber, row };
}

export async function getPlanSubscription(core: Core, caller: Caller, providerRef: Ref, planRef: Ref, subscriberRef: Ref): Promise<SubscriptionView> {
  const { provider, access } = await providerAccess(core, caller, providerRef, 'organization.sales.read');
  const { row } = await planSubscription(core, provider, planRef, subscriberRef);
  return viewOf(core, caller, row, access);
}

export interface GrantInput {
  subscriber: Ref;
  /** A note for the subscriber's managers (kept with the grant's notice). */
  message?: string | null;
}

/**
 * The provider subscribes an organization: an open subscription to the plan is answered
 * as it is (a pending request of the subscriber's is accepted); otherwise one is created for one period from now, waiting for the subscriber's
 * opt-in (grant_key) unless the plan skips it. No order is booked: a grant is the
 * provider's gift or arrangement, billed (if at all) at renewal.
 */
export async function grantSubscription(core: Core, caller: Caller, providerRef: Ref, planRef: Ref, input: GrantInput): Promise<{ view: SubscriptionView; created: boolean }> {
  const { provider, access } = await providerAccess(core, caller, providerRef, 'organization.sales.manage');
  const plan = await providerPlan(core, provider, planRef);
  const subscriber = await findOrganization(core.db, input.subscriber).catch((error: unknown) => {
    throw error instanceof NotFound ? new Invalid('organization', 'No organization with this slug.') : error;
  });
  if (subscriber.status !== 'active') throw new Invalid('organization', `"${subscriber.slug}" is ${subscriber.status}.`);
  if (subscriber.is_processor) throw new Invalid('organization', `"${subscriber.slug}" cannot subscribe to plans.`);
  const result = await core.transact(async (tx) => {
    const now = core.now();
    await lockSubscriber(tx, subscriber.id);
    const open = await openSubscription(tx, subscriber.id, plan.id, now);
    if (open) {
      // Granting what the subscriber asked for is accepting its request.
      if (open.request_key) await tx.updateTable('subscriptions').set({ request_key: null, updated_at: now }).where('id', '=', open.id).execute();
      return { id: open.id, created: false };
    }
    const row = await tx.insertInto('subscriptions').values({
      organization_id: subscriber.id,
      plan_id: plan.id,
      created_at: now,
      ends_at: addPlanPeriods(now, plan, 1),
      // Renewing charges the subscriber's card: a grant nobody on their side accepted never
      // renews by itself (their managers may turn renewal on).
      auto_renew: plan.renewal_type === 'auto-renew' && !plan.skip_optin_on_grant,
      grant_key: plan.skip_optin_on_grant ? null : newKey(),
      description: input.message?.trim() || null,
      updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    if (row.grant_key) await mailGrant(core, tx, plan, subscriber, row);
    return { id: row.id, created: true };
  });
  return { view: await viewOf(core, caller, await subscriptionById(core.db, result.id), access), created: result.created };
}

/** The provider changes a subscription: its ends_at, later or earlier, its renewal, description, extra. */
export async function updatePlanSubscription(
  core: Core, caller: Caller, providerRef: Ref, planRef: Ref, subscriberRef: Ref, changes: SubscriptionChanges,
): Promise<SubscriptionView> {
  const { provider, access } = await providerAccess(core, caller, providerRef, 'organization.sales.manage');
  const id = await core.transact(async (tx) => {
    const { plan, subscriber } = await planSubscription(core, provider, planRef, subscriberRef);
    await lockSubscriber(tx, subscriber.id);
    const row = (await latestSubscription(tx, subscriber.id, plan.id, true))!;
    const values: Partial<Record<keyof SubscriptionRow, unknown>> = {};
    if (changes.ends_at !== undefined) {
      if (changes.ends_at < new Date(row.created_at)) {
        throw new Invalid('ends_at', `Must be on or after the subscription's start (${new Date(row.created_at).toISOString()}).`);
      }
      values.ends_at = changes.ends_at;
      // An end moved earlier would bring the next renewal's charge forward over time already
      // paid for: the subscription then ends there instead of renewing.
      if (changes.ends_at < new Date(row.ends_at)) values.auto_renew = false;
    }
    if (changes.auto_renew !== undefined) {
      // Renewal charges the subscriber's card: only their own managers turn it on.
      if (changes.auto_renew && plan.renewal_type !== 'auto-renew') {
        throw new Invalid('auto_renew', `"${plan.slug}" does not renew automatically (${plan.renewal_type}).`);
      }
      if (changes.auto_renew && !row.auto_renew) {
        throw new Invalid('auto_renew', 'Only the subscriber\'s managers may turn renewal on: it charges their card.');
      }
      if (values.auto_renew === undefined) values.auto_renew = changes.auto_renew;
    }
    if (changes.description !== undefined) values.description = changes.description?.trim() || null;
    if (changes.extra !== undefined) values.extra = changes.extra;
    if (Object.keys(values).length) {
      await tx.updateTable('subscriptions').set({ ...values, updated_at: core.now() } as never).where('id', '=', row.id).execute();
    }
    return row.id;
  });
  return viewOf(core, caller, await subscriptionById(core.db, id), access);
}

/** The provider ends a subscription now (and its renewals). */
export async function endPlanSubscription(core: Core, caller: Caller, providerRef: Ref, planRef: Ref, subscriberRef: Ref): Promise<void> {
  const { provider } = await providerAccess(core, caller, providerRef, 'organization.sales.manage');
  await core.transact(async (tx) => {
    const { plan, subscriber } = await planSubscription(core, provider, planRef, subscriberRef);
    await lockSubscriber(tx, subscriber.id);
    await endNow(tx, (await latestSubscription(tx, subscriber.id, plan.id, true))!, core.now());
  });
}

/** The provider accepts a subscriber's request (a checkout on an `optin_on_request` plan), by its key. */
export async function acceptRequest(core: Core, caller: Caller, providerRef: Ref, requestKey: string): Promise<SubscriptionView> {
  const { provider, access } = await providerAccess(core, caller, providerRef, 'organization.sales.manage');
  const id = await core.transact(async (tx) => {
    const row = await tx.selectFrom('subscriptions').innerJoin('plans', 'plans.id', 'subscriptions.plan_id')
      .select(['subscriptions.id', 'subscriptions.ends_at'])
      .where('subscriptions.request_key', '=', requestKey).where('plans.organization_id', '=', provider.id)
      .forUpdate().executeTakeFirst();
    if (!row) throw new NotFound('subscription', 'No subscription request matches this key.');
    if (new Date(row.ends_at) <= core.now()) throw new BadRequest('This request has ended.', 'subscription.ended');
    await tx.updateTable('subscriptions').set({ request_key: null, updated_at: core.now() }).where('id', '=', row.id).execute();
    return row.id;
  });
  return viewOf(core, caller, await subscriptionById(core.db, id), access);
}

// ------------------------------------------------------------------ subscribers

/** A subscriber of a provider, with the end of its last subscription to the provider's plans. */
export type Subscriber = Organization & { ends_at: Date };

export const SUBSCRIBER_LIST: ListSpec = {
  orderable: {
    slug: 'organizations.slug', full_name: 'organizations.full_name', email: 'organizations.email',
    created_at: 'organizations.created_at', ends_at: sql.ref('last.ends_at'),
  },
  searchable: [
    'organizations.slug', 'organizations.full_name', 'organizations.email', 'organizations.phone',
    'organizations.street_address', 'organizations.locality', 'organizations.region', 'organizations.postal_code', 'organizations.country',
  ],
  dateColumn: 'organizations.created_at',
  defaultOrder: ['slug'],
  tieBreaker: 'organizations.id',
};

/**
 * Organizations that have or had a subscription to the provider's plans. `state` keeps
 * those with an active subscription (active), one waiting for consent (pending), or none
 * active any more (churned; expired reads the same here).
 */
export async function listSubscribers(core: Core, caller: Caller, providerRef: Ref, list: ListQuery, state?: SubscriptionState): Promise<Page<Subscriber>> {
  const { provider } = await providerAccess(core, caller, providerRef, 'organization.sales.read');
  const now = core.now();
  const last = core.db.selectFrom('subscriptions').innerJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .select(['subscriptions.organization_id', sql<Date>`max(subscriptions.ends_at)`.as('ends_at')])
    .where('plans.organization_id', '=', provider.id)
    .$if(state !== undefined, (qb) => qb.where(stateCondition(state === 'churned' || state === 'expired' ? 'churned' : state!, now)))
    .groupBy('subscriptions.organization_id');
  const query = core.db.selectFrom('organizations')
    .innerJoin(last.as('last'), 'last.organization_id', 'organizations.id')
    .selectAll('organizations')
    .select([
      sql<string | null>`(select p.slug from organizations p where p.id = organizations.partner_id)`.as('partner_slug'),
      'last.ends_at',
    ]);
  return paginate(query, list, SUBSCRIBER_LIST);
}
