// Subscriptions: a subscriber organization on a provider's plan from created_at to ends_at.
// One is *valid* once nobody's consent is pending (no grant_key, no request_key) and
// *active* while valid and created_at <= now < ends_at (billing-reference.md §3).
// Seen from both sides: the subscriber lists, reads and cancels its own; the provider
// grants, accepts requests, extends and ends them. A provider's grant books nothing in
// the ledger; orders and payments are the checkout's.
// This module holds what both sides share (states, views, the order's effect); the sides
// are subscriber-subscriptions.ts and provider-subscriptions.ts.
import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { SubscriptionsTable } from '../../db/schema.js';
import { DomainError } from '../errors.js';
import { authorizeOrganization, type OrganizationAccess } from '../access/policy.js';
import { organizationsByIds, type Organization } from '../organizations/profiles.js';
import { randomToken } from '../identity/secrets.js';
import { printableName } from '../identity/users.js';
import type { ListSpec } from '../pagination.js';
import { addPlanPeriods } from './periods.js';
import { plansByIds, type Plan } from './plans.js';

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
export function stateCondition(state: SubscriptionState, now: Date): Expression<SqlBool> {
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

export function selectSubscriptions(db: Db) {
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
export async function viewsOf(core: Core, caller: Caller, rows: SubscriptionRow[], providerAccess?: OrganizationAccess): Promise<SubscriptionView[]> {
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

export async function viewOf(core: Core, caller: Caller, row: SubscriptionRow, providerAccess?: OrganizationAccess): Promise<SubscriptionView> {
  return (await viewsOf(core, caller, [row], providerAccess))[0]!;
}

/**
 * The subscription of `subscriberId` to `planId` that a path names: the one ending last
 * (the current one, or else the most recent). Null when there never was one.
 */
export async function latestSubscription(db: Db, subscriberId: number, planId: number, forUpdate = false): Promise<SubscriptionRow | null> {
  let query = db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', subscriberId).where('plan_id', '=', planId)
    .orderBy('ends_at', 'desc').orderBy('id', 'desc').limit(1);
  if (forUpdate) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

/** Subscriptions of `subscriberId` to `planId` not ended at `now` (active or pending), latest end first. */
export async function openSubscription(db: Db, subscriberId: number, planId: number, now: Date): Promise<SubscriptionRow | null> {
  const row = await db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', subscriberId).where('plan_id', '=', planId)
    .where('ends_at', '>', now).where('created_at', '<=', now)
    .orderBy('ends_at', 'desc').orderBy('id', 'desc').limit(1).forUpdate().executeTakeFirst();
  return row ?? null;
}

/** Serializes the subscription changes of one subscriber: two checkouts or grants cannot both create. */
export async function lockSubscriber(tx: Db, subscriberId: number): Promise<void> {
  await tx.selectFrom('organizations').select('id').where('id', '=', subscriberId).forUpdate().execute();
}

export function newKey(): string {
  return randomToken(20);
}

/** The accepted managers of an organization with an e-mail address: who is told of grants, requests and renewals. */
export async function managersOf(tx: Db, organizationId: number) {
  return tx.selectFrom('roles')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .select(['users.email', 'users.full_name', 'users.slug'])
    .where('roles.organization_id', '=', organizationId)
    .where('role_descriptions.slug', '=', 'manager').where('role_descriptions.organization_id', 'is', null)
    .where('roles.grant_key_hash', 'is', null).where('roles.request_key', 'is', null)
    .where('users.email', 'is not', null).where('users.deleted_at', 'is', null)
    .orderBy('users.id').execute();
}

/** Tells the subscriber's managers of a provider's grant waiting for their opt-in (in the unit: sent if it commits). */
export async function mailGrant(core: Core, tx: Db, plan: Plan, subscriber: Organization, row: SubscriptionRow): Promise<void> {
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

/** Ends a subscription now (and its renewals). Already ended: nothing changes. */
export async function endNow(tx: Db, row: SubscriptionRow, now: Date): Promise<void> {
  if (new Date(row.ends_at) <= now && !row.auto_renew) return;
  const endsAt = new Date(row.ends_at) <= now ? new Date(row.ends_at) : new Date(Math.max(now.getTime(), new Date(row.created_at).getTime()));
  await tx.updateTable('subscriptions').set({ ends_at: endsAt, auto_renew: false, updated_at: now }).where('id', '=', row.id).execute();
}

export async function subscriptionById(db: Db, id: number): Promise<SubscriptionRow> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
