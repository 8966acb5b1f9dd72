// Checkout: what the caller's cart costs when an organization pays for it (with the
// organization's balances due), and placing the order. Placing it books, in one unit of
// work, each order line (P:Receivable -> payer:Payable, event `sub_<id>/`), the
// subscriptions it buys (created, or extended from their end), the cart as recorded and
// the charge for everything owed; the card is charged after that unit commits, never
// inside it. A declined card leaves the order booked: a balance due, collected later
// (seed 004: "If the charge fails a balance is due"). How each event books:
// docs/billing.md, "Checkout".
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { ChargesTable, CouponsTable, SubscriptionsTable } from '../../db/schema.js';
import type { Selectable } from 'kysely';
import { BadRequest, Conflict, DomainError, Invalid } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization, requireUser, type Organization } from '../organizations/profiles.js';
import type { Ref } from '../refs.js';
import { book, move } from './ledger.js';
import { priceOptions, type PriceOption } from './pricing.js';
import { subscribeOrExtend } from './subscriptions.js';
import { selectPlans, type Plan } from './plans.js';
import { createCharge, executeCharge } from './charges.js';
import { couponAppliesTo } from './coupons.js';
import { CLAIM_PREFIX, releaseClaims } from './claims.js';
import { assertCheckoutTermsSigned } from '../legal/agreements.js';

type SubscriptionRow = Selectable<SubscriptionsTable>;
type CouponRow = Selectable<CouponsTable>;
export type ChargeRow = Selectable<ChargesTable>;

/** A plan with its provider, as checkout lines name them. */
export type CheckoutPlan = Plan;

/** The subscription a group of lines and options pays for: a saved one, or the one the order will create. */
export interface CheckoutSubscription {
  /** Null until the order creates it. */
  id: number | null;
  /** The subscriber; a group buy for someone without an organization here has none yet. */
  subscriber: Organization | null;
  /** Who the subscriber is when it has no organization yet (group buy): from the cart item. */
  beneficiary: { fullName: string | null; email: string | null; syncOn: string } | null;
  plan: CheckoutPlan;
  createdAt: Date | null;
  endsAt: Date;
  autoRenew: boolean;
  description: string | null;
  extra: string | null;
  grantKey: string | null;
  requestKey: string | null;
}

/** A line to pay (or an option that could replace the lines): an order row, booked or to book. */
export interface OrderLine {
  createdAt: Date;
  description: string;
  amount: number;
  unit: string;
  provider: { id: number; slug: string };
  payer: { id: number; slug: string };
  /** Elementary periods (months...) the line buys; 0 for a balance due. */
  periods: number;
  /** Whole periods of the plan the line buys; 0 for a balance due. */
  planPeriods: number;
  /** Order rows already booked that this line pays (a balance due); empty for a new order. */
  invoicedIds: number[];
}

export interface Invoicable {
  subscription: CheckoutSubscription;
  lines: OrderLine[];
  options: OrderLine[];
  /** The cart item it comes from; null for a balance due. */
  cartItemId: number | null;
  coupon: CouponRow | null;
}

export interface CheckoutAddress {
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

export interface CheckoutInput extends CheckoutAddress {
  /** One per result of the pricing, in its order: the option chosen (1-based). */
  items?: { option?: number }[];
  remember_card?: boolean;
  processor_token?: string;
}

/** What placing an order ends in. */
export type CheckoutOutcome =
  | { kind: 'nothing' }
  | { kind: 'free'; subscriptions: number[] }
  | { kind: 'charged'; charge: ChargeRow };

function selectPlan(core: Core) {
  return selectPlans(core.db);
}

const SUBSCRIPTION_EVENT = /^sub_(\d+)\/$/;

/** The subscription (valid, or waiting for an opt-in) of `subscriberId` to `planId` that has not ended at `now`. */
async function currentSubscription(core: Core, subscriberId: number, planId: number, now: Date): Promise<SubscriptionRow | undefined> {
  return core.db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', subscriberId).where('plan_id', '=', planId).where('ends_at', '>', now)
    .orderBy('ends_at', 'desc').limit(1).executeTakeFirst();
}

/**
 * The order rows of `payerId` not yet paid, per event (`sub_<id>/`): what was ordered
 * into its Payable, less the payments (P:Backlog -> P:Receivable) and write-offs
 * (Receivable -> Canceled) of that event, less what charges still in flight cover.
 */
async function unpaidOrders(core: Core, payerId: number): Promise<{ eventId: string; due: number; unit: string; rowIds: number[]; providerId: number }[]> {
  const { rows } = await sql<{ event_id: string; unit: string; due: string | number; row_ids: (string | number)[]; provider_id: string | number }>`
    with orders as (
      select id, event_id, dest_unit as unit, dest_amount as amount, orig_organization_id as provider_id
        from ledger_transactions
       where dest_organization_id = ${payerId} and dest_account = 'Payable' and orig_account = 'Receivable'
         and event_id is not null
    ), settled as (
      select event_id, sum(orig_amount) as amount from ledger_transactions
       where event_id in (select event_id from orders)
         and ((orig_account = 'Backlog' and dest_account = 'Receivable') or (orig_account = 'Receivable' and dest_account = 'Canceled'))
       group by event_id
    ), in_flight as (
      select t.event_id, sum(t.dest_amount) as amount
        from charge_items i join charges c on c.id = i.charge_id join ledger_transactions t on t.id = i.invoiced_id
       where c.state = 'created' and c.organization_id = ${payerId}
       group by t.event_id
    )
    select o.event_id, min(o.unit) as unit, min(o.provider_id) as provider_id,
           sum(o.amount) - coalesce(min(s.amount), 0) - coalesce(min(f.amount), 0) as due,
           array_agg(o.id order by o.id) as row_ids
      from orders o left join settled s on s.event_id = o.event_id left join in_flight f on f.event_id = o.event_id
     group by o.event_id
    having sum(o.amount) - coalesce(min(s.amount), 0) - coalesce(min(f.amount), 0) > 0
     order by min(o.id)`.execute(core.db);
  return rows.map((row) => ({
    eventId: row.event_id, unit: row.unit, due: Number(row.due), providerId: Number(row.provider_id), rowIds: row.row_ids.map(Number),
  }));
}

function subscriptionOf(row: SubscriptionRow, subscriber: Organization, plan: CheckoutPlan): CheckoutSubscription {
  return {
    id: row.id, subscriber, beneficiary: null, plan, createdAt: row.created_at, endsAt: row.ends_at, autoRenew: row.auto_renew,
    description: row.description, extra: row.extra, grantKey: row.grant_key, requestKey: row.request_key,
  };
}

function lineOf(option: PriceOption, plan: CheckoutPlan, payer: Organization, now: Date): OrderLine {
  return {
    createdAt: now, description: option.description, amount: option.amount, unit: option.unit,
    provider: { id: plan.organization_id, slug: plan.provider_slug }, payer: { id: payer.id, slug: payer.slug },
    periods: option.periods, planPeriods: option.planPeriods, invoicedIds: [],
  };
}

/**
 * An option bought `quantity` times (seats on one subscription): the amount times the
 * quantity, said in the line's text. The subscription's period is the option's.
 */
function forQuantity(option: PriceOption, quantity: number): PriceOption {
  if (quantity === 1) return option;
  const amount = option.amount * quantity;
  if (!Number.isSafeInteger(amount)) throw new Invalid('quantity', 'The quantity times the price is too large.');
  return { ...option, amount, description: `${option.description} (${quantity} seats)` };
}

/**
 * The beneficiary of a group-buy item: an organization, by slug or e-mail, whose billing the
 * buyer may manage; else null, and the seat goes by claim code to the address typed. A
 * buyer never learns anything of an organization they have no say in (its profile, its
 * subscriptions), nor subscribes it without its managers' consent: they claim the seat.
 */
async function beneficiaryOf(core: Core, caller: UserCaller, syncOn: string): Promise<Organization | null> {
  const row = await core.db.selectFrom('organizations').select('id')
    .where((eb) => eb.or([eb(sql`lower(slug)`, '=', syncOn.toLowerCase()), eb(sql`lower(email)`, '=', syncOn.toLowerCase())]))
    .where('status', '!=', 'closed').orderBy('id').limit(1).executeTakeFirst();
  if (!row) return null;
  const organization = await findOrganization(core.db, { id: row.id });
  try {
    await authorizeOrganization(core, caller, 'organization.billing.manage', organization);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
  return organization;
}

/**
 * What checking out the cart of `userId` for `payer` means now: the balances due of the
 * payer first, then one entry per cart item, each with its lines (what will be charged)
 * and options (what could be charged instead). One option, or an option chosen in the
 * cart, becomes the line.
 */
export async function invoicablesOf(core: Core, caller: UserCaller, payer: Organization): Promise<Invoicable[]> {
  const userId = caller.userId;
  const now = core.now();
  const result: Invoicable[] = [];

  for (const unpaid of await unpaidOrders(core, payer.id)) {
    const match = SUBSCRIPTION_EVENT.exec(unpaid.eventId);
    let subscription: CheckoutSubscription | null = null;
    if (match) {
      const row = await core.db.selectFrom('subscriptions').selectAll().where('id', '=', Number(match[1])).executeTakeFirst();
      if (row) {
        const plan = await selectPlan(core).where('plans.id', '=', row.plan_id).executeTakeFirstOrThrow();
        subscription = subscriptionOf(row, await findOrganization(core.db, { id: row.organization_id }), plan);
      }
    } else {
      // A group buy whose beneficiary has not claimed it yet: the event is the claim code.
      const coupon = await core.db.selectFrom('coupons').select('plan_id').where('code', '=', unpaid.eventId).executeTakeFirst();
      const item = await core.db.selectFrom('cart_items').select(['full_name', 'email', 'sync_on'])
        .where('claim_code', '=', unpaid.eventId).executeTakeFirst();
      if (coupon?.plan_id) {
        const plan = await selectPlan(core).where('plans.id', '=', coupon.plan_id).executeTakeFirstOrThrow();
        subscription = {
          id: null, subscriber: null, plan, createdAt: null, endsAt: now, autoRenew: plan.renewal_type === 'auto-renew',
          description: null, extra: null, grantKey: null, requestKey: null,
          beneficiary: { fullName: item?.full_name ?? null, email: item?.email ?? null, syncOn: item?.sync_on ?? '' },
        };
      }
    }
    if (!subscription) continue;
    const { plan, subscriber, beneficiary } = subscription;
    const whom = subscriber ? (subscriber.id === payer.id ? '' : ` for ${subscriber.slug}`) : ` for ${beneficiary?.syncOn ?? ''}`;
    result.push({
      subscription,
      lines: [{
        createdAt: now,
        description: `Balance due on ${plan.slug}${whom}`,
        amount: unpaid.due, unit: unpaid.unit,
        provider: { id: plan.organization_id, slug: plan.provider_slug }, payer: { id: payer.id, slug: payer.slug },
        periods: 0, planPeriods: 0, invoicedIds: unpaid.rowIds,
      }],
      options: [],
      cartItemId: null,
      coupon: null,
    });
  }

  // A balance due is paid before anything new is ordered: a declined card then leaves one
  // order due (the seed's rule) and never lets orders, and the periods they extend, pile up
  // unpaid. The cart waits until the balance is settled.
  if (result.length) return result;

  const items = await core.db.selectFrom('cart_items').selectAll()
    .where('user_id', '=', userId).where('recorded_at', 'is', null).orderBy('id').execute();
  const entries: (Invoicable & { key: string })[] = [];
  if (!items.length) return result;
  // One query per table for the whole cart, whatever its size.
  const plans = new Map((await selectPlan(core).where('plans.id', 'in', [...new Set(items.map((i) => i.plan_id))]).execute())
    .map((plan) => [plan.id, plan]));
  const couponIds = [...new Set(items.flatMap((i) => (i.coupon_id === null ? [] : [i.coupon_id])))];
  const coupons = new Map(couponIds.length
    ? (await core.db.selectFrom('coupons').selectAll().where('id', 'in', couponIds).execute()).map((c) => [c.id, c]) : []);
  const payerSubscriptions = new Map<number, SubscriptionRow>();
  for (const row of await core.db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', payer.id).where('plan_id', 'in', [...plans.keys()]).where('ends_at', '>', now)
    .orderBy('ends_at', 'asc').execute()) {
    payerSubscriptions.set(row.plan_id, row);
  }
  for (const item of items) {
    const plan = plans.get(item.plan_id)!;
    const found = item.coupon_id === null ? undefined : coupons.get(item.coupon_id);
    // A coupon that ended or was deactivated since it was redeemed no longer applies.
    const coupon = found && couponAppliesTo(found, plan, now) ? found : null;
    const syncOn = item.sync_on?.trim() || null;
    const subscriber = syncOn ? await beneficiaryOf(core, caller, syncOn) : payer;
    const existing = !subscriber ? undefined
      : subscriber.id === payer.id ? payerSubscriptions.get(plan.id) : await currentSubscription(core, subscriber.id, plan.id, now);
    const subscription: CheckoutSubscription = existing && subscriber ? subscriptionOf(existing, subscriber, plan) : {
      id: null, subscriber, plan, createdAt: null, endsAt: now, autoRenew: plan.renewal_type === 'auto-renew',
      description: null, extra: null, grantKey: null, requestKey: null,
      beneficiary: subscriber ? null : { fullName: item.full_name, email: item.email, syncOn: syncOn ?? '' },
    };
    // An active subscription is extended from its end; a new one starts now.
    const startsAt = existing ? existing.ends_at : now;
    const beneficiary = syncOn ? { fullName: item.full_name, syncOn } : null;
    const options = priceOptions(plan, startsAt, coupon, { beneficiary })
      .map((option) => lineOf(forQuantity(option, item.quantity), plan, payer, now));
    const chosen = options.length === 1 ? 0 : item.option > 0 && item.option <= options.length ? item.option - 1 : -1;
    entries.push({
      key: `${subscriber?.slug ?? syncOn}:${plan.slug}`,
      subscription,
      lines: chosen >= 0 ? [options[chosen]!] : [],
      options: chosen >= 0 ? [] : options,
      cartItemId: item.id,
      coupon,
    });
  }
  // Sorted by subscriber and plan, as djaodjin-saas lists them.
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { key: _key, ...entry } of entries) result.push(entry);
  return result;
}

/** The pricing of the caller's cart for an organization (GET .../checkout/). */
export async function priceCheckout(core: Core, caller: Caller, organization: Ref): Promise<{ payer: Organization; invoicables: Invoicable[] }> {
  const user = requireUser(caller);
  const payer = await findOrganization(core.db, organization);
  await authorizeOrganization(core, caller, 'organization.billing.read', payer);
  return { payer, invoicables: await invoicablesOf(core, user, payer) };
}

/** A claim code for a group buy: the code of a 100% coupon the beneficiary redeems. */
function claimCode(): string {
  return `${CLAIM_PREFIX}${randomBytes(12).toString('hex')}`;
}

/**
 * Places the order for the caller's cart, paid by `organization` (POST .../checkout/).
 * Returns what was charged; a declined card is a BadRequest thrown after the order was
 * kept as a balance due.
 */
export async function placeOrder(core: Core, caller: Caller, organization: Ref, input: CheckoutInput): Promise<CheckoutOutcome> {
  const user = requireUser(caller);
  const payerRef = await findOrganization(core.db, organization);
  await authorizeOrganization(core, caller, 'organization.billing.manage', payerRef);

  const placed = await core.transact(async () => {
    // Two checkouts of the same cart, or for the same payer, wait for each other here: the
    // second sees the first one's cart recorded and its orders in flight.
    await sql`select id from users where id = ${user.userId} for update`.execute(core.db);
    await sql`select id from organizations where id = ${payerRef.id} for update`.execute(core.db);
    // The broker may require its terms signed (current version) by whoever orders.
    await assertCheckoutTermsSigned(core, user.userId);
    const payer = await findOrganization(core.db, { id: payerRef.id });
    const now = core.now();
    const invoicables = await invoicablesOf(core, user, payer);

    const chosen = input.items ?? [];
    const open: string[] = [];
    invoicables.forEach((invoicable, index) => {
      const option = chosen[index]?.option;
      if (option !== undefined && option > 0 && invoicable.options.length) {
        if (option > invoicable.options.length) {
          open.push(`items.${index}.option: ${invoicable.subscription.plan.slug} has ${invoicable.options.length} options.`);
          return;
        }
        invoicable.lines = [invoicable.options[option - 1]!];
        invoicable.options = [];
      }
      if (invoicable.options.length) open.push(`items.${index}.option: choose one of the ${invoicable.options.length} options for ${invoicable.subscription.plan.slug}.`);
    });
    if (open.length) throw new Invalid({ items: open }, undefined, 'checkout.option_required');
    const withdrawn = invoicables.filter((invoicable) => invoicable.cartItemId !== null && !invoicable.subscription.plan.is_active);
    if (withdrawn.length) {
      throw new Invalid('items', `No longer offered: ${withdrawn.map((i) => i.subscription.plan.slug).join(', ')}. Remove it from the cart.`);
    }
    if (!invoicables.some((invoicable) => invoicable.lines.length)) return null;

    const units = new Set(invoicables.flatMap((invoicable) => invoicable.lines.map((line) => line.unit)));
    if (units.size > 1) {
      throw new BadRequest(`The cart mixes currencies (${[...units].join(', ')}); check out one currency at a time.`, 'checkout.mixed_units');
    }

    if (Object.values({ ...input, items: undefined, remember_card: undefined, processor_token: undefined }).some((v) => v !== undefined)) {
      await core.db.updateTable('organizations').set({
        ...(input.street_address !== undefined ? { street_address: input.street_address } : {}),
        ...(input.locality !== undefined ? { locality: input.locality } : {}),
        ...(input.region !== undefined ? { region: input.region } : {}),
        ...(input.postal_code !== undefined ? { postal_code: input.postal_code } : {}),
        ...(input.country !== undefined ? { country: input.country } : {}),
      }).where('id', '=', payer.id).execute();
    }

    const invoicedIds: number[] = [];
    const subscriptionIds: number[] = [];
    const claims: string[] = [];
    let total = 0;
    for (const invoicable of invoicables) {
      for (const line of invoicable.lines) {
        total += line.amount;
        if (line.invoicedIds.length) {
          invoicedIds.push(...line.invoicedIds);
          continue;
        }
        const { plan, subscriber, beneficiary } = invoicable.subscription;
        let eventId: string;
        if (subscriber) {
          const { subscription } = await subscribeOrExtend(core, { subscriberId: subscriber.id, plan, periods: line.planPeriods });
          subscriptionIds.push(subscription.id);
          eventId = `sub_${subscription.id}/`;
        } else {
          // Group buy for someone without an organization here: the buyer pays now and
          // the beneficiary claims the subscription later with a 100% coupon's code.
          // The coupon stays off until its seat is paid (releaseClaims).
          const code = claimCode();
          await core.db.insertInto('coupons').values({
            organization_id: plan.organization_id, code, discount_type: 'percentage', discount_value: 10000,
            description: `Group buy by ${payer.slug} for ${beneficiary?.fullName ?? beneficiary?.syncOn ?? ''}`.trim(),
            created_at: now, ends_at: null, nb_attempts: 1, plan_id: plan.id, is_active: false,
          }).execute();
          if (invoicable.cartItemId !== null) {
            await core.db.updateTable('cart_items').set({ claim_code: code }).where('id', '=', invoicable.cartItemId).execute();
          }
          claims.push(code);
          eventId = code;
        }
        const [orderId] = await book(core, [move(line.amount, line.unit,
          { organizationId: line.provider.id, account: 'Receivable' }, { organizationId: payer.id, account: 'Payable' },
          line.description, eventId, now)]);
        invoicedIds.push(orderId!);
      }
    }

    const cartItemIds = invoicables.map((invoicable) => invoicable.cartItemId).filter((id): id is number => id !== null);
    if (cartItemIds.length) {
      const recorded = await core.db.updateTable('cart_items').set({ recorded_at: now })
        .where('id', 'in', cartItemIds).where('recorded_at', 'is', null).returning('id').execute();
      if (recorded.length !== cartItemIds.length) throw new Conflict('The cart changed while it was checked out; look at it again.', 'cart.changed');
    }
    if (total === 0) {
      await releaseClaims(core, claims, payer.id);
      return { chargeId: null, subscriptionIds };
    }
    if (!input.processor_token) {
      const card = await core.db.selectFrom('payment_methods').select('organization_id')
        .where('organization_id', '=', payer.id).where('processor', '=', core.processor.name).executeTakeFirst();
      if (!card) throw new Invalid('processor_token', 'This organization has no card on file: send the token of a card to charge.');
    }
    const charge = await createCharge(core, {
      payerId: payer.id,
      invoicedIds,
      token: input.processor_token ?? null,
      rememberCard: input.remember_card ?? false,
      createdBy: user.userId,
    });
    return { chargeId: charge.id, subscriptionIds };
  });

  if (!placed) return { kind: 'nothing' };
  if (placed.chargeId === null) return { kind: 'free', subscriptions: placed.subscriptionIds };

  // The processor is called once the order is committed: a crash from here on leaves a
  // charge `created` that recoverCharges settles from the processor's record.
  let charge: ChargeRow;
  try {
    charge = await executeCharge(core, placed.chargeId);
  } catch {
    // The outcome is unknown (network): the charge stays `created` until recovery settles it.
    charge = await core.db.selectFrom('charges').selectAll().where('id', '=', placed.chargeId).executeTakeFirstOrThrow();
  }
  if (charge.state === 'failed') {
    throw new BadRequest(
      `${charge.failure_message ?? 'The card was declined.'} The order is kept: its balance is due and can be paid with another card.`,
      'card.declined',
      { processor_token: [charge.failure_message ?? 'The card was declined.'] },
    );
  }
  // Its receipt was queued with the payment (settleCharge).
  return { kind: 'charged', charge };
}
