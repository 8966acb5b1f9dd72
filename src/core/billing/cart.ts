// The cart: the plans a visitor means to buy, before checkout picks the organization that
// pays. A logged-in user's cart is rows of cart_items; an anonymous visitor's lives in a
// cookie (its format is this file's: encodeAnonymousCart / parseAnonymousCart) and joins the
// user's cart at login or activation. An item names a plan, the checkout option chosen
// (0: none yet), a quantity, the coupon redeemed on it and, for a group buy, who the
// subscription is for (full_name, email, sync_on). Checkout (checkout.ts) orders the waiting
// rows and records them; recorded items stay, as the trace of each coupon's use.
import { sql, type Selectable } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { Db } from '../../db/database.js';
import type { CartItemsTable } from '../../db/schema.js';
import { BadRequest, Invalid, NotFound, Unauthenticated, type FieldErrors } from '../errors.js';
import {
  couponAppliesTo, couponsWithCode, isClaimCode, spendCouponUse, type CouponRow, type PlanRow,
} from './coupons.js';
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

function requireUser(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return caller;
}

function text(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The item with its group-buy fields trimmed: an e-mail without sync_on names the beneficiary. */
function normalize(input: CartItemInput): Required<Omit<CartItemInput, 'option' | 'quantity'>> & { option?: number; quantity?: number } {
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
async function planForCart(core: Core, slug: string): Promise<PlanRow> {
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
function optionsOf(plan: PlanRow): number {
  return 1 + (Array.isArray(plan.advance_discounts) ? plan.advance_discounts.length : 0);
}

function checkOption(plan: PlanRow, option: number | undefined): void {
  if (option === undefined || option === 0) return;
  const options = optionsOf(plan);
  if (option > options) {
    throw new Invalid('option', `The plan "${plan.slug}" offers ${options === 1 ? 'one option (1)' : `options 1 to ${options}`}; 0 leaves the choice to checkout.`);
  }
}

function sameBeneficiary(a: string | null, b: string | null): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

type Normalized = ReturnType<typeof normalize>;

/**
 * Puts one item in a user's cart: an item of the same plan for the same beneficiary is
 * updated (its option, quantity and names, when given), otherwise a new one is added.
 */
async function putItem(tx: Db, userId: number, plan: PlanRow, item: Normalized, now: Date, couponId?: number | null): Promise<{ row: CartItemRow; created: boolean }> {
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

async function viewsOf(db: Db, rows: CartItemRow[]): Promise<CartItemView[]> {
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

function anonymousView(item: AnonymousCartItem): CartItemView {
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
function putAnonymous(cart: AnonymousCartItem[], plan: PlanRow, item: Normalized, now: Date): AnonymousCartItem {
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

function checkCookieSize(cart: AnonymousCartItem[]): void {
  if (encodeAnonymousCart(cart).length > MAX_ANONYMOUS_CART_BYTES) {
    throw new BadRequest('This cart is too large to keep before logging in: log in to add more.', 'cart.too_large');
  }
}

/**
 * Moves an anonymous visitor's items into a user's cart (at login or activation), in one
 * unit of work. Items that no longer fit (a plan withdrawn, an option gone) are dropped;
 * a coupon noted on an item is checked again and, when it still applies, takes one use.
 */
export async function mergeAnonymousCart(core: Core, userId: number, items: AnonymousCartItem[]): Promise<number> {
  if (!items.length) return 0;
  const now = core.now();
  return core.transact(async (tx) => {
    // One merge at a time per user: two logins racing with the same cookie add it once.
    await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
    let merged = 0;
    const couponItems = new Map<string, number[]>();
    for (const item of items) {
      let plan: PlanRow;
      let normalized: Normalized;
      try {
        normalized = normalize(item);
        plan = await planForCart(core, item.plan);
        checkOption(plan, normalized.option);
      } catch (error) {
        if (error instanceof Invalid) continue;
        throw error;
      }
      let row: CartItemRow;
      try {
        ({ row } = await putItem(tx, userId, plan, normalized, now));
      } catch (error) {
        // A full cart keeps what it has: logging in must not fail for the cart's sake.
        if (error instanceof BadRequest && error.code === 'cart.too_large') break;
        // An item holding a claim coupon keeps it, and is left as it was (claimRefusal).
        if (error instanceof Invalid && error.code === 'coupon.claim_single_seat') continue;
        throw error;
      }
      merged += 1;
      if (item.coupon) couponItems.set(item.coupon, [...(couponItems.get(item.coupon) ?? []), row.id]);
    }
    for (const [code, itemIds] of couponItems) await applyCoupon(core, tx, userId, code, now, itemIds, false);
    return merged;
  });
}

/** For a user: moves the cookie's items in first, so every answer shows one cart. */
async function withAnonymousMerged(core: Core, caller: UserCaller, anonymous: AnonymousCartItem[]): Promise<void> {
  if (anonymous.length) await mergeAnonymousCart(core, caller.userId, anonymous);
}

/** What a cart route answers, and the cookie to set: null leaves it as it is, [] clears it. */
export interface CartChange<T> {
  result: T;
  anonymous: AnonymousCartItem[] | null;
}

/** `POST /api/cart/`: adds one item or several, all or none. */
export async function addToCart(core: Core, caller: Caller, inputs: CartItemInput[], anonymous: AnonymousCartItem[]): Promise<CartChange<CartItemView[]>> {
  if (!inputs.length) throw new Invalid('plan', 'Give at least one item.');
  const now = core.now();
  const items = inputs.map(normalize);
  if (caller.kind !== 'user') {
    const cart = anonymous.map((item) => ({ ...item }));
    const added: AnonymousCartItem[] = [];
    for (const item of items) {
      const plan = await planForCart(core, item.plan);
      checkOption(plan, item.option);
      added.push(putAnonymous(cart, plan, item, now));
    }
    checkCookieSize(cart);
    return { result: added.map(anonymousView), anonymous: cart };
  }
  await withAnonymousMerged(core, caller, anonymous);
  const rows = await core.transact(async (tx) => {
    const put: CartItemRow[] = [];
    for (const item of items) {
      const plan = await planForCart(core, item.plan);
      checkOption(plan, item.option);
      put.push((await putItem(tx, caller.userId, plan, item, now)).row);
    }
    return put;
  });
  return { result: await viewsOf(core.db, rows), anonymous: anonymous.length ? [] : null };
}

/**
 * `DELETE /api/cart/`: removes the items of a plan, or those for one beneficiary's e-mail,
 * or (with neither) every item. Removing what is not there changes nothing.
 */
export async function removeFromCart(
  core: Core, caller: Caller, filter: { plan?: string; email?: string }, anonymous: AnonymousCartItem[],
): Promise<CartChange<null>> {
  const plan = filter.plan?.trim();
  const email = filter.email?.trim().toLowerCase();
  if (plan !== undefined) {
    await findPlan(core, { slug: plan });
  }
  const keep = (item: { plan: string; email: string | null }) =>
    !((plan === undefined || item.plan.toLowerCase() === plan.toLowerCase())
      && (email === undefined || (item.email ?? '').toLowerCase() === email));
  const cart = anonymous.filter(keep);
  if (caller.kind !== 'user') return { result: null, anonymous: cart };
  await withAnonymousMerged(core, caller, anonymous);
  await core.transact(async (tx) => {
    let query = tx.deleteFrom('cart_items').where('user_id', '=', caller.userId).where('recorded_at', 'is', null);
    if (plan !== undefined) query = query.where('plan_id', 'in', tx.selectFrom('plans').select('id').where(sql<boolean>`lower(slug) = ${plan.toLowerCase()}`));
    if (email !== undefined) query = query.where(sql<boolean>`lower(email) = ${email}`);
    await query.execute();
  });
  return { result: null, anonymous: anonymous.length ? [] : null };
}

/** `GET /api/cart/`: the items waiting in the caller's cart, as checkout will read them. */
export async function listCart(core: Core, caller: Caller, anonymous: AnonymousCartItem[]): Promise<CartChange<CartItemView[]>> {
  if (caller.kind === 'user') await withAnonymousMerged(core, caller, anonymous);
  const lines = await cartOf(core, caller, anonymous);
  return {
    result: lines.map((l) => ({
      plan: l.plan.slug, option: l.option, quantity: l.quantity, full_name: l.fullName, email: l.email, sync_on: l.syncOn,
      coupon: l.coupon?.code ?? null, created_at: l.createdAt,
    })),
    anonymous: caller.kind === 'user' && anonymous.length ? [] : null,
  };
}

async function userItems(db: Db, userId: number): Promise<CartItemRow[]> {
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
function claimRefusal(items: ClaimCandidate[]): string | null {
  if (items.length !== 1) return 'A claim coupon pays exactly one seat: keep only the item it is for in the cart.';
  const [item] = items as [ClaimCandidate];
  if (item.quantity !== 1) return 'A claim coupon pays exactly one seat: set the item\'s quantity to 1.';
  if (item.full_name !== null || item.email !== null || item.sync_on !== null) {
    return 'A claim coupon pays the redeemer\'s own seat: the item may not be bought for someone else (sync_on, email, full_name).';
  }
  return null;
}

function claimRefused(code: string, reason: string): BadRequest {
  return new BadRequest(`The coupon ${code} cannot be applied: ${reason}`, 'coupon.claim_single_seat', { code: [reason] });
}

/**
 * Applies the coupon `code` to the user's items it fits (the provider's that it is valid
 * for), inside the caller's unit. Each coupon newly applied takes one use. Returns how many
 * items carry it now; 0 when it fits none. A claim coupon that breaks the one-seat rule
 * (`claimRefusal`) is refused (`strict`, a redemption) or left unapplied (a cart merged at login).
 */
async function applyCoupon(core: Core, tx: Db, userId: number, code: string, now: Date, onlyIds?: number[], strict = true): Promise<number> {
  const candidates = (await couponsWithCode(core, code)).filter((c) => c.nb_attempts === null || c.nb_attempts > 0);
  if (!candidates.length) return 0;
  let query = tx.selectFrom('cart_items').innerJoin('plans', 'plans.id', 'cart_items.plan_id')
    .select(['cart_items.id', 'cart_items.coupon_id', 'cart_items.quantity', 'cart_items.full_name', 'cart_items.email', 'cart_items.sync_on',
      'plans.id as plan_id', 'plans.organization_id'])
    .where('cart_items.user_id', '=', userId).where('cart_items.recorded_at', 'is', null).where('plans.is_active', '=', true);
  if (onlyIds) query = query.where('cart_items.id', 'in', onlyIds.length ? onlyIds : [-1]);
  const items = await query.execute();
  if (isClaimCode(code)) {
    const fits = items.filter((item) => candidates.some((c) => couponAppliesTo(c, { id: item.plan_id, organization_id: item.organization_id }, now)));
    const reason = fits.length ? claimRefusal(fits) : null;
    if (reason) {
      if (strict) throw claimRefused(code, reason);
      return 0;
    }
  }
  let fitting = 0;
  const spent = new Set<number>();
  const exhausted = new Set<number>();
  for (const item of items) {
    const coupon = candidates.find((c) => couponAppliesTo(c, { id: item.plan_id, organization_id: item.organization_id }, now));
    if (!coupon) continue;
    fitting += 1;
    if (item.coupon_id === coupon.id) continue;
    if (exhausted.has(coupon.id)) { fitting -= 1; continue; }
    if (!spent.has(coupon.id)) {
      // Counted once per redemption, whatever the number of items it discounts.
      if (!(await spendCouponUse(core, coupon.id))) { exhausted.add(coupon.id); fitting -= 1; continue; }
      spent.add(coupon.id);
    }
    await tx.updateTable('cart_items').set({ coupon_id: coupon.id }).where('id', '=', item.id).execute();
  }
  return fitting;
}

/**
 * `POST /api/cart/redeem/`: applies a coupon to every item of the cart it fits. A user's
 * redemption takes one use of the coupon; a visitor's is noted in the cookie and counted
 * when their cart joins their account.
 */
export async function redeemCoupon(core: Core, caller: Caller, code: string, anonymous: AnonymousCartItem[]): Promise<CartChange<{ detail: string }>> {
  const trimmed = code.trim();
  const now = core.now();
  const applied = { detail: `Coupon '${trimmed}' was successfully applied.` };
  const refused = () => new BadRequest(`No items can be discounted using this coupon: ${trimmed}.`, 'coupon.not_applicable', { code: ['This coupon does not apply to any item of the cart.'] });
  if (caller.kind !== 'user') {
    const candidates = (await couponsWithCode(core, trimmed)).filter((c) => c.nb_attempts === null || c.nb_attempts > 0);
    const cart = anonymous.map((item) => ({ ...item }));
    const fits: AnonymousCartItem[] = [];
    for (const item of cart) {
      const plan = await core.db.selectFrom('plans').selectAll().where(sql<boolean>`lower(slug) = ${item.plan.toLowerCase()}`)
        .where('is_active', '=', true).executeTakeFirst();
      if (plan && candidates.some((c) => couponAppliesTo(c, plan, now))) fits.push(item);
    }
    if (!fits.length) throw refused();
    const reason = isClaimCode(trimmed) ? claimRefusal(fits) : null;
    if (reason) throw claimRefused(trimmed, reason);
    for (const item of fits) item.coupon = trimmed;
    return { result: applied, anonymous: cart };
  }
  await withAnonymousMerged(core, caller, anonymous);
  const fitting = await core.transact((tx) => applyCoupon(core, tx, caller.userId, trimmed, now));
  if (!fitting) throw refused();
  return { result: applied, anonymous: anonymous.length ? [] : null };
}

// ---------------------------------------------------------------------------------------
// Bulk upload of seats.

export interface SeatRow {
  first_name: string;
  last_name: string;
  email: string;
}

export interface SeatUpload {
  created: SeatRow[];
  updated: SeatRow[];
  failed: (Partial<SeatRow> & { detail: string })[];
}

/** RFC 4180 records: commas, double quotes around fields, "" for a quote inside one. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i += 1) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i += 1;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

/**
 * `POST /api/cart/{plan}/upload/`: puts the plan in the caller's cart once per person of
 * a header-less CSV (first_name,last_name,email, or full_name,email), each a group-buy
 * item for that person. A row already in the cart is updated. One unit of work.
 */
export async function uploadSeats(core: Core, caller: Caller, planSlug: string, csv: string): Promise<SeatUpload> {
  const user = requireUser(caller);
  // The plan is in the path: unknown is a 404; withdrawn from sale, a 400.
  await findPlan(core, { slug: planSlug });
  const plan = await planForCart(core, planSlug);
  const records = parseCsv(csv);
  if (records.length > MAX_UPLOAD_ROWS) {
    throw new BadRequest(`At most ${MAX_UPLOAD_ROWS} rows per upload; this file has ${records.length}.`, 'cart.too_large', { file: [`At most ${MAX_UPLOAD_ROWS} rows.`] });
  }
  const answer: SeatUpload = { created: [], updated: [], failed: [] };
  const now = core.now();
  await core.transact(async (tx) => {
    for (const record of records) {
      const fields = record.map((f) => f.trim());
      let seat: SeatRow;
      if (fields.length === 3) seat = { first_name: fields[0]!, last_name: fields[1]!, email: fields[2]! };
      else if (fields.length === 2) {
        const [first, ...rest] = fields[0]!.split(/\s+/);
        seat = { first_name: first ?? '', last_name: rest.join(' '), email: fields[1]! };
      } else {
        answer.failed.push({ detail: `Expected first_name,last_name,email; got ${fields.length} field(s).` });
        continue;
      }
      const fullName = `${seat.first_name} ${seat.last_name}`.trim();
      if (!EMAIL.test(seat.email) || seat.email.length > 254) {
        answer.failed.push({ ...seat, detail: 'Enter a valid e-mail address.' });
        continue;
      }
      if (fullName.length > 150) {
        answer.failed.push({ ...seat, detail: 'The name is longer than 150 characters.' });
        continue;
      }
      const { created } = await putItem(tx, user.userId, plan, {
        plan: plan.slug, full_name: fullName || null, email: seat.email, sync_on: seat.email,
      }, now);
      (created ? answer.created : answer.updated).push(seat);
    }
  });
  return answer;
}

// ---------------------------------------------------------------------------------------
// For checkout.

/**
 * The caller's cart, sorted by plan then age. A user's comes from the database (cookie
 * items joined it at login), items of plans withdrawn since included (checkout refuses
 * them: the user sees them to remove them); `cookieItems` are read only for an anonymous
 * caller, and those of withdrawn plans dropped. A coupon is given only while it applies.
 */
export async function cartOf(core: Core, caller: Caller, cookieItems: AnonymousCartItem[]): Promise<CartLine[]> {
  const now = core.now();
  if (caller.kind !== 'user') {
    const lines: CartLine[] = [];
    for (const item of cookieItems) {
      const plan = await core.db.selectFrom('plans').selectAll().where(sql<boolean>`lower(slug) = ${item.plan.toLowerCase()}`)
        .where('is_active', '=', true).executeTakeFirst();
      if (!plan) continue;
      const coupon = item.coupon ? (await couponsWithCode(core, item.coupon)).find((c) => couponAppliesTo(c, plan, now)) ?? null : null;
      lines.push({
        // The cookie is the visitor's to edit: an option the plan does not offer is no choice.
        id: null, plan, option: item.option <= optionsOf(plan) ? item.option : 0, quantity: item.quantity, coupon,
        fullName: item.full_name, email: item.email, syncOn: item.sync_on, claimCode: null, createdAt: new Date(item.created_at),
      });
    }
    return lines.sort((a, b) => a.plan.slug.localeCompare(b.plan.slug) || a.createdAt.getTime() - b.createdAt.getTime());
  }
  const rows = await userItems(core.db, caller.userId);
  if (!rows.length) return [];
  const plans = await core.db.selectFrom('plans').selectAll().where('id', 'in', [...new Set(rows.map((r) => r.plan_id))]).execute();
  const couponIds = [...new Set(rows.map((r) => r.coupon_id).filter((id): id is number => id !== null))];
  const coupons = couponIds.length ? await core.db.selectFrom('coupons').selectAll().where('id', 'in', couponIds).execute() : [];
  const planOf = new Map(plans.map((p) => [p.id, p]));
  const couponOf = new Map(coupons.map((c) => [c.id, c]));
  return rows.map((row) => {
    const plan = planOf.get(row.plan_id)!;
    const coupon = row.coupon_id === null ? null : couponOf.get(row.coupon_id) ?? null;
    return {
      id: row.id, plan, option: row.option <= optionsOf(plan) ? row.option : 0, quantity: row.quantity,
      coupon: coupon && couponAppliesTo(coupon, plan, now) ? coupon : null,
      fullName: row.full_name, email: row.email, syncOn: row.sync_on, claimCode: row.claim_code, createdAt: row.created_at,
    };
  });
}
