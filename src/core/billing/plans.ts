// Plans of a provider organization: what it sells, at what price, for how long, and how
// subscriptions to it start (opt-in on a provider's grant, acceptance of a subscriber's
// request). A new price applies at the next renewal; a plan ever subscribed to is only
// deactivated, never deleted, so its history stays whole (billing-reference.md §2).
import { sql, type Selectable } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { AdvanceDiscount, DiscountType, PeriodType, PlansTable, RenewalType } from '../../db/schema.js';
import { BadRequest, Forbidden, Invalid, NotFound, isUniqueViolation, type FieldErrors } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization, type Organization } from '../organizations/profiles.js';
import { slugify } from '../organizations/slugs.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { describeRef, refMatches, type Ref } from '../refs.js';
import { addPeriods } from './periods.js';

export type PlanRow = Selectable<PlansTable>;

/** A plan with what every answer shows of its provider. */
export type Plan = PlanRow & {
  provider_slug: string;
  provider_full_name: string;
  provider_picture: string | null;
  provider_type: Organization['type'];
};

/** The largest amount a plan, a discount or an order line may carry, in minor units (a billion dollars). */
export const MAX_AMOUNT = 100_000_000_000;
/** The longest period_length, and the longest advance-discount length. */
export const MAX_PERIOD_LENGTH = 1000;
export const MAX_ADVANCE_DISCOUNTS = 12;

export interface PlanFields {
  title?: string;
  description?: string | null;
  is_active?: boolean;
  is_not_priced?: boolean;
  unit?: string;
  setup_amount?: number;
  period_amount?: number;
  period_type?: PeriodType;
  period_length?: number;
  renewal_type?: RenewalType;
  optin_on_request?: boolean;
  skip_optin_on_grant?: boolean;
  broker_fee_percent?: number;
  advance_discounts?: AdvanceDiscount[];
  extra?: string | null;
}

export function selectPlans(db: Db) {
  return db.selectFrom('plans')
    .innerJoin('organizations as provider', 'provider.id', 'plans.organization_id')
    .selectAll('plans')
    .select([
      'provider.slug as provider_slug', 'provider.full_name as provider_full_name',
      'provider.picture as provider_picture', 'provider.type as provider_type',
    ]);
}

/** The one plan resolver: by id, or by slug (plan slugs are unique site-wide, case-insensitively). */
export async function findPlan(core: Core, ref: Ref): Promise<Plan> {
  const row = await selectPlans(core.db).where(refMatches('plans', ref)).executeTakeFirst();
  if (!row) throw new NotFound('plan', `No plan ${describeRef(ref)}.`);
  return row;
}

/** Plans by id, for presenting lists (one query for a page). */
export async function plansByIds(db: Db, ids: readonly number[]): Promise<Map<number, Plan>> {
  if (ids.length === 0) return new Map();
  const rows = await selectPlans(db).where('plans.id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** A plan of `provider`: another provider's plan is not found, as if it did not exist. */
export async function providerPlan(core: Core, provider: { id: number }, plan: Ref): Promise<Plan> {
  const row = await selectPlans(core.db).where(refMatches('plans', plan)).where('plans.organization_id', '=', provider.id).executeTakeFirst();
  if (!row) throw new NotFound('plan', `No plan ${describeRef(plan)} here.`);
  return row;
}

export const PLAN_LIST: ListSpec = {
  orderable: {
    slug: 'plans.slug', title: 'plans.title', period_amount: 'plans.period_amount', is_active: 'plans.is_active',
    created_at: 'plans.created_at',
  },
  searchable: ['plans.slug', 'plans.title', 'plans.description'],
  dateColumn: 'plans.created_at',
  defaultOrder: ['period_amount', 'title'],
  tieBreaker: 'plans.id',
};

/** The broker's active plans: its public pricing, for anyone, signed in or not. */
export async function listPricing(core: Core, list: ListQuery): Promise<Page<Plan>> {
  const query = selectPlans(core.db).where('provider.is_broker', '=', true).where('plans.is_active', '=', true);
  return paginate(query, list, PLAN_LIST);
}

/** Every plan of a provider, active or not, for those who may read its sales. */
export async function listPlans(core: Core, caller: Caller, providerRef: Ref, list: ListQuery): Promise<Page<Plan>> {
  const provider = await findOrganization(core.db, providerRef);
  await authorizeOrganization(core, caller, 'organization.sales.read', provider);
  return paginate(selectPlans(core.db).where('plans.organization_id', '=', provider.id), list, PLAN_LIST);
}

export async function getPlan(core: Core, caller: Caller, providerRef: Ref, planRef: Ref): Promise<Plan> {
  const provider = await findOrganization(core.db, providerRef);
  await authorizeOrganization(core, caller, 'organization.sales.read', provider);
  return providerPlan(core, provider, planRef);
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));

/** A known ISO 4217 code, lowercase; the field's error otherwise. */
export function normalizeUnit(unit: string, field = 'unit'): string {
  const lower = unit.trim().toLowerCase();
  if (!CURRENCIES.has(lower)) throw new Invalid(field, `"${unit}" is not an ISO 4217 currency code.`);
  return lower;
}

function checkAmount(errors: FieldErrors, field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_AMOUNT) {
    errors[field] = [`Expected an integer amount in minor units from 0 to ${MAX_AMOUNT}.`];
  }
}

function checkDiscounts(errors: FieldErrors, discounts: AdvanceDiscount[] | undefined): void {
  if (discounts === undefined) return;
  const messages: string[] = [];
  if (discounts.length > MAX_ADVANCE_DISCOUNTS) messages.push(`At most ${MAX_ADVANCE_DISCOUNTS} advance discounts.`);
  const lengths = new Set<number>();
  discounts.forEach((d, i) => {
    const bounds: Record<DiscountType, [number, number]> = {
      percentage: [1, 10000], currency: [1, MAX_AMOUNT], period: [1, Math.max(1, d.length - 1)],
    };
    const [min, max] = bounds[d.discount_type];
    if (!Number.isSafeInteger(d.length) || d.length < 1 || d.length > MAX_PERIOD_LENGTH) {
      messages.push(`[${i}] length: expected a number of periods from 1 to ${MAX_PERIOD_LENGTH}.`);
    } else if (!Number.isSafeInteger(d.discount_value) || d.discount_value < min || d.discount_value > max) {
      const what = { percentage: 'per 10000', currency: 'in minor units', period: 'free periods, fewer than length' }[d.discount_type];
      messages.push(`[${i}] discount_value: expected ${min} to ${max} (${what}).`);
    }
    if (lengths.has(d.length)) messages.push(`[${i}] length: ${d.length} periods already has a discount.`);
    lengths.add(d.length);
  });
  if (messages.length) errors.advance_discounts = messages;
}

/** No plan may reach (one order of its longest advance discount, from now) beyond this. */
const LAST_PLAN_END = new Date(Date.UTC(9999, 0, 1));

/**
 * Refuses a plan whose longest order (period_length x the longest advance-discount length)
 * bought now would end after LAST_PLAN_END: its end could not be written as a date.
 * `changed` names the field the answer blames.
 */
function checkReach(plan: Pick<Plan, 'period_type' | 'period_length' | 'advance_discounts'>, now: Date, changed: 'period_length' | 'advance_discounts'): void {
  const longest = Math.max(1, ...plan.advance_discounts.map((d) => d.length));
  let end: Date | null;
  try {
    end = addPeriods(now, plan.period_type, plan.period_length * longest);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    end = null;
  }
  if (end === null || end >= LAST_PLAN_END) {
    throw new Invalid(changed, `period_length x the longest advance discount (${plan.period_length} x ${longest} ${plan.period_type} periods) reaches beyond the year 9999: choose shorter ones.`);
  }
}

/** Checks the fields' values beyond their types; every fault at once, by field. */
function validateFields(fields: PlanFields): PlanFields {
  const errors: FieldErrors = {};
  const values: PlanFields = { ...fields };
  if (fields.title !== undefined) {
    values.title = fields.title.trim();
    if (!values.title) errors.title = ['This field may not be blank.'];
  }
  if (fields.unit !== undefined) {
    try { values.unit = normalizeUnit(fields.unit); } catch (error) {
      if (error instanceof Invalid) Object.assign(errors, error.fields); else throw error;
    }
  }
  checkAmount(errors, 'setup_amount', fields.setup_amount);
  checkAmount(errors, 'period_amount', fields.period_amount);
  if (fields.period_length !== undefined && (!Number.isSafeInteger(fields.period_length) || fields.period_length < 1 || fields.period_length > MAX_PERIOD_LENGTH)) {
    errors.period_length = [`Expected an integer from 1 to ${MAX_PERIOD_LENGTH}.`];
  }
  if (fields.broker_fee_percent !== undefined && (!Number.isSafeInteger(fields.broker_fee_percent) || fields.broker_fee_percent < 0 || fields.broker_fee_percent > 10000)) {
    errors.broker_fee_percent = ['Expected an integer from 0 to 10000 (per 10000).'];
  }
  checkDiscounts(errors, fields.advance_discounts);
  if (Object.keys(errors).length) throw new Invalid(errors);
  return values;
}

function titleTaken(title: string): Invalid {
  return new Invalid('title', `This provider already has a plan titled "${title}".`, 'plan.title_taken');
}

async function assertTitleFree(db: Db, providerId: number, title: string, exceptId?: number): Promise<void> {
  const row = await db.selectFrom('plans').select('id').where('organization_id', '=', providerId)
    .where(sql`lower(title)`, '=', title.toLowerCase()).executeTakeFirst();
  if (row && row.id !== exceptId) throw titleTaken(title);
}

/** A slug for a new plan from its title: the title's, or with -2, -3... whichever is free site-wide. */
async function uniquePlanSlug(db: Db, title: string): Promise<string> {
  const base = slugify(title) === 'organization' && !/organization/i.test(title) ? 'plan' : slugify(title);
  const taken = new Set((await db.selectFrom('plans').select('slug')
    .where(sql`lower(slug)`, 'like', `${base.replace(/[\\%_]/g, (c) => `\\${c}`)}%`).execute()).map((r) => r.slug.toLowerCase()));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The provider whose sales `caller` manages; an organization that is not a provider cannot have plans. */
async function managedProvider(core: Core, caller: Caller, providerRef: Ref) {
  const provider = await findOrganization(core.db, providerRef);
  const access = await authorizeOrganization(core, caller, 'organization.sales.manage', provider);
  return { provider, access };
}

function dbValues(fields: PlanFields): Record<string, unknown> {
  const { advance_discounts: discounts, ...rest } = fields;
  const values: Record<string, unknown> = { ...rest };
  if (discounts !== undefined) values.advance_discounts = JSON.stringify(discounts.map(({ discount_type, discount_value, length }) => ({ discount_type, discount_value, length })));
  if (fields.description !== undefined) values.description = fields.description?.trim() || null;
  return values;
}

export async function createPlan(core: Core, caller: Caller, providerRef: Ref, input: PlanFields): Promise<Plan> {
  const { provider, access } = await managedProvider(core, caller, providerRef);
  if (!provider.is_provider && !provider.is_broker) {
    throw new BadRequest(`"${provider.slug}" is not a provider: the broker's managers make it one (is_provider).`, 'organization.not_provider');
  }
  if (input.title === undefined) throw new Invalid('title', 'This field is required.');
  if (input.broker_fee_percent !== undefined && !access.may('organization.flags.update')) {
    throw new Forbidden('Only the broker\'s managers may set broker_fee_percent.');
  }
  const fields = validateFields(input);
  const now = core.now();
  checkReach({
    period_type: fields.period_type ?? 'yearly', period_length: fields.period_length ?? 1, advance_discounts: fields.advance_discounts ?? [],
  }, now, fields.period_length !== undefined || !fields.advance_discounts?.length ? 'period_length' : 'advance_discounts');
  try {
    const id = await core.transact(async (tx) => {
      // The provider's row is the lock that serializes its plan titles and our slug choice.
      await tx.selectFrom('organizations').select('id').where('id', '=', provider.id).forUpdate().execute();
      await assertTitleFree(tx, provider.id, fields.title!);
      const slug = await uniquePlanSlug(tx, fields.title!);
      const row = await tx.insertInto('plans').values({
        ...dbValues(fields),
        organization_id: provider.id,
        slug,
        title: fields.title!,
        created_at: now,
        updated_at: now,
      } as never).returning('id').executeTakeFirstOrThrow();
      return row.id;
    });
    return findPlan(core, { id });
  } catch (error) {
    // Another provider took the same slug between our choice and the insert.
    if (isUniqueViolation(error)) throw new BadRequest('Another plan was created with the same name at the same time; try again.', 'request.refused');
    throw error;
  }
}

/** Whether anyone ever subscribed to the plan (expired and pending subscriptions count). */
async function everSubscribed(db: Db, planId: number): Promise<boolean> {
  return !!(await db.selectFrom('subscriptions').select('id').where('plan_id', '=', planId).limit(1).executeTakeFirst());
}

/**
 * Changes the fields sent. A new price, period or renewal type applies to each subscription
 * at its next renewal (no proration); the currency is fixed once anyone subscribed, since
 * the orders booked in it must stay comparable.
 */
export async function updatePlan(core: Core, caller: Caller, providerRef: Ref, planRef: Ref, changes: PlanFields): Promise<Plan> {
  const { provider, access } = await managedProvider(core, caller, providerRef);
  const plan = await providerPlan(core, provider, planRef);
  if (changes.broker_fee_percent !== undefined && changes.broker_fee_percent !== plan.broker_fee_percent && !access.may('organization.flags.update')) {
    throw new Forbidden('Only the broker\'s managers may change broker_fee_percent.');
  }
  const fields = validateFields(changes);
  checkReach({
    period_type: fields.period_type ?? plan.period_type,
    period_length: fields.period_length ?? plan.period_length,
    advance_discounts: fields.advance_discounts ?? plan.advance_discounts,
  }, core.now(), fields.period_length !== undefined || fields.period_type !== undefined ? 'period_length' : 'advance_discounts');
  await core.transact(async (tx) => {
    const locked = await tx.selectFrom('plans').select(['id', 'unit']).where('id', '=', plan.id).forUpdate().executeTakeFirstOrThrow();
    if (fields.unit !== undefined && fields.unit !== locked.unit && (await everSubscribed(tx, plan.id))) {
      throw new Invalid('unit', 'The currency of a plan cannot change once it has subscribers; create another plan.', 'plan.in_use');
    }
    if (fields.title !== undefined) await assertTitleFree(tx, provider.id, fields.title, plan.id);
    const values = dbValues(fields);
    if (Object.keys(values).length === 0) return;
    await tx.updateTable('plans').set({ ...values, updated_at: core.now() } as never).where('id', '=', plan.id).execute();
  }).catch((error: unknown) => {
    if (isUniqueViolation(error) && fields.title !== undefined) throw titleTaken(fields.title);
    throw error;
  });
  return findPlan(core, { id: plan.id });
}

/**
 * Deletes a plan nobody ever subscribed to (with the carts it sits in); one with any
 * subscription, even expired, or a coupon restricted to it, is refused: deactivate it.
 */
export async function deletePlan(core: Core, caller: Caller, providerRef: Ref, planRef: Ref): Promise<void> {
  const { provider } = await managedProvider(core, caller, providerRef);
  const plan = await providerPlan(core, provider, planRef);
  await core.transact(async (tx) => {
    await tx.selectFrom('plans').select('id').where('id', '=', plan.id).forUpdate().execute();
    if (await everSubscribed(tx, plan.id)) {
      throw new Forbidden(`"${plan.slug}" has or had subscribers: it cannot be deleted, deactivate it instead (is_active: false).`, 'plan.in_use');
    }
    const coupon = await tx.selectFrom('coupons').select('code').where('plan_id', '=', plan.id).limit(1).executeTakeFirst();
    if (coupon) {
      throw new Forbidden(`Coupon "${coupon.code}" is restricted to "${plan.slug}": delete it first, or deactivate the plan instead.`, 'plan.in_use');
    }
    await tx.deleteFrom('cart_items').where('plan_id', '=', plan.id).where('recorded_at', 'is', null).execute();
    await tx.deleteFrom('plans').where('id', '=', plan.id).execute();
  });
}
