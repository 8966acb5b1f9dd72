// Property test of the ledger: random sequences of orders, card charges (paid and
// declined), refunds, offline payments and write-offs, run against the real core and
// database; after every step the ledger's invariants hold (test/support/ledger.ts) and each
// subscriber's balance due is what a plain model of the sequence says. Deterministic seed,
// bounded runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startService, type TestService } from '../support/service.js';
import { makeOrganization, type TestOrg } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import type { Caller } from '../../src/core/context.js';
import { DomainError } from '../../src/core/errors.js';
import { balancesDue } from '../../src/core/billing/statements.js';
import { refundCharge } from '../../src/core/billing/refunds.js';
import { importOfflinePayment, settleBalanceDue } from '../../src/core/billing/settlements.js';
import { bookOrder, makeProvider, payByCard, subscribe, type TestPlan } from './ledger-helpers.js';

let s: TestService;
let broker: Caller;
let plans: TestPlan[];

before(async () => {
  s = await startService();
  broker = { kind: 'user', userId: s.admin.id, username: 'admin', via: 'jwt' };
  // Two providers: a charge can pay both at once.
  plans = [(await makeProvider(s, 2000)).plan, (await makeProvider(s, 4900)).plan];
});
after(async () => { await s.stop(); });

type Command =
  | { kind: 'order'; sub: number; plan: number; amount: number }
  | { kind: 'charge'; sub: number; token: string }
  | { kind: 'refund'; pick: number; line: number; percent: number }
  | { kind: 'offline'; sub: number; plan: number; amount: number }
  | { kind: 'settle'; sub: number; paid: boolean };

const sub = fc.integer({ min: 0, max: 1 });
const plan = fc.integer({ min: 0, max: 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('order' as const), sub, plan, amount: fc.integer({ min: 1, max: 50_000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('charge' as const), sub, token: fc.constantFrom('tok_visa', 'tok_mastercard', 'tok_visa', 'tok_chargeDeclined', 'tok_chargeDeclinedInsufficientFunds') }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(20), line: fc.nat(3), percent: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('offline' as const), sub, plan, amount: fc.integer({ min: 1, max: 30_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const), sub, paid: fc.boolean() }) },
);

function codeOf(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  throw error;
}

test('random sequences of orders, charges, declines, refunds and offline payments keep the ledger sound', async () => {
  /** What the runs did, to show the sequences reach every kind of event. */
  const seen = { paid: 0, declined: 0, refunded: 0, refusedRefund: 0, offline: 0, settled: 0 };
  await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 14 }), async (commands) => {
    // Fresh subscribers each run: the model starts from nothing.
    const subscribers: TestOrg[] = [await makeOrganization(s), await makeOrganization(s)];
    const events: string[][] = [];
    for (const subscriber of subscribers) {
      const row: string[] = [];
      for (const p of plans) row.push((await subscribe(s, subscriber, p)).eventId);
      events.push(row);
    }
    const orders: number[][] = [[], []];
    /** What the model says is due, per subscriber and event. */
    const due = new Map<string, number>();
    const key = (i: number, event: string) => `${i}|${event}`;
    const paidCharges: { key: string; lines: number[]; refunded: number[] }[] = [];

    for (const step of commands) {
      if (step.kind === 'order') {
        orders[step.sub]!.push(await bookOrder(s, subscribers[step.sub]!.id, plans[step.plan]!, events[step.sub]![step.plan]!, step.amount));
        const k = key(step.sub, events[step.sub]![step.plan]!);
        due.set(k, (due.get(k) ?? 0) + step.amount);
      } else if (step.kind === 'charge') {
        const owed = events[step.sub]!.reduce((sum, event) => sum + (due.get(key(step.sub, event)) ?? 0), 0);
        try {
          const charge = await payByCard(s, subscribers[step.sub]!.id, orders[step.sub]!, step.token);
          assert.equal(Number(charge.amount), owed, 'a charge takes exactly what is due');
          if (step.token.startsWith('tok_chargeDeclined')) {
            assert.equal(charge.state, 'failed');
            seen.declined += 1;
          } else {
            assert.equal(charge.state, 'done');
            seen.paid += 1;
            for (const event of events[step.sub]!) due.set(key(step.sub, event), 0);
            const items = await s.core.db.selectFrom('charge_items').select('amount').where('charge_id', '=', charge.id).orderBy('position').execute();
            paidCharges.push({ key: charge.processor_key, lines: items.map((i) => Number(i.amount)), refunded: items.map(() => 0) });
          }
        } catch (error) {
          const code = codeOf(error);
          assert.ok(code === 'items' || code === 'charge.nothing_due' || code === 'field.invalid', code);
          assert.equal(owed, 0, `refused (${code}) while ${owed} is due`);
        }
      } else if (step.kind === 'refund') {
        if (!paidCharges.length) continue;
        const charge = paidCharges[step.pick % paidCharges.length]!;
        const num = step.line % charge.lines.length;
        const left = charge.lines[num]! - charge.refunded[num]!;
        const amount = Math.max(1, Math.floor(left * step.percent / 100));
        try {
          await refundCharge(s.core, broker, charge.key, [{ num, refunded_amount: amount }]);
          assert.ok(amount <= left, `refunded ${amount} with ${left} left`);
          charge.refunded[num]! += amount;
          seen.refunded += 1;
        } catch (error) {
          const code = codeOf(error);
          seen.refusedRefund += 1;
          if (left === 0) assert.equal(code, 'refund.exceeds_line');
          else assert.equal(code, 'refund.insufficient_funds', `refund of ${amount} (${left} left): ${code}`);
        }
      } else if (step.kind === 'offline') {
        const subscriber = subscribers[step.sub]!;
        const p = plans[step.plan]!;
        const providerSlug = (await s.core.db.selectFrom('organizations').select('slug').where('id', '=', p.providerId).executeTakeFirstOrThrow()).slug;
        await importOfflinePayment(s.core, broker, { slug: providerSlug }, {
          subscription: `${subscriber.slug}:${p.slug}`, createdAt: s.clock.now, amount: step.amount, descr: 'Paid by check',
        });
        const k = key(step.sub, events[step.sub]![step.plan]!);
        due.set(k, Math.max(0, (due.get(k) ?? 0) - step.amount));
        seen.offline += 1;
      } else {
        await settleBalanceDue(s.core, broker, { slug: subscribers[step.sub]!.slug }, { paid: step.paid });
        for (const event of events[step.sub]!) due.set(key(step.sub, event), 0);
        seen.settled += 1;
      }

      for (const [i, subscriber] of subscribers.entries()) {
        const expected = events[i]!.map((event) => [event, due.get(key(i, event)) ?? 0] as const).filter(([, amount]) => amount !== 0);
        const actual = (await balancesDue(s.core, subscriber.id)).map((d) => [d.eventId, d.amount] as const);
        assert.deepEqual([...actual].sort(), [...expected].sort(), `balance due of subscriber ${i} after ${JSON.stringify(step)}`);
      }
      await assertLedgerInvariants(s, { organizations: subscribers.map((o) => o.id) });
    }
  }), { numRuns: 12, seed: 20261129, endOnFailure: true, includeErrorInReport: true });
  await assertLedgerInvariants(s);
  for (const [what, count] of Object.entries(seen)) if (what !== 'refusedRefund') assert.ok(count > 0, `the runs never ${what}: ${JSON.stringify(seen)}`);
});
