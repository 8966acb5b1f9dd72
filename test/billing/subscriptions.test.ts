// Subscriptions seen by the provider and by the subscriber; subscribeOrExtend, the one
// function checkouts create and extend subscriptions with.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';
import { findPlan } from '../../src/core/billing/plans.js';
import { subscribeOrExtend } from '../../src/core/billing/subscriptions.js';
import { addPeriods } from '../../src/core/billing/periods.js';

let s: TestService;
let providerManager: TestUser;
let providerMember: TestUser;
let subscriberManager: TestUser;
let subscriberMember: TestUser;
let stranger: TestUser;
let provider: TestOrg;
let subscriber: TestOrg;

const DAY = 86_400;

before(async () => {
  s = await startService();
  [providerManager, providerMember, subscriberManager, subscriberMember, stranger] = await Promise.all([s.user(), s.user(), s.user(), s.user(), s.user()]);
  provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  await grantRole(s, provider, providerManager.id, 'manager');
  await grantRole(s, provider, providerMember.id, 'contributor');
  subscriber = await makeOrganization(s);
  await grantRole(s, subscriber, subscriberManager.id, 'manager');
  await grantRole(s, subscriber, subscriberMember.id, 'contributor');
  for (const body of [
    { title: 'Desk', period_amount: 10000, period_type: 'monthly', is_active: true },
    { title: 'Office', period_amount: 50000, period_type: 'yearly', is_active: true, skip_optin_on_grant: true },
    { title: 'Vetted', period_amount: 20000, period_type: 'monthly', is_active: true, optin_on_request: true },
    { title: 'Once', period_amount: 1000, period_type: 'weekly', period_length: 2, renewal_type: 'one-time', is_active: true },
  ]) {
    const res = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: providerManager.token, body });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(async () => { await s.stop(); });

describe('addPeriods', () => {
  test('months clamp to the end of shorter months; other periods are exact', () => {
    const jan31 = new Date('2026-01-31T10:00:00Z');
    assert.equal(addPeriods(jan31, 'monthly', 1).toISOString(), '2026-02-28T10:00:00.000Z');
    assert.equal(addPeriods(new Date('2028-01-31T00:00:00Z'), 'monthly', 1).toISOString(), '2028-02-29T00:00:00.000Z');
    assert.equal(addPeriods(jan31, 'monthly', 13).toISOString(), '2027-02-28T10:00:00.000Z');
    assert.equal(addPeriods(jan31, 'yearly', 2).toISOString(), '2028-01-31T10:00:00.000Z');
    assert.equal(addPeriods(new Date('2028-02-29T00:00:00Z'), 'yearly', 1).toISOString(), '2029-02-28T00:00:00.000Z');
    assert.equal(addPeriods(jan31, 'weekly', 2).toISOString(), '2026-02-14T10:00:00.000Z');
    assert.equal(addPeriods(jan31, 'daily', 1).toISOString(), '2026-02-01T10:00:00.000Z');
    assert.equal(addPeriods(jan31, 'hourly', 30).toISOString(), '2026-02-01T16:00:00.000Z');
    assert.equal(addPeriods(new Date('2026-12-15T00:00:00Z'), 'monthly', 1).toISOString(), '2027-01-15T00:00:00.000Z');
    assert.equal(addPeriods(new Date('2026-03-31T00:00:00Z'), 'monthly', -1).toISOString(), '2026-02-28T00:00:00.000Z');
  });
});

describe('subscribeOrExtend', () => {
  test('creates one from now, then extends it from its end; a request plan waits for the provider', async () => {
    const buyer = await makeOrganization(s);
    const desk = await findPlan(s.core, { slug: 'desk' });
    const before = s.clock.now;
    const first = await s.core.transact(() => subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: desk, periods: 1 }));
    assert.equal(first.startsAt.getTime(), new Date(first.subscription.created_at).getTime());
    assert.ok(first.startsAt >= before && first.startsAt <= s.clock.now);
    assert.equal(first.endsAt.toISOString(), addPeriods(first.startsAt, 'monthly', 1).toISOString());
    assert.equal(first.subscription.auto_renew, true);
    assert.equal(first.subscription.request_key, null);
    const second = await s.core.transact(() => subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: desk, periods: 12 }));
    assert.equal(second.subscription.id, first.subscription.id);
    assert.equal(second.startsAt.getTime(), first.endsAt.getTime());
    assert.equal(second.endsAt.toISOString(), addPeriods(first.endsAt, 'monthly', 12).toISOString());

    const vetted = await findPlan(s.core, { slug: 'vetted' });
    const requested = await s.core.transact(() => subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: vetted, periods: 1 }));
    assert.ok(requested.subscription.request_key);

    const once = await findPlan(s.core, { slug: 'once' });
    const fortnight = await subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: once, periods: 2 });
    assert.equal(fortnight.subscription.auto_renew, false);
    assert.equal(fortnight.endsAt.getTime() - fortnight.startsAt.getTime(), 4 * 7 * DAY * 1000);
  });

  test('an ended subscription is kept as history: a new one starts', async () => {
    const buyer = await makeOrganization(s);
    const desk = await findPlan(s.core, { slug: 'desk' });
    const first = await subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: desk, periods: 1 });
    s.clock.advance(40 * DAY);
    try {
      const before = s.clock.now;
      const next = await subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: desk, periods: 1 });
      assert.notEqual(next.subscription.id, first.subscription.id);
      assert.ok(next.startsAt >= before && next.startsAt <= s.clock.now);
    } finally {
      s.clock.advance(-40 * DAY);
    }
  });

  test('rolls back with the caller\'s unit of work', async () => {
    const buyer = await makeOrganization(s);
    const desk = await findPlan(s.core, { slug: 'desk' });
    await assert.rejects(s.core.transact(async () => {
      await subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: desk, periods: 1 });
      throw new Error('checkout failed');
    }), /checkout failed/);
    const rows = await s.core.db.selectFrom('subscriptions').select('id').where('organization_id', '=', buyer.id).execute();
    assert.equal(rows.length, 0);
  });
});

describe('the provider subscribes an organization', () => {
  const url = (plan: string) => `/api/profile/${provider.slug}/plans/${plan}/subscriptions/`;

  test('a grant waits for the subscriber\'s opt-in; accepting it makes it active', async () => {
    const res = await s.request({ method: 'POST', url: url('desk'), token: providerManager.token, body: { organization: { slug: subscriber.slug }, message: 'Welcome aboard' } });
    assert.equal(res.statusCode, 201, res.body);
    const sub = res.json();
    assert.equal(sub.organization.slug, subscriber.slug);
    assert.equal(sub.plan.slug, 'desk');
    assert.equal(sub.plan.organization.slug, provider.slug);
    assert.equal(sub.editable, true);
    assert.equal(sub.description, 'Welcome aboard');
    assert.ok(sub.grant_key);
    assert.equal(sub.request_key, null);
    assert.equal(sub.ends_at, addPeriods(new Date(sub.created_at), 'monthly', 1).toISOString());
    // Not active yet: the profile does not show it; the pending filter does.
    const profile = await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/`, token: subscriberManager.token });
    assert.deepEqual(profile.json().subscriptions, []);
    const pending = await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/?state=pending`, token: subscriberMember.token });
    assert.equal(pending.json().count, 1);
    assert.equal(pending.json().results[0].editable, false);
    // Granting again answers the same subscription.
    const again = await s.request({ method: 'POST', url: url('desk'), token: providerManager.token, body: { organization: { slug: subscriber.slug } } });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().grant_key, sub.grant_key);
    // The subscriber's managers are told, with the link to accept; its contributors are not.
    await s.core.jobs.idle();
    const mail = await s.smtp.waitFor(subscriberManager.email, (m) => m.subject.includes('to Desk'));
    assert.match(mail.text, /Welcome aboard/);
    assert.ok(!s.smtp.to(subscriberMember.email).some((m) => m.subject.includes('to Desk')));
    // Only the subscriber's managers accept, and only with the right key.
    const accept = pathOf(linkIn(mail, '/subscriptions/accept/'));
    assert.equal(accept, `/api/profile/${subscriber.slug}/subscriptions/accept/${sub.grant_key}/`);
    assert.equal((await s.request({ method: 'POST', url: accept, token: subscriberMember.token })).statusCode, 403);
    assert.equal((await s.request({ method: 'POST', url: accept, token: providerManager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${subscriber.slug}/subscriptions/accept/wrong-key/`, token: subscriberManager.token })).statusCode, 404);
    const accepted = await s.request({ method: 'POST', url: accept, token: subscriberManager.token });
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().grant_key, null);
    const after = await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/`, token: subscriberManager.token });
    assert.deepEqual(after.json().subscriptions, [{ created_at: sub.created_at, ends_at: sub.ends_at, plan: 'desk', auto_renew: true }]);
    assert.equal((await s.request({ method: 'POST', url: accept, token: subscriberManager.token })).statusCode, 404, 'a key works once');
  });

  test('a plan that skips the opt-in is active at once; no ledger row is written', async () => {
    const res = await s.request({ method: 'POST', url: url('office'), token: providerManager.token, body: { organization: { slug: subscriber.slug } } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().grant_key, null);
    assert.equal(res.json().auto_renew, false, 'nobody on the subscriber\'s side accepted: it never renews (charges their card) by itself');
    const rows = await s.core.db.selectFrom('ledger_transactions').select('id').execute();
    assert.equal(rows.length, 0);
  });

  test('bad input and callers who may not', async () => {
    const cases: Array<[unknown, number]> = [
      [{}, 400], [{ organization: {} }, 400], [{ organization: { slug: 'no-such-org' } }, 400], [{ organization: 'x' }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await s.request({ method: 'POST', url: url('desk'), token: providerManager.token, body });
      assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
    }
    const body = { organization: { slug: subscriber.slug } };
    assert.equal((await s.request({ method: 'POST', url: url('no-such-plan'), token: providerManager.token, body })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: url('desk'), token: providerMember.token, body })).statusCode, 403);
    assert.equal((await s.request({ method: 'POST', url: url('desk'), token: subscriberManager.token, body })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: url('desk'), body })).statusCode, 401);
  });

  test('the provider reads, extends, shortens and ends a subscription; lists and filters', async () => {
    const one = `${url('desk')}${subscriber.slug}/`;
    const read = await s.request({ method: 'GET', url: one, token: providerMember.token });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().editable, false, 'a contributor may read, not change');
    const later = addPeriods(new Date(read.json().ends_at), 'monthly', 3).toISOString();
    const put = await s.request({ method: 'PUT', url: one, token: providerManager.token, body: { ends_at: later, description: 'extended after call with customer' } });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().ends_at, later);
    assert.equal(put.json().description, 'extended after call with customer');
    assert.equal((await s.request({ method: 'PUT', url: one, token: providerManager.token, body: { description: 'no date' } })).statusCode, 400, 'PUT needs ends_at');
    assert.equal((await s.request({ method: 'PATCH', url: one, token: providerManager.token, body: { ends_at: '2001-01-01T00:00:00Z' } })).statusCode, 400, 'not before the start');
    assert.equal((await s.request({ method: 'PATCH', url: one, token: providerManager.token, body: { ends_at: 'tomorrow' } })).statusCode, 400);
    assert.equal((await s.request({ method: 'PATCH', url: one, token: providerMember.token, body: { auto_renew: false } })).statusCode, 403);
    assert.equal((await s.request({ method: 'GET', url: `${url('desk')}no-such-org/`, token: providerManager.token })).statusCode, 404);

    const list = await s.request({ method: 'GET', url: `${url('desk')}?state=active`, token: providerMember.token });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().results.some((r: { organization: { slug: string } }) => r.organization.slug === subscriber.slug));
    assert.equal((await s.request({ method: 'GET', url: `${url('desk')}?state=bogus`, token: providerMember.token })).statusCode, 400);

    const subscribers = await s.request({ method: 'GET', url: `/api/profile/${provider.slug}/subscribers/?state=active`, token: providerMember.token });
    assert.equal(subscribers.statusCode, 200, subscribers.body);
    const found = subscribers.json().results.find((o: { slug: string }) => o.slug === subscriber.slug);
    assert.ok(found);
    assert.ok(found.ends_at >= later);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${provider.slug}/subscribers/`, token: stranger.token })).statusCode, 404);
    for (const o of ['-ends_at', 'ends_at', 'full_name', '-created_at']) {
      const ordered = await s.request({ method: 'GET', url: `/api/profile/${provider.slug}/subscribers/?o=${o}&q=${subscriber.slug}`, token: providerMember.token });
      assert.equal(ordered.statusCode, 200, ordered.body);
      assert.equal(ordered.json().count, 1);
    }
    for (const o of ['-ends_at', 'plan', 'organization']) {
      const ordered = await s.request({ method: 'GET', url: `${url('desk')}?o=${o}&q=${subscriber.slug}`, token: providerMember.token });
      assert.equal(ordered.statusCode, 200, ordered.body);
    }

    // An end moved earlier stops the renewal (it would charge again for time paid for); only
    // the subscriber's managers turn renewal on.
    const sooner = addPeriods(new Date(later), 'monthly', -1).toISOString();
    const shortened = await s.request({ method: 'PATCH', url: one, token: providerManager.token, body: { ends_at: sooner } });
    assert.equal(shortened.statusCode, 200, shortened.body);
    assert.equal(shortened.json().ends_at, sooner);
    assert.equal(shortened.json().auto_renew, false);
    const turnOn = await s.request({ method: 'PATCH', url: one, token: providerManager.token, body: { auto_renew: true } });
    assert.equal(turnOn.statusCode, 400, turnOn.body);
    assert.ok(turnOn.json().auto_renew, turnOn.body);

    assert.equal((await s.request({ method: 'DELETE', url: one, token: providerMember.token })).statusCode, 403);
    const endedAfter = s.clock.now.toISOString();
    const end = await s.request({ method: 'DELETE', url: one, token: providerManager.token });
    assert.equal(end.statusCode, 204);
    const ended = await s.request({ method: 'GET', url: one, token: providerManager.token });
    assert.ok(ended.json().ends_at >= endedAfter && ended.json().ends_at <= s.clock.now.toISOString());
    assert.equal(ended.json().auto_renew, false);
    const expired = await s.request({ method: 'GET', url: `${url('desk')}?state=expired`, token: providerManager.token });
    assert.ok(expired.json().results.some((r: { organization: { slug: string } }) => r.organization.slug === subscriber.slug));
    const churned = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/churned/`, token: providerManager.token });
    assert.equal(churned.statusCode, 200);
    assert.ok(!churned.json().results.some((r: { organization: { slug: string } }) => r.organization.slug === subscriber.slug), 'still active on another plan: not churned');
  });
});

describe('the subscriber\'s side', () => {
  test('accepting a request: only the provider\'s managers, by the key', async () => {
    const buyer = await makeOrganization(s);
    await grantRole(s, buyer, subscriberManager.id, 'manager');
    const vetted = await findPlan(s.core, { slug: 'vetted' });
    const { subscription } = await subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: vetted, periods: 1 });
    await s.core.jobs.idle();
    const mail = await s.smtp.waitFor(providerManager.email, (m) => m.subject.includes('asks to subscribe to Vetted') && m.text.includes(subscription.request_key!));
    const accept = pathOf(linkIn(mail, '/subscribers/accept/'));
    assert.equal(accept, `/api/profile/${provider.slug}/subscribers/accept/${subscription.request_key}/`);
    assert.equal((await s.request({ method: 'POST', url: accept, token: subscriberManager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: accept, token: providerMember.token })).statusCode, 403);
    const ok = await s.request({ method: 'PUT', url: accept, token: providerManager.token });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().request_key, null);
    assert.equal(ok.json().organization.slug, buyer.slug);
    assert.equal((await s.request({ method: 'POST', url: accept, token: providerManager.token })).statusCode, 404);

    // A grant on a plan the organization asked for accepts the request.
    const other = await makeOrganization(s);
    const asked = await subscribeOrExtend(s.core, { subscriberId: other.id, plan: vetted, periods: 1 });
    assert.ok(asked.subscription.request_key);
    const granted = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/vetted/subscriptions/`, token: providerManager.token, body: { organization: { slug: other.slug } } });
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal(granted.json().request_key, null);
    assert.equal(granted.json().grant_key, null);
    assert.equal(granted.json().ends_at, asked.endsAt.toISOString());
  });

  test('lists, reads, unsubscribes at a future date, unsubscribes now', async () => {
    const list = await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/`, token: subscriberMember.token });
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(list.json().count >= 2);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/`, token: stranger.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/` })).statusCode, 401);

    const one = `/api/profile/${subscriber.slug}/subscriptions/office/`;
    const read = await s.request({ method: 'GET', url: one, token: subscriberMember.token });
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().plan.slug, 'office');
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/vetted/`, token: subscriberMember.token })).statusCode, 404);

    const endsAt = new Date(read.json().ends_at);
    const later = new Date(endsAt.getTime() + DAY * 1000).toISOString();
    const extend = await s.request({ method: 'PUT', url: one, token: subscriberManager.token, body: { ends_at: later } });
    assert.equal(extend.statusCode, 400);
    assert.equal(extend.json().error_code, 'subscription.extend_refused');
    const past = await s.request({ method: 'PUT', url: one, token: subscriberManager.token, body: { ends_at: '2001-01-01T00:00:00Z' } });
    assert.equal(past.statusCode, 400);
    assert.equal((await s.request({ method: 'PUT', url: one, token: subscriberMember.token, body: { ends_at: read.json().ends_at } })).statusCode, 403);

    const earlier = new Date(s.clock.now.getTime() + 30 * DAY * 1000).toISOString();
    const cut = await s.request({ method: 'PUT', url: one, token: subscriberManager.token, body: { ends_at: earlier } });
    assert.equal(cut.statusCode, 200, cut.body);
    assert.equal(cut.json().ends_at, earlier);
    assert.equal(cut.json().auto_renew, false, 'unsubscribing at a date stops renewals');
    const renew = await s.request({ method: 'PATCH', url: one, token: subscriberManager.token, body: { auto_renew: true } });
    assert.equal(renew.statusCode, 200);
    assert.equal(renew.json().auto_renew, true);

    assert.equal((await s.request({ method: 'DELETE', url: one, token: subscriberMember.token })).statusCode, 403);
    const cancelledAfter = s.clock.now.toISOString();
    const gone = await s.request({ method: 'DELETE', url: one, token: subscriberManager.token });
    assert.equal(gone.statusCode, 204);
    const ended = await s.request({ method: 'GET', url: one, token: subscriberManager.token });
    assert.ok(ended.json().ends_at >= cancelledAfter && ended.json().ends_at <= s.clock.now.toISOString());
    assert.equal(ended.json().auto_renew, false);
    assert.equal((await s.request({ method: 'DELETE', url: one, token: subscriberManager.token })).statusCode, 204, 'again: nothing changes');
    const active = await s.request({ method: 'GET', url: `/api/profile/${subscriber.slug}/subscriptions/?state=active`, token: subscriberManager.token });
    assert.equal(active.json().count, 0);
    const churned = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/churned/`, token: providerManager.token });
    assert.ok(churned.json().results.some((r: { organization: { slug: string } }) => r.organization.slug === subscriber.slug));
  });
});

describe('POST /api/profile/{organization}/subscriptions/ (001)', () => {
  test('free plans start at once, plans priced on request wait for the provider, paid plans go through checkout', async () => {
    const buyer = await makeOrganization(s);
    await grantRole(s, buyer, subscriberManager.id, 'manager');
    await grantRole(s, buyer, subscriberMember.id, 'contributor');
    for (const body of [
      { title: 'Free Tier', period_amount: 0, period_type: 'monthly', is_active: true },
      { title: 'Enterprise', period_amount: 0, is_not_priced: true, is_active: true },
      { title: 'Closed Free', period_amount: 0, is_active: false },
    ]) {
      const res = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: providerManager.token, body });
      assert.equal(res.statusCode, 201, res.body);
    }
    const url = `/api/profile/${buyer.slug}/subscriptions/`;
    const free = await s.request({ method: 'POST', url, token: subscriberManager.token, body: { plan: 'free-tier' } });
    assert.equal(free.statusCode, 201, free.body);
    assert.equal(free.json().request_key, null);
    assert.equal(free.json().plan.slug, 'free-tier');
    const again = await s.request({ method: 'POST', url, token: subscriberManager.token, body: { plan: { slug: 'free-tier' } } });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().ends_at, free.json().ends_at, 'asking again does not extend a free plan');
    const onRequest = await s.request({ method: 'POST', url, token: subscriberManager.token, body: { plan: 'enterprise' } });
    assert.equal(onRequest.statusCode, 201, onRequest.body);
    assert.ok(onRequest.json().request_key);
    await s.core.jobs.idle();
    await s.smtp.waitFor(providerManager.email, (m) => m.subject.includes('to Enterprise'));

    const paid = await s.request({ method: 'POST', url, token: subscriberManager.token, body: { plan: 'desk' } });
    assert.equal(paid.statusCode, 400);
    assert.equal(paid.json().error_code, 'plan.priced');
    const closed = await s.request({ method: 'POST', url, token: subscriberManager.token, body: { plan: 'closed-free' } });
    assert.equal(closed.json().error_code, 'plan.inactive');
    for (const body of [{}, { plan: 'no-such-plan' }, { plan: 5 }, { plan: 'free-tier', extra: 1 }]) {
      const res = await s.request({ method: 'POST', url, token: subscriberManager.token, body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.ok(res.json().plan || res.json().extra || res.json().error_code === 'field.invalid', res.body);
    }
    assert.equal((await s.request({ method: 'POST', url, token: subscriberMember.token, body: { plan: 'free-tier' } })).statusCode, 403);
    assert.equal((await s.request({ method: 'POST', url, token: stranger.token, body: { plan: 'free-tier' } })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url, body: { plan: 'free-tier' } })).statusCode, 401);
    const rows = await s.core.db.selectFrom('subscriptions').select('id').where('organization_id', '=', buyer.id).execute();
    assert.equal(rows.length, 2, 'refusals created nothing');
  });

  test('the active metrics list answers as of ends_at', async () => {
    const buyer = await makeOrganization(s);
    const desk = await findPlan(s.core, { slug: 'desk' });
    const { endsAt } = await subscribeOrExtend(s.core, { subscriberId: buyer.id, plan: desk, periods: 1 });
    const url = `/api/metrics/${provider.slug}/active/`;
    const has = (res: { json(): { results: Array<{ organization: { slug: string } }> } }) => res.json().results.some((r) => r.organization.slug === buyer.slug);
    const now = await s.request({ method: 'GET', url: `${url}?page_size=500`, token: providerMember.token });
    assert.ok(has(now));
    const later = await s.request({ method: 'GET', url: `${url}?page_size=500&ends_at=${new Date(endsAt.getTime() + 1000).toISOString()}`, token: providerMember.token });
    assert.equal(later.statusCode, 200, later.body);
    assert.ok(!has(later), 'ended by then');
  });
});
