import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grant, name, rolesOn } from './helpers.js';

let s: TestService;
let owner: TestUser;
let other: TestUser;
let contributor: TestUser;
let org: { slug: string };

before(async () => {
  s = await startService();
  owner = await s.user();
  other = await s.user();
  contributor = await s.user();
  const res = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: name('Cowork'), email: 'billing@cowork.example' } });
  assert.equal(res.statusCode, 201, res.body);
  org = res.json();
  await grant(s, org.slug, contributor.id, 'contributor');
});
after(async () => { await s.stop(); });

describe('POST /api/profile/', () => {
  test('seed example: a personal profile is named after its user', async () => {
    const xia = await s.user({ fullName: 'Xia Lee' });
    const res = await s.request({ method: 'POST', url: '/api/profile/', token: xia.token, body: { email: 'xia@locahost.localdomain', full_name: 'Xia Lee', type: 'personal' } });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.slug, xia.username);
    assert.equal(body.email, 'xia@locahost.localdomain');
    assert.equal(body.full_name, 'Xia Lee');
    assert.equal(body.printable_name, 'Xia Lee');
    assert.equal(body.type, 'personal');
    assert.equal(body.credentials, true);
    assert.equal(body.phone, null);
    assert.equal(body.street_address, null);
    assert.equal(body.is_bulk_buyer, false);
    assert.equal(body.extra, null);
    assert.equal(typeof body.default_timezone, 'string');
    const row = await s.core.db.selectFrom('organizations').select(['personal_user_id', 'id']).where('slug', '=', body.slug).executeTakeFirstOrThrow();
    assert.equal(row.personal_user_id, xia.id);
    assert.equal(await rolesOn(s, row.id), 1);
    // One personal profile per user.
    const again = await s.request({ method: 'POST', url: '/api/profile/', token: xia.token, body: { full_name: 'Xia again', type: 'personal' } });
    assert.equal(again.statusCode, 400);
    assert.match(again.json().type[0], /already has a personal billing profile/);
  });

  test('the creator becomes manager; the slug is derived from the name and made unique', async () => {
    const u = await s.user();
    const fullName = name('Acme Widgets');
    const first = await s.request({ method: 'POST', url: '/api/profile/', token: u.token, body: { full_name: fullName, country: 'FR' } });
    assert.equal(first.statusCode, 201);
    const slug = fullName.toLowerCase().replace(/ /g, '-');
    assert.equal(first.json().slug, slug);
    assert.equal(first.json().country, 'FR');
    assert.equal(first.json().type, 'organization');
    assert.equal(first.json().credentials, false);
    const second = await s.request({ method: 'POST', url: '/api/profile/', token: u.token, body: { full_name: fullName } });
    assert.equal(second.json().slug, `${slug}-2`);
    const role = await s.core.db.selectFrom('roles')
      .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
      .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
      .select(['role_descriptions.slug as role', 'roles.user_id', 'roles.accepted_at'])
      .where('organizations.slug', '=', slug).executeTakeFirstOrThrow();
    assert.equal(role.role, 'manager');
    assert.equal(role.user_id, u.id);
    assert.ok(role.accepted_at);
  });

  test('slugs of closed organizations are reserved', async () => {
    const u = await s.user();
    const chosen = await s.request({ method: 'POST', url: '/api/profile/', token: u.token, body: { slug: 'closed-99999', full_name: 'Sneaky' } });
    assert.equal(chosen.statusCode, 400);
    assert.match(chosen.json().slug[0], /reserved/);
    const derived = await s.request({ method: 'POST', url: '/api/profile/', token: u.token, body: { full_name: 'Closed 77777' } });
    assert.equal(derived.statusCode, 201);
    assert.equal(derived.json().slug, 'closed-77777-2');
  });

  test('every route is in the OpenAPI document', async () => {
    const paths = Object.keys((await s.request({ method: 'GET', url: '/openapi.json' })).json().paths);
    for (const path of ['/api/profile/', '/api/profile/{organization}/', '/api/profile/{organization}/customers/', '/api/profile/{organization}/suspend/',
      '/api/profile/{organization}/reactivate/', '/api/profile/{organization}/close/', '/api/profile/{organization}/events/',
      '/api/profile/{organization}/quotas/', '/api/users/{user}/profiles/', '/api/accounts/', '/api/accounts/profiles/', '/api/accounts/users/']) {
      assert.ok(paths.includes(path), path);
    }
  });

  test('a slug already taken is a field error', async () => {
    const res = await s.request({ method: 'POST', url: '/api/profile/', token: other.token, body: { slug: org.slug.toUpperCase(), full_name: 'Copycat' } });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().slug[0], /already exists/);
  });

  test('a slug that names a page of the API (charges, balances) or a closed organization is refused; a name that slugifies to one gets a suffix', async () => {
    const founder = await s.user();
    for (const slug of ['charges', 'Balances', 'closed-42']) {
      const res = await s.request({ method: 'POST', url: '/api/profile/', token: founder.token, body: { slug, full_name: 'Shadowed' } });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error_code, 'slug.reserved');
      assert.ok(res.json().slug[0], res.body);
    }
    const named = await s.request({ method: 'POST', url: '/api/profile/', token: founder.token, body: { full_name: 'Balances' } });
    assert.equal(named.statusCode, 201, named.body);
    assert.match(named.json().slug, /^balances-\d+$/);
    const metrics = await s.request({ method: 'GET', url: `/api/metrics/${named.json().slug}/balances/`, token: founder.token });
    assert.notEqual(metrics.statusCode, 404, metrics.body);
  });

  test('bad input and anonymous callers are refused', async () => {
    const malformed = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: '{"full_name": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.statusCode, 400);
    assert.ok(malformed.json().non_field_errors);
    const missing = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { email: 'a@b.example' } });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().full_name, ['This field is required.']);
    const wrong = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 42 } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().full_name);
    const badType = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'X', type: 'user' } });
    assert.equal(badType.statusCode, 400);
    assert.ok(badType.json().type);
    const anonymous = await s.request({ method: 'POST', url: '/api/profile/', body: { full_name: 'Nobody' } });
    assert.equal(anonymous.statusCode, 401);
  });
});

describe('GET /api/profile/', () => {
  test('lists only what the caller may see, in DjaoApp pages', async () => {
    const mine = await s.request({ method: 'GET', url: '/api/profile/?o=created_at&ot=desc', token: owner.token });
    assert.equal(mine.statusCode, 200);
    const page = mine.json();
    assert.equal(page.next, null);
    assert.equal(page.previous, null);
    assert.deepEqual(page.results.map((o: { slug: string }) => o.slug), [org.slug]);
    const first = page.results[0];
    for (const field of ['slug', 'full_name', 'email', 'created_at', 'printable_name']) assert.ok(field in first, field);
    assert.equal(first.email, 'billing@cowork.example');
    const theirs = await s.request({ method: 'GET', url: '/api/profile/', token: other.token });
    assert.equal(theirs.json().count, 0);
    const admin = await s.request({ method: 'GET', url: `/api/profile/?q=${encodeURIComponent(org.slug)}`, token: s.admin.token });
    assert.equal(admin.json().count, 1);
    const all = await s.request({ method: 'GET', url: '/api/profile/', token: s.admin.token });
    assert.ok(all.json().count >= 3);
  });

  test('bad ordering, and anonymous', async () => {
    const res = await s.request({ method: 'GET', url: '/api/profile/?o=password', token: owner.token });
    assert.equal(res.statusCode, 400);
    assert.ok(res.json().o);
    assert.equal((await s.request({ method: 'GET', url: '/api/profile/' })).statusCode, 401);
  });
});

describe('GET/PUT/PATCH/DELETE /api/profile/{organization}/', () => {
  test('seed example fields for GET', async () => {
    const res = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/`, token: owner.token });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    for (const field of ['created_at', 'email', 'full_name', 'printable_name', 'slug', 'phone', 'street_address', 'locality', 'region', 'postal_code', 'country', 'default_timezone', 'is_provider', 'is_bulk_buyer', 'type', 'picture', 'subscriptions']) {
      assert.ok(field in body, field);
    }
    assert.equal(body.slug, org.slug);
    assert.deepEqual(body.subscriptions, []);
    assert.equal(body.status, 'active');
  });

  test('who may read: members yes, strangers 404, unknown 404, anonymous 401', async () => {
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${org.slug}/`, token: contributor.token })).statusCode, 200);
    const stranger = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/`, token: other.token });
    assert.equal(stranger.statusCode, 404);
    assert.match(stranger.json().detail, /No organization/);
    assert.equal((await s.request({ method: 'GET', url: '/api/profile/no-such-org/', token: owner.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${org.slug}/` })).statusCode, 401);
  });

  test('PUT seed example, and its rules', async () => {
    const res = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: owner.token, body: { email: 'xia@locahost.localdomain', full_name: 'Xia Lee' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.email, 'xia@locahost.localdomain');
    assert.equal(body.full_name, 'Xia Lee');
    assert.equal(body.printable_name, 'Xia Lee');
    assert.equal(body.slug, org.slug);
    assert.deepEqual(body.subscriptions, []);

    const missing = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: owner.token, body: { full_name: 'No mail' } });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().email, ['This field is required.']);
    const wrong = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: owner.token, body: { full_name: 'X', email: 'not-an-email' } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().email);
    const malformed = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: owner.token, body: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.statusCode, 400);

    const provider = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: owner.token, body: { email: 'a@b.example', full_name: 'X', is_provider: true } });
    assert.equal(provider.statusCode, 403);
    assert.match(provider.json().detail, /is_provider/);
    const byAdmin = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: s.admin.token, body: { email: 'xia@locahost.localdomain', full_name: 'Xia Lee', is_provider: true } });
    assert.equal(byAdmin.statusCode, 200);
    assert.equal(byAdmin.json().is_provider, true);
    // Sending the value it already has is not a change.
    const same = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: owner.token, body: { email: 'xia@locahost.localdomain', full_name: 'Xia Lee', is_provider: true } });
    assert.equal(same.statusCode, 200);

    const byContributor = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: contributor.token, body: { email: 'a@b.example', full_name: 'Hijack' } });
    assert.equal(byContributor.statusCode, 403);
    const byStranger = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/`, token: other.token, body: { email: 'a@b.example', full_name: 'Hijack' } });
    assert.equal(byStranger.statusCode, 404);
    const unknown = await s.request({ method: 'PUT', url: '/api/profile/no-such-org/', token: owner.token, body: { email: 'a@b.example', full_name: 'X' } });
    assert.equal(unknown.statusCode, 404);
  });

  test('PATCH changes only what is sent, and records the change', async () => {
    const res = await s.request({ method: 'PATCH', url: `/api/profile/${org.slug}/`, token: owner.token, body: { phone: '555-555-5555', locality: 'San Francisco' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().phone, '555-555-5555');
    assert.equal(res.json().locality, 'San Francisco');
    assert.equal(res.json().full_name, 'Xia Lee');
    const wrong = await s.request({ method: 'PATCH', url: `/api/profile/${org.slug}/`, token: owner.token, body: { phone: 5 } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().phone);
    const unknownField = await s.request({ method: 'PATCH', url: `/api/profile/${org.slug}/`, token: owner.token, body: { status: 'closed' } });
    assert.equal(unknownField.statusCode, 400);
    const taken = await s.request({ method: 'POST', url: '/api/profile/', token: other.token, body: { full_name: name('Taken') } });
    const clash = await s.request({ method: 'PATCH', url: `/api/profile/${org.slug}/`, token: owner.token, body: { slug: taken.json().slug } });
    assert.equal(clash.statusCode, 400);
    assert.ok(clash.json().slug);
    const events = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/events/`, token: owner.token });
    assert.equal(events.statusCode, 200);
    const latest = events.json().results[0];
    assert.equal(latest.type, 'updated');
    assert.equal(latest.actor, owner.username);
    assert.deepEqual(latest.detail.fields.sort(), ['locality', 'phone']);
  });

  test('DELETE anonymizes, detaches members, frees the slug and keeps the history', async () => {
    const u = await s.user();
    const member = await s.user();
    const created = await s.request({ method: 'POST', url: '/api/profile/', token: u.token, body: { full_name: name('Doomed'), email: 'doomed@example.com', phone: '123' } });
    const slug = created.json().slug;
    await grant(s, slug, member.id, 'contributor');
    await grant(s, slug, other.id, 'contributor', true);
    assert.equal((await s.request({ method: 'DELETE', url: `/api/profile/${slug}/`, token: member.token })).statusCode, 403);
    assert.equal((await s.request({ method: 'DELETE', url: `/api/profile/${slug}/`, token: other.token })).statusCode, 404);
    const res = await s.request({ method: 'DELETE', url: `/api/profile/${slug}/`, token: u.token });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    const closed = await s.core.db.selectFrom('organizations').selectAll().where('full_name', '=', 'Closed organization').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(closed.slug, `closed-${closed.id}`);
    assert.equal(closed.email, null);
    assert.equal(closed.phone, null);
    assert.equal(closed.status, 'closed');
    assert.ok(closed.closed_at);
    assert.equal(await rolesOn(s, closed.id), 0);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${slug}/`, token: u.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/closed-${closed.id}/`, token: u.token })).statusCode, 404);
    const adminRead = await s.request({ method: 'GET', url: `/api/profile/closed-${closed.id}/`, token: s.admin.token });
    assert.equal(adminRead.statusCode, 200);
    assert.equal(adminRead.json().status, 'closed');
    const adminWrite = await s.request({ method: 'PATCH', url: `/api/profile/closed-${closed.id}/`, token: s.admin.token, body: { phone: '1' } });
    assert.equal(adminWrite.statusCode, 403);
    const events = await s.request({ method: 'GET', url: `/api/profile/closed-${closed.id}/events/`, token: s.admin.token });
    assert.deepEqual(events.json().results.map((e: { type: string }) => e.type), ['closed', 'created']);
    assert.equal(events.json().results[0].detail.roles_removed, 3);
    const reuse = await s.request({ method: 'POST', url: '/api/profile/', token: u.token, body: { slug, full_name: 'Reborn' } });
    assert.equal(reuse.statusCode, 201);
    assert.equal((await s.request({ method: 'DELETE', url: '/api/profile/no-such-org/', token: u.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'DELETE', url: `/api/profile/${slug}/` })).statusCode, 401);
  });
});

describe('/api/users/{user}/profiles/', () => {
  test('seed example: create a profile the user manages', async () => {
    const slug = `myproject-${Math.random().toString(36).slice(2, 8)}`;
    const res = await s.request({ method: 'POST', url: `/api/users/${owner.username}/profiles/`, token: owner.token, body: { slug, full_name: 'My Project' } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().slug, slug);
    assert.equal(res.json().full_name, 'My Project');
    const again = await s.request({ method: 'POST', url: `/api/users/${owner.username}/profiles/`, token: owner.token, body: { slug, full_name: 'My Project' } });
    assert.equal(again.statusCode, 400);
    assert.ok(again.json().slug);
    const list = await s.request({ method: 'GET', url: `/api/users/${owner.username}/profiles/?o=created_at`, token: owner.token });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().results.map((o: { slug: string }) => o.slug), [org.slug, slug]);
    assert.equal(list.json().results[1].printable_name, 'My Project');
  });

  test('the broker creates a profile for someone, who then manages it', async () => {
    const u = await s.user();
    const res = await s.request({ method: 'POST', url: `/api/users/${u.username}/profiles/`, token: s.admin.token, body: { full_name: name('For You') } });
    assert.equal(res.statusCode, 201);
    const read = await s.request({ method: 'PUT', url: `/api/profile/${res.json().slug}/`, token: u.token, body: { full_name: 'Mine now', email: 'me@example.com' } });
    assert.equal(read.statusCode, 200);
    const adminRoles = await s.request({ method: 'GET', url: `/api/users/${s.admin.username}/profiles/?q=${res.json().slug}`, token: s.admin.token });
    assert.equal(adminRoles.json().count, 0);
  });

  test('refusals', async () => {
    const forOther = await s.request({ method: 'POST', url: `/api/users/${other.username}/profiles/`, token: owner.token, body: { full_name: 'Sneaky' } });
    assert.equal(forOther.statusCode, 404);
    const unknown = await s.request({ method: 'POST', url: '/api/users/nobody-here/profiles/', token: owner.token, body: { full_name: 'X' } });
    assert.equal(unknown.statusCode, 404);
    const malformed = await s.request({ method: 'POST', url: `/api/users/${owner.username}/profiles/`, token: owner.token, body: 'nope', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.statusCode, 400);
    const wrong = await s.request({ method: 'POST', url: `/api/users/${owner.username}/profiles/`, token: owner.token, body: { full_name: ['X'] } });
    assert.equal(wrong.statusCode, 400);
    const missing = await s.request({ method: 'POST', url: `/api/users/${owner.username}/profiles/`, token: owner.token, body: {} });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().full_name);
    assert.equal((await s.request({ method: 'GET', url: `/api/users/${owner.username}/profiles/`, token: other.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: '/api/users/nobody-here/profiles/', token: owner.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/users/${owner.username}/profiles/` })).statusCode, 401);
  });

  test('a manager sees only the shared organizations of a member', async () => {
    const mine = await s.request({ method: 'GET', url: `/api/users/${contributor.username}/profiles/`, token: owner.token });
    assert.equal(mine.statusCode, 200);
    assert.deepEqual(mine.json().results.map((o: { slug: string }) => o.slug), [org.slug]);
  });
});
