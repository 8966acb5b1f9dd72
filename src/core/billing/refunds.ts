// Refunds of a charge's lines. Three steps, because the processor is a network call and
// never runs inside a unit of work:
// 1. reserve (a unit): the charge and the providers locked, each line checked against
//    what is left on it (refunds done and reserved alike) and against the provider's funds,
//    and a pending `charge_refunds` row written per line;
// 2. refund at the processor, each line with its own idempotency key (`refund_<id>`);
// 3. book (a unit per line): the refund's rows, the line marked done, once.
// A reservation left pending (a crash between 2 and 3, a processor out of reach) is
// finished by `recoverRefunds` with the same key: the card is refunded once, booked once.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import { inTransaction } from '../../db/unit-of-work.js';
import { BadRequest, Invalid } from '../errors.js';
import { balance, book, move, type LedgerRow } from './ledger.js';
import type { ChargeRow } from './charges.js';
import { authorizeChargeRefund, chargeItems, findCharge } from './charge-views.js';
import { brokerOrganizationId, processorOrganizationId } from './processors/index.js';
import { ProcessorNotFound, ProcessorUnavailable } from './processors/processor.js';
import { requireUser } from '../organizations/profiles.js';
import { readableAmount } from './amounts.js';

export interface RefundLine {
  /** The item's index in the charge, from 0. */
  num: number;
  /** Minor units of the charge's unit. */
  refunded_amount: number;
}

/** A line's refund event: `cha_<charge>/<item>/`, as djaodjin-saas names it. */
export function refundEventId(chargeId: number, itemId: number): string {
  return `cha_${chargeId}/${itemId}/`;
}

interface Shares {
  /** The processor fee and broker fee the charge kept, from its `cha_N/` rows. */
  processorFee: number;
  brokerFee: number;
}

/** What the charge's payment rows gave the processor (its fee) and the broker (its fee). */
async function sharesOf(core: Core, chargeId: number, processorId: number, brokerId: number): Promise<Shares> {
  const result = await sql<{ processor_fee: string | number | null; broker_fee: string | number | null }>`
    select sum(case when orig_organization_id = ${processorId} and orig_account = 'Backlog' and dest_account = 'Expenses' then orig_amount else 0 end) as processor_fee,
           sum(case when orig_organization_id = ${processorId} and orig_account = 'Funds' and dest_organization_id = ${brokerId} and dest_account = 'Funds' then orig_amount else 0 end) as broker_fee
      from ledger_transactions where event_id = ${`cha_${chargeId}/`}`.execute(core.db);
  const row = result.rows[0];
  return { processorFee: Number(row?.processor_fee ?? 0), brokerFee: Number(row?.broker_fee ?? 0) };
}

/** The share of a fee that goes back with `amount` of a charge of `total`: in proportion, rounded down. */
function proportion(fee: number, amount: number, total: number): number {
  return total > 0 ? Math.floor(fee * amount / total) : 0;
}

function notRefundable(charge: ChargeRow): BadRequest {
  return new BadRequest(`Charge ${charge.processor_key} is ${charge.state}: only a paid charge can be refunded.`, 'charge.not_refundable');
}

/**
 * Step 1: checks and reserves the lines, in one unit. Refuses the whole request when one
 * line cannot be refunded: nothing is reserved then.
 */
async function reserve(core: Core, charge: ChargeRow, lines: RefundLine[], userId: number): Promise<number[]> {
  const items = await chargeItems(core, charge.id);
  const processorId = await processorOrganizationId(core);
  const brokerId = await brokerOrganizationId(core);
  return core.transact(async (tx) => {
    const locked = await tx.selectFrom('charges').selectAll().where('id', '=', charge.id).forUpdate().executeTakeFirstOrThrow();
    if (locked.state !== 'done') throw notRefundable(locked);
    const providerIds = [...new Set(items.map((item) => item.providerId))].sort((a, b) => a - b);
    // Refunds of one provider's charges run one at a time: its funds are checked once.
    await sql`select id from organizations where id in (${sql.join(providerIds)}) order by id for update`.execute(tx);
    const shares = await sharesOf(core, charge.id, processorId, brokerId);
    const total = Number(locked.amount);
    const taken = await tx.selectFrom('charge_refunds').select(['charge_item_id', sql<string>`sum(amount)`.as('amount')])
      .where('charge_id', '=', charge.id).where('state', '<>', 'failed').groupBy('charge_item_id').execute();
    const takenOf = new Map(taken.map((row) => [row.charge_item_id, Number(row.amount)]));
    const lineErrors: string[] = [];
    const needed = new Map<number, number>();
    let chargeLeft = total - [...takenOf.values()].reduce((sum, amount) => sum + amount, 0);
    for (const line of lines) {
      const item = items.find((candidate) => candidate.position === line.num);
      if (!item) { lineErrors.push(`Line ${line.num}: the charge has no such line (it has ${items.length}).`); continue; }
      const left = Math.min(item.amount - (takenOf.get(item.id) ?? 0), chargeLeft);
      if (line.refunded_amount > left) {
        lineErrors.push(`Line ${line.num}: cannot refund ${readableAmount(line.refunded_amount, locked.unit)} while there is only ${readableAmount(Math.max(0, left), locked.unit)} left on the line.`);
        continue;
      }
      takenOf.set(item.id, (takenOf.get(item.id) ?? 0) + line.refunded_amount);
      chargeLeft -= line.refunded_amount;
      const back = line.refunded_amount - proportion(shares.processorFee, line.refunded_amount, total) - proportion(shares.brokerFee, line.refunded_amount, total);
      needed.set(item.providerId, (needed.get(item.providerId) ?? 0) + back);
    }
    if (lineErrors.length) throw new Invalid({ lines: lineErrors }, undefined, 'refund.exceeds_line');
    for (const [providerId, amount] of needed) {
      const funds = await balance(core, { organizationId: providerId, account: 'Funds', unit: locked.unit });
      // Lines reserved but not yet booked will take from these funds too.
      const pending = await sql<{ amount: string | number | null }>`
        select sum(r.amount) as amount from charge_refunds r
          join charge_items i on i.id = r.charge_item_id
          join ledger_transactions lt on lt.id = i.invoiced_id
         where r.state = 'pending' and lt.orig_organization_id = ${providerId}`.execute(tx);
      const available = funds - Number(pending.rows[0]?.amount ?? 0);
      if (amount > available) {
        throw new BadRequest(`The provider has ${readableAmount(Math.max(0, available), locked.unit)} of funds available; ${readableAmount(amount, locked.unit)} are required to refund.`, 'refund.insufficient_funds');
      }
    }
    const now = core.now();
    const ids: number[] = [];
    for (const line of lines) {
      const item = items.find((candidate) => candidate.position === line.num)!;
      const row = await tx.insertInto('charge_refunds').values({
        charge_id: charge.id, charge_item_id: item.id, amount: line.refunded_amount, created_by: userId, created_at: now, updated_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    return ids;
  });
}

/**
 * Step 3: books one refunded line, once (a unit; the reservation moves from pending to done
 * only here):
 *   S:Refunded -> P:Refund    the amount refunded (what the subscriber got back)
 *   Pr:Funds   -> Pr:Refund   the processor's fee it gave back
 *   B:Funds    -> Pr:Refund   the broker's fee, in proportion
 *   P:Funds    -> Pr:Refund   the rest, taken back from the provider
 * all on the line's event `cha_N/<item>/`.
 */
async function bookRefund(core: Core, refundId: number, answer: { refundKey: string; processorFeeReturned: number }): Promise<void> {
  const processorId = await processorOrganizationId(core);
  const brokerId = await brokerOrganizationId(core);
  await core.transact(async (tx) => {
    const refund = await tx.selectFrom('charge_refunds').selectAll().where('id', '=', refundId).forUpdate().executeTakeFirstOrThrow();
    if (refund.state !== 'pending') return;
    const charge = await tx.selectFrom('charges').selectAll().where('id', '=', refund.charge_id).executeTakeFirstOrThrow();
    const item = (await chargeItems(core, charge.id)).find((candidate) => candidate.id === refund.charge_item_id)!;
    const shares = await sharesOf(core, charge.id, processorId, brokerId);
    const amount = Number(refund.amount);
    const total = Number(charge.amount);
    const unit = charge.unit;
    const providerFunds = await balance(core, { organizationId: item.providerId, account: 'Funds', unit });
    const brokerBack = Math.min(proportion(shares.brokerFee, amount, total), amount);
    // The processor says what fee it gave back; the provider never goes below zero for it
    // (the reservation checked its funds with the fee in proportion).
    let feeBack = Math.min(Math.max(0, answer.processorFeeReturned), amount - brokerBack);
    feeBack = Math.max(feeBack, amount - brokerBack - Math.max(0, providerFunds));
    const distributed = amount - brokerBack - feeBack;
    const event = refundEventId(charge.id, item.id);
    const descr = `Charge ${charge.processor_key} refund for ${item.descr}`;
    const processor = { organizationId: processorId };
    const rows: LedgerRow[] = [
      move(amount, unit, { organizationId: charge.organization_id, account: 'Refunded' }, { organizationId: item.providerId, account: 'Refund' }, descr, event),
    ];
    if (feeBack > 0) rows.push(move(feeBack, unit, { ...processor, account: 'Funds' }, { ...processor, account: 'Refund' }, `${descr}: processor fee given back`, event));
    if (brokerBack > 0) rows.push(move(brokerBack, unit, { organizationId: brokerId, account: 'Funds' }, { ...processor, account: 'Refund' }, `${descr}: broker fee given back`, event));
    if (distributed > 0) rows.push(move(distributed, unit, { organizationId: item.providerId, account: 'Funds' }, { ...processor, account: 'Refund' }, `${descr}: distribution taken back`, event));
    await book(core, rows);
    await tx.updateTable('charge_refunds').set({
      state: 'done', refund_key: answer.refundKey, processor_fee_returned: feeBack, updated_at: core.now(),
    }).where('id', '=', refundId).execute();
  });
}

async function failRefund(core: Core, refundId: number, message: string): Promise<void> {
  await core.db.updateTable('charge_refunds').set({ state: 'failed', failure_message: message, updated_at: core.now() })
    .where('id', '=', refundId).where('state', '=', 'pending').execute();
}

/** Steps 2 and 3 for one reservation. Out of reach: left pending (for the recovery), and said. */
async function sendRefund(core: Core, refundId: number): Promise<'done' | 'failed' | 'pending'> {
  const refund = await core.db.selectFrom('charge_refunds').innerJoin('charges', 'charges.id', 'charge_refunds.charge_id')
    .select(['charge_refunds.amount', 'charge_refunds.state', 'charges.processor_key'])
    .where('charge_refunds.id', '=', refundId).executeTakeFirstOrThrow();
  if (refund.state !== 'pending') return refund.state;
  let answer: { refundKey: string; processorFeeReturned: number };
  try {
    answer = await core.processor.refund(refund.processor_key, Number(refund.amount), `refund_${refundId}`);
  } catch (error) {
    if (error instanceof ProcessorUnavailable) return 'pending';
    if (error instanceof ProcessorNotFound) {
      await failRefund(core, refundId, error.message);
      return 'failed';
    }
    throw error;
  }
  await bookRefund(core, refundId, answer);
  return 'done';
}

/**
 * `POST /api/billing/charges/{charge}/refund/`: refunds some lines of a paid charge, each
 * up to what is left on it. The provider's managers (of every provider the lines pay) and
 * the broker's managers may. Answers the charge.
 */
export async function refundCharge(core: Core, caller: Caller, processorKey: string, lines: RefundLine[]): Promise<ChargeRow> {
  if (inTransaction()) throw new Error('refundCharge calls the processor: run it outside a unit of work');
  const user = requireUser(caller);
  const charge = await findCharge(core, processorKey);
  const items = await chargeItems(core, charge.id);
  const named = lines.map((line) => items.find((item) => item.position === line.num)?.providerId).filter((id): id is number => id !== undefined);
  await authorizeChargeRefund(core, caller, charge, named.length ? named : items.map((item) => item.providerId));
  if (charge.state !== 'done') throw notRefundable(charge);
  if (!lines.length) throw new Invalid('lines', 'Name at least one line to refund.');
  const nums = lines.map((line) => line.num);
  if (new Set(nums).size !== nums.length) throw new Invalid('lines', 'Each line may be named once.');
  for (const line of lines) {
    if (!Number.isSafeInteger(line.refunded_amount) || line.refunded_amount <= 0) {
      throw new Invalid('lines', `Line ${line.num}: the amount to refund must be a whole number of cents, more than zero.`);
    }
  }
  const reserved = await reserve(core, charge, lines, user.userId);
  const outcomes = [];
  for (const id of reserved) outcomes.push(await sendRefund(core, id));
  if (outcomes.includes('pending')) {
    throw new BadRequest('The payment processor could not be reached: the refund will be completed when it answers again.', 'processor.unavailable');
  }
  if (outcomes.includes('failed')) throw new BadRequest('The payment processor refused the refund.', 'charge.not_refundable');
  return core.db.selectFrom('charges').selectAll().where('id', '=', charge.id).executeTakeFirstOrThrow();
}

/** Finishes the refunds left pending (a crash, a processor out of reach): the recovery job runs it. */
export async function recoverRefunds(core: Core): Promise<{ done: number; pending: number }> {
  const open = await core.db.selectFrom('charge_refunds').select('id').where('state', '=', 'pending').orderBy('id').execute();
  let done = 0;
  let pending = 0;
  for (const { id } of open) {
    const outcome = await sendRefund(core, id);
    if (outcome === 'pending') pending += 1;
    else done += 1;
  }
  return { done, pending };
}
