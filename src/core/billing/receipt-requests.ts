// Re-sending a charge's receipt on request (seed 004 #17): to the payer's e-mail address
// on file. Whoever may read the charge may ask; only a paid charge has a receipt.
import type { Caller, Core } from '../context.js';
import { BadRequest, Invalid } from '../errors.js';
import { authorizeChargeRead, findCharge } from './charge-views.js';
import { enqueueReceipt } from './receipts.js';

export async function resendReceipt(core: Core, caller: Caller, processorKey: string): Promise<{ chargeKey: string; email: string }> {
  const charge = await findCharge(core, processorKey);
  await authorizeChargeRead(core, caller, charge);
  if (charge.state !== 'done' && charge.state !== 'disputed') {
    throw new BadRequest(`Charge ${charge.processor_key} is ${charge.state}: only a paid charge has a receipt.`, 'receipt.not_paid');
  }
  const email = await enqueueReceipt(core, charge.id);
  if (!email) throw new Invalid('email', 'The paying organization has no e-mail address on file, nor has who placed the order.', 'email.missing');
  return { chargeKey: charge.processor_key, email };
}
