// Idempotency-Key on the routes that move money, beyond checkout (test/billing/checkout.test.ts
// has its replays): the offline payment import books once per key; racing requests with
// one key run once; an expired or abandoned claim is taken over; OpenAPI shows the header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { requestHash } from '../../src/core/billing/idempotency.js';
import { makeProvider, subscribe } from './ledger-helpers.js';
import { addToCart, makeBuyer, makePlan, makeProvider as makeSeller } from './checkout-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

async function ledgerCount(): Promise<number> {
  return Number((await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
}

test('an offline payment sent twice with one key is booked once; the replay answers the first answer', async () => {
  const { org: provider, plan } = await makeProvider(s);
  const manager = await s.user();
  await grantRole(s, provider, manager.id, 'manager');
  const subscriber = await makeOrganization(s);
  await subscribe(s, subscriber, plan);
  const url = `/api/billing/${provider.slug}/transfers/import/`;
  const body = { created_at: '2020-05-30T00:00:00Z', amount: '10.00', descr: 'Paid by check', subscription: `${subscriber.slug}:${plan.slug}` };
  const headers = { 'idempotency-key': 'check-1234' };
  const first = await s.request({ method: 'POST', url, token: manager.token, body, headers });
  assert.equal(first.statusCode, 200, first.body);
  const booked = await ledgerCount();
  const replay = await s.request({ method: 'POST', url, token: manager.token, body, headers });
  assert.equal(replay.statusCode, 200, replay.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.json(), first.json());
  assert.equal(await ledgerCount(), booked, 'nothing booked by the replay');
  const other = await s.request({ method: 'POST', url, token: manager.token, body: { ...body, amount: '20.00' }, headers });
  assert.equal(other.statusCode, 409, other.body);
  assert.equal(other.json().error_code, 'idempotency.key_reused');
  // Without a key, the same request is a new payment.
  assert.equal((await s.request({ method: 'POST', url, token: manager.token, body })).statusCode, 200);
  assert.ok(await ledgerCount() > booked);
  await assertLedgerInvariants(s);
});

test('racing checkouts with one key: one runs, the other waits its turn (409 in progress, or the replay), one charge', async () => {
  const seller = await makeSeller(s);
  const plan = await makePlan(s, seller, { periodAmount: 4200 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const send = () => s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token,
    body: { processor_token: 'tok_visa' }, headers: { 'idempotency-key': 'race-key' } });
  const answers = await Promise.all([send(), send(), send()]);
  for (const answer of answers) {
    assert.ok(answer.statusCode === 200 || (answer.statusCode === 409 && answer.json().error_code === 'idempotency.in_progress'), answer.body);
  }
  const charged = answers.filter((a) => a.statusCode === 200);
  assert.ok(charged.length >= 1);
  assert.equal(new Set(charged.map((a) => a.json().processor_key)).size, 1);
  const charges = await s.core.db.selectFrom('charges').select('id').where('organization_id', '=', org.id).execute();
  assert.equal(charges.length, 1);
  await assertLedgerInvariants(s);
});

test('a claim left by a dead process (started 10 minutes ago) is taken over; a key older than a day is a new key', async () => {
  const seller = await makeSeller(s);
  const plan = await makePlan(s, seller, { periodAmount: 1000 });
  const { user, org } = await makeBuyer(s);
  const url = `/api/billing/${org.slug}/checkout/`;
  const body = { processor_token: 'tok_visa' };
  const now = s.clock.now.getTime();
  await s.core.db.insertInto('idempotency_keys').values([
    { scope: `user:${user.id}`, key: 'abandoned', request_hash: requestHash('POST', url, body), state: 'started', created_at: new Date(now - 11 * 60_000) },
    { scope: `user:${user.id}`, key: 'fresh-claim', request_hash: requestHash('POST', url, body), state: 'started', created_at: new Date(now - 60_000) },
    { scope: `user:${user.id}`, key: 'yesterday', request_hash: 'another request', state: 'done', status_code: 200, response_body: '{}', response_headers: '{}',
      created_at: new Date(now - 25 * 3600_000) },
  ]).execute();
  const running = await s.request({ method: 'POST', url, token: user.token, body, headers: { 'idempotency-key': 'fresh-claim' } });
  assert.equal(running.statusCode, 409, running.body);
  assert.equal(running.json().error_code, 'idempotency.in_progress');
  await addToCart(s, user, plan);
  const takenOver = await s.request({ method: 'POST', url, token: user.token, body, headers: { 'idempotency-key': 'abandoned' } });
  assert.equal(takenOver.statusCode, 200, takenOver.body);
  assert.equal(takenOver.json().amount, 1000);
  const expired = await s.request({ method: 'POST', url, token: user.token, body, headers: { 'idempotency-key': 'yesterday' } });
  assert.equal(expired.statusCode, 200, expired.body);
  assert.equal(expired.headers['idempotent-replayed'], undefined);
});

test('OpenAPI: money POSTs take the Idempotency-Key header and document the 409', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  for (const path of ['/api/billing/{organization}/checkout/', '/api/billing/{organization}/transfers/import/', '/api/billing/charges/{charge}/refund/']) {
    const op = doc.paths[path].post;
    const header = op.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key');
    assert.ok(header, `${path}: Idempotency-Key`);
    assert.equal(header.required, false);
    assert.ok(op.responses['409'], `${path}: 409`);
  }
});

test('a refund sent twice with one key refunds once', async () => {
  const seller = await makeSeller(s);
  const sellerManager = await s.user();
  await grantRole(s, seller, sellerManager.id, 'manager');
  const plan = await makePlan(s, seller, { periodAmount: 9000 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const charged = await s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(charged.statusCode, 200, charged.body);
  const url = `/api/billing/charges/${charged.json().processor_key}/refund/`;
  const body = { lines: [{ num: 0, refunded_amount: 1000 }] };
  const headers = { 'idempotency-key': 'refund-once' };
  const first = await s.request({ method: 'POST', url, token: sellerManager.token, body, headers });
  assert.equal(first.statusCode, 200, first.body);
  const booked = await ledgerCount();
  const replay = await s.request({ method: 'POST', url, token: sellerManager.token, body, headers });
  assert.equal(replay.statusCode, 200, replay.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(await ledgerCount(), booked, 'refunded once');
  await assertLedgerInvariants(s);
});
