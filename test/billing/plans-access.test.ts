// Who may call each plans and subscriptions route: anonymous, a stranger, the other side's
// manager, a contributor, a manager, a partner's manager above, the broker's manager.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, type TestOrg } from '../support/fixtures.js';

let s: TestService;
let provider: TestOrg;
let subscriber: TestOrg;
const users: Record<string, TestUser> = {};

type Caller = 'anonymous' | 'stranger' | 'providerManager' | 'providerContributor' | 'providerPartner' | 'subscriberManager' | 'subscriberContributor' | 'subscriberPartner' | 'broker';
const CALLERS: Caller[] = ['anonymous', 'stranger', 'providerManager', 'providerContributor', 'providerPartner', 'subscriberManager', 'subscriberContributor', 'subscriberPartner', 'broker'];

before(async () => {
  s = await startService();
  for (const name of CALLERS.filter((c) => c !== 'anonymous' && c !== 'broker')) users[name] = await s.user();
  users.broker = s.admin;
  provider = await makeOrganization(s);
  subscriber = await makeOrganization(s);
  const providerPartner = await makeOrganization(s);
  const subscriberPartner = await makeOrganization(s);
  await placeOrganization(s, provider, { partner: providerPartner });
  await placeOrganization(s, subscriber, { partner: subscriberPartner });
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  await grantRole(s, provider, users.providerManager!.id, 'manager');
  await grantRole(s, provider, users.providerContributor!.id, 'contributor');
  await grantRole(s, providerPartner, users.providerPartner!.id, 'manager');
  await grantRole(s, subscriber, users.subscriberManager!.id, 'manager');
  await grantRole(s, subscriber, users.subscriberContributor!.id, 'contributor');
  await grantRole(s, subscriberPartner, users.subscriberPartner!.id, 'manager');
  const plan = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: users.providerManager!.token, body: { title: 'Seat', is_active: true, period_amount: 100, skip_optin_on_grant: true } });
  assert.equal(plan.statusCode, 201, plan.body);
  const sub = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/seat/subscriptions/`, token: users.providerManager!.token, body: { organization: { slug: subscriber.slug } } });
  assert.equal(sub.statusCode, 201, sub.body);
});
after(async () => { await s.stop(); });

const OK = 'ok';
type Expect = typeof OK | 401 | 403 | 404;

async function check(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: (caller: Caller) => string, body: (() => unknown) | undefined, expected: Record<Caller, Expect>) {
  const wrong: string[] = [];
  for (const caller of CALLERS) {
    const res = await s.request({ method, url: url(caller), body: body?.(), token: caller === 'anonymous' ? undefined : users[caller]!.token });
    const want = expected[caller];
    const fine = want === OK ? res.statusCode >= 200 && res.statusCode < 300 : res.statusCode === want;
    if (!fine) wrong.push(`${caller}: ${res.statusCode} (expected ${want}) ${res.body.slice(0, 120)}`);
  }
  assert.deepEqual(wrong, [], `${method} ${url('broker')}`);
}

const providerRead: Record<Caller, Expect> = {
  anonymous: 401, stranger: 404, providerManager: OK, providerContributor: OK, providerPartner: OK,
  subscriberManager: 404, subscriberContributor: 404, subscriberPartner: 404, broker: OK,
};
const providerWrite: Record<Caller, Expect> = { ...providerRead, providerContributor: 403 };
const subscriberRead: Record<Caller, Expect> = {
  anonymous: 401, stranger: 404, providerManager: 404, providerContributor: 404, providerPartner: 404,
  subscriberManager: OK, subscriberContributor: OK, subscriberPartner: OK, broker: OK,
};
const subscriberWrite: Record<Caller, Expect> = { ...subscriberRead, subscriberContributor: 403 };

test('the provider\'s routes: its members read, its managers (and those above) change', async () => {
  const p = () => `/api/profile/${provider.slug}`;
  await check('GET', () => `${p()}/plans/`, undefined, providerRead);
  await check('GET', () => `${p()}/plans/seat/`, undefined, providerRead);
  await check('PATCH', () => `${p()}/plans/seat/`, () => ({ description: 'x' }), providerWrite);
  await check('PUT', () => `${p()}/plans/seat/`, () => ({ description: 'y' }), providerWrite);
  await check('GET', () => `${p()}/plans/seat/subscriptions/`, undefined, providerRead);
  await check('POST', () => `${p()}/plans/seat/subscriptions/`, () => ({ organization: { slug: subscriber.slug } }), providerWrite);
  await check('GET', () => `${p()}/plans/seat/subscriptions/${subscriber.slug}/`, undefined, providerRead);
  await check('PATCH', () => `${p()}/plans/seat/subscriptions/${subscriber.slug}/`, () => ({ description: 'note' }), providerWrite);
  await check('GET', () => `${p()}/subscribers/`, undefined, providerRead);
  await check('GET', () => `/api/metrics/${provider.slug}/active/`, undefined, providerRead);
  await check('GET', () => `/api/metrics/${provider.slug}/churned/`, undefined, providerRead);
  // Creating and deleting plans: a fresh plan per caller allowed to.
  let n = 0;
  await check('POST', () => `${p()}/plans/`, () => ({ title: `Extra ${(n += 1)}` }), providerWrite);
  const extras = await s.core.db.selectFrom('plans').select('slug').where('slug', 'like', 'extra-%').orderBy('id').execute();
  assert.equal(extras.length, 3);
  // Each caller allowed to deletes one of its own.
  const mine: Partial<Record<Caller, string>> = { providerManager: extras[0]!.slug, providerPartner: extras[1]!.slug, broker: extras[2]!.slug };
  await check('DELETE', (caller) => `${p()}/plans/${mine[caller] ?? extras[0]!.slug}/`, undefined, providerWrite);
});

test('the subscriber\'s routes: its members read, its managers (and those above) change', async () => {
  const p = () => `/api/profile/${subscriber.slug}`;
  await check('GET', () => `${p()}/subscriptions/`, undefined, subscriberRead);
  await check('GET', () => `${p()}/subscriptions/seat/`, undefined, subscriberRead);
  await check('PATCH', () => `${p()}/subscriptions/seat/`, () => ({ description: 'ours' }), subscriberWrite);
  await check('GET', () => `${p()}/`, undefined, { ...subscriberRead });
  await check('DELETE', () => `${p()}/subscriptions/seat/`, undefined, subscriberWrite);
});

test('accepting: a request by the provider\'s managers, a grant by the subscriber\'s', async () => {
  await s.request({ method: 'PATCH', url: `/api/profile/${provider.slug}/plans/seat/`, token: users.providerManager!.token, body: { skip_optin_on_grant: false, optin_on_request: true } });
  for (const [side, expected] of [['grant', subscriberWrite], ['request', providerWrite]] as const) {
    const wrong: string[] = [];
    for (const caller of CALLERS) {
      // A fresh pending subscription for each caller, so a success does not spoil the next.
      const org = await makeOrganization(s);
      if (caller === 'subscriberManager' || caller === 'subscriberContributor') await grantRole(s, org, users[caller]!.id, caller === 'subscriberManager' ? 'manager' : 'contributor');
      if (caller === 'subscriberPartner') await placeOrganization(s, org, { partner: (await s.core.db.selectFrom('organizations').select(['id', 'slug']).where('id', '=', (await s.core.db.selectFrom('organizations').select('partner_id').where('id', '=', subscriber.id).executeTakeFirstOrThrow()).partner_id!).executeTakeFirstOrThrow()) });
      const plan = await s.core.db.selectFrom('plans').select('id').where('slug', '=', 'seat').executeTakeFirstOrThrow();
      const key = `${side}-${caller}-${org.id}`;
      await s.core.db.insertInto('subscriptions').values({
        organization_id: org.id, plan_id: plan.id, created_at: new Date(Date.now() - 1000), ends_at: new Date(Date.now() + 86_400_000),
        grant_key: side === 'grant' ? key : null, request_key: side === 'request' ? key : null,
      }).execute();
      const url = side === 'grant' ? `/api/profile/${org.slug}/subscriptions/accept/${key}/` : `/api/profile/${provider.slug}/subscribers/accept/${key}/`;
      const res = await s.request({ method: 'POST', url, token: caller === 'anonymous' ? undefined : users[caller]!.token });
      const want = expected[caller];
      const fine = want === OK ? res.statusCode === 200 : res.statusCode === want;
      if (!fine) wrong.push(`${caller}: ${res.statusCode} (expected ${want})`);
    }
    assert.deepEqual(wrong, [], side);
  }
});

test('anyone reads the pricing', async () => {
  for (const caller of CALLERS) {
    const res = await s.request({ method: 'GET', url: '/api/pricing/', token: caller === 'anonymous' ? undefined : users[caller]!.token });
    assert.equal(res.statusCode, 200, caller);
  }
});
