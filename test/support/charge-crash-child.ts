// The first life of test/billing/charge-crash.test.ts: a real service on the given data
// folder (or DATABASE_URL) books an order, creates its charge and executes it with
// PROCESSOR_FAULT=exit-after-charge, so the process dies by SIGKILL right after the test
// processor recorded the charge and before our ledger has it. It prints what it made.
import { loadConfig } from '../../src/config.js';
import { createService } from '../../src/server.js';
import { book, move } from '../../src/core/billing/ledger.js';
import { createCharge, executeCharge } from '../../src/core/billing/charges.js';

const service = await createService(loadConfig(process.env), { log: false });
const { core } = service;
const [provider, payer] = await core.db.insertInto('organizations')
  .values([{ slug: 'crash-provider', full_name: 'Crash Provider', is_provider: true }, { slug: 'crash-payer', full_name: 'Crash Payer' }])
  .returning('id').execute();
const plan = await core.db.insertInto('plans').values({
  organization_id: provider!.id, slug: 'crash-plan', title: 'Crash plan', is_active: true, period_amount: 24900, period_type: 'monthly',
}).returning('id').executeTakeFirstOrThrow();
const now = core.now();
const subscription = await core.db.insertInto('subscriptions').values({
  organization_id: payer!.id, plan_id: plan.id, created_at: now, ends_at: new Date(now.getTime() + 30 * 86400_000),
}).returning('id').executeTakeFirstOrThrow();
const charge = await core.transact(async () => {
  const [orderId] = await book(core, [move(24900, 'usd', { organizationId: provider!.id, account: 'Receivable' },
    { organizationId: payer!.id, account: 'Payable' }, 'Subscription to crash-plan', `sub_${subscription.id}/`)]);
  return createCharge(core, { payerId: payer!.id, invoicedIds: [orderId!], token: 'tok_visa', rememberCard: false, createdBy: null });
});
process.stdout.write(`${JSON.stringify({ chargeId: charge.id, idempotencyKey: charge.idempotency_key, payerId: payer!.id, providerId: provider!.id })}\n`);
await executeCharge(core, charge.id);
process.stdout.write('still alive after the charge\n');
await service.close();
