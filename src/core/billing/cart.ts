// The cart: the plans a visitor means to buy, before checkout picks the organization that
// pays. A logged-in user's cart is rows of cart_items; an anonymous visitor's lives in a
// cookie and joins the user's cart at login or activation. An item names a plan, the checkout
// option chosen (0: none yet), a quantity, the coupon redeemed on it and, for a group buy, who
// the subscription is for (full_name, email, sync_on). Checkout (checkout.ts) orders the
// waiting rows and records them; recorded items stay, as the trace of each coupon's use.
// This file holds the cart's operations; what an item is, its rules and how it is kept (the
// rows, the cookie's format) are in cart-items.ts.
import { sql } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { Db } from '../../db/database.js';
import { BadRequest, Invalid } from '../errors.js';
import {
  couponAppliesTo, couponsWithCode, isClaimCode, spendCouponUse, type PlanRow,
} from './coupons.js';
import { findPlan } from './plans.js';
import {
  anonymousView, checkCookieSize, checkOption, claimRefusal, claimRefused, EMAIL, MAX_UPLOAD_ROWS, normalize, optionsOf, planForCart,
  putAnonymous, putItem, requireUser, userItems, viewsOf,
  type AnonymousCartItem, type CartItemInput, type CartItemRow, type CartItemView, type CartLine, type Normalized,
} from './cart-items.js';

// What the other modules take from the cart, whichever of its two files it is in.
export {
  encodeAnonymousCart, parseAnonymousCart, MAX_ANONYMOUS_CART_BYTES, MAX_ANONYMOUS_ITEMS, MAX_CART_ITEMS, MAX_QUANTITY, MAX_UPLOAD_ROWS,
  type AnonymousCartItem, type CartItemInput, type CartItemRow, type CartItemView, type CartLine,
} from './cart-items.js';

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
