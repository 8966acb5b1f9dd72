// Events a processor pushes (Stripe's webhook): a charge that succeeded or failed after we
// stopped waiting, a dispute opened or closed. Each event is verified by its signature,
// handled once (processor_events), and acted on from the processor's current record of
// the charge rather than from the event's copy, which may be stale or out of order.
import type { Core } from '../context.js';
import { BadRequest, NotFound } from '../errors.js';
import { settleCharge } from './charges.js';
import { ProcessorNotFound, ProcessorUnavailable, WebhookSignatureError } from './processors/processor.js';
import { processorUnavailable } from './payment-methods.js';

const SETTLING = new Set([
  'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled',
  'charge.succeeded', 'charge.failed', 'charge.captured',
]);

export async function handleProcessorEvent(
  core: Core, payload: string, signature: string | undefined,
): Promise<{ received: true; handled: boolean }> {
  const { processor } = core;
  if (!processor.parseWebhook) throw new NotFound('webhook', `The ${processor.name} processor sends no webhook events.`, 'webhook.not_configured');
  let event;
  try {
    if (!signature) throw new WebhookSignatureError('The Stripe-Signature header is missing.');
    event = processor.parseWebhook(payload, signature);
  } catch (error) {
    if (error instanceof WebhookSignatureError) throw new BadRequest(`The event was refused: ${error.message}`, 'webhook.invalid_signature');
    throw error;
  }
  const seen = await core.db.selectFrom('processor_events').select('event_key')
    .where('processor', '=', processor.name).where('event_key', '=', event.eventKey).executeTakeFirst();
  if (seen) return { received: true, handled: false };

  const { chargeKey, idempotencyKey } = event;
  const charge = chargeKey || idempotencyKey
    ? await core.db.selectFrom('charges').select(['id', 'state']).where('processor', '=', processor.name)
      .where((eb) => eb.or([
        ...(chargeKey ? [eb('processor_key', '=', chargeKey)] : []),
        ...(idempotencyKey ? [eb('idempotency_key', '=', idempotencyKey)] : []),
      ])).executeTakeFirst()
    : undefined;
  if (charge && chargeKey) {
    if (SETTLING.has(event.kind) && charge.state === 'created') {
      // The processor's record, as it is now, settles the charge (booked once, whoever comes first).
      try {
        await settleCharge(core, charge.id, await processor.retrieveCharge(chargeKey));
      } catch (error) {
        // Stripe retries an event we did not acknowledge: a 503 brings it back later.
        if (error instanceof ProcessorUnavailable) throw processorUnavailable();
        // Unknown there: nothing to settle from; the recovery job will look again.
        if (!(error instanceof ProcessorNotFound)) throw error;
      }
    } else if (event.kind === 'charge.dispute.created' && charge.state === 'done') {
      await core.transact((tx) => tx.updateTable('charges').set({ state: 'disputed', updated_at: core.now() })
        .where('id', '=', charge.id).where('state', '=', 'done').execute());
    } else if (event.kind === 'charge.dispute.closed' && charge.state === 'disputed' && event.status === 'won') {
      await core.transact((tx) => tx.updateTable('charges').set({ state: 'done', updated_at: core.now() })
        .where('id', '=', charge.id).where('state', '=', 'disputed').execute());
    }
  }
  await core.db.insertInto('processor_events').values({ processor: processor.name, event_key: event.eventKey, kind: event.kind.slice(0, 100) })
    .onConflict((oc) => oc.columns(['processor', 'event_key']).doNothing()).execute();
  return { received: true, handled: true };
}
