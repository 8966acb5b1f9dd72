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

test('unknown provider, plan, subscriber and key answer 404 on every route, even to the broker', async () => {
  const t = s.admin.token;
  const p = `/api/profile/${provider.slug}`;
  const calls: Array<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown }> = [
    { method: 'GET', url: '/api/profile/nope-org/plans/' },
    { method: 'POST', url: '/api/profile/nope-org/plans/', body: { title: 'X' } },
    { method: 'GET', url: `${p}/plans/nope/` },
    { method: 'PUT', url: `${p}/plans/nope/`, body: { title: 'X' } },
    { method: 'PATCH', url: `${p}/plans/nope/`, body: {} },
    { method: 'DELETE', url: `${p}/plans/nope/` },
    { method: 'GET', url: `${p}/plans/nope/subscriptions/` },
    { method: 'POST', url: `${p}/plans/nope/subscriptions/`, body: { organization: { slug: subscriber.slug } } },
    { method: 'GET', url: `${p}/plans/seat/subscriptions/nope-org/` },
    { method: 'PUT', url: `${p}/plans/seat/subscriptions/nope-org/`, body: { ends_at: '2030-01-01T00:00:00Z' } },
    { method: 'PATCH', url: `${p}/plans/seat/subscriptions/nope-org/`, body: {} },
    { method: 'DELETE', url: `${p}/plans/seat/subscriptions/nope-org/` },
    { method: 'GET', url: '/api/profile/nope-org/subscribers/' },
    { method: 'POST', url: `${p}/subscribers/accept/nope-key/` },
    { method: 'PUT', url: `${p}/subscribers/accept/nope-key/` },
    { method: 'GET', url: '/api/metrics/nope-org/active/' },
    { method: 'GET', url: '/api/metrics/nope-org/churned/' },
    { method: 'GET', url: '/api/profile/nope-org/subscriptions/' },
    { method: 'POST', url: '/api/profile/nope-org/subscriptions/', body: { plan: 'seat' } },
    { method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/nope/` },
    { method: 'PUT', url: `/api/profile/${subscriber.slug}/subscriptions/nope/`, body: { ends_at: '2030-01-01T00:00:00Z' } },
    { method: 'PATCH', url: `/api/profile/${subscriber.slug}/subscriptions/nope/`, body: {} },
    { method: 'DELETE', url: `/api/profile/${subscriber.slug}/subscriptions/nope/` },
    { method: 'POST', url: `/api/profile/${subscriber.slug}/subscriptions/accept/nope-key/` },
  ];
  for (const call of calls) {
    const res = await s.request({ ...call, token: t });
    assert.equal(res.statusCode, 404, `${call.method} ${call.url}: ${res.body}`);
    assert.ok(res.json().detail && res.json().error_code);
  }
});

test('malformed JSON and wrong types answer 400 naming the field on every route with a body', async () => {
  const p = `/api/profile/${provider.slug}`;
  const urls: Array<{ method: 'POST' | 'PUT' | 'PATCH'; url: string; wrong: unknown; token: string }> = [
    { method: 'POST', url: `${p}/plans/`, wrong: { title: 5 }, token: users.providerManager!.token },
    { method: 'PUT', url: `${p}/plans/seat/`, wrong: { period_amount: 'lots' }, token: users.providerManager!.token },
    { method: 'PATCH', url: `${p}/plans/seat/`, wrong: { advance_discounts: 'none' }, token: users.providerManager!.token },
    { method: 'POST', url: `${p}/plans/seat/subscriptions/`, wrong: { organization: { slug: 7 } }, token: users.providerManager!.token },
    { method: 'PUT', url: `${p}/plans/seat/subscriptions/${subscriber.slug}/`, wrong: { ends_at: 12 }, token: users.providerManager!.token },
    { method: 'PATCH', url: `${p}/plans/seat/subscriptions/${subscriber.slug}/`, wrong: { auto_renew: 'yes' }, token: users.providerManager!.token },
    { method: 'POST', url: `/api/profile/${subscriber.slug}/subscriptions/`, wrong: { plan: [] }, token: users.subscriberManager!.token },
    { method: 'PUT', url: `/api/profile/${subscriber.slug}/subscriptions/seat/`, wrong: { ends_at: 'soon' }, token: users.subscriberManager!.token },
    { method: 'PATCH', url: `/api/profile/${subscriber.slug}/subscriptions/seat/`, wrong: { description: 3 }, token: users.subscriberManager!.token },
  ];
  const before = await s.core.db.selectFrom('subscriptions').selectAll().orderBy('id').execute();
  const plansBefore = await s.core.db.selectFrom('plans').selectAll().orderBy('id').execute();
  for (const { method, url, wrong, token } of urls) {
    const malformed = await s.request({ method, url, token, body: '{"x":', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.statusCode, 400, `${method} ${url}`);
    const typed = await s.request({ method, url, token, body: wrong });
    assert.equal(typed.statusCode, 400, `${method} ${url}: ${typed.body}`);
    const field = Object.keys(wrong as object).find((k) => Object.keys(typed.json()).some((f) => f === k || f.startsWith(`${k}.`) || f.startsWith(`${k}[`)));
    assert.ok(field, `${method} ${url}: ${typed.body}`);
  }
  assert.deepEqual(await s.core.db.selectFrom('subscriptions').selectAll().orderBy('id').execute(), before, 'nothing changed');
  assert.deepEqual(await s.core.db.selectFrom('plans').selectAll().orderBy('id').execute(), plansBefore, 'nothing changed');
});
