// GET /api/todos/: what waits on the caller. Each kind of item appears when made and goes
// away once handled through the API's own routes; pagination; who sees what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { grantRole, makeOrganization, placeOrganization, type TestOrg } from '../support/fixtures.js';

let s: TestService;
let manager: TestUser;
let member: TestUser;
let outsider: TestUser;
let org: TestOrg;

interface TodoJson {
  kind: string; text: string; account: string; key: string | null; url: string | null; created_by: string | null;
  organization: { slug: string; printable_name: string }; created_at: string;
}
interface TodoPage { count: number; next: string | null; previous: string | null; results: TodoJson[] }

async function todos(user: TestUser, query = ''): Promise<TodoPage> {
  const res = await s.request({ method: 'GET', url: `/api/todos/${query}`, token: user.token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<TodoPage>();
}

before(async () => {
  s = await startService();
  [manager, member, outsider] = await Promise.all([s.user(), s.user(), s.user()]);
  org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  await grantRole(s, org, member.id, 'contributor');
});
after(async () => { await s.stop(); });

test('anonymous callers are refused; a user with nothing waiting gets an empty page', async () => {
  const anonymous = await s.request({ method: 'GET', url: '/api/todos/' });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.json().error_code, 'auth.required');
  assert.deepEqual(await todos(outsider), { count: 0, next: null, previous: null, results: [] });
  const bad = await s.request({ method: 'GET', url: '/api/todos/?page=0', token: outsider.token });
  assert.equal(bad.statusCode, 400);
  const order = await s.request({ method: 'GET', url: '/api/todos/?o=text', token: outsider.token });
  assert.equal(order.statusCode, 400);
});

test('an invitation is a to-do of the invitee until accepted; the inviting managers do not see it', async () => {
  const invitee = await s.user();
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: invitee.username } });
  assert.equal(res.statusCode, 201, res.body);
  const [item] = (await todos(invitee)).results;
  assert.equal(item?.kind, 'invitation');
  assert.equal(item.organization.slug, org.slug);
  assert.equal(item.account, org.slug);
  assert.equal(item.created_by, manager.username);
  assert.equal(item.key, null, 'the invitation key only goes by mail');
  assert.equal(item.url, null);
  assert.match(item.text, /invites you to join \(Contributors\)/);
  assert.ok(!(await todos(manager)).results.some((t) => t.kind === 'invitation'));

  await s.core.jobs.idle();
  const mail = await s.smtp.waitFor(invitee.email, (m) => m.text.includes('/accessibles/accept/'));
  const accepted = await s.request({ method: 'PUT', url: pathOf(linkIn(mail, '/accessibles/accept/')), token: invitee.token });
  assert.equal(accepted.statusCode, 200, accepted.body);
  assert.equal((await todos(invitee)).count, 0);
});

test('a join request is a to-do of the managers (not of members nor the requester) until answered', async () => {
  const requester = await s.user();
  const made = await s.request({ method: 'POST', url: `/api/users/${requester.username}/accessibles/`, token: requester.token, body: { slug: org.slug } });
  assert.equal(made.statusCode, 201, made.body);
  const item = (await todos(manager)).results.find((t) => t.kind === 'role_request' && t.created_by === requester.username);
  assert.ok(item, 'the manager sees the request');
  assert.equal(item.organization.slug, org.slug);
  assert.ok(item.key);
  assert.equal(item.url, s.core.links.roleRequest(org.slug, item.key), 'the link the managers were mailed');
  assert.match(item.text, /asks to join .* \(Contributors\)/);
  assert.equal((await todos(member)).count, 0, 'a contributor answers no request');
  assert.equal((await todos(requester)).count, 0, 'the requester waits, nothing to do');

  const accept = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/accept/${item.key}/`, token: manager.token });
  assert.equal(accept.statusCode, 200, accept.body);
  assert.ok(!(await todos(manager)).results.some((t) => t.created_by === requester.username));

  // A denied one goes away too; a suspended organization's managers have no powers, so no to-do.
  const other = await s.user();
  await s.request({ method: 'POST', url: `/api/users/${other.username}/accessibles/`, token: other.token, body: { slug: org.slug } });
  const pending = (await todos(manager)).results.find((t) => t.created_by === other.username);
  assert.ok(pending?.key);
  await placeOrganization(s, org, { status: 'suspended' });
  assert.ok(!(await todos(manager)).results.some((t) => t.created_by === other.username));
  await placeOrganization(s, org, { status: 'active' });
  const deny = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/${pending.key}/`, token: manager.token });
  assert.equal(deny.statusCode, 204, deny.body);
  assert.equal((await todos(manager)).count, 0);
});

test('a subscription offered is a to-do of the subscriber\'s managers; a request, of the provider\'s', async () => {
  const providerManager = await s.user();
  const provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  await grantRole(s, provider, providerManager.id, 'manager');
  const title = unique('Plan');
  const plan = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: providerManager.token, body: { title, period_amount: 1000, period_type: 'monthly', is_active: true } });
  assert.equal(plan.statusCode, 201, plan.body);
  const granted = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/${plan.json().slug}/subscriptions/`, token: providerManager.token, body: { organization: { slug: org.slug } } });
  assert.equal(granted.statusCode, 201, granted.body);
  const offer = (await todos(manager)).results.find((t) => t.kind === 'subscription_grant');
  assert.ok(offer);
  assert.equal(offer.organization.slug, org.slug);
  assert.equal(offer.key, granted.json().grant_key);
  assert.equal(offer.url, s.core.links.subscriptionGrant(org.slug, offer.key!));
  assert.match(offer.text, new RegExp(`offers .* a subscription to ${title}`));
  assert.equal((await todos(providerManager)).count, 0);
  const accepted = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/subscriptions/accept/${offer.key}/`, token: manager.token });
  assert.equal(accepted.statusCode, 200, accepted.body);
  assert.equal((await todos(manager)).count, 0);

  const vetted = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: providerManager.token, body: { title: unique('Vetted'), period_amount: 0, period_type: 'monthly', is_active: true, optin_on_request: true } });
  assert.equal(vetted.statusCode, 201, vetted.body);
  const asked = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/subscriptions/`, token: manager.token, body: { plan: vetted.json().slug } });
  assert.equal(asked.statusCode, 201, asked.body);
  const request = (await todos(providerManager)).results.find((t) => t.kind === 'subscription_request');
  assert.ok(request);
  assert.equal(request.organization.slug, provider.slug);
  assert.equal(request.key, asked.json().request_key);
  assert.equal(request.url, s.core.links.subscriptionRequest(provider.slug, request.key!));
  assert.equal((await todos(manager)).count, 0, 'the subscriber waits');
  const ok = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/subscribers/accept/${request.key}/`, token: providerManager.token });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((await todos(providerManager)).count, 0);
});

test('to-dos come newest first, a page at a time', async () => {
  const busy = await s.user();
  const orgs: TestOrg[] = [];
  for (let i = 0; i < 5; i += 1) {
    const o = await makeOrganization(s);
    await grantRole(s, o, busy.id, 'contributor', true);
    orgs.push(o);
  }
  const first = await todos(busy, '?page_size=2');
  assert.equal(first.count, 5);
  assert.equal(first.results.length, 2);
  assert.ok(first.next?.includes('page=2'));
  assert.equal(first.previous, null);
  const last = await todos(busy, '?page_size=2&page=3');
  assert.equal(last.results.length, 1);
  assert.equal(last.next, null);
  const all = [...first.results, ...(await todos(busy, '?page_size=2&page=2')).results, ...last.results];
  assert.deepEqual(new Set(all.map((t) => t.organization.slug)), new Set(orgs.map((o) => o.slug)), 'pages do not overlap');
  const times = all.map((t) => t.created_at);
  assert.deepEqual(times, [...times].sort().reverse());
  const oldest = await todos(busy, '?o=created_at&page_size=1');
  assert.equal(oldest.results[0]!.created_at, times.at(-1));
  const search = await todos(busy, `?q=${orgs[2]!.slug}`);
  assert.deepEqual(search.results.map((t) => t.organization.slug), [orgs[2]!.slug]);
});
