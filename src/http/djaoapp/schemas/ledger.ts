// The ledger as DjaoApp shows it: transactions (one row of the double-entry ledger, seen
// from the organization a statement is about) and processor charges.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable } from './common.js';

const unit = (description = 'Three-letter ISO 4217 code for the currency unit (ex: usd).') => Type.String({ description });

export const Transaction = Type.Object({
  created_at: Type.String({ format: 'date-time', description: 'When the transaction was booked.' }),
  description: Type.String({ description: 'What the transaction is, in free-form text.' }),
  amount: Type.String({ description: 'The amount as people read it ("$112.00"), in parentheses when it is a debit for the organization of the statement.' }),
  is_debit: Type.Boolean({ description: 'True when, for the organization of the statement, money goes out (a payment, a refund, a payout).' }),
  orig_account: Type.String({ description: 'Account the amount is taken from (Funds, Liability, Receivable...).' }),
  orig_organization: Type.String({ description: 'Slug of the organization the amount is taken from.' }),
  orig_amount: Type.Integer({ description: 'Amount taken from the source, in minor units of orig_unit.' }),
  orig_unit: unit(),
  dest_account: Type.String({ description: 'Account the amount goes to (Funds, Payable, Refund...).' }),
  dest_organization: Type.String({ description: 'Slug of the organization the amount goes to.' }),
  dest_amount: Type.Integer({ description: 'Amount deposited into the target, in minor units of dest_unit.' }),
  dest_unit: unit(),
}, { $id: 'Transaction', description: 'One row of the double-entry ledger.' });

export const Charge = Type.Object({
  created_at: Type.String({ format: 'date-time', description: 'When the charge was made.' }),
  amount: Type.Integer({ description: 'Total amount, in minor units of unit.' }),
  unit: unit(),
  readable_amount: Type.String({ description: 'The amount and unit as people read them ("$1121.20").' }),
  description: Type.String({ description: 'The charge as it appears on billing statements.' }),
  last4: Nullable(Type.String({ description: 'Last 4 digits of the card charged.' })),
  exp_date: Nullable(Type.String({ description: 'Expiration date of the card charged.' })),
  processor_key: Type.String({ description: 'The processor\'s identifier of the charge; the charge\'s identifier in URLs.' }),
  state: Type.Union([Type.Literal('created'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('disputed')], {
    description: 'created (sent to the processor), done (paid), failed (declined), or disputed (the card holder contests it).',
  }),
}, { $id: 'Charge', description: 'A charge made on a card through the payment processor.' });
