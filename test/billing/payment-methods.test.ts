// The card on file (#23-#25, and 001's PATCH) and the payout account (#22), through HTTP
// against the built-in test processor. Who may call them: test/access/matrix.test.ts.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { makeOrganization, organizationWith, type TestOrg } from '../support/fixtures.js';
import { book, move } from '../../src/core/billing/ledger.js';

let s: TestService;
let manager: TestUser;
let contributor: TestUser;
let org: TestOrg;

before(async () => {
  s = await startService();
  manager = await s.user();
  contributor = await s.user();
  org = await organizationWith(s, manager, contributor);
});
after(async () => { await s.stop(); });

const card = (method: 'GET' | 'PUT' | 'PATCH' | 'DELETE', body?: unknown, token = manager.token, slug = org.slug) =>
  s.request({ method, url: `/api/billing/${slug}/card/`, token, body });

describe('/api/billing/{organization}/card/', () => {
  test('no card on file: 404', async () => {
    const res = await card('GET');
    assert.equal(res.statusCode, 404, res.body);
    assert.equal(res.json().error_code, 'card.not_found');
  });

  test('seed example: PUT a token, then GET shows the card, never its number', async () => {
    const put = await card('PUT', { token: 'tok_visa', full_name: 'Joe Test', email: 'joe@example.com', country: 'US' });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().last4, '4242');
    assert.match(put.json().exp_date, /^12\/\d{4}$/);
    assert.equal(put.json().card_name, 'Joe Test');
    const got = await card('GET', undefined, contributor.token);
    assert.equal(got.statusCode, 200, got.body);
    assert.deepEqual(got.json(), put.json());
    assert.doesNotMatch(got.body, /tok_|cus_/);
  });

  test('PATCH replaces the card like PUT', async () => {
    const res = await card('PATCH', { token: 'tok_mastercard' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().last4, '4444');
    assert.equal((await card('GET')).json().last4, '4444');
    // One customer at the processor: the card was replaced on it.
    const rows = await s.core.db.selectFrom('payment_methods').selectAll().where('organization_id', '=', org.id).execute();
    assert.equal(rows.length, 1);
  });

  for (const [token, message] of [
    ['tok_chargeDeclined', /declined/],
    ['tok_chargeDeclinedInsufficientFunds', /insufficient funds/],
    ['tok_chargeDeclinedExpiredCard', /expired/],
  ] as const) {
    test(`a declined card (${token}) is a 400 naming token, and the card on file stays`, async () => {
      const before = (await card('GET')).json();
      const res = await card('PUT', { token });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error_code, 'card.declined');
      assert.match(res.json().detail, message);
      assert.ok(Array.isArray(res.json().token));
      assert.deepEqual((await card('GET')).json(), before);
    });
  }

  test('bad input: unknown token, missing token, wrong type, malformed body, unknown field, unknown organization', async () => {
    const before = (await card('GET')).json();
    const unknown = await card('PUT', { token: 'tok_nope' });
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.ok(unknown.json().token);
    for (const body of [{}, { token: 12 }, { token: '' }, { token: 'x'.repeat(300) }, { token: 'tok_visa', last4: '1234' }]) {
      const res = await card('PUT', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error_code, 'field.invalid');
    }
    const malformed = await s.request({ method: 'PUT', url: `/api/billing/${org.slug}/card/`, token: manager.token, body: '{"token": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.statusCode, 400, malformed.body);
    assert.equal((await card('GET', undefined, manager.token, 'no-such-org')).statusCode, 404);
    assert.equal((await card('PUT', { token: 'tok_visa' }, manager.token, 'no-such-org')).statusCode, 404);
    assert.deepEqual((await card('GET')).json(), before);
  });

  test('a contributor may read the card but not replace or delete it; anonymous gets 401', async () => {
    assert.equal((await card('PUT', { token: 'tok_visa' }, contributor.token)).statusCode, 403);
    assert.equal((await card('DELETE', undefined, contributor.token)).statusCode, 403);
    assert.equal((await s.request({ method: 'GET', url: `/api/billing/${org.slug}/card/` })).statusCode, 401);
    const stranger = await s.user();
    assert.equal((await card('GET', undefined, stranger.token)).statusCode, 404);
  });

  test('DELETE removes the card at the processor and here; a second DELETE is 404', async () => {
    const method = await s.core.db.selectFrom('payment_methods').select('customer_key').where('organization_id', '=', org.id).executeTakeFirstOrThrow();
    const res = await card('DELETE');
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await card('GET')).statusCode, 404);
    assert.equal(await s.core.processor.retrieveCard(method.customer_key), null);
    assert.equal((await card('DELETE')).statusCode, 404);
  });
});

describe('/api/billing/{organization}/bank/', () => {
  test('no payout account: N/A, and the funds the provider holds in the ledger', async () => {
    const provider = await organizationWith(s, manager, contributor);
    const empty = await s.request({ method: 'GET', url: `/api/billing/${provider.slug}/bank/`, token: manager.token });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), { bank_name: 'N/A', last4: 'N/A', balance_amount: 0, balance_unit: 'usd' });

    const processor = await s.core.db.selectFrom('organizations').select('id').where('is_processor', '=', true).executeTakeFirstOrThrow();
    await s.core.transact(() => book(s.core, [move(8680, 'eur', { organizationId: processor.id, account: 'Funds' }, { organizationId: provider.id, account: 'Funds' }, 'distribution', 'cha_0/')]));
    const funded = await s.request({ method: 'GET', url: `/api/billing/${provider.slug}/bank/`, token: contributor.token });
    assert.deepEqual(funded.json(), { bank_name: 'N/A', last4: 'N/A', balance_amount: 8680, balance_unit: 'eur' });
  });

  test('a payout account on file is shown by its last characters', async () => {
    const provider = await makeOrganization(s);
    await s.core.db.insertInto('payout_accounts').values({ organization_id: provider.id, processor: 'test', account_key: 'acct_test_htrTZ' }).execute();
    const res = await s.request({ method: 'GET', url: `/api/billing/${provider.slug}/bank/`, token: s.admin.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().bank_name, 'Test Bank');
    assert.equal(res.json().last4, '***-trTZ');
  });

  test('unknown organization 404, anonymous 401, a stranger 404', async () => {
    assert.equal((await s.request({ method: 'GET', url: '/api/billing/no-such-org/bank/', token: manager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/billing/${org.slug}/bank/` })).statusCode, 401);
    const stranger = await s.user();
    assert.equal((await s.request({ method: 'GET', url: `/api/billing/${org.slug}/bank/`, token: stranger.token })).statusCode, 404);
  });
});
