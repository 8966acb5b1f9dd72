// Subscriptions: a subscriber organization on a provider's plan from created_at to ends_at.
// One is *valid* once nobody's consent is pending (no grant_key, no request_key) and
// *active* while valid and created_at <= now < ends_at (billing-reference.md §3).
// Seen from both sides: the subscriber lists, reads and cancels its own; the provider
// grants, accepts requests, extends and ends them. A provider's grant books nothing in
// the ledger; orders and payments are the checkout's.
import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { SubscriptionsTable } from '../../db/schema.js';
import { BadRequest, DomainError, Invalid, NotFound } from '../errors.js';
import { authorizeOrganization, type OrganizationAccess } from '../access/policy.js';
import { findOrganization, getProfile, updateProfile, organizationsByIds, type Organization, type ProfileChanges } from '../organizations/profiles.js';
import { randomToken } from '../identity/secrets.js';
import { printableName } from '../identity/users.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import type { Ref } from '../refs.js';
import { addPlanPeriods } from './periods.js';
import { findPlan, plansByIds, providerPlan, type Plan } from './plans.js';

export type SubscriptionRow = Selectable<SubscriptionsTable>;

/** A subscription with its plan and subscriber, as every answer shows it. */
export interface SubscriptionView {
  subscription: SubscriptionRow;
  plan: Plan;
  subscriber: Organization;
  /** The caller may change it as the provider (DjaoApp's `editable`). */
  editable: boolean;
}

/** Which subscriptions a list shows, as of now. */
export type SubscriptionState = 'active' | 'pending' | 'expired' | 'churned';
export const SUBSCRIPTION_STATES: readonly SubscriptionState[] = ['active', 'pending', 'expired', 'churned'];

const VALID = sql<SqlBool>`subscriptions.grant_key is null and subscriptions.request_key is null`;

/**
 * The condition for `state` on rows of `subscriptions`:
 * - active: valid, started and not ended;
 * - pending: waiting for the subscriber's opt-in (grant) or the provider's acceptance (request);
 * - expired: ended (ends_at <= now);
 * - churned: ended, and the subscriber has no active subscription left with that provider.
 */
function stateCondition(state: SubscriptionState, now: Date): Expression<SqlBool> {
  switch (state) {
    case 'active': return sql<SqlBool>`(${VALID} and subscriptions.created_at <= ${now} and subscriptions.ends_at > ${now})`;
    case 'pending': return sql<SqlBool>`((subscriptions.grant_key is not null or subscriptions.request_key is not null) and subscriptions.ends_at > ${now})`;
    case 'expired': return sql<SqlBool>`subscriptions.ends_at <= ${now}`;
    case 'churned': return sql<SqlBool>`(subscriptions.ends_at <= ${now} and not exists (
      select 1 from subscriptions s2 join plans p2 on p2.id = s2.plan_id
      where s2.organization_id = subscriptions.organization_id
        and p2.organization_id = (select p.organization_id from plans p where p.id = subscriptions.plan_id)
        and s2.grant_key is null and s2.request_key is null
        and s2.created_at <= ${now} and s2.ends_at > ${now}))`;
  }
}

export const SUBSCRIPTION_LIST: ListSpec = {
  orderable: {
    created_at: 'subscriptions.created_at',
    ends_at: 'subscriptions.ends_at',
    plan: 'plans.slug',
    organization: 'subscriber.slug',
  },
  searchable: [
    'subscriber.slug', 'subscriber.full_name', 'subscriber.email', 'plans.slug', 'plans.title', 'subscriptions.description',
  ],
  dateColumn: 'subscriptions.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'subscriptions.id',
};

function selectSubscriptions(db: Db) {
  return db.selectFrom('subscriptions')
    .innerJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .innerJoin('organizations as subscriber', 'subscriber.id', 'subscriptions.organization_id')
    .selectAll('subscriptions');
}

/** May the caller manage the sales of `provider`? (A question, not a refusal.) */
async function managesSales(core: Core, caller: Caller, provider: { id: number; slug: string }): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  try {
    return (await authorizeOrganization(core, caller, 'organization.sales.read', provider)).may('organization.sales.manage');
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

/**
 * Presents rows with their plans and subscribers (two queries a page). `editable` is the
 * provider side's; when the caller's access to the one provider is known it is passed.
 */
async function viewsOf(core: Core, caller: Caller, rows: SubscriptionRow[], providerAccess?: OrganizationAccess): Promise<SubscriptionView[]> {
  const plans = await plansByIds(core.db, rows.map((r) => r.plan_id));
  const subscribers = await organizationsByIds(core.db, rows.map((r) => r.organization_id));
  const editableByProvider = new Map<number, boolean>();
  for (const plan of plans.values()) {
    if (editableByProvider.has(plan.organization_id)) continue;
    editableByProvider.set(plan.organization_id, providerAccess
      ? providerAccess.may('organization.sales.manage')
      : await managesSales(core, caller, { id: plan.organization_id, slug: plan.provider_slug }));
  }
  return rows.map((subscription) => {
    const plan = plans.get(subscription.plan_id)!;
    return { subscription, plan, subscriber: subscribers.get(subscription.organization_id)!, editable: editableByProvider.get(plan.organization_id)! };
  });
}

async function viewOf(core: Core, caller: Caller, row: SubscriptionRow, providerAccess?: OrganizationAccess): Promise<SubscriptionView> {
  return (await viewsOf(core, caller, [row], providerAccess))[0]!;
}

/**
 * The subscription of `subscriberId` to `planId` that a path names: the one ending last
 * (the current one, or else the most recent). Null when there never was one.
 */
async function latestSubscription(db: Db, subscriberId: number, planId: number, forUpdate = false): Promise<SubscriptionRow | null> {
  let query = db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', subscriberId).where('plan_id', '=', planId)
    .orderBy('ends_at', 'desc').orderBy('id', 'desc').limit(1);
  if (forUpdate) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

/** Subscriptions of `subscriberId` to `planId` not ended at `now` (active or pending), latest end first. */
async function openSubscription(db: Db, subscriberId: number, planId: number, now: Date): Promise<SubscriptionRow | null> {
  const row = await db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', subscriberId).where('plan_id', '=', planId)
    .where('ends_at', '>', now).where('created_at', '<=', now)
    .orderBy('ends_at', 'desc').orderBy('id', 'desc').limit(1).forUpdate().executeTakeFirst();
  return row ?? null;
}

/** Serializes the subscription changes of one subscriber: two checkouts or grants cannot both create. */
async function lockSubscriber(tx: Db, subscriberId: number): Promise<void> {
  await tx.selectFrom('organizations').select('id').where('id', '=', subscriberId).forUpdate().execute();
}

function newKey(): string {
  return randomToken(20);
}

/** The accepted managers of an organization with an e-mail address: who is told of grants and requests. */
async function managersOf(tx: Db, organizationId: number) {
  return tx.selectFrom('roles')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .select(['users.email', 'users.full_name', 'users.slug'])
    .where('roles.organization_id', '=', organizationId)
    .where('role_descriptions.slug', '=', 'manager').where('role_descriptions.organization_id', 'is', null)
    .where('roles.grant_key_hash', 'is', null).where('roles.request_key', 'is', null)
    .where('users.email', 'is not', null).where('users.deleted_at', 'is', null)
    .execute();
}

/** Tells the subscriber's managers of a provider's grant waiting for their opt-in (in the unit: sent if it commits). */
async function mailGrant(core: Core, tx: Db, plan: Plan, subscriber: Organization, row: SubscriptionRow): Promise<void> {
  for (const manager of await managersOf(tx, subscriber.id)) {
    await core.mailer.enqueue(tx, {
      to: manager.email!,
      template: 'subscription_grant',
      context: {
        full_name: printableName(manager),
        provider: printableName({ full_name: plan.provider_full_name, slug: plan.provider_slug }),
        organization: printableName(subscriber),
        plan: plan.title,
        ends_at: new Date(row.ends_at).toISOString().slice(0, 10),
        message: row.description ? `\nTheir message:\n\n${row.description}\n` : '',
        link: core.links.subscriptionGrant(subscriber.slug, row.grant_key!),
        site: core.config.brokerName,
      },
    });
  }
}

/** Tells the provider's managers of a subscription waiting for their acceptance. */
async function mailRequest(core: Core, tx: Db, plan: Plan, row: SubscriptionRow): Promise<void> {
  const subscriber = await tx.selectFrom('organizations').select(['slug', 'full_name']).where('id', '=', row.organization_id).executeTakeFirstOrThrow();
  for (const manager of await managersOf(tx, plan.organization_id)) {
    await core.mailer.enqueue(tx, {
      to: manager.email!,
      template: 'subscription_request',
      context: {
        full_name: printableName(manager),
        provider: printableName({ full_name: plan.provider_full_name, slug: plan.provider_slug }),
        organization: printableName(subscriber),
        plan: plan.title,
        link: core.links.subscriptionRequest(plan.provider_slug, row.request_key!),
        site: core.config.brokerName,
      },
    });
  }
}

export interface SubscribeOrExtend {
  subscriberId: number;
  plan: Plan;
  /** How many whole periods of the plan (each `period_length` x `period_type`); 1 or more. */
  periods: number;
  /** A new subscription waits for the provider even if the plan does not ask (a plan priced on request). */
  request?: boolean;
}

export interface SubscribedPeriod {
  subscription: SubscriptionRow;
  /** Where the periods paid for begin: the old ends_at when extended, now when created. */
  startsAt: Date;
  endsAt: Date;
}

/**
 * What an order does to subscriptions, inside the caller's unit of work (checkout): extends
 * the subscriber's open subscription to the plan from its ends_at, or creates one from now.
 * A new one on a plan with `optin_on_request` waits for the provider (request_key); paying
 * for a provider's pending grant is the subscriber's opt-in, so it clears grant_key.
 */
export async function subscribeOrExtend(core: Core, input: SubscribeOrExtend): Promise<SubscribedPeriod> {
  const { subscriberId, plan, periods } = input;
  if (!Number.isSafeInteger(periods) || periods < 1) throw new RangeError(`subscribeOrExtend: ${periods} periods`);
  return core.transact(async (tx) => {
    const now = core.now();
    await lockSubscriber(tx, subscriberId);
    const open = await openSubscription(tx, subscriberId, plan.id, now);
    if (open) {
      const startsAt = new Date(open.ends_at);
      const endsAt = addPlanPeriods(startsAt, plan, periods);
      const subscription = await tx.updateTable('subscriptions')
        .set({ ends_at: endsAt, grant_key: null, updated_at: now })
        .where('id', '=', open.id).returningAll().executeTakeFirstOrThrow();
      return { subscription, startsAt, endsAt };
    }
    const endsAt = addPlanPeriods(now, plan, periods);
    const subscription = await tx.insertInto('subscriptions').values({
      organization_id: subscriberId,
      plan_id: plan.id,
      created_at: now,
      ends_at: endsAt,
      auto_renew: plan.renewal_type === 'auto-renew',
      request_key: plan.optin_on_request || input.request ? newKey() : null,
      updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    if (subscription.request_key) await mailRequest(core, tx, plan, subscription);
    return { subscription, startsAt: now, endsAt };
  });
}

// ------------------------------------------------------------------ the subscriber's side

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

/** Ends a subscription now (and its renewals). Already ended: nothing changes. */
async function endNow(tx: Db, row: SubscriptionRow, now: Date): Promise<void> {
  if (new Date(row.ends_at) <= now && !row.auto_renew) return;
  const endsAt = new Date(row.ends_at) <= now ? new Date(row.ends_at) : new Date(Math.max(now.getTime(), new Date(row.created_at).getTime()));
  await tx.updateTable('subscriptions').set({ ends_at: endsAt, auto_renew: false, updated_at: now }).where('id', '=', row.id).execute();
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

// ------------------------------------------------------------------ the provider's side

async function subscriptionById(db: Db, id: number): Promise<SubscriptionRow> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

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
      auto_renew: plan.renewal_type === 'auto-renew',
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
    }
    if (changes.auto_renew !== undefined) {
      if (changes.auto_renew && plan.renewal_type !== 'auto-renew') {
        throw new Invalid('auto_renew', `"${plan.slug}" does not renew automatically (${plan.renewal_type}).`);
      }
      values.auto_renew = changes.auto_renew;
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
