// The receipt of a charge: mailed when a charge is paid (settleCharge, in the unit that
// books the payment), and again on request (POST /api/billing/charges/{charge}/email/). It goes to the paying
// organization's e-mail address, or, when it has none, to the user who placed the order.
import type { Core } from '../context.js';
import { readableAmount } from './amounts.js';

/** Queues the receipt of a charge (joins the caller's unit, or opens one); returns where it goes, null when nowhere. */
export async function enqueueReceipt(core: Core, chargeId: number): Promise<string | null> {
  return core.transact(async (tx) => {
    const charge = await tx.selectFrom('charges')
      .innerJoin('organizations as payer', 'payer.id', 'charges.organization_id')
      .select([
        'charges.id', 'charges.processor_key', 'charges.amount', 'charges.unit', 'charges.created_at', 'charges.last4',
        'charges.exp_date', 'charges.description', 'charges.created_by', 'payer.slug', 'payer.full_name', 'payer.email',
      ])
      .where('charges.id', '=', chargeId).executeTakeFirst();
    if (!charge) return null;
    const items = await tx.selectFrom('charge_items')
      .innerJoin('ledger_transactions as t', 't.id', 'charge_items.invoiced_id')
      .select(['charge_items.position', 't.descr', 't.dest_amount', 't.dest_unit'])
      .where('charge_items.charge_id', '=', chargeId).orderBy('charge_items.position').execute();
    const lines = items.map((item) => `  ${item.position + 1}. ${item.descr}: ${readableAmount(Number(item.dest_amount), item.dest_unit)}`).join('\n');
    const context = {
      organization: charge.full_name || charge.slug,
      amount: readableAmount(Number(charge.amount), charge.unit),
      charge: charge.processor_key,
      date: charge.created_at.toISOString().slice(0, 10),
      card: charge.last4 ? `card ending in ${charge.last4}${charge.exp_date ? ` (expires ${charge.exp_date})` : ''}` : 'card',
      lines,
      site: core.links.site(),
    };
    if (charge.email) {
      await core.mailer.enqueue(tx, { to: charge.email, template: 'charge_receipt', context });
      return charge.email;
    }
    if (charge.created_by === null) return null;
    const user = await tx.selectFrom('users').select('email').where('id', '=', charge.created_by).executeTakeFirst();
    if (!user?.email) return null;
    await core.mailer.enqueueToUser(tx, charge.created_by, { template: 'charge_receipt', context });
    return user.email;
  });
}
