// /api/billing/{organization}/card/ and /bank/: the card on file of a subscriber and the
// payout account of a provider, passed through to the payment processor.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deleteCard, getBank, getCard, updateCard, type BankView, type CardView } from '../../../core/billing/payment-methods.js';
import { NoContent, Nullable, OrganizationParams, errors, ref } from '../schemas/common.js';
import { Bank, Card } from '../schemas/payment-methods.js';

const TAGS = ['billing'];

const optionalText = (description: string, maxLength = 255) => Type.Optional(Nullable(Type.String({ maxLength, description })));

const CardBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 255, description: 'Processor token of the card (from the processor\'s card form): `tok_visa`... with the test processor.' }),
  full_name: optionalText('Full name (the name on the card).', 150),
  email: optionalText('E-mail address for the account.', 254),
  phone: optionalText('Phone number.', 50),
  street_address: optionalText('Street address.'),
  locality: optionalText('City/Town.'),
  region: optionalText('State/Province/County.'),
  postal_code: optionalText('Zip/Postal code.', 50),
  country: optionalText('Country.', 100),
}, { additionalProperties: false });

const cardJson = (card: CardView) => ({ last4: card.last4, exp_date: card.expDate, card_name: card.name });
const bankJson = (bank: BankView) => ({
  bank_name: bank.bankName, last4: bank.last4, balance_amount: bank.balanceAmount, balance_unit: bank.balanceUnit,
});

export const paymentMethodRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/billing/processor/', {
    schema: {
      operationId: 'getProcessor',
      tags: TAGS,
      summary: 'Retrieves the payment processor',
      security: [],
      description: 'Not in DjaoApp (its pages get this from their templates): which processor turns a card into the one-time token that checkout and the card on file take, for anyone. `test` is the built-in offline processor, whose tokens are its test cards (`tok_visa`...); `stripe` needs Stripe.js with `publishable_key` in the browser, so card numbers go to Stripe only.',
      response: {
        200: Type.Object({
          processor: Type.Union([Type.Literal('test'), Type.Literal('stripe')], { description: 'test or stripe.' }),
          publishable_key: Nullable(Type.String({ description: 'Stripe\'s publishable key (null with the test processor, or when not set).' })),
        }, { description: 'The processor.' }),
        ...errors(429),
      },
    },
  }, async () => ({ processor: core.config.processor, publishable_key: core.config.stripe?.publishableKey ?? null }));

  app.get('/billing/:organization/bank/', {
    schema: {
      operationId: 'getBank',
      tags: TAGS,
      summary: 'Retrieves a payout account',
      description: 'The deposit account the processor pays a provider into (bank name and last characters, "N/A" when there is none) and the funds the provider holds, ready to be paid out. Reading it pays nothing. For the organization\'s members and the broker\'s managers.',
      params: OrganizationParams,
      response: { 200: ref(Bank, 'The payout account.'), ...errors(400, 401, 403, 404, 503) },
    },
  }, async (request) => bankJson(await getBank(core, request.caller, { slug: request.params.organization })));

  app.get('/billing/:organization/card/', {
    schema: {
      operationId: 'getCard',
      tags: TAGS,
      summary: 'Retrieves a payment method',
      description: 'The card on file of a subscriber as the processor holds it now: last 4 digits, expiry and name, never the number. 404 when there is no card on file.',
      params: OrganizationParams,
      response: { 200: ref(Card, 'The card on file.'), ...errors(400, 401, 403, 404, 503) },
    },
  }, async (request) => cardJson(await getCard(core, request.caller, { slug: request.params.organization })));

  const update = {
    params: OrganizationParams,
    body: CardBody,
    response: { 200: ref(Card, 'The new card on file.'), ...errors(400, 401, 403, 404, 503) },
  };
  app.put('/billing/:organization/card/', {
    schema: {
      operationId: 'updateCard',
      tags: TAGS,
      summary: 'Updates a payment method',
      description: 'Replaces the card on file with the card a processor token stands for; the processor checks it first, and a declined card (400 naming `token`) leaves the card on file as it was. Renewals and later checkouts without a token charge this card. For the organization\'s managers and the broker\'s.',
      ...update,
    },
  }, async (request) => cardJson(await updateCard(core, request.caller, { slug: request.params.organization }, request.body)));

  app.patch('/billing/:organization/card/', {
    schema: {
      operationId: 'patchCard',
      tags: TAGS,
      summary: 'Updates a payment method (alias)',
      description: 'The same as PUT: a card is replaced as a whole, from a processor token.',
      ...update,
    },
  }, async (request) => cardJson(await updateCard(core, request.caller, { slug: request.params.organization }, request.body)));

  app.delete('/billing/:organization/card/', {
    schema: {
      operationId: 'deleteCard',
      tags: TAGS,
      summary: 'Deletes a payment method',
      description: 'Removes the card on file, at the processor and here; later charges need a new card. 404 when there is none.',
      params: OrganizationParams,
      response: { 204: NoContent('The card was removed.'), ...errors(400, 401, 403, 404, 503) },
    },
  }, async (request, reply) => {
    await deleteCard(core, request.caller, { slug: request.params.organization });
    return reply.code(204).send(null);
  });
};
