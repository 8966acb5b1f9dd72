// Coupons: a provider's discount codes. A coupon takes a percentage (per 10000), an
// amount (minor units of the plan's currency) or a number of periods off an order, until it
// expires, for a number of uses, on any of the provider's plans or on one. Customers apply
// one to their cart (`redeemCoupon` in cart.ts); checkout prices it (pricing.ts). Rules:
// billing-reference.md section 4 and docs/billing.md.
import { sql, type Selectable } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { CouponsTable, DiscountType, PlansTable } from '../../db/schema.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization, type Organization } from '../organizations/profiles.js';
import { Invalid, NotFound, isUniqueViolation, type FieldErrors } from '../errors.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import type { Ref } from '../refs.js';
import { providerPlan } from './plans.js';

export type CouponRow = Selectable<CouponsTable>;
export type PlanRow = Selectable<PlansTable>;
/** A coupon with the slug of the plan it is restricted to. */
export type Coupon = CouponRow & { plan_slug: string | null };

/** The largest amount of money any coupon may take off: 1 billion units of a currency. */
export const MAX_COUPON_AMOUNT = 100_000_000_000;
/** The largest number of free periods a coupon may give. */
export const MAX_COUPON_PERIODS = 1000;
/** Percentages are per 10000 (10000 is 100%). */
export const PERCENT_SCALE = 10_000;
/** A coupon created without an expiry ends this many days later (as in djaodjin-saas). */
export const DEFAULT_COUPON_DAYS = 30;

export const COUPON_CODE_PATTERN = /^[-a-zA-Z0-9_]+$/;

/**
 * The prefix of a group buy's claim coupons (checkout mints them: 100%, one use, for one
 * seat). Reserved: a provider may not create one, and they stay out of the provider's
 * coupon routes, since reading one is holding a paid seat.
 */
export const CLAIM_CODE_PREFIX = 'cpn_';

/** Whether `code` names a claim coupon (compared ignoring case, as codes are). */
export function isClaimCode(code: string): boolean {
  return code.trim().toLowerCase().startsWith(CLAIM_CODE_PREFIX);
}

/** SQL: the coupon row is not a claim coupon (`_` is a LIKE wildcard, hence the escape). */
const notClaim = sql<boolean>`lower(coupons.code) not like ${'cpn\\_%'} escape '\\'`;

export interface CouponFields {
  discount_type?: DiscountType;
  discount_value?: number;
  /** null means it never expires. */
  ends_at?: Date | null;
  description?: string | null;
  /** null means unlimited. */
  nb_attempts?: number | null;
  /** Slug of one of the provider's active plans; null for any plan. */
  plan?: string | null;
}

export interface CouponCreate extends CouponFields {
  code: string;
}

export const COUPON_LIST: ListSpec = {
  orderable: {
    // Quoted, or the error-code scan (test/service/error-codes.test.ts) reads the list as codes.
    'code': 'coupons.code',
    created_at: 'coupons.created_at',
    description: 'coupons.description',
    ends_at: 'coupons.ends_at',
    discount_type: 'coupons.discount_type',
    discount_value: 'coupons.discount_value',
    // The seed's examples name discount_value `amount`.
    amount: 'coupons.discount_value',
    nb_attempts: 'coupons.nb_attempts',
  },
  searchable: ['coupons.code', 'coupons.description'],
  dateColumn: 'coupons.created_at',
  defaultOrder: ['ends_at'],
  tieBreaker: 'coupons.id',
};

function selectCoupons(core: Core) {
  return core.db.selectFrom('coupons')
    .selectAll('coupons')
    .select(sql<string | null>`(select p.slug from plans p where p.id = coupons.plan_id)`.as('plan_slug'));
}

async function providerFor(core: Core, caller: Caller, ref: Ref, action: 'organization.sales.read' | 'organization.sales.manage'): Promise<Organization> {
  const provider = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, action, provider);
  return provider;
}

async function couponOf(core: Core, providerId: number, code: string): Promise<Coupon> {
  const coupon = await selectCoupons(core)
    .where('coupons.organization_id', '=', providerId)
    .where(sql<boolean>`lower(coupons.code) = ${code.toLowerCase()}`)
    .where(notClaim)
    .executeTakeFirst();
  if (!coupon) throw new NotFound('coupon');
  return coupon;
}

/** The active plan of `providerId` named `slug` that a coupon may be restricted to. */
async function restrictablePlan(core: Core, providerId: number, slug: string): Promise<PlanRow> {
  let plan: PlanRow;
  try {
    plan = await providerPlan(core, { id: providerId }, { slug });
  } catch (error) {
    if (error instanceof NotFound) throw new Invalid('plan', `The plan "${slug}" does not belong to this provider.`);
    throw error;
  }
  if (!plan.is_active) throw new Invalid('plan', `The plan "${slug}" is not active.`);
  return plan;
}

/** What is wrong with a discount of this type and value, field by field. */
function discountErrors(type: DiscountType, value: number): FieldErrors {
  const limits: Record<DiscountType, [number, string]> = {
    percentage: [PERCENT_SCALE, `A percentage is given per ${PERCENT_SCALE} (${PERCENT_SCALE} is 100%): from 1 to ${PERCENT_SCALE}.`],
    currency: [MAX_COUPON_AMOUNT, `An amount is given in cents: from 1 to ${MAX_COUPON_AMOUNT}.`],
    period: [MAX_COUPON_PERIODS, `A number of free periods: from 1 to ${MAX_COUPON_PERIODS}.`],
  };
  const [max, message] = limits[type];
  return Number.isSafeInteger(value) && value >= 1 && value <= max ? {} : { discount_value: [message] };
}

function checkFields(fields: CouponFields, type: DiscountType, value: number): void {
  const errors: FieldErrors = discountErrors(type, value);
  if (fields.nb_attempts !== undefined && fields.nb_attempts !== null
    && (!Number.isSafeInteger(fields.nb_attempts) || fields.nb_attempts < 0 || fields.nb_attempts > 1_000_000_000)) {
    errors.nb_attempts = ['A number of uses from 0 to 1000000000, or null for no limit.'];
  }
  if (fields.ends_at && Number.isNaN(fields.ends_at.getTime())) errors.ends_at = ['Expected a date and time (ISO 8601).'];
  if (Object.keys(errors).length) throw new Invalid(errors);
}

function codeTaken(code: string): Invalid {
  return new Invalid('code', `This provider already has a coupon "${code}" (codes are compared ignoring case).`, 'coupon.code_taken');
}

function descriptionOf(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  return value.trim() === '' ? null : value.trim();
}

export async function listCoupons(core: Core, caller: Caller, provider: Ref, list: ListQuery): Promise<Page<Coupon>> {
  const org = await providerFor(core, caller, provider, 'organization.sales.read');
  return paginate(selectCoupons(core).where('coupons.organization_id', '=', org.id).where(notClaim), list, COUPON_LIST);
}

export async function getCoupon(core: Core, caller: Caller, provider: Ref, code: string): Promise<Coupon> {
  const org = await providerFor(core, caller, provider, 'organization.sales.read');
  return couponOf(core, org.id, code);
}

export async function createCoupon(core: Core, caller: Caller, provider: Ref, input: CouponCreate): Promise<Coupon> {
  const org = await providerFor(core, caller, provider, 'organization.sales.manage');
  const code = input.code.trim();
  if (!COUPON_CODE_PATTERN.test(code) || code.length > 50) {
    throw new Invalid('code', 'Letters, digits, - and _ only; at most 50 characters.');
  }
  if (isClaimCode(code)) {
    throw new Invalid('code', `Codes starting with "${CLAIM_CODE_PREFIX}" are reserved for group-buy claims.`, 'coupon.code_reserved');
  }
  const type = input.discount_type ?? 'percentage';
  if (input.discount_value === undefined) throw new Invalid('discount_value', 'This field is required.');
  checkFields(input, type, input.discount_value);
  const now = core.now();
  if (input.ends_at && input.ends_at <= now) throw new Invalid('ends_at', 'A new coupon must expire in the future.');
  const plan = input.plan ? await restrictablePlan(core, org.id, input.plan) : null;
  try {
    const row = await core.transact(async (tx) => {
      const clash = await tx.selectFrom('coupons').select('id')
        .where('organization_id', '=', org.id).where(sql<boolean>`lower(code) = ${code.toLowerCase()}`).executeTakeFirst();
      if (clash) throw codeTaken(code);
      return tx.insertInto('coupons').values({
        organization_id: org.id,
        code,
        discount_type: type,
        discount_value: input.discount_value!,
        description: descriptionOf(input.description) ?? null,
        created_at: now,
        // No expiry given: a month, as djaodjin-saas does; null (never) is set by an update.
        ends_at: input.ends_at ?? new Date(now.getTime() + DEFAULT_COUPON_DAYS * 86_400_000),
        nb_attempts: input.nb_attempts ?? null,
        plan_id: plan?.id ?? null,
      }).returning('id').executeTakeFirstOrThrow();
    });
    return (await selectCoupons(core).where('coupons.id', '=', row.id).executeTakeFirstOrThrow());
  } catch (error) {
    if (isUniqueViolation(error)) throw codeTaken(code);
    throw error;
  }
}

/**
 * Changes a coupon. `replace` is PUT: an absent `ends_at` means it never expires (as
 * djaodjin-saas reads it); PATCH changes only what is sent. The code itself does not change:
 * it is what customers were given.
 */
export async function updateCoupon(
  core: Core, caller: Caller, provider: Ref, code: string, changes: CouponFields & { code?: string }, replace: boolean,
): Promise<Coupon> {
  const org = await providerFor(core, caller, provider, 'organization.sales.manage');
  const coupon = await couponOf(core, org.id, code);
  if (changes.code !== undefined && isClaimCode(changes.code)) {
    throw new Invalid('code', `Codes starting with "${CLAIM_CODE_PREFIX}" are reserved for group-buy claims.`, 'coupon.code_reserved');
  }
  if (changes.code !== undefined && changes.code.trim().toLowerCase() !== coupon.code.toLowerCase()) {
    throw new Invalid('code', 'The code of a coupon cannot change: customers were given it. Create another coupon.');
  }
  const type = changes.discount_type ?? coupon.discount_type;
  const value = changes.discount_value ?? coupon.discount_value;
  checkFields(changes, type, value);
  const endsAt = changes.ends_at !== undefined ? changes.ends_at : replace ? null : coupon.ends_at;
  if (endsAt && endsAt < coupon.created_at) throw new Invalid('ends_at', 'A coupon cannot expire before it was created.');
  let planId = coupon.plan_id;
  if (changes.plan !== undefined) planId = changes.plan === null ? null : (await restrictablePlan(core, org.id, changes.plan)).id;
  const description = descriptionOf(changes.description);
  await core.transact(async (tx) => {
    await tx.updateTable('coupons').set({
      discount_type: type,
      discount_value: value,
      ends_at: endsAt,
      plan_id: planId,
      ...(description !== undefined ? { description } : {}),
      ...(changes.nb_attempts !== undefined ? { nb_attempts: changes.nb_attempts } : {}),
    }).where('id', '=', coupon.id).execute();
  });
  return couponOf(core, org.id, coupon.code);
}

/**
 * Deletes a coupon never applied to an order. One that was (a checked-out cart item names
 * it) is deactivated instead, kept for its performance figures. Carts still holding it lose it.
 */
export async function deleteCoupon(core: Core, caller: Caller, provider: Ref, code: string): Promise<void> {
  const org = await providerFor(core, caller, provider, 'organization.sales.manage');
  const coupon = await couponOf(core, org.id, code);
  await core.transact(async (tx) => {
    const locked = await tx.selectFrom('coupons').select('id').where('id', '=', coupon.id).forUpdate().executeTakeFirst();
    if (!locked) throw new NotFound('coupon');
    await tx.updateTable('cart_items').set({ coupon_id: null })
      .where('coupon_id', '=', coupon.id).where('recorded_at', 'is', null).execute();
    const used = await tx.selectFrom('cart_items').select('id')
      .where('coupon_id', '=', coupon.id).where('recorded_at', 'is not', null).limit(1).executeTakeFirst();
    if (used) await tx.updateTable('coupons').set({ is_active: false }).where('id', '=', coupon.id).execute();
    else await tx.deleteFrom('coupons').where('id', '=', coupon.id).execute();
  });
}

/** The active coupons of any provider with this code (compared ignoring case): the candidates a redeemed code names. */
export async function couponsWithCode(core: Core, code: string): Promise<CouponRow[]> {
  return core.db.selectFrom('coupons').selectAll()
    .where(sql<boolean>`lower(code) = ${code.trim().toLowerCase()}`)
    .where('is_active', '=', true)
    .execute();
}

/**
 * Takes one use of a coupon, inside the caller's unit of work. False when none is left
 * (another redemption took the last one first): the row lock orders racing redemptions.
 */
export async function spendCouponUse(core: Core, couponId: number): Promise<boolean> {
  const row = await core.db.updateTable('coupons')
    .set({ nb_attempts: sql<number | null>`case when nb_attempts is null then null else nb_attempts - 1 end` })
    .where('id', '=', couponId)
    .where((eb) => eb.or([eb('nb_attempts', 'is', null), eb('nb_attempts', '>', 0)]))
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

// ---------------------------------------------------------------------------------------
// Which coupon applies (checkout prices it: src/core/billing/pricing.ts).

type Restriction = Pick<CouponRow, 'organization_id' | 'plan_id' | 'ends_at' | 'is_active'>;

/**
 * Whether a coupon applies to a plan at `now`: active, not expired, of the plan's provider
 * and, when restricted, for that plan. Uses left are counted when it is redeemed, not here.
 */
export function couponAppliesTo(coupon: Restriction, plan: Pick<PlanRow, 'id' | 'organization_id'>, now: Date): boolean {
  return coupon.is_active
    && coupon.organization_id === plan.organization_id
    && (coupon.plan_id === null || coupon.plan_id === plan.id)
    && (coupon.ends_at === null || now < new Date(coupon.ends_at));
}
