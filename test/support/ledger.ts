// The ledger's invariants, checked against the database after a scenario (and after every
// step of the property test). Written apart from src/core/billing on purpose: balances are
// recomputed here in plain code from the rows, then compared with what the API answers.
import assert from 'node:assert/strict';
import type { TestService } from './service.js';

export interface LedgerRowData {
  id: number;
  created_at: Date;
  event_id: string | null;
  orig_organization_id: number;
  orig_account: string;
  orig_amount: number;
  orig_unit: string;
  dest_organization_id: number;
  dest_account: string;
  dest_amount: number;
  dest_unit: string;
}

/** Accounts that never hold less than zero, and those that never hold more. */
const NEVER_NEGATIVE = ['Payable', 'Liability', 'Funds'];
const NEVER_POSITIVE = ['Refunded', 'Receivable', 'Backlog', 'Income'];

export async function ledgerRows(s: TestService): Promise<LedgerRowData[]> {
  const rows = await s.core.db.selectFrom('ledger_transactions').selectAll().orderBy('id').execute();
  return rows.map((row) => ({ ...row, orig_amount: Number(row.orig_amount), dest_amount: Number(row.dest_amount), created_at: new Date(row.created_at) }));
}

/** Balance of every (organization, account, unit) touched. */
export function accountBalances(rows: LedgerRowData[]): Map<string, number> {
  const balances = new Map<string, number>();
  const add = (key: string, amount: number) => balances.set(key, (balances.get(key) ?? 0) + amount);
  for (const row of rows) {
    add(`${row.dest_organization_id}:${row.dest_account}:${row.dest_unit}`, row.dest_amount);
    add(`${row.orig_organization_id}:${row.orig_account}:${row.orig_unit}`, -row.orig_amount);
  }
  return balances;
}

/**
 * Balance due per organization, per the reference's definition, in plain code: per event
 * of an organization's orders, every order into Payable on it minus the payments (Backlog
 * to Receivable) and write-offs (Receivable to Canceled) on it.
 */
export function expectedBalancesDue(rows: LedgerRowData[]): Map<number, Map<string, number>> {
  const dues = new Map<number, Map<string, number>>();
  const orderedBy = new Map<number, Set<string>>();
  const perEvent = new Map<string, number>();
  for (const row of rows) {
    if (row.event_id === null) continue;
    if (row.dest_account === 'Payable') {
      if (!orderedBy.has(row.dest_organization_id)) orderedBy.set(row.dest_organization_id, new Set());
      orderedBy.get(row.dest_organization_id)!.add(row.event_id);
      const key = `${row.event_id}|${row.dest_unit}`;
      perEvent.set(key, (perEvent.get(key) ?? 0) + row.dest_amount);
    }
    if ((row.orig_account === 'Backlog' && row.dest_account === 'Receivable') || (row.orig_account === 'Receivable' && row.dest_account === 'Canceled')) {
      const key = `${row.event_id}|${row.dest_unit}`;
      perEvent.set(key, (perEvent.get(key) ?? 0) - row.dest_amount);
    }
  }
  for (const [organizationId, events] of orderedBy) {
    const byUnit = new Map<string, number>();
    for (const [key, amount] of perEvent) {
      const [eventId, unit] = key.split('|') as [string, string];
      if (events.has(eventId)) byUnit.set(unit, (byUnit.get(unit) ?? 0) + amount);
    }
    dues.set(organizationId, byUnit);
  }
  return dues;
}

/**
 * Asserts, over the whole ledger:
 * - every row moves the same amount in the same unit on both sides (the ledger nets to
 *   zero per unit);
 * - the sign rules: Payable, Liability and Funds never below zero; Refunded, Receivable,
 *   Backlog and Income never above;
 * - each organization's balance due, as GET /balance/ and its history answer it, is what
 *   the rows say (`organizations` limits this to some);
 * - a refund never exceeds what was paid on its line, nor the charge; only a paid charge
 *   has a payment row, of its amount, and only a paid (or disputed) one has refunds.
 */
export async function assertLedgerInvariants(s: TestService, options: { organizations?: number[] } = {}): Promise<void> {
  const rows = await ledgerRows(s);
  for (const row of rows) {
    assert.equal(row.orig_unit, row.dest_unit, `row ${row.id}: one unit on both sides`);
    assert.equal(row.orig_amount, row.dest_amount, `row ${row.id}: the same amount on both sides`);
    assert.ok(row.orig_amount >= 0, `row ${row.id}: amounts are never negative`);
  }
  const totals = new Map<string, number>();
  for (const [key, amount] of accountBalances(rows)) {
    const unit = key.split(':')[2]!;
    totals.set(unit, (totals.get(unit) ?? 0) + amount);
    const account = key.split(':')[1]!;
    if (NEVER_NEGATIVE.includes(account)) assert.ok(amount >= 0, `${key} is ${amount}: never below zero`);
    if (NEVER_POSITIVE.includes(account)) assert.ok(amount <= 0, `${key} is ${amount}: never above zero`);
  }
  for (const [unit, total] of totals) assert.equal(total, 0, `the ledger nets to zero in ${unit}`);

  const slugs = new Map((await s.core.db.selectFrom('organizations').select(['id', 'slug']).execute()).map((o) => [o.id, o.slug]));
  for (const [organizationId, byUnit] of expectedBalancesDue(rows)) {
    // The API is asked about the organizations named (all by default): a property test
    // checking after every step asks only about those its step touched.
    if (options.organizations && !options.organizations.includes(organizationId)) continue;
    const nonZero = [...byUnit.entries()].filter(([, amount]) => amount !== 0);
    const expected = nonZero.length ? nonZero : [[undefined, 0] as const];
    const slug = slugs.get(organizationId)!;
    const answer = await s.request({ method: 'GET', url: `/api/billing/${slug}/balance/`, token: s.admin.token });
    assert.equal(answer.statusCode, 200, answer.body);
    const { balance_amount: amount, balance_unit: unit } = answer.json();
    assert.ok(expected.some(([u, a]) => String(a) === amount && (u === undefined || u === unit)),
      `${slug}: balance due ${amount} ${unit}, the rows say ${JSON.stringify(nonZero)}`);
    const history = await s.request({ method: 'GET', url: `/api/billing/${slug}/history/`, token: s.admin.token });
    assert.equal(history.statusCode, 200, history.body);
    assert.equal(String(history.json().balance), amount, `${slug}: the history shows the balance due`);
  }

  const charges = await s.core.db.selectFrom('charges').selectAll().execute();
  for (const charge of charges) {
    const event = `cha_${charge.id}/`;
    const payments = rows.filter((row) => row.event_id === event && row.orig_account === 'Liability' && row.dest_account === 'Funds');
    const refunds = rows.filter((row) => row.event_id?.startsWith(event) && row.orig_account === 'Refunded');
    const paid = charge.state === 'done' || charge.state === 'disputed';
    assert.equal(payments.length, paid ? 1 : 0, `charge ${charge.id} (${charge.state}): one payment row once paid, none before`);
    if (paid) assert.equal(payments[0]!.dest_amount, Number(charge.amount), `charge ${charge.id}: the payment is the charge's amount`);
    if (!paid) assert.equal(refunds.length, 0, `charge ${charge.id} (${charge.state}): nothing refunded on an unpaid charge`);
    const refunded = refunds.reduce((sum, row) => sum + row.orig_amount, 0);
    assert.ok(refunded <= Number(charge.amount), `charge ${charge.id}: refunded ${refunded} of ${charge.amount}`);
    // What each item pays (its order row may have been partly paid before).
    const items = await s.core.db.selectFrom('charge_items')
      .select(['charge_items.id', 'charge_items.amount as dest_amount']).where('charge_items.charge_id', '=', charge.id).execute();
    const invoiced = items.reduce((sum, item) => sum + Number(item.dest_amount), 0);
    assert.ok(invoiced <= Number(charge.amount), `charge ${charge.id}: its items (${invoiced}) fit in its amount`);
    for (const item of items) {
      const line = refunds.filter((row) => row.event_id === `${event}${item.id}/`).reduce((sum, row) => sum + row.orig_amount, 0);
      assert.ok(line <= Number(item.dest_amount), `charge ${charge.id} item ${item.id}: refunded ${line} of ${item.dest_amount}`);
    }
  }
}
