// Plans of a provider: create, list, read, update, deactivate, delete; the public pricing.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';

let s: TestService;
let manager: TestUser;
let contributor: TestUser;
let stranger: TestUser;
let provider: TestOrg;

before(async () => {
  s = await startService();
  manager = await s.user();
  contributor = await s.user();
  stranger = await s.user();
  provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  await grantRole(s, provider, manager.id, 'manager');
  await grantRole(s, provider, contributor.id, 'contributor');
});
after(async () => { await s.stop(); });

const plansUrl = () => `/api/profile/${provider.slug}/plans/`;

describe('POST /api/profile/{organization}/plans/', () => {
  test('seed example: creates an inactive plan, slug from the title, defaults filled in', async () => {
    const res = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body: {
      title: 'Open Space', description: 'A desk in our coworking space', is_active: false, period_amount: 12000, interval: 'monthly',
    } });
    assert.equal(res.statusCode, 201, res.body);
    const plan = res.json();
    assert.equal(plan.slug, 'open-space');
    assert.equal(plan.title, 'Open Space');
    assert.equal(plan.description, 'A desk in our coworking space');
    assert.equal(plan.is_active, false);
    assert.equal(plan.period_amount, 12000);
    assert.equal(plan.period_type, 'monthly');
    assert.equal(plan.period_length, 1);
    assert.equal(plan.setup_amount, 0);
    assert.equal(plan.unit, 'usd');
    assert.equal(plan.renewal_type, 'auto-renew');
    assert.equal(plan.skip_optin_on_grant, false);
    assert.equal(plan.optin_on_request, false);
    assert.equal(plan.is_not_priced, false);
    assert.deepEqual(plan.advance_discounts, []);
    assert.equal(plan.discounted_period_amount, 12000);
    assert.equal(plan.organization.slug, provider.slug);
    assert.equal(plan.organization.type, 'organization');
    assert.equal(plan.organization.credentials, false);
  });

  test('a second plan with the same title (any case) is refused; the slug stays unique site-wide', async () => {
    const res = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body: { title: 'open space' } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error_code, 'plan.title_taken');
    assert.ok(res.json().title);
    const other = await makeOrganization(s);
    await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', other.id).execute();
    await grantRole(s, other, manager.id, 'manager');
    const elsewhere = await s.request({ method: 'POST', url: `/api/profile/${other.slug}/plans/`, token: manager.token, body: { title: 'Open Space' } });
    assert.equal(elsewhere.statusCode, 201, elsewhere.body);
    assert.equal(elsewhere.json().slug, 'open-space-2');
  });

  test('every field: advance discounts, yearly, currency in any case', async () => {
    const res = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body: {
      title: 'Premium Desk', period_amount: 18900, period_type: 'monthly', period_length: 3, setup_amount: 500,
      unit: 'EUR', renewal_type: 'repeat', optin_on_request: true, skip_optin_on_grant: true, is_active: true, extra: '{"color":"red"}',
      advance_discounts: [{ discount_type: 'percentage', discount_value: 1000, length: 4 }, { discount_type: 'period', discount_value: 1, length: 12 }],
    } });
    assert.equal(res.statusCode, 201, res.body);
    const plan = res.json();
    assert.equal(plan.unit, 'eur');
    assert.equal(plan.period_length, 3);
    assert.equal(plan.renewal_type, 'repeat');
    assert.equal(plan.extra, '{"color":"red"}');
    assert.deepEqual(plan.advance_discounts, [
      { discount_type: 'percentage', discount_value: 1000, length: 4 }, { discount_type: 'period', discount_value: 1, length: 12 },
    ]);
  });

  test('bad input is a 400 naming the field, and creates nothing', async () => {
    const before = await s.core.db.selectFrom('plans').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const cases: Array<[unknown, string]> = [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'X', period_amount: -1 }, 'period_amount'],
      [{ title: 'X', period_amount: 1.5 }, 'period_amount'],
      [{ title: 'X', period_amount: '100' }, 'period_amount'],
      [{ title: 'X', period_amount: 1e15 }, 'period_amount'],
      [{ title: 'X', setup_amount: -5 }, 'setup_amount'],
      [{ title: 'X', unit: 'zzz' }, 'unit'],
      [{ title: 'X', unit: 'dollars' }, 'unit'],
      [{ title: 'X', period_type: 'fortnightly' }, 'period_type'],
      [{ title: 'X', period_length: 0 }, 'period_length'],
      [{ title: 'X', renewal_type: 'forever' }, 'renewal_type'],
      [{ title: 'X', is_active: 'yes' }, 'is_active'],
      [{ title: 'X', advance_discounts: [{ discount_type: 'percentage', discount_value: 20000, length: 12 }] }, 'advance_discounts'],
      [{ title: 'X', advance_discounts: [{ discount_type: 'period', discount_value: 12, length: 12 }] }, 'advance_discounts'],
      [{ title: 'X', advance_discounts: [{ discount_type: 'period', discount_value: 1, length: 6 }, { discount_type: 'percentage', discount_value: 10, length: 6 }] }, 'advance_discounts'],
      [{ title: 'X', advance_discounts: [{ discount_type: 'bogus', discount_value: 1, length: 6 }] }, 'advance_discounts'],
      [{ title: 'X', nonsense: 1 }, 'nonsense'],
    ];
    for (const [body, field] of cases) {
      const res = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.ok(Object.keys(res.json()).some((k) => k.startsWith(field)), `${JSON.stringify(body)} names ${field}: ${res.body}`);
    }
    const malformed = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body: '{"title": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.statusCode, 400);
    const after = await s.core.db.selectFrom('plans').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  test('only the provider\'s managers may; an organization that is not a provider has no plans', async () => {
    for (const [user, status] of [[contributor, 403], [stranger, 404]] as const) {
      const res = await s.request({ method: 'POST', url: plansUrl(), token: user.token, body: { title: 'Nope' } });
      assert.equal(res.statusCode, status, res.body);
    }
    const anonymous = await s.request({ method: 'POST', url: plansUrl(), body: { title: 'Nope' } });
    assert.equal(anonymous.statusCode, 401);
    const plain = await makeOrganization(s);
    await grantRole(s, plain, manager.id, 'manager');
    const res = await s.request({ method: 'POST', url: `/api/profile/${plain.slug}/plans/`, token: manager.token, body: { title: 'Nope' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error_code, 'organization.not_provider');
    const fee = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body: { title: 'Fee', broker_fee_percent: 100 } });
    assert.equal(fee.statusCode, 403, 'only the broker sets its fee');
    const byAdmin = await s.request({ method: 'POST', url: plansUrl(), token: s.admin.token, body: { title: 'Fee', broker_fee_percent: 100 } });
    assert.equal(byAdmin.statusCode, 201, byAdmin.body);
    assert.equal(byAdmin.json().broker_fee_percent, 100);
  });
});

describe('reading, updating and deleting plans', () => {
  test('list and read: members see inactive plans, others do not', async () => {
    const list = await s.request({ method: 'GET', url: `${plansUrl()}?o=title`, token: contributor.token });
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(list.json().results.some((p: { slug: string }) => p.slug === 'open-space'));
    const one = await s.request({ method: 'GET', url: `${plansUrl()}open-space/`, token: contributor.token });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().title, 'Open Space');
    assert.equal((await s.request({ method: 'GET', url: plansUrl(), token: stranger.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: plansUrl() })).statusCode, 401);
    assert.equal((await s.request({ method: 'GET', url: `${plansUrl()}no-such-plan/`, token: manager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `${plansUrl()}?o=bogus`, token: manager.token })).statusCode, 400);
  });

  test('a plan of another provider is not found through this one', async () => {
    const res = await s.request({ method: 'GET', url: `${plansUrl()}open-space-2/`, token: manager.token });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error_code, 'plan.not_found');
  });

  test('PUT changes only the fields sent (seed example); PATCH too', async () => {
    const res = await s.request({ method: 'PUT', url: `${plansUrl()}open-space/`, token: manager.token, body: { title: 'Open Space', period_amount: 13000 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().period_amount, 13000);
    assert.equal(res.json().description, 'A desk in our coworking space');
    const patch = await s.request({ method: 'PATCH', url: `${plansUrl()}open-space/`, token: manager.token, body: { is_active: true } });
    assert.equal(patch.statusCode, 200);
    assert.equal(patch.json().is_active, true);
    assert.equal(patch.json().period_amount, 13000);
    const clash = await s.request({ method: 'PATCH', url: `${plansUrl()}open-space/`, token: manager.token, body: { title: 'PREMIUM DESK' } });
    assert.equal(clash.statusCode, 400);
    assert.equal(clash.json().error_code, 'plan.title_taken');
    const denied = await s.request({ method: 'PATCH', url: `${plansUrl()}open-space/`, token: contributor.token, body: { is_active: false } });
    assert.equal(denied.statusCode, 403);
    const bad = await s.request({ method: 'PATCH', url: `${plansUrl()}open-space/`, token: manager.token, body: { period_amount: -3 } });
    assert.equal(bad.statusCode, 400);
    const unchanged = await s.request({ method: 'GET', url: `${plansUrl()}open-space/`, token: manager.token });
    assert.equal(unchanged.json().is_active, true);
    assert.equal(unchanged.json().period_amount, 13000);
  });

  test('DELETE removes a plan never subscribed to; one with a subscription is kept (403)', async () => {
    const created = await s.request({ method: 'POST', url: plansUrl(), token: manager.token, body: { title: 'Ephemeral' } });
    assert.equal(created.statusCode, 201);
    assert.equal((await s.request({ method: 'DELETE', url: `${plansUrl()}ephemeral/`, token: contributor.token })).statusCode, 403);
    const gone = await s.request({ method: 'DELETE', url: `${plansUrl()}ephemeral/`, token: manager.token });
    assert.equal(gone.statusCode, 204);
    assert.equal((await s.request({ method: 'GET', url: `${plansUrl()}ephemeral/`, token: manager.token })).statusCode, 404);

    const subscriber = await makeOrganization(s);
    const plan = await s.core.db.selectFrom('plans').select('id').where('slug', '=', 'open-space').executeTakeFirstOrThrow();
    const past = new Date(s.clock.now.getTime() - 86_400_000 * 60);
    await s.core.db.insertInto('subscriptions').values({ organization_id: subscriber.id, plan_id: plan.id, created_at: past, ends_at: new Date(past.getTime() + 86_400_000) }).execute();
    const kept = await s.request({ method: 'DELETE', url: `${plansUrl()}open-space/`, token: manager.token });
    assert.equal(kept.statusCode, 403);
    assert.equal(kept.json().error_code, 'plan.in_use');
    const unit = await s.request({ method: 'PATCH', url: `${plansUrl()}open-space/`, token: manager.token, body: { unit: 'eur' } });
    assert.equal(unit.statusCode, 400);
    assert.equal(unit.json().error_code, 'plan.in_use');
  });
});

describe('GET /api/pricing/', () => {
  test('the broker\'s active plans, to anyone', async () => {
    const broker = await s.core.db.selectFrom('organizations').select(['id', 'slug']).where('is_broker', '=', true).executeTakeFirstOrThrow();
    for (const [title, active] of [['Managed', true], ['Hidden', false]] as const) {
      const res = await s.request({ method: 'POST', url: `/api/profile/${broker.slug}/plans/`, token: s.admin.token, body: { title, is_active: active, period_amount: 2900, period_type: 'monthly' } });
      assert.equal(res.statusCode, 201, res.body);
    }
    const res = await s.request({ method: 'GET', url: '/api/pricing/' });
    assert.equal(res.statusCode, 200, res.body);
    const slugs = res.json().results.map((p: { slug: string }) => p.slug);
    assert.ok(slugs.includes('managed'));
    assert.ok(!slugs.includes('hidden'), 'inactive plans are not priced publicly');
    assert.ok(!slugs.includes('open-space'), 'only the broker\'s plans');
    assert.equal(res.json().results[0].organization.slug, broker.slug);
    const asUser = await s.request({ method: 'GET', url: '/api/pricing/', token: stranger.token });
    assert.deepEqual(asUser.json().results.map((p: { slug: string }) => p.slug), slugs);
  });
});
