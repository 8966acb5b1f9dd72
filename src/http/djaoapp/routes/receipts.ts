// POST /api/billing/charges/{charge}/email/: the receipt of a charge, mailed again.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { resendReceipt } from '../../../core/billing/receipt-requests.js';
import { errors } from '../schemas/common.js';

const ChargeParams = Type.Object({
  charge: Type.String({ minLength: 1, maxLength: 255, description: 'The processor\'s identifier of the charge (its processor_key).' }),
});

export const receiptRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.post('/billing/charges/:charge/email/', {
    schema: {
      operationId: 'emailChargeReceipt',
      tags: ['billing'],
      summary: 'Re-sends a charge receipt',
      description: 'Mails the receipt of a paid charge again: its lines and total, to the paying organization\'s e-mail address on file '
        + '(or, when it has none, to whoever placed the order). Whoever may read the charge may ask: its payer\'s members, the members of '
        + 'the providers it pays and the broker\'s managers. A charge not paid (created or failed) has no receipt: 400.',
      params: ChargeParams,
      response: {
        200: Type.Object({
          charge_id: Type.String({ description: 'The charge (its processor_key).' }),
          email: Type.String({ description: 'Where the receipt was sent.' }),
        }, { description: 'The receipt is on its way.' }),
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const sent = await resendReceipt(core, request.caller, request.params.charge);
    return { charge_id: sent.chargeKey, email: sent.email };
  });
};
