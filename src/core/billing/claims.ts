// Group-buy claims: a buyer pays a seat for someone who has no organization here (or one
// the buyer may not see); the seat becomes a single-use 100% coupon whose code is mailed to
// the beneficiary. The coupon is made inactive with the order and turned on, and mailed,
// only once the order is paid: a declined card mints nothing anyone can use.
import type { Core } from '../context.js';

/** Claim codes are coupons named `cpn_...`: providers may not make or see such codes. */
export const CLAIM_PREFIX = 'cpn_';

/**
 * Turns on and mails the claims the given orders pay for. Joins the caller's unit of work
 * (the payment's, or a free checkout's); a claim already on is left alone, so settling a
 * payment twice mails once.
 */
export async function releaseClaims(core: Core, codes: string[], payerId: number): Promise<void> {
  if (!codes.length) return;
  await core.transact(async (tx) => {
    const released = await tx.updateTable('coupons').set({ is_active: true })
      .where('code', 'in', codes).where('is_active', '=', false).returning(['code', 'plan_id']).execute();
    if (!released.length) return;
    const payer = await tx.selectFrom('organizations').select(['slug', 'full_name']).where('id', '=', payerId).executeTakeFirstOrThrow();
    for (const claim of released) {
      const item = await tx.selectFrom('cart_items').select(['full_name', 'email', 'sync_on'])
        .where('claim_code', '=', claim.code).executeTakeFirst();
      const plan = claim.plan_id === null ? undefined
        : await tx.selectFrom('plans').select('title').where('id', '=', claim.plan_id).executeTakeFirst();
      const email = item?.email ?? item?.sync_on ?? null;
      if (!email || !plan) continue;
      await core.mailer.enqueue(tx, {
        to: email,
        template: 'group_buy_claim',
        context: {
          full_name: item?.full_name ?? email, payer: payer.full_name || payer.slug, plan: plan.title,
          code: claim.code, site: core.links.site(),
        },
      });
    }
  });
}

/** The claims a paid charge's items pay for (their orders' events are the claim codes). */
export async function releaseClaimsPaidBy(core: Core, chargeId: number, payerId: number): Promise<void> {
  const rows = await core.db.selectFrom('charge_items')
    .innerJoin('ledger_transactions as t', 't.id', 'charge_items.invoiced_id')
    .select('t.event_id').where('charge_items.charge_id', '=', chargeId)
    .where('t.event_id', 'like', `${CLAIM_PREFIX}%`).execute();
  await releaseClaims(core, rows.map((row) => row.event_id!).filter(Boolean), payerId);
}
