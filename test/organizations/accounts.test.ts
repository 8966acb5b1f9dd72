import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grant } from './helpers.js';

let s: TestService;
let alice: TestUser; // manages "tag" organization
let bob: TestUser; // contributor there
let eve: TestUser; // unrelated
let tag: string;
let orgSlug: string;
let evesOrg: string;

before(async () => {
  s = await startService();
  tag = `srch${Math.random().toString(36).slice(2, 7)}`;
  alice = await s.user({ username: `${tag}alice`, fullName: 'Alice Cooper' });
  bob = await s.user({ username: `${tag}bob` });
  eve = await s.user({ username: `${tag}eve` });
  const created = await s.request({ method: 'POST', url: '/api/profile/', token: alice.token, body: { full_name: `Xia Lee ${tag}`, email: 'xia@localhost.localdomain' } });
  orgSlug = created.json().slug;
  await grant(s, orgSlug, bob.id, 'contributor');
  const evesCreated = await s.request({ method: 'POST', url: '/api/profile/', token: eve.token, body: { full_name: `Eve Corp ${tag}` } });
  evesOrg = evesCreated.json().slug;
});
after(async () => { await s.stop(); });

const slugs = (res: { json(): { results: { slug: string }[] } }) => res.json().results.map((r) => r.slug).sort();

describe('/api/accounts/', () => {
  test('seed example: organizations and users in one page, limited to what the caller sees', async () => {
    const res = await s.request({ method: 'GET', url: `/api/accounts/?o=created_at&q=${tag}`, token: alice.token });
    assert.equal(res.statusCode, 200);
    const page = res.json();
    assert.equal(page.next, null);
    assert.equal(page.previous, null);
    assert.deepEqual(slugs(res), [alice.username, bob.username, orgSlug].sort());
    const org = page.results.find((r: { slug: string }) => r.slug === orgSlug);
    assert.equal(org.full_name, `Xia Lee ${tag}`);
    assert.equal(org.printable_name, `Xia Lee ${tag}`);
    assert.equal(org.email, 'xia@localhost.localdomain');
    assert.equal(org.type, 'organization');
    assert.ok(Date.parse(org.created_at));
    const user = page.results.find((r: { slug: string }) => r.slug === alice.username);
    assert.equal(user.type, 'user');
    assert.equal(user.credentials, true);
    assert.equal(user.full_name, 'Alice Cooper');
  });

  test('the broker\'s managers find everyone; others do not see strangers', async () => {
    const admin = await s.request({ method: 'GET', url: `/api/accounts/?q=${tag}`, token: s.admin.token });
    assert.deepEqual(slugs(admin), [alice.username, bob.username, eve.username, orgSlug, evesOrg].sort());
    const eves = await s.request({ method: 'GET', url: `/api/accounts/?q=${tag}`, token: eve.token });
    assert.deepEqual(slugs(eves), [eve.username, evesOrg].sort());
  });

  test('bad input and anonymous', async () => {
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/?o=secret', token: alice.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/?page=0', token: alice.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/' })).statusCode, 401);
  });
});

describe('/api/accounts/profiles/', () => {
  test('seed example: organizations only', async () => {
    const res = await s.request({ method: 'GET', url: `/api/accounts/profiles/?q=xia%20lee%20${tag}`, token: bob.token });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().count, 1);
    const [org] = res.json().results;
    assert.equal(org.slug, orgSlug);
    assert.equal(org.email, 'xia@localhost.localdomain');
    assert.equal(org.printable_name, `Xia Lee ${tag}`);
    const stranger = await s.request({ method: 'GET', url: `/api/accounts/profiles/?q=${tag}`, token: eve.token });
    assert.deepEqual(slugs(stranger), [evesOrg]);
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/profiles/?ot=up', token: eve.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/profiles/' })).statusCode, 401);
  });
});

describe('/api/accounts/users/', () => {
  test('seed example: users only, newest first', async () => {
    const res = await s.request({ method: 'GET', url: `/api/accounts/users/?o=created_at&ot=desc&q=${tag}`, token: alice.token });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().count, 2);
    const first = res.json().results.find((r: { slug: string }) => r.slug === alice.username);
    assert.deepEqual(Object.keys(first).sort(), ['created_at', 'email', 'full_name', 'slug']);
    assert.equal(first.full_name, 'Alice Cooper');
    assert.equal(first.email, alice.email);
    const stranger = await s.request({ method: 'GET', url: `/api/accounts/users/?q=${tag}`, token: eve.token });
    assert.deepEqual(slugs(stranger), [eve.username]);
    const window = await s.request({ method: 'GET', url: `/api/accounts/users/?q=${tag}&start_at=2000-01-01T00:00:00Z&ends_at=2000-01-02T00:00:00Z`, token: s.admin.token });
    assert.equal(window.json().count, 0);
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/users/?start_at=yesterday', token: alice.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'GET', url: '/api/accounts/users/' })).statusCode, 401);
  });
});
