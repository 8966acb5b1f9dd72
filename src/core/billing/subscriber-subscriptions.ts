// Subscriptions seen from the subscriber's side: it lists, reads, changes and cancels its
// own, subscribes to a free plan, accepts a provider's grant; its profile shows its active
// subscriptions. What both sides share is in subscriptions.ts.
import type { Caller, Core } from '../context.js';
import { BadRequest, Invalid, NotFound } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization, getProfile, updateProfile, type Organization, type ProfileChanges } from '../organizations/profiles.js';
import { paginate, type ListQuery, type Page } from '../pagination.js';
import type { Ref } from '../refs.js';
import { findPlan, type Plan } from './plans.js';
import {
  SUBSCRIPTION_LIST, endNow, latestSubscription, lockSubscriber, openSubscription, selectSubscriptions, stateCondition,
  subscribeOrExtend, subscriptionById, viewOf, viewsOf, type SubscriptionRow, type SubscriptionState, type SubscriptionView,
} from './subscriptions.js';

export async function listSubscriptions(
  core: Core, caller: Caller, subscriberRef: Ref, list: ListQuery, state?: SubscriptionState,
): Promise<Page<SubscriptionView>> {
  const subscriber = await findOrganization(core.db, subscriberRef);
  await authorizeOrganization(core, caller, 'organization.billing.read', subscriber);
  let query = selectSubscriptions(core.db).where('subscriptions.organization_id', '=', subscriber.id);
  if (state) query = query.where(stateCondition(state, core.now()));
  const page = await paginate(query, list, SUBSCRIPTION_LIST);
  return { count: page.count, results: await viewsOf(core, caller, page.results) };
}

/** The subscriber's subscription to a plan named in a path; any provider's plan. */
async function subscriberSubscription(core: Core, subscriber: Organization, planRef: Ref, forUpdate = false): Promise<{ plan: Plan; row: SubscriptionRow }> {
  const plan = await findPlan(core, planRef).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound('subscription', `"${subscriber.slug}" has no subscription to this plan.`) : error;
  });
  const row = await latestSubscription(core.db, subscriber.id, plan.id, forUpdate);
  if (!row) throw new NotFound('subscription', `"${subscriber.slug}" has no subscription to "${plan.slug}".`);
  return { plan, row };
}

export async function getSubscription(core: Core, caller: Caller, subscriberRef: Ref, planRef: Ref): Promise<SubscriptionView> {
  const subscriber = await findOrganization(core.db, subscriberRef);
  await authorizeOrganization(core, caller, 'organization.billing.read', subscriber);
  const { row } = await subscriberSubscription(core, subscriber, planRef);
  return viewOf(core, caller, row);
}

export interface SubscriptionChanges {
  ends_at?: Date;
  description?: string | null;
  auto_renew?: boolean;
  extra?: string | null;
}

/**
 * The subscriber's own changes: unsubscribing at a future date (an ends_at between now and
 * the end already paid for, which also stops renewals), turning renewal on or off on an
 * auto-renewing plan, its description and extra. Extending is the provider's or a checkout's.
 */
export async function updateSubscription(core: Core, caller: Caller, subscriberRef: Ref, planRef: Ref, changes: SubscriptionChanges): Promise<SubscriptionView> {
  const subscriber = await findOrganization(core.db, subscriberRef);
  await authorizeOrganization(core, caller, 'organization.billing.manage', subscriber);
  const id = await core.transact(async (tx) => {
    await lockSubscriber(tx, subscriber.id);
    const { plan, row } = await subscriberSubscription(core, subscriber, planRef, true);
    const now = core.now();
    const values: Partial<Record<keyof SubscriptionRow, unknown>> = {};
    if (changes.ends_at !== undefined && changes.ends_at.getTime() !== new Date(row.ends_at).getTime()) {
      if (changes.ends_at > new Date(row.ends_at)) {
        throw new Invalid('ends_at', `Only the provider may extend a subscription: choose a date before ${new Date(row.ends_at).toISOString()}, or check out more periods.`, 'subscription.extend_refused');
      }
      if (changes.ends_at < now) throw new Invalid('ends_at', 'Choose a date in the future, or unsubscribe now (DELETE).');
      values.ends_at = changes.ends_at;
      values.auto_renew = false;
    }
    if (changes.auto_renew !== undefined && values.auto_renew === undefined) {
      if (changes.auto_renew && plan.renewal_type !== 'auto-renew') {
        throw new Invalid('auto_renew', `"${plan.slug}" does not renew automatically (${plan.renewal_type}).`);
      }
      if (changes.auto_renew && new Date(row.ends_at) <= now) throw new Invalid('auto_renew', 'This subscription has ended.');
      values.auto_renew = changes.auto_renew;
    }
    if (changes.description !== undefined) values.description = changes.description?.trim() || null;
    if (changes.extra !== undefined) values.extra = changes.extra;
    if (Object.keys(values).length) {
      await tx.updateTable('subscriptions').set({ ...values, updated_at: now } as never).where('id', '=', row.id).execute();
    }
    return row.id;
  });
  return viewOf(core, caller, await subscriptionById(core.db, id));
}

/**
 * The subscriber subscribes itself to a plan without a checkout (DjaoApp's other listing):
 * only where nothing is to be paid on the site. A free plan starts at once (or waits for
 * the provider when it asks to accept requests); a plan priced on request always waits for
 * the provider, who agrees the price. A priced plan is bought through the cart and checkout.
 * An open subscription to the plan is answered as it is.
 */
export async function subscribe(core: Core, caller: Caller, subscriberRef: Ref, planRef: Ref): Promise<{ view: SubscriptionView; created: boolean }> {
  const subscriber = await findOrganization(core.db, subscriberRef);
  await authorizeOrganization(core, caller, 'organization.billing.manage', subscriber);
  const plan = await findPlan(core, planRef).catch((error: unknown) => {
    throw error instanceof NotFound ? new Invalid('plan', 'No plan with this slug.') : error;
  });
  if (!plan.is_active) throw new Invalid('plan', `"${plan.slug}" is not open to subscriptions.`, 'plan.inactive');
  const free = Number(plan.period_amount) === 0 && Number(plan.setup_amount) === 0;
  if (!free && !plan.is_not_priced) {
    throw new Invalid('plan', `"${plan.slug}" is paid for: add it to the cart (POST /api/cart/) and check out.`, 'plan.priced');
  }
  const result = await core.transact(async (tx) => {
    await lockSubscriber(tx, subscriber.id);
    const open = await openSubscription(tx, subscriber.id, plan.id, core.now());
    if (open) return { id: open.id, created: false };
    const { subscription } = await subscribeOrExtend(core, { subscriberId: subscriber.id, plan, periods: 1, request: plan.is_not_priced });
    return { id: subscription.id, created: true };
  });
  return { view: await viewOf(core, caller, await subscriptionById(core.db, result.id)), created: result.created };
}

/** The subscriber unsubscribes now: ends_at becomes now and renewals stop. Declines a pending grant too. */
export async function cancelSubscription(core: Core, caller: Caller, subscriberRef: Ref, planRef: Ref): Promise<void> {
  const subscriber = await findOrganization(core.db, subscriberRef);
  await authorizeOrganization(core, caller, 'organization.billing.manage', subscriber);
  await core.transact(async (tx) => {
    await lockSubscriber(tx, subscriber.id);
    const { row } = await subscriberSubscription(core, subscriber, planRef, true);
    await endNow(tx, row, core.now());
  });
}

/** The subscriber opts in to a provider's grant, by its key. */
export async function acceptGrant(core: Core, caller: Caller, subscriberRef: Ref, grantKey: string): Promise<SubscriptionView> {
  const subscriber = await findOrganization(core.db, subscriberRef);
  await authorizeOrganization(core, caller, 'organization.billing.manage', subscriber);
  const id = await core.transact(async (tx) => {
    const row = await tx.selectFrom('subscriptions').select(['id', 'ends_at']).where('grant_key', '=', grantKey)
      .where('organization_id', '=', subscriber.id).forUpdate().executeTakeFirst();
    if (!row) throw new NotFound('subscription', 'No subscription grant matches this key.', 'subscription.not_found');
    if (new Date(row.ends_at) <= core.now()) throw new BadRequest('This grant has ended; ask the provider for another.', 'subscription.ended');
    await tx.updateTable('subscriptions').set({ grant_key: null, updated_at: core.now() }).where('id', '=', row.id).execute();
    return row.id;
  });
  return viewOf(core, caller, await subscriptionById(core.db, id));
}
// ------------------------------------------------------------------ profiles with subscriptions

/** What a profile shows of each subscription: the active ones. */
export interface SubscriptionSummary {
  created_at: Date;
  ends_at: Date;
  plan: string;
  auto_renew: boolean;
}

export type OrganizationDetail = Organization & { subscriptions: SubscriptionSummary[] };

async function activeSummaries(core: Core, organization: Organization): Promise<OrganizationDetail> {
  const rows = await core.db.selectFrom('subscriptions').innerJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .select(['subscriptions.created_at', 'subscriptions.ends_at', 'plans.slug as plan', 'subscriptions.auto_renew'])
    .where('subscriptions.organization_id', '=', organization.id)
    .where(stateCondition('active', core.now()))
    .orderBy('subscriptions.created_at').orderBy('subscriptions.id').execute();
  return { ...organization, subscriptions: rows };
}

/** `GET /profile/{organization}/`: the profile with its active subscriptions. */
export async function getProfileDetail(core: Core, caller: Caller, ref: Ref): Promise<OrganizationDetail> {
  return activeSummaries(core, await getProfile(core, caller, ref));
}

/** `PUT|PATCH /profile/{organization}/`: the profile changed, with its active subscriptions. */
export async function updateProfileDetail(core: Core, caller: Caller, ref: Ref, changes: ProfileChanges): Promise<OrganizationDetail> {
  return activeSummaries(core, await updateProfile(core, caller, ref, changes));
}
