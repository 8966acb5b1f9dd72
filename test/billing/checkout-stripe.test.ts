// Checkout with PROCESSOR=stripe, against the local server that answers as Stripe's API
// (test/support/fake-stripe.ts): the order is paid by one PaymentIntent; a replay with the
// same Idempotency-Key makes none; a decline keeps the order due, paid later by another card.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { addToCart, makeBuyer, makePlan, makeProvider } from './checkout-helpers.js';

let s: TestService;
let stripe: FakeStripe;
before(async () => {
  stripe = new FakeStripe();
  await stripe.start();
  s = await startService({ ...stripe.env(), STRIPE_PUBLISHABLE_KEY: 'pk_test_portal' });
});
after(async () => {
  await s.stop();
  await stripe.stop();
});

test('checkout through Stripe: one PaymentIntent per order, none for a replay; a decline is a balance due', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 6400 });
  const { user, org, email } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const url = `/api/billing/${org.slug}/checkout/`;
  const intents = () => stripe.paymentIntents.size;

  const declined = await s.request({ method: 'POST', url, token: user.token, body: { processor_token: 'tok_chargeDeclinedExpiredCard' } });
  assert.equal(declined.statusCode, 400, declined.body);
  assert.equal(declined.json().error_code, 'card.declined');
  const due = await s.request({ method: 'GET', url, token: user.token });
  assert.equal(due.json().results[0].lines[0].dest_amount, 6400);

  const before = intents();
  const headers = { 'idempotency-key': 'stripe-checkout-1' };
  const paid = await s.request({ method: 'POST', url, token: user.token, body: { processor_token: 'tok_visa', remember_card: true }, headers });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(paid.json().amount, 6400);
  assert.equal(paid.json().state, 'done');
  assert.equal(intents(), before + 1);
  await s.smtp.waitFor(email, (m) => /Receipt/.test(m.subject));

  const replay = await s.request({ method: 'POST', url, token: user.token, body: { processor_token: 'tok_visa', remember_card: true }, headers });
  assert.equal(replay.statusCode, 200, replay.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(intents(), before + 1, 'no second PaymentIntent');
  assert.deepEqual((await s.request({ method: 'GET', url, token: user.token })).json().results, []);
  await assertLedgerInvariants(s);
});

test('GET /api/billing/processor/ gives the pages Stripe and its publishable key (never the secret one)', async () => {
  const res = await s.request({ method: 'GET', url: '/api/billing/processor/' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { processor: 'stripe', publishable_key: 'pk_test_portal' });
});
