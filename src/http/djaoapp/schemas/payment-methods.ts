// The card on file of a subscriber and the payout account of a provider, as DjaoApp shows them.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable } from './common.js';

export const Card = Type.Object({
  last4: Type.String({ description: 'Last 4 digits of the credit card on file.' }),
  exp_date: Type.String({ description: 'Expiration date of the credit card on file (MM/YYYY).' }),
  card_name: Nullable(Type.String({ description: 'Name on the card, as the processor has it.' })),
}, { $id: 'Card', description: 'The payment method (credit card) on file: never its number.' });

export const Bank = Type.Object({
  bank_name: Type.String({ description: 'Name of the deposit account ("N/A" when the processor has none).' }),
  last4: Type.String({ description: 'Last 4 characters of the deposit account identifier ("N/A" when none).' }),
  balance_amount: Type.Integer({ description: 'Amount available to transfer to the provider deposit account, in minor units.' }),
  balance_unit: Type.String({ description: 'Three-letter ISO 4217 code for currency unit (ex: usd).' }),
}, { $id: 'Bank', description: 'The payout (deposit) account of a provider and the funds it may be paid.' });
