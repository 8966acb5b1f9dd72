// The cart's items: what an item is (the input, the row, the view, the anonymous cookie's
// entry), the rules every way of filling the cart shares (the plan must be for sale, the
// option must exist, one item per plan and beneficiary, the claim coupon's one-seat rule),
// and how an item is kept: a row of cart_items for a user, an entry of the cookie (its
// format is this file's: encodeAnonymousCart / parseAnonymousCart) for an anonymous
// visitor. The cart's operations (add, remove, list, redeem a coupon, upload seats, merge
// at login, read for checkout) are in cart.ts.
import { sql, type Selectable } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { Db } from '../../db/database.js';
import type { CartItemsTable } from '../../db/schema.js';
import { BadRequest, Invalid, NotFound, Unauthenticated, type FieldErrors } from '../errors.js';
import { isClaimCode, type CouponRow, type PlanRow } from './coupons.js';
import { findPlan } from './plans.js';

export type CartItemRow = Selectable<CartItemsTable>;

/** At most this many items wait in a user's cart (a bulk upload counts each seat). */
export const MAX_CART_ITEMS = 1000;
/** An anonymous cart lives in one cookie (browsers keep about 4 KB each). */
export const MAX_ANONYMOUS_ITEMS = 10;
export const MAX_ANONYMOUS_CART_BYTES = 3800;
/** Rows of one CSV upload. */
export const MAX_UPLOAD_ROWS = 1000;
/** A checkout option is 1-based, one per advance discount after the first; 0 is "not chosen". */
export const MAX_QUANTITY = 1000;

/** What a caller puts in the cart. */
export interface CartItemInput {
  plan: string;
  option?: number;
  quantity?: number;
  full_name?: string | null;
  email?: string | null;
  sync_on?: string | null;
}

/** An anonymous visitor's item, as the cookie keeps it. */
export interface AnonymousCartItem {
  plan: string;
  option: number;
  quantity: number;
  full_name: string | null;
  email: string | null;
  sync_on: string | null;
  /** A coupon code redeemed on it; checked again, and its use counted, when it joins a user's cart. */
  coupon: string | null;
  created_at: string;
}

/** An item as the cart routes show it. */
export interface CartItemView {
  plan: string;
  option: number;
  quantity: number;
  full_name: string | null;
  email: string | null;
  sync_on: string | null;
  coupon: string | null;
  created_at: Date;
}

/** One item of the cart as checkout prices it. */
export interface CartLine {
  /** The cart_items row; null for an anonymous visitor's item (kept in the cookie). */
  id: number | null;
  plan: PlanRow;
  option: number;
  quantity: number;
  /** The coupon redeemed on it, when it still applies now; null otherwise. */
  coupon: CouponRow | null;
  /** Group buy: who the subscription is for. All null when it is for the paying organization. */
  fullName: string | null;
  email: string | null;
  syncOn: string | null;
  claimCode: string | null;
  createdAt: Date;
}

export function requireUser(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return caller;
}

export function text(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The item with its group-buy fields trimmed: an e-mail without sync_on names the beneficiary. */
export function normalize(input: CartItemInput): Required<Omit<CartItemInput, 'option' | 'quantity'>> & { option?: number; quantity?: number } {
  const email = text(input.email);
  const errors: FieldErrors = {};
  if (email !== null && (!EMAIL.test(email) || email.length > 254)) errors.email = ['Enter a valid e-mail address.'];
  const syncOn = text(input.sync_on) ?? email;
  if (syncOn !== null && syncOn.length > 254) errors.sync_on = ['At most 254 characters.'];
  if (input.option !== undefined && (!Number.isSafeInteger(input.option) || input.option < 0)) errors.option = ['A whole number, 0 or more.'];
  if (input.quantity !== undefined && (!Number.isSafeInteger(input.quantity) || input.quantity < 1 || input.quantity > MAX_QUANTITY)) {
    errors.quantity = [`A whole number from 1 to ${MAX_QUANTITY}.`];
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { plan: input.plan.trim(), option: input.option, quantity: input.quantity, full_name: text(input.full_name), email, sync_on: syncOn };
}

/** The plan a cart item names (the plans' one resolver): it must exist and be for sale. */
export async function planForCart(core: Core, slug: string): Promise<PlanRow> {
  let plan: PlanRow;
  try {
    plan = await findPlan(core, { slug });
  } catch (error) {
    // Named in a body, an unknown plan is a field at fault, not a missing resource.
    if (error instanceof NotFound) throw new Invalid('plan', `There is no plan "${slug}".`);
    throw error;
  }
  if (!plan.is_active) throw new Invalid('plan', `The plan "${plan.slug}" is not for sale.`);
  return plan;
}

/** Checkout offers option 1 (one period) and one more per advance discount of the plan. */
export function optionsOf(plan: PlanRow): number {
  return 1 + (Array.isArray(plan.advance_discounts) ? plan.advance_discounts.length : 0);
}

export function checkOption(plan: PlanRow, option: number | undefined): void {
  if (option === undefined || option === 0) return;
  const options = optionsOf(plan);
  if (option > options) {
    throw new Invalid('option', `The plan "${plan.slug}" offers ${options === 1 ? 'one option (1)' : `options 1 to ${options}`}; 0 leaves the choice to checkout.`);
  }
}

export function sameBeneficiary(a: string | null, b: string | null): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

export type Normalized = ReturnType<typeof normalize>;

/**
 * Puts one item in a user's cart: an item of the same plan for the same beneficiary is
 * updated (its option, quantity and names, when given), otherwise a new one is added.
 */
export async function putItem(tx: Db, userId: number, plan: PlanRow, item: Normalized, now: Date, couponId?: number | null): Promise<{ row: CartItemRow; created: boolean }> {
  const existing = (await tx.selectFrom('cart_items').selectAll()
    .where('user_id', '=', userId).where('plan_id', '=', plan.id).where('recorded_at', 'is', null)
    .orderBy('id').execute())
    .find((row) => sameBeneficiary(row.sync_on, item.sync_on));
  if (existing) {
    if (existing.coupon_id !== null) {
      // The item holds a claim coupon: it must stay one seat for the redeemer (claimRefusal).
      const held = await tx.selectFrom('coupons').select('code').where('id', '=', existing.coupon_id).executeTakeFirst();
      const reason = held && isClaimCode(held.code) ? claimRefusal([{
        quantity: item.quantity ?? existing.quantity,
        full_name: item.full_name ?? existing.full_name,
        email: item.email ?? existing.email,
        sync_on: existing.sync_on,
      }]) : null;
      if (reason) throw new Invalid({ [(item.quantity ?? existing.quantity) !== 1 ? 'quantity' : 'email']: [reason] }, undefined, 'coupon.claim_single_seat');
    }
    const changes = {
      ...(item.option ? { option: item.option } : {}),
      ...(item.quantity !== undefined ? { quantity: item.quantity } : {}),
      ...(item.full_name !== null ? { full_name: item.full_name } : {}),
      ...(item.email !== null ? { email: item.email } : {}),
      ...(couponId && !existing.coupon_id ? { coupon_id: couponId } : {}),
    };
    // The same item added again with nothing new: an UPDATE with no column is no SQL at all.
    if (!Object.keys(changes).length) return { row: existing, created: false };
    const row = await tx.updateTable('cart_items').set(changes)
      .where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
    return { row, created: false };
  }
  const count = await tx.selectFrom('cart_items').select(sql<number>`count(*)`.as('n'))
    .where('user_id', '=', userId).where('recorded_at', 'is', null).executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_CART_ITEMS) {
    throw new BadRequest(`A cart holds at most ${MAX_CART_ITEMS} items: check out or remove some first.`, 'cart.too_large');
  }
  const row = await tx.insertInto('cart_items').values({
    user_id: userId,
    plan_id: plan.id,
    option: item.option ?? 0,
    quantity: item.quantity ?? 1,
    coupon_id: couponId ?? null,
    full_name: item.full_name,
    email: item.email,
    sync_on: item.sync_on,
    created_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return { row, created: true };
}

export async function viewsOf(db: Db, rows: CartItemRow[]): Promise<CartItemView[]> {
  if (!rows.length) return [];
  const plans = await db.selectFrom('plans').select(['id', 'slug']).where('id', 'in', [...new Set(rows.map((r) => r.plan_id))]).execute();
  const couponIds = [...new Set(rows.map((r) => r.coupon_id).filter((id): id is number => id !== null))];
  const coupons = couponIds.length ? await db.selectFrom('coupons').select(['id', 'code']).where('id', 'in', couponIds).execute() : [];
  const slugOf = new Map(plans.map((p) => [p.id, p.slug]));
  const codeOf = new Map(coupons.map((c) => [c.id, c.code]));
  return rows.map((row) => ({
    plan: slugOf.get(row.plan_id)!,
    option: row.option,
    quantity: row.quantity,
    full_name: row.full_name,
    email: row.email,
    sync_on: row.sync_on,
    coupon: row.coupon_id === null ? null : codeOf.get(row.coupon_id) ?? null,
    created_at: row.created_at,
  }));
}

export function anonymousView(item: AnonymousCartItem): CartItemView {
  return { ...item, created_at: new Date(item.created_at) };
}

// ---------------------------------------------------------------------------------------
// The anonymous cart's cookie.

/** The cookie's value for these items: base64url JSON. */
export function encodeAnonymousCart(items: AnonymousCartItem[]): string {
  return Buffer.from(JSON.stringify(items)).toString('base64url');
}

function str(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length <= max && value.trim() !== '' ? value : null;
}

/**
 * The items of a cart cookie. The visitor's browser holds it, so anything malformed or
 * out of bounds is dropped, never trusted: each item is checked again when it is used.
 */
export function parseAnonymousCart(raw: string | null | undefined): AnonymousCartItem[] {
  if (!raw || raw.length > MAX_ANONYMOUS_CART_BYTES * 2) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const items: AnonymousCartItem[] = [];
  for (const value of parsed.slice(0, MAX_ANONYMOUS_ITEMS)) {
    if (!value || typeof value !== 'object') continue;
    const v = value as Record<string, unknown>;
    const plan = str(v.plan, 150);
    if (!plan) continue;
    const option = Number.isSafeInteger(v.option) && (v.option as number) >= 0 && (v.option as number) <= 1000 ? v.option as number : 0;
    const quantity = Number.isSafeInteger(v.quantity) && (v.quantity as number) >= 1 && (v.quantity as number) <= MAX_QUANTITY ? v.quantity as number : 1;
    const createdAt = typeof v.created_at === 'string' && !Number.isNaN(Date.parse(v.created_at)) ? v.created_at : new Date(0).toISOString();
    items.push({
      plan, option, quantity,
      full_name: str(v.full_name, 150), email: str(v.email, 254), sync_on: str(v.sync_on, 254),
      coupon: str(v.coupon, 50), created_at: createdAt,
    });
  }
  return items;
}

/** Adds or updates items in an anonymous cart, under the same rule as a user's cart. */
export function putAnonymous(cart: AnonymousCartItem[], plan: PlanRow, item: Normalized, now: Date): AnonymousCartItem {
  const existing = cart.find((c) => c.plan.toLowerCase() === plan.slug.toLowerCase() && sameBeneficiary(c.sync_on, item.sync_on));
  if (existing) {
    if (item.option) existing.option = item.option;
    if (item.quantity !== undefined) existing.quantity = item.quantity;
    if (item.full_name !== null) existing.full_name = item.full_name;
    if (item.email !== null) existing.email = item.email;
    return existing;
  }
  if (cart.length >= MAX_ANONYMOUS_ITEMS) {
    throw new BadRequest(`A cart kept before logging in holds at most ${MAX_ANONYMOUS_ITEMS} items: log in to add more.`, 'cart.too_large');
  }
  const added: AnonymousCartItem = {
    plan: plan.slug, option: item.option ?? 0, quantity: item.quantity ?? 1,
    full_name: item.full_name, email: item.email, sync_on: item.sync_on, coupon: null, created_at: now.toISOString(),
  };
  cart.push(added);
  return added;
}

export function checkCookieSize(cart: AnonymousCartItem[]): void {
  if (encodeAnonymousCart(cart).length > MAX_ANONYMOUS_CART_BYTES) {
    throw new BadRequest('This cart is too large to keep before logging in: log in to add more.', 'cart.too_large');
  }
}

export async function userItems(db: Db, userId: number): Promise<CartItemRow[]> {
  return db.selectFrom('cart_items').innerJoin('plans', 'plans.id', 'cart_items.plan_id')
    .selectAll('cart_items')
    .where('cart_items.user_id', '=', userId).where('cart_items.recorded_at', 'is', null)
    .orderBy('plans.slug').orderBy('cart_items.id')
    .execute();
}

/** An item a coupon may discount, as the claim rule reads it. */
interface ClaimCandidate {
  quantity: number;
  full_name: string | null;
  email: string | null;
  sync_on: string | null;
}

/**
 * Why a claim coupon (`cpn_`, a group buy's paid seat) may not discount these items, or
 * null when it may: it pays exactly one seat, so it fits one item, of quantity 1, bought for
 * the redeemer (no group-buy fields). Otherwise one claim would pay many seats, each minting
 * a claim of its own.
 */
export function claimRefusal(items: ClaimCandidate[]): string | null {
  if (items.length !== 1) return 'A claim coupon pays exactly one seat: keep only the item it is for in the cart.';
  const [item] = items as [ClaimCandidate];
  if (item.quantity !== 1) return 'A claim coupon pays exactly one seat: set the item\'s quantity to 1.';
  if (item.full_name !== null || item.email !== null || item.sync_on !== null) {
    return 'A claim coupon pays the redeemer\'s own seat: the item may not be bought for someone else (sync_on, email, full_name).';
  }
  return null;
}

export function claimRefused(code: string, reason: string): BadRequest {
  return new BadRequest(`The coupon ${code} cannot be applied: ${reason}`, 'coupon.claim_single_seat', { code: [reason] });
}
