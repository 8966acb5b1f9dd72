// /api/billing/charges/...: charges made on cards through the processor, the broker's list
// of them, one charge read (brought up to date with the processor) and its refunds.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CHARGE_LIST, chargeItems, getCharge, listCharges } from '../../../core/billing/charge-views.js';
import { readableAmount } from '../../../core/billing/amounts.js';
import { refundCharge } from '../../../core/billing/refunds.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { errors, ref } from '../schemas/common.js';
import { Charge } from '../schemas/ledger.js';
import { chargeJson } from '../shapes/ledger.js';

const TAGS = ['billing'];

export const ChargeParams = Type.Object({
  charge: Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\w.-]+$', description: 'The processor\'s identifier of the charge (processor_key).' }),
});

const ChargesPage = Type.Object({
  ...PageOf(ref(Charge), '').properties,
  total: Type.String({ description: 'The sum of the paid charges in the list (all pages), in minor units of unit.' }),
  unit: Type.String({ description: 'Three-letter ISO 4217 code of the total\'s currency unit.' }),
}, { description: 'A page of charges, with their total.' });

const ChargeDetail = Type.Object({
  ...Charge.properties,
  line_items: Type.Array(Type.Object({
    num: Type.Integer({ description: 'The line, counting from zero (what a refund names).' }),
    description: Type.String({ description: 'What the line pays for (the order it pays).' }),
    amount: Type.Integer({ description: 'What the line paid, in minor units of the charge\'s unit.' }),
    readable_amount: Type.String({ description: 'The same, as people read it ("$112.00").' }),
  }), { description: 'Not in DjaoApp\'s API (its receipt page shows them): the lines the charge pays, in order.' }),
}, { description: 'A charge with the lines it pays.' });

const RefundBody = Type.Object({
  lines: Type.Array(Type.Object({
    num: Type.Integer({ minimum: 0, maximum: 10_000, description: 'The line (item) of the charge, counting from zero.' }),
    refunded_amount: Type.Integer({ minimum: 1, maximum: 1e13, description: 'What to refund on the line, in minor units: at most the line\'s amount less what was already refunded on it.' }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000, description: 'The lines to refund.' }),
}, { additionalProperties: false });

export const chargeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/billing/charges/', {
    schema: {
      operationId: 'listCharges',
      tags: TAGS,
      summary: 'Lists processor charges',
      description: 'The broker\'s managers list every charge made on a card, newest first, with the total of the paid ones. `q` searches the description, the processor\'s key and the payer\'s name; `o` orders by description, amount, full_name (of the payer) or created_at.',
      querystring: ListParams,
      response: { 200: ChargesPage, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, CHARGE_LIST, config);
    const page = await listCharges(core, request.caller, list);
    return { ...pageEnvelope(request, config, list, page, chargeJson), total: String(page.total), unit: page.unit };
  });

  app.get('/billing/charges/:charge/', {
    schema: {
      operationId: 'getCharge',
      tags: TAGS,
      summary: 'Retrieves a single processor charge',
      description: 'One charge, for its payer\'s members, the members of the providers it pays and the broker\'s managers. A charge still in progress is first looked up at the processor and settled from its answer.',
      params: ChargeParams,
      response: { 200: { ...ChargeDetail, description: 'The charge, with its lines.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const charge = await getCharge(core, request.caller, request.params.charge);
    const items = await chargeItems(core, charge.id);
    return {
      ...chargeJson(charge),
      line_items: items.map((item) => ({
        num: item.position, description: item.descr, amount: item.amount, readable_amount: readableAmount(item.amount, charge.unit),
      })),
    };
  });

  app.post('/billing/charges/:charge/refund/', {
    // Money moves: a retry with the same Idempotency-Key refunds once.
    config: { idempotent: true },
    schema: {
      operationId: 'refundCharge',
      tags: TAGS,
      summary: 'Refunds a processor charge',
      description: 'Refunds all or part of some lines of a paid charge to the card it was made on. A line is refunded at most what is left on it; the provider gives back what it received for it, the processor its fee in proportion. The managers of the providers the lines pay, and the broker\'s managers, may. 405 when the charge is not paid, or the provider\'s funds do not cover the refund.',
      params: ChargeParams,
      body: RefundBody,
      response: {
        200: ref(Charge, 'The charge, refunded.'),
        ...errors(400, 401, 403, 404, [405, 'The charge is not paid (created, failed, disputed), or the provider\'s funds do not cover the refund; nothing was refunded.']),
      },
    },
  }, async (request) => chargeJson(await refundCharge(core, request.caller, request.params.charge, request.body.lines)));
};
