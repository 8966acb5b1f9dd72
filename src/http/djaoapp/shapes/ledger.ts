// Ledger rows and charges in DjaoApp's field names.
import type { Static } from '@fastify/type-provider-typebox';
import { readableAmount } from '../../../core/billing/amounts.js';
import { isDebit, type StatementRow } from '../../../core/billing/statements.js';
import type { Charge, Transaction } from '../schemas/ledger.js';
import { iso } from './common.js';

/** A row as seen by `organizationId` (null for the broker's whole-ledger view, where nothing is a debit). */
export function transactionJson(row: StatementRow, organizationId: number | null): Static<typeof Transaction> {
  const debit = isDebit(row, organizationId);
  return {
    created_at: iso(row.created_at),
    description: row.descr,
    amount: debit ? readableAmount(row.orig_amount, row.orig_unit, true) : readableAmount(row.dest_amount, row.dest_unit),
    is_debit: debit,
    orig_account: row.orig_account,
    orig_organization: row.orig_organization,
    orig_amount: Number(row.orig_amount),
    orig_unit: row.orig_unit,
    dest_account: row.dest_account,
    dest_organization: row.dest_organization,
    dest_amount: Number(row.dest_amount),
    dest_unit: row.dest_unit,
  };
}

export interface ChargeLike {
  created_at: Date;
  amount: number;
  unit: string;
  description: string;
  last4: string | null;
  exp_date: string | null;
  processor_key: string;
  state: 'created' | 'done' | 'failed' | 'disputed';
}

export function chargeJson(charge: ChargeLike): Static<typeof Charge> {
  return {
    created_at: iso(charge.created_at),
    amount: Number(charge.amount),
    unit: charge.unit,
    readable_amount: readableAmount(Number(charge.amount), charge.unit),
    description: charge.description,
    last4: charge.last4,
    exp_date: charge.exp_date,
    processor_key: charge.processor_key,
    state: charge.state,
  };
}
