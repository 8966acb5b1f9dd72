// The charge machinery: a charge is created with the order it pays (in the checkout's unit
// of work), executed at the processor after that unit commits, and settled in a unit of
// its own that books the payment (rows (a)-(f) of the billing reference, section 1) or
// marks it failed. A charge the process never settled (a crash between the processor's
// answer and the ledger write, a processor out of reach) is found again at the processor
// by its idempotency key and settled by `recoverCharges`, a durable job. Settling twice
// books once: the charge row is locked and only a `created` charge moves.
import { randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Core } from '../context.js';
import type { ChargesTable } from '../../db/schema.js';
import { inTransaction } from '../../db/unit-of-work.js';
import { BadRequest, Conflict, Invalid } from '../errors.js';
import { balance, book, move, type LedgerRow } from './ledger.js';
import { enqueueReceipt } from './receipts.js';
import { releaseClaimsPaidBy } from './claims.js';
import { brokerOrganizationId, processorOrganizationId } from './processors/index.js';
import {
  CardDeclinedError, ProcessorUnavailable, type CardDeclined, type ProcessorCharge, type ProcessorCustomer,
} from './processors/processor.js';

export type ChargeRow = Selectable<ChargesTable>;

export interface CreateChargeInput {
  /** The organization whose card is charged: the subscriber, or the buyer of a group buy. */
  payerId: number;
  /** The order rows (`P:Receivable -> payer:Payable`) this charge pays, in item order. */
  invoicedIds: number[];
  /** A one-time card token; null charges the card on file. */
  token: string | null;
  /** Keep the token's card as the payer's card on file (saved before the charge). */
  rememberCard: boolean;
  createdBy: number | null;
  /** Shown on statements; by default "Charge <key> on credit card of <payer>". */
  description?: string | null;
}

interface OrderRow {
  id: number;
  event_id: string | null;
  orig_organization_id: number;
  dest_organization_id: number;
  dest_account: string;
  orig_account: string;
  dest_amount: number;
  dest_unit: string;
}

/**
 * What is still owed on one event (`sub_N/`) by its payer: the orders booked into the
 * payer's Payable minus the payments (provider Backlog -> Receivable) and the write-offs
 * (Receivable -> Canceled) of that event.
 */
async function owedOnEvent(core: Core, eventId: string, payerId: number, providerId: number, unit: string): Promise<number> {
  const result = await sql<{ owed: string | number | null }>`
    select coalesce(sum(case
      when dest_organization_id = ${payerId} and dest_account = 'Payable' and orig_account = 'Receivable' then dest_amount
      when dest_organization_id = ${providerId} and orig_account = 'Backlog' and dest_account = 'Receivable' then -dest_amount
      when orig_organization_id = ${providerId} and orig_account = 'Receivable' and dest_account = 'Canceled' then -orig_amount
      else 0 end), 0) as owed
    from ledger_transactions where event_id = ${eventId} and dest_unit = ${unit}`.execute(core.db);
  return Number(result.rows[0]?.owed ?? 0);
}

/**
 * Creates a charge (state `created`) for what the given order rows still owe, with one
 * item per row in order. Joins the caller's unit of work (the checkout's), so the order
 * and its charge commit together; nothing is sent to the processor here.
 */
export async function createCharge(core: Core, input: CreateChargeInput): Promise<ChargeRow> {
  const ids = [...new Set(input.invoicedIds)];
  if (!ids.length || ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) {
    throw new Invalid('items', 'A charge pays at least one order.');
  }
  return core.transact(async (tx) => {
    // One charge creation at a time per payer: two checkouts of one cart cannot both
    // find the same orders unpaid and unclaimed.
    const payer = await tx.selectFrom('organizations').select(['id', 'slug', 'full_name'])
      .where('id', '=', input.payerId).forUpdate().executeTakeFirst();
    if (!payer) throw new Invalid('organization', 'This organization does not exist.');
    const found = await tx.selectFrom('ledger_transactions')
      .select(['id', 'event_id', 'orig_organization_id', 'dest_organization_id', 'orig_account', 'dest_account', 'dest_amount', 'dest_unit'])
      .where('id', 'in', ids).execute() as OrderRow[];
    const byId = new Map(found.map((row) => [row.id, row]));
    const rows = ids.map((id) => byId.get(id));
    if (rows.some((row) => !row || row.dest_organization_id !== payer.id || row.dest_account !== 'Payable' || row.orig_account !== 'Receivable')) {
      throw new Invalid('items', 'Each item must be an order of this organization.');
    }
    const orders = rows as OrderRow[];
    const unit = orders[0]!.dest_unit;
    if (orders.some((row) => row.dest_unit !== unit)) throw new Invalid('items', 'A charge is in one currency: these orders are in several.');
    const inFlight = await tx.selectFrom('charge_items').innerJoin('charges', 'charges.id', 'charge_items.charge_id')
      .select('charges.id').where('charge_items.invoiced_id', 'in', ids).where('charges.state', '=', 'created').executeTakeFirst();
    if (inFlight) throw new Conflict('A charge for these orders is already under way.', 'charge.in_progress');

    // What each row still owes, taken from what its event owes, in item order.
    const left = new Map<string, number>();
    const items: Array<{ invoicedId: number; amount: number }> = [];
    for (const row of orders) {
      let amount = row.dest_amount;
      if (row.event_id !== null) {
        if (!left.has(row.event_id)) left.set(row.event_id, await owedOnEvent(core, row.event_id, payer.id, row.orig_organization_id, unit));
        amount = Math.max(0, Math.min(row.dest_amount, left.get(row.event_id)!));
        left.set(row.event_id, left.get(row.event_id)! - amount);
      }
      if (amount > 0) items.push({ invoicedId: row.id, amount });
    }
    const total = items.reduce((sum, item) => sum + item.amount, 0);
    if (total <= 0) throw new BadRequest('Nothing is due on these orders.', 'charge.nothing_due');

    // The id first, so the key sent to the processor names this charge; the random part
    // keeps keys apart across databases that reuse ids (a test database, a restore).
    const next = await sql<{ id: string | number }>`select nextval(pg_get_serial_sequence('charges', 'id')) as id`.execute(tx);
    const id = Number(next.rows[0]!.id);
    const idempotencyKey = `charge_${id}_${randomBytes(6).toString('hex')}`;
    const charge = await tx.insertInto('charges').values({
      id,
      processor: core.processor.name,
      // Until the processor names it, the charge is known by our key.
      processor_key: idempotencyKey,
      idempotency_key: idempotencyKey,
      organization_id: payer.id,
      created_by: input.createdBy,
      created_at: core.now(),
      amount: total,
      unit,
      description: input.description ?? '',
      processor_token: input.token,
      remember_card: input.rememberCard && input.token !== null,
    }).returningAll().executeTakeFirstOrThrow();
    await tx.insertInto('charge_items').values(items.map((item, position) => ({
      charge_id: id, position, invoiced_id: item.invoicedId, amount: item.amount, sync_on: null,
    }))).execute();
    return charge;
  });
}

async function chargeById(core: Core, chargeId: number): Promise<ChargeRow> {
  const charge = await core.db.selectFrom('charges').selectAll().where('id', '=', chargeId).executeTakeFirst();
  if (!charge) throw new Error(`no charge ${chargeId}`);
  return charge;
}

async function customerOf(core: Core, organizationId: number): Promise<ProcessorCustomer> {
  const org = await core.db.selectFrom('organizations').select(['slug', 'full_name', 'email'])
    .where('id', '=', organizationId).executeTakeFirstOrThrow();
  const method = await core.db.selectFrom('payment_methods').select('customer_key')
    .where('organization_id', '=', organizationId).where('processor', '=', core.processor.name).executeTakeFirst();
  return { customerKey: method?.customer_key ?? null, email: org.email, name: org.full_name || org.slug };
}

/** The broker's fee on each item: the plan's broker_fee_percent (per 10000) of what it pays. */
async function brokerFees(core: Core, chargeId: number): Promise<Array<{ position: number; fee: number }>> {
  const brokerId = await brokerOrganizationId(core);
  const rows = await core.db.selectFrom('charge_items')
    .innerJoin('ledger_transactions as lt', 'lt.id', 'charge_items.invoiced_id')
    .leftJoin('subscriptions', (join) => join.on(sql<boolean>`lt.event_id = 'sub_' || subscriptions.id || '/'`))
    .leftJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .select(['charge_items.position', 'charge_items.amount', 'lt.orig_organization_id as provider_id', 'plans.broker_fee_percent'])
    .where('charge_items.charge_id', '=', chargeId).orderBy('charge_items.position').execute();
  return rows.map((row) => ({
    position: row.position,
    fee: row.provider_id === brokerId ? 0 : Math.floor(Number(row.amount) * (row.broker_fee_percent ?? 0) / 10000),
  }));
}

/**
 * Executes a created charge at the processor, then settles it. Runs outside any unit of
 * work (the processor is a network call); the processor gets the charge's idempotency key,
 * so running it twice (a retry, the recovery) charges once and books once. A decline
 * leaves the charge `failed` and its orders due. When the processor cannot be reached the
 * charge stays `created`: `recoverCharges` finishes it.
 */
export async function executeCharge(core: Core, chargeId: number): Promise<ChargeRow> {
  if (inTransaction()) throw new Error('executeCharge calls the processor: run it after the unit of work commits');
  let charge = await chargeById(core, chargeId);
  if (charge.state !== 'created') return charge;
  let customer = await customerOf(core, charge.organization_id);

  // A card to keep is saved first (the token is then spent), and the charge made on it.
  if (charge.remember_card && charge.processor_token) {
    try {
      const saved = await core.processor.saveCard(customer, charge.processor_token);
      await core.transact(async (tx) => {
        await recordCardOnFile(core, charge.organization_id, saved.customerKey, saved.card);
        await tx.updateTable('charges').set({ processor_token: null, updated_at: core.now() }).where('id', '=', chargeId).execute();
      });
      customer = { ...customer, customerKey: saved.customerKey };
    } catch (error) {
      if (error instanceof CardDeclinedError) return failCharge(core, chargeId, error.declined, null);
      if (error instanceof ProcessorUnavailable) return charge;
      throw error;
    }
    charge = await chargeById(core, chargeId);
  }

  const fees = await brokerFees(core, chargeId);
  let answer: ProcessorCharge;
  try {
    answer = await core.processor.charge({
      amount: Number(charge.amount),
      unit: charge.unit,
      description: charge.description || `Charge on credit card of ${customer.name}`,
      customer,
      token: charge.processor_token,
      idempotencyKey: charge.idempotency_key,
      brokerFee: fees.reduce((sum, item) => sum + item.fee, 0),
      metadata: { charge: String(charge.id) },
    });
  } catch (error) {
    if (error instanceof ProcessorUnavailable) return charge;
    throw error;
  }
  return settleCharge(core, chargeId, answer);
}

/** Keeps (or replaces) the card on file the processor holds for an organization. */
export async function recordCardOnFile(
  core: Core, organizationId: number, customerKey: string, card: { last4: string; expDate: string; name: string | null },
): Promise<void> {
  const now = core.now();
  await core.db.insertInto('payment_methods').values({
    organization_id: organizationId, processor: core.processor.name, customer_key: customerKey,
    last4: card.last4, exp_date: card.expDate, card_name: card.name, updated_at: now,
  }).onConflict((oc) => oc.column('organization_id').doUpdateSet({
    processor: core.processor.name, customer_key: customerKey, last4: card.last4, exp_date: card.expDate, card_name: card.name, updated_at: now,
  })).execute();
}

async function failCharge(core: Core, chargeId: number, declined: CardDeclined, processorKey: string | null): Promise<ChargeRow> {
  return core.transact(async (tx) => {
    const charge = await tx.selectFrom('charges').selectAll().where('id', '=', chargeId).forUpdate().executeTakeFirstOrThrow();
    if (charge.state !== 'created') return charge;
    return tx.updateTable('charges').set({
      state: 'failed',
      processor_key: processorKey ?? charge.processor_key,
      failure_code: declined.code,
      failure_message: declined.message,
      processor_token: null,
      updated_at: core.now(),
    }).where('id', '=', chargeId).returningAll().executeTakeFirstOrThrow();
  });
}

/**
 * Brings a created charge to what the processor says of it, in one unit of work: done
 * books the payment, failed marks it (the orders stay due), created leaves it. A charge
 * that already moved is left as it is, so a second settle books nothing.
 */
export async function settleCharge(core: Core, chargeId: number, answer: ProcessorCharge): Promise<ChargeRow> {
  if (answer.state === 'failed') {
    return failCharge(core, chargeId, answer.declined ?? { code: 'card_declined', message: 'The card was declined.' }, answer.processorKey);
  }
  if (answer.state === 'created') return chargeById(core, chargeId);
  const fees = await brokerFees(core, chargeId);
  return core.transact(async (tx) => {
    const charge = await tx.selectFrom('charges').selectAll().where('id', '=', chargeId).forUpdate().executeTakeFirstOrThrow();
    if (charge.state !== 'created') return charge;
    const payer = await tx.selectFrom('organizations').select(['slug', 'full_name']).where('id', '=', charge.organization_id).executeTakeFirstOrThrow();
    const key = answer.processorKey;
    const description = charge.description || `Charge ${key} on credit card of ${payer.full_name || payer.slug}`;
    await book(core, await paymentRows(core, { ...charge, processor_key: key, description }, answer, fees));
    const settled = await tx.updateTable('charges').set({
      state: answer.state === 'disputed' ? 'disputed' : 'done',
      processor_key: key,
      description,
      last4: answer.card?.last4 ?? null,
      exp_date: answer.card?.expDate ?? null,
      card_name: answer.card?.name ?? null,
      processor_token: null,
      updated_at: core.now(),
    }).where('id', '=', chargeId).returningAll().executeTakeFirstOrThrow();
    // The receipt commits with the payment, however it was settled (checkout, recovery, a read).
    if (settled.state === 'done') {
      await enqueueReceipt(core, chargeId);
      // A group buy's claim codes are released (and mailed) once their seats are paid.
      await releaseClaimsPaidBy(core, chargeId, settled.organization_id);
    }
    return settled;
  });
}

/**
 * The rows of a successful charge (reference, section 1, "charge succeeded"):
 * (a) payer:Liability -> processor:Funds, the charge, `cha_N/`; then per item
 * (b) payer:Payable -> payer:Liability, what its event still has payable, `sub_N/`;
 * (c) processor:Backlog -> provider:Expenses, its share of the processor fee, `cha_N/`;
 * (d) broker:Backlog -> provider:Expenses and processor:Funds -> broker:Funds, the broker fee, `cha_N/`;
 * (e) provider:Backlog -> provider:Receivable, the item (the payment that clears it), `sub_N/`;
 * (f) processor:Funds -> provider:Funds, the item less the fees, `cha_N/`.
 * The processor fee is shared by the items in proportion to their amounts, the remainder
 * on the last, so processor:Funds keeps exactly its fee.
 */
async function paymentRows(
  core: Core,
  charge: ChargeRow,
  answer: ProcessorCharge,
  brokerFeeOf: Array<{ position: number; fee: number }>,
): Promise<LedgerRow[]> {
  const processorId = await processorOrganizationId(core);
  const brokerId = await brokerOrganizationId(core);
  const items = await core.db.selectFrom('charge_items')
    .innerJoin('ledger_transactions as lt', 'lt.id', 'charge_items.invoiced_id')
    .leftJoin('subscriptions', (join) => join.on(sql<boolean>`lt.event_id = 'sub_' || subscriptions.id || '/'`))
    .leftJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .leftJoin('organizations as subscriber', 'subscriber.id', 'subscriptions.organization_id')
    .select(['charge_items.position', 'charge_items.amount', 'lt.event_id', 'lt.orig_organization_id as provider_id',
      'plans.slug as plan_slug', 'subscriber.slug as subscriber_slug'])
    .where('charge_items.charge_id', '=', charge.id).orderBy('charge_items.position').execute();
  const unit = charge.unit;
  const total = Number(charge.amount);
  const at = charge.created_at;
  const chargeEvent = `cha_${charge.id}/`;
  const key = charge.processor_key;
  const payer = charge.organization_id;
  const processorFee = Math.min(answer.processorFee, total);
  const rows: LedgerRow[] = [
    move(total, unit, { organizationId: payer, account: 'Liability' }, { organizationId: processorId, account: 'Funds' }, charge.description, chargeEvent, at),
  ];
  let feeLeft = processorFee;
  // Payable left per event, as items of one event are matched in turn.
  const payableLeft = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    const amount = Number(item.amount);
    const label = item.plan_slug && item.subscriber_slug ? `${item.subscriber_slug}:${item.plan_slug}` : (item.event_id ?? chargeEvent);
    if (item.event_id !== null && !payableLeft.has(item.event_id)) {
      payableLeft.set(item.event_id, await balance(core, { organizationId: payer, account: 'Payable', eventId: item.event_id, unit }));
    }
    // (b) The orders may have been booked into Payable only: keep Payable and Liability balanced.
    const matched = Math.min(amount, item.event_id === null ? amount : payableLeft.get(item.event_id)!);
    if (item.event_id !== null) payableLeft.set(item.event_id, payableLeft.get(item.event_id)! - Math.max(0, matched));
    if (matched > 0) {
      rows.push(move(matched, unit, { organizationId: payer, account: 'Payable' }, { organizationId: payer, account: 'Liability' },
        'Keep a balanced ledger', item.event_id, at));
    }
    const last = index === items.length - 1;
    const fee = last ? feeLeft : Math.min(feeLeft, Math.floor(processorFee * amount / total));
    feeLeft -= fee;
    const brokerFee = Math.max(0, Math.min(brokerFeeOf.find((b) => b.position === item.position)?.fee ?? 0, amount - fee));
    const provider = item.provider_id;
    if (fee > 0) {
      rows.push(move(fee, unit, { organizationId: processorId, account: 'Backlog' }, { organizationId: provider, account: 'Expenses' },
        `Charge ${key} processor fee for ${label}`, chargeEvent, at));
    }
    if (brokerFee > 0) {
      rows.push(move(brokerFee, unit, { organizationId: brokerId, account: 'Backlog' }, { organizationId: provider, account: 'Expenses' },
        `Charge ${key} broker fee for ${label}`, chargeEvent, at));
      rows.push(move(brokerFee, unit, { organizationId: processorId, account: 'Funds' }, { organizationId: brokerId, account: 'Funds' },
        `Charge ${key} broker fee for ${label}`, chargeEvent, at));
    }
    rows.push(move(amount, unit, { organizationId: provider, account: 'Backlog' }, { organizationId: provider, account: 'Receivable' },
      `Charge ${key} distribution for ${label}`, item.event_id, at));
    const distribute = amount - fee - brokerFee;
    if (distribute > 0) {
      rows.push(move(distribute, unit, { organizationId: processorId, account: 'Funds' }, { organizationId: provider, account: 'Funds' },
        `Charge ${key} distribution for ${label}`, chargeEvent, at));
    }
  }
  return rows;
}

/**
 * Settles every charge left `created`: found at the processor by its idempotency key, it
 * is settled from that record (a crash after the processor answered: booked once, never
 * charged again); not found, it is executed again with the same key (the processor makes
 * at most one charge for it). Runs at start and every few minutes, as a durable job.
 */
export async function recoverCharges(core: Core): Promise<{ settled: number; pending: number }> {
  const open = await core.db.selectFrom('charges').select(['id', 'idempotency_key'])
    .where('state', '=', 'created').where('processor', '=', core.processor.name).orderBy('id').execute();
  let settled = 0;
  let pending = 0;
  // One charge that fails must not hold back the others: the failure is raised once all
  // were tried, so the job is retried (and logged) while the rest are settled.
  const failures: unknown[] = [];
  for (const { id, idempotencyKey } of open.map((row) => ({ id: row.id, idempotencyKey: row.idempotency_key }))) {
    let charge: ChargeRow;
    try {
      const found = await core.processor.findCharge(idempotencyKey);
      charge = found ? await settleCharge(core, id, found) : await executeCharge(core, id);
    } catch (error) {
      pending += 1;
      // Out of reach now: the next run tries again.
      if (!(error instanceof ProcessorUnavailable)) failures.push(error);
      continue;
    }
    if (charge.state === 'created') pending += 1;
    else settled += 1;
  }
  if (failures.length) throw new AggregateError(failures, `${failures.length} charge(s) could not be recovered`);
  return { settled, pending };
}
