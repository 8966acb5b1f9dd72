// Steps 3 and 4 of the renewals: charge what each organization owes with its card on file,
// settle the charges still in flight, then count the outcomes. A charge is tried when the
// organization owes more than 50 cents, has an auto-renewing subscription active, has no
// charge in flight and was not tried in the day before (so the same moment run twice
// charges once, and a declined card is tried again on the next day's run). Three declines
// in a row (since the last success or the last change of card) end its auto-renewing
// subscriptions; each decline is mailed, the last one as a final notice.
import { sql } from 'kysely';
import type { Core } from '../../context.js';
import { apart, type RenewalFailure } from './failures.js';
import type { Db } from '../../../db/database.js';
import { DomainError } from '../../errors.js';
import { createCharge, executeCharge, recoverCharges } from '../charges.js';
import { readableAmount } from '../amounts.js';
import { mailDate, mailOrganization } from './mail.js';

/** Tries before the subscriptions end (djaodjin's MAX_RENEWAL_ATTEMPTS). */
export const MAX_RENEWAL_ATTEMPTS = 3;
/** Processors refuse smaller charges (Stripe: 50 cents); less stays due. */
export const MIN_CHARGE = 50;
const DAY_MS = 86_400_000;

interface Due { payer_id: number; unit: string; due: number }

/**
 * What each organization owes on its subscriptions' orders booked up to `at`: the orders
 * into its Payable less their payments (Backlog -> Receivable) and write-offs
 * (Receivable -> Canceled), per event. One aggregate over the ledger.
 */
async function duesAt(core: Core, at: Date): Promise<Due[]> {
  const result = await sql<{ payer_id: number; unit: string; due: string | number }>`
    with ordered as (
      select event_id, dest_organization_id as payer_id, dest_unit as unit, sum(dest_amount) as amount
        from ledger_transactions
       where orig_account = 'Receivable' and dest_account = 'Payable' and event_id like 'sub\\_%' and created_at <= ${at}
       group by event_id, dest_organization_id, dest_unit),
    paid as (
      select event_id, dest_unit as unit, sum(dest_amount) as amount
        from ledger_transactions
       where ((orig_account = 'Backlog' and dest_account = 'Receivable') or (orig_account = 'Receivable' and dest_account = 'Canceled'))
         and event_id like 'sub\\_%'
       group by event_id, dest_unit)
    select o.payer_id, o.unit, sum(greatest(o.amount - coalesce(p.amount, 0), 0)) as due
      from ordered o left join paid p on p.event_id = o.event_id and p.unit = o.unit
     group by o.payer_id, o.unit
    having sum(greatest(o.amount - coalesce(p.amount, 0), 0)) > ${MIN_CHARGE}
     order by o.payer_id, o.unit`.execute(core.db);
  return result.rows.map((row) => ({ payer_id: Number(row.payer_id), unit: row.unit, due: Number(row.due) }));
}

/** The order rows that carry what `payerId` owes in `unit`: per event, its newest orders up to what it owes. */
async function dueOrders(tx: Db, payerId: number, unit: string, at: Date): Promise<number[]> {
  const rows = await sql<{ id: number; event_id: string; amount: string | number; owed: string | number }>`
    select o.id, o.event_id, o.dest_amount as amount,
           (select coalesce(sum(case when x.orig_account = 'Receivable' and x.dest_account = 'Payable' then x.dest_amount else -x.dest_amount end), 0)
              from ledger_transactions x
             where x.event_id = o.event_id and x.dest_unit = ${unit}
               and ((x.orig_account = 'Receivable' and x.dest_account = 'Payable' and x.dest_organization_id = ${payerId} and x.created_at <= ${at})
                 or (x.orig_account = 'Backlog' and x.dest_account = 'Receivable')
                 or (x.orig_account = 'Receivable' and x.dest_account = 'Canceled'))) as owed
      from ledger_transactions o
     where o.dest_organization_id = ${payerId} and o.dest_account = 'Payable' and o.orig_account = 'Receivable'
       and o.dest_unit = ${unit} and o.event_id like 'sub\\_%' and o.created_at <= ${at}
     order by o.created_at desc, o.id desc`.execute(tx);
  const left = new Map<string, number>();
  const ids: number[] = [];
  for (const row of rows.rows) {
    if (!left.has(row.event_id)) left.set(row.event_id, Number(row.owed));
    const owed = left.get(row.event_id)!;
    if (owed <= 0) continue;
    ids.push(row.id);
    left.set(row.event_id, owed - Number(row.amount));
  }
  return ids;
}

/** The failed tries of an organization since its last success or its last change of card. */
async function declinesInARow(tx: Db, organizationId: number): Promise<number> {
  const card = await tx.selectFrom('payment_methods').select('updated_at').where('organization_id', '=', organizationId).executeTakeFirst();
  const attempts = await tx.selectFrom('renewal_attempts')
    .leftJoin('charges', 'charges.id', 'renewal_attempts.charge_id')
    .select(['renewal_attempts.attempted_at', 'renewal_attempts.charge_id', 'charges.state'])
    .where('renewal_attempts.organization_id', '=', organizationId)
    .orderBy('renewal_attempts.attempted_at', 'desc').orderBy('renewal_attempts.id', 'desc').execute();
  let count = 0;
  for (const attempt of attempts) {
    if (attempt.charge_id !== null && attempt.state !== 'failed') {
      if (attempt.state === 'created') continue;
      break;
    }
    // A card put on file after this decline starts the count again.
    if (card && new Date(card.updated_at) > new Date(attempt.attempted_at)) break;
    count += 1;
  }
  return count;
}

/**
 * After the last decline: the organization's auto-renewing subscriptions stop renewing. Those
 * with a renewal left unpaid end at `at`; those paid ahead run to the end they were paid for.
 * Returns the titles of the plans that ended.
 */
async function endAutoRenewing(tx: Db, organizationId: number, at: Date): Promise<string[]> {
  const renewing = tx.selectFrom('subscriptions').select('id')
    .where('organization_id', '=', organizationId).where('auto_renew', '=', true)
    .where('grant_key', 'is', null).where('request_key', 'is', null)
    .where('created_at', '<=', at).where('ends_at', '>', at);
  // What each one's orders still owe: orders into the payer's Payable less payments and write-offs.
  const unpaid = await sql<{ id: number }>`
    select s.id from (${renewing}) s
     where (select coalesce(sum(case when x.orig_account = 'Receivable' and x.dest_account = 'Payable' then x.dest_amount else -x.dest_amount end), 0)
              from ledger_transactions x
             where x.event_id = 'sub_' || s.id || '/'
               and ((x.orig_account = 'Receivable' and x.dest_account = 'Payable' and x.dest_organization_id = ${organizationId})
                 or (x.orig_account = 'Backlog' and x.dest_account = 'Receivable')
                 or (x.orig_account = 'Receivable' and x.dest_account = 'Canceled'))) > 0`.execute(tx);
  const endedIds = unpaid.rows.map((row) => Number(row.id));
  const ended = endedIds.length
    ? await tx.updateTable('subscriptions').set({ ends_at: at, auto_renew: false, updated_at: at })
      .where('id', 'in', endedIds).returning('plan_id').execute()
    : [];
  await tx.updateTable('subscriptions').set({ auto_renew: false, updated_at: at })
    .where('id', 'in', renewing).execute();
  if (!ended.length) return [];
  const plans = await tx.selectFrom('plans').select('title').where('id', 'in', ended.map((r) => r.plan_id)).orderBy('title').execute();
  return plans.map((p) => p.title);
}

async function autoRenewingPlans(tx: Db, organizationId: number, at: Date): Promise<string[]> {
  const rows = await tx.selectFrom('subscriptions').innerJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .innerJoin('organizations as provider', 'provider.id', 'plans.organization_id')
    .where('provider.status', '=', 'active')
    .select('plans.title')
    .where('subscriptions.organization_id', '=', organizationId).where('subscriptions.auto_renew', '=', true)
    .where('subscriptions.grant_key', 'is', null).where('subscriptions.request_key', 'is', null)
    .where('subscriptions.created_at', '<=', at).where('subscriptions.ends_at', '>', at)
    .orderBy('plans.title').execute();
  return rows.map((r) => r.title);
}

export interface ChargeReport {
  /** Organizations owing more than 50 cents. */
  due: number;
  charged: number;
  done: number;
  declined: number;
  /** Left for the processor to answer (the settling step, or the next run). */
  inFlight: number;
  /** Owing, with no auto-renewing subscription active: left for the provider to collect. */
  review: number;
}

/** Step 3: one charge per organization owing, on its card on file. */
export async function chargeDue(core: Core, at: Date, failures: RenewalFailure[] = []): Promise<ChargeReport> {
  const report: ChargeReport = { due: 0, charged: 0, done: 0, declined: 0, inFlight: 0, review: 0 };
  for (const due of await duesAt(core, at)) {
    report.due += 1;
    const subject = `organization ${due.payer_id}`;
    const started = await apart(failures, 'charge', subject, () => core.transact(async (tx) => {
      // One try at a time per organization: two runs at once see the other's attempt.
      const payer = await tx.selectFrom('organizations').select('status').where('id', '=', due.payer_id).forUpdate().executeTakeFirst();
      // A closed or suspended organization is charged by no renewal.
      if (payer?.status !== 'active') return 'skip' as const;
      const recent = await tx.selectFrom('renewal_attempts').select('id')
        .where('organization_id', '=', due.payer_id).where('attempted_at', '>', new Date(at.getTime() - DAY_MS)).executeTakeFirst();
      if (recent) return 'skip' as const;
      const inFlight = await tx.selectFrom('charges').select('id')
        .where('organization_id', '=', due.payer_id).where('state', '=', 'created').executeTakeFirst();
      if (inFlight) return 'skip' as const;
      if (await declinesInARow(tx, due.payer_id) >= MAX_RENEWAL_ATTEMPTS) return 'skip' as const;
      if (!(await autoRenewingPlans(tx, due.payer_id, at)).length) return 'review' as const;
      const card = await tx.selectFrom('payment_methods').select('organization_id')
        .where('organization_id', '=', due.payer_id).where('processor', '=', core.processor.name).executeTakeFirst();
      if (!card) {
        await tx.insertInto('renewal_attempts').values({ organization_id: due.payer_id, attempted_at: at, charge_id: null, failure_code: 'card_absent' }).execute();
        return 'declined' as const;
      }
      const invoicedIds = await dueOrders(tx, due.payer_id, due.unit, at);
      if (!invoicedIds.length) return 'skip' as const;
      try {
        const charge = await createCharge(core, { payerId: due.payer_id, invoicedIds, token: null, rememberCard: false, createdBy: null });
        await tx.insertInto('renewal_attempts').values({ organization_id: due.payer_id, attempted_at: at, charge_id: charge.id }).execute();
        return charge.id;
      } catch (error) {
        // Nothing due after all (paid meanwhile) or already being charged: nothing to do now.
        if (error instanceof DomainError) return 'skip' as const;
        throw error;
      }
    }));
    if (started === undefined || started === 'skip') continue;
    if (started === 'review') { report.review += 1; continue; }
    if (started === 'declined') { report.declined += 1; continue; }
    report.charged += 1;
    // A failure here leaves the charge in flight: the settling step (or the recovery job) finishes it.
    const charge = await apart(failures, 'charge', subject, () => executeCharge(core, started));
    if (!charge) continue;
    if (charge.state === 'failed') report.declined += 1;
    else if (charge.state === 'created') report.inFlight += 1;
    else report.done += 1;
  }
  return report;
}

/** Step 4: the charges still in flight, settled from what the processor says of them. */
export async function settleInFlight(core: Core): Promise<{ settled: number; pending: number; errors: number }> {
  try {
    return { ...(await recoverCharges(core)), errors: 0 };
  } catch (error) {
    // Some could not be settled (logged by the recovery job too): the next run tries again.
    if (error instanceof AggregateError) return { settled: 0, pending: 0, errors: error.errors.length };
    throw error;
  }
}

export interface OutcomeReport {
  /** Declines mailed, the final ones included. */
  declinesMailed: number;
  /** Organizations whose subscriptions ended after the last try. */
  ended: number;
}

/**
 * Counts the tries whose outcome is known and not yet counted: a decline is mailed (a final
 * notice at the third in a row, which ends the auto-renewing subscriptions at `at`).
 * Each try is counted once (handled_at), in the unit of work that sends its mail.
 */
export async function handleOutcomes(core: Core, at: Date, failures: RenewalFailure[] = []): Promise<OutcomeReport> {
  const report: OutcomeReport = { declinesMailed: 0, ended: 0 };
  const open = await core.db.selectFrom('renewal_attempts').select('id').where('handled_at', 'is', null).orderBy('id').execute();
  for (const { id } of open) {
    await apart(failures, 'outcome', `renewal attempt ${id}`, () => core.transact(async (tx) => {
      const attempt = await tx.selectFrom('renewal_attempts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!attempt || attempt.handled_at !== null) return;
      const charge = attempt.charge_id === null ? null
        : await tx.selectFrom('charges').selectAll().where('id', '=', attempt.charge_id).executeTakeFirst();
      if (charge?.state === 'created') return;
      await tx.updateTable('renewal_attempts').set({ handled_at: at }).where('id', '=', id).execute();
      if (charge && charge.state !== 'failed') return;
      const org = await tx.selectFrom('organizations').select(['slug', 'full_name']).where('id', '=', attempt.organization_id).executeTakeFirstOrThrow();
      const declines = await declinesInARow(tx, attempt.organization_id);
      const final = declines >= MAX_RENEWAL_ATTEMPTS;
      const plans = final ? await endAutoRenewing(tx, attempt.organization_id, at) : await autoRenewingPlans(tx, attempt.organization_id, at);
      if (final) report.ended += 1;
      const inserted = await tx.insertInto('renewal_notices').values({
        kind: 'renewal_charge_failed', subject_key: `att_${attempt.id}/`, organization_id: attempt.organization_id, sent_at: at,
      }).onConflict((oc) => oc.columns(['kind', 'subject_key']).doNothing()).returning('kind').executeTakeFirst();
      if (!inserted) return;
      const card = await tx.selectFrom('payment_methods').select('last4').where('organization_id', '=', attempt.organization_id).executeTakeFirst();
      const reason = charge ? (charge.failure_message || 'the card was declined.') : 'there is no card on file to charge.';
      await mailOrganization(core, tx, attempt.organization_id, final ? 'renewal_charge_final' : 'renewal_charge_failed', {
        organization: org.full_name || org.slug,
        amount: charge ? readableAmount(Number(charge.amount), charge.unit) : 'the amount due',
        card: card?.last4 ? `card ending in ${card.last4}` : 'card on file',
        reason,
        attempt: declines,
        attempts: MAX_RENEWAL_ATTEMPTS,
        plans: plans.join(', '),
        date: mailDate(at),
        link: core.links.organization(org.slug),
      });
      report.declinesMailed += 1;
    }));
  }
  return report;
}
