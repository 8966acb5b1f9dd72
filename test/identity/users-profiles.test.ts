// /api/users/ and /api/contacts/: listing, contacts, profiles, deletion, activities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { linkIn } from '../support/smtp.js';

let s: TestService;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  s = await startService();
  alice = await s.user({ fullName: 'Alice Cooper' });
  bob = await s.user();
});
after(async () => { await s.stop(); });

const json = (res: { json(): any }) => res.json();

// ---------------------------------------------------------------- GET /api/users/

test('GET /api/users/ lists users for the broker manager, with the seed fields', async () => {
  const res = await s.request({ method: 'GET', url: `/api/users/?q=${alice.username}`, token: s.admin.token });
  assert.equal(res.statusCode, 200);
  const body = json(res);
  assert.equal(body.count, 1);
  assert.equal(body.next, null);
  assert.equal(body.previous, null);
  const row = body.results[0];
  assert.equal(row.slug, alice.username);
  assert.equal(row.username, alice.username);
  assert.equal(row.email, alice.email);
  assert.equal(row.full_name, 'Alice Cooper');
  assert.equal(row.printable_name, 'Alice Cooper');
  assert.equal(row.nick_name, null);
  assert.equal(row.picture, null);
  assert.equal(row.credentials, true);
  assert.ok(!Number.isNaN(Date.parse(row.created_at)));
  assert.equal(row.password_hash, undefined);
});

test('GET /api/users/ searches e-mail, nick name; orders; filters by date; pages', async () => {
  const tag = unique('srch');
  const made: string[] = [];
  for (const name of ['Zed', 'Amy', 'Max']) {
    const res = await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token,
      body: { email: `${name.toLowerCase()}.${tag}@example.org`, full_name: `${name} ${tag}`, nick_name: `${name}nick${tag}` } });
    assert.equal(res.statusCode, 201, res.body);
    made.push(json(res).slug);
  }
  let res = await s.request({ method: 'GET', url: `/api/users/?q=${tag}&o=full_name`, token: s.admin.token });
  assert.deepEqual(json(res).results.map((r: any) => r.full_name), [`Amy ${tag}`, `Max ${tag}`, `Zed ${tag}`]);
  res = await s.request({ method: 'GET', url: `/api/users/?q=${tag}&o=-full_name`, token: s.admin.token });
  assert.deepEqual(json(res).results.map((r: any) => r.full_name), [`Zed ${tag}`, `Max ${tag}`, `Amy ${tag}`]);
  res = await s.request({ method: 'GET', url: `/api/users/?q=${tag}&o=email&ot=desc`, token: s.admin.token });
  assert.deepEqual(json(res).results.map((r: any) => r.full_name), [`Zed ${tag}`, `Max ${tag}`, `Amy ${tag}`]);
  res = await s.request({ method: 'GET', url: `/api/users/?q=maxnick${tag}`, token: s.admin.token });
  assert.deepEqual(json(res).results.map((r: any) => r.slug), [made[2]]);
  res = await s.request({ method: 'GET', url: `/api/users/?q=${tag}&o=full_name&page_size=2`, token: s.admin.token });
  assert.equal(json(res).count, 3);
  assert.equal(json(res).results.length, 2);
  assert.match(json(res).next, /page=2/);
  const future = new Date(Date.now() + 3600_000).toISOString();
  res = await s.request({ method: 'GET', url: `/api/users/?q=${tag}&start_at=${future}`, token: s.admin.token });
  assert.equal(json(res).count, 0);
  res = await s.request({ method: 'GET', url: `/api/users/?q=${tag}&ends_at=${future}`, token: s.admin.token });
  assert.equal(json(res).count, 3);
});

test('GET /api/users/ refuses unknown order fields, ordinary users and anonymous callers', async () => {
  let res = await s.request({ method: 'GET', url: '/api/users/?o=password_hash', token: s.admin.token });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).o);
  res = await s.request({ method: 'GET', url: '/api/users/?page=zero', token: s.admin.token });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'GET', url: '/api/users/', token: alice.token });
  assert.equal(res.statusCode, 403);
  res = await s.request({ method: 'GET', url: '/api/users/' });
  assert.equal(res.statusCode, 401);
});

// ---------------------------------------------------------------- POST /api/users/ and /api/contacts/

test('POST /api/users/ creates a contact without credentials, as in the seed', async () => {
  const email = `xia.${unique('x')}@locahost.localdomain`;
  const res = await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token,
    body: { email, full_name: 'Xia Lee', nick_name: 'Xia' } });
  assert.equal(res.statusCode, 201, res.body);
  const body = json(res);
  assert.equal(body.email, email);
  assert.equal(body.full_name, 'Xia Lee');
  assert.equal(body.nick_name, 'Xia');
  assert.equal(body.slug, email.split('@')[0].toLowerCase());
  assert.equal(body.credentials, false);
  assert.equal(body.extra, null);
  assert.deepEqual(body.activities, []);
});

test('POST /api/contacts/ makes the slug unique and refuses a used e-mail', async () => {
  const local = unique('dup');
  const first = await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token, body: { email: `${local}@one.example` } });
  assert.equal(first.statusCode, 201, first.body);
  assert.equal(json(first).slug, local.toLowerCase());
  const second = await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token,
    body: { email: `${local}@two.example`, extra: '{"source":"fair"}', picture: 'https://img.example/p.png' } });
  assert.equal(second.statusCode, 201);
  assert.equal(json(second).slug, `${local.toLowerCase()}2`);
  assert.equal(json(second).extra, '{"source":"fair"}');
  assert.equal(json(second).picture, 'https://img.example/p.png');
  const again = await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token, body: { email: `${local.toUpperCase()}@ONE.example` } });
  assert.equal(again.statusCode, 400);
  assert.ok(Array.isArray(json(again).email));
});

test('POST /api/users/ validates its body and its caller', async () => {
  let res = await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token, body: '{"email": ' });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).detail);
  res = await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token, body: { full_name: 'No Mail' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).email);
  res = await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token, body: { email: 'not-an-address' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).email);
  res = await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token, body: { email: 'a@b.example', full_name: 12 } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).full_name);
  res = await s.request({ method: 'POST', url: '/api/users/', token: alice.token, body: { email: `${unique()}@x.example` } });
  assert.equal(res.statusCode, 403);
  res = await s.request({ method: 'POST', url: '/api/contacts/', body: { email: `${unique()}@x.example` } });
  assert.equal(res.statusCode, 401);
});

// ---------------------------------------------------------------- GET /api/users/{user}/

test('GET /api/users/{user}/ returns the profile with activities newest first', async () => {
  const contact = json(await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token,
    body: { email: `${unique('act')}@example.org`, full_name: 'Xia Lee', nick_name: 'Xia' } }));
  await s.request({ method: 'POST', url: `/api/contacts/${contact.slug}/activities/`, token: s.admin.token, body: { text: 'Phone call', account: null } });
  s.clock.advance(2);
  await s.request({ method: 'POST', url: `/api/contacts/${contact.slug}/activities/`, token: s.admin.token, body: { text: 'Follow up e-mail', account: 'broker' } });
  const res = await s.request({ method: 'GET', url: `/api/users/${contact.slug}/`, token: s.admin.token });
  assert.equal(res.statusCode, 200);
  const body = json(res);
  assert.equal(body.slug, contact.slug);
  assert.equal(body.email, contact.email);
  assert.equal(body.full_name, 'Xia Lee');
  assert.equal(body.nick_name, 'Xia');
  assert.ok(body.created_at);
  assert.deepEqual(body.activities.map((a: any) => [a.text, a.created_by, a.account]), [
    ['Follow up e-mail', 'admin', 'broker'],
    ['Phone call', 'admin', null],
  ]);
});

test('a profile read from the cache shows a new activity and a raw SQL change at once', async () => {
  const contact = json(await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token,
    body: { email: `${unique('act')}@example.org`, full_name: 'Cached Contact' } }));
  const read = async () => json(await s.request({ method: 'GET', url: `/api/users/${contact.slug}/`, token: s.admin.token }))
    .activities.map((a: any) => [a.text, a.created_by]);
  assert.deepEqual(await read(), []);
  assert.deepEqual(await read(), [], 'twice: the second read is a cache hit');
  await s.request({ method: 'POST', url: `/api/contacts/${contact.slug}/activities/`, token: s.admin.token, body: { text: 'First call' } });
  assert.deepEqual(await read(), [['First call', 'admin']]);
  // A write that bypasses the API (another node, an operator's SQL) is seen too.
  await sql`update activities set text = 'Edited call' where user_id = (select id from users where slug = ${contact.slug})`.execute(s.core.db);
  assert.deepEqual(await read(), [['Edited call', 'admin']]);
  await sql`delete from activities where user_id = (select id from users where slug = ${contact.slug})`.execute(s.core.db);
  assert.deepEqual(await read(), []);
});

test('activities are the broker team notes: the user does not see them in their own profile', async () => {
  const u = await s.user();
  await s.request({ method: 'POST', url: `/api/contacts/${u.username}/activities/`, token: s.admin.token, body: { text: 'Internal note' } });
  const own = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(own.statusCode, 200);
  assert.deepEqual(own.json().activities, []);
  const managers = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: s.admin.token });
  assert.deepEqual(managers.json().activities.map((a: any) => a.text), ['Internal note']);
});

test('GET /api/users/{user}/: self yes, others 404 like unknown, anonymous 401', async () => {
  let res = await s.request({ method: 'GET', url: `/api/users/${alice.username}/`, token: alice.token });
  assert.equal(res.statusCode, 200);
  assert.equal(json(res).email, alice.email);
  assert.equal(json(res).credentials, true);
  res = await s.request({ method: 'GET', url: `/api/users/${alice.username}`, token: bob.token });
  assert.equal(res.statusCode, 404);
  const unknown = await s.request({ method: 'GET', url: '/api/users/nobody-here/', token: bob.token });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(Object.keys(json(res)), Object.keys(json(unknown)));
  res = await s.request({ method: 'GET', url: `/api/users/${alice.username}/` });
  assert.equal(res.statusCode, 401);
  res = await s.request({ method: 'GET', url: '/api/users/nobody-here/' });
  assert.equal(res.statusCode, 401);
});

// ---------------------------------------------------------------- PUT/PATCH /api/users/{user}/

test('PUT /api/users/{user}/ updates the profile as in the seed', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/`, token: u.token,
    body: { email: u.email, full_name: 'Xia Lee', nick_name: 'Xia', picture: 'https://img.example/x.png', extra: '{"a":1}' } });
  assert.equal(res.statusCode, 200, res.body);
  const body = json(res);
  assert.equal(body.email, u.email);
  assert.equal(body.full_name, 'Xia Lee');
  assert.equal(body.nick_name, 'Xia');
  assert.equal(body.picture, 'https://img.example/x.png');
  assert.equal(body.extra, '{"a":1}');
  assert.equal(body.printable_name, 'Xia Lee');
  assert.equal(body.credentials, true);
});

test('PUT requires email; PATCH changes only what is given', async () => {
  const u = await s.user({ fullName: 'Kept Name' });
  let res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/`, token: u.token, body: { full_name: 'X' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).email);
  res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { nick_name: 'Kay' } });
  assert.equal(res.statusCode, 200);
  assert.equal(json(res).nick_name, 'Kay');
  assert.equal(json(res).full_name, 'Kept Name');
  assert.equal(json(res).email, u.email);
  res = await s.request({ method: 'PATCH', url: `/api/contacts/${u.username}/`, token: s.admin.token, body: { full_name: 'By Admin' } });
  assert.equal(res.statusCode, 200);
  assert.equal(json(res).full_name, 'By Admin');
  assert.equal(json(res).nick_name, 'Kay');
  res = await s.request({ method: 'PUT', url: `/api/contacts/${u.username}/`, token: s.admin.token, body: { email: u.email, nick_name: null } });
  assert.equal(res.statusCode, 200);
  assert.equal(json(res).nick_name, null);
});

test('PUT/PATCH reject malformed JSON, wrong types, strangers, unknown users and anonymous', async () => {
  const u = await s.user();
  let res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: '{nick' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { nick_name: ['x'] } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).nick_name);
  res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: 'nope' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).email);
  res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/`, token: bob.token, body: { email: u.email } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PATCH', url: '/api/contacts/nobody-here/', token: s.admin.token, body: { nick_name: 'x' } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, body: { nick_name: 'x' } });
  assert.equal(res.statusCode, 401);
  const after = json(await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token }));
  assert.equal(after.nick_name, null);
});

test('changing the e-mail needs the password, leaves the address pending, mails a confirmation link and records the event', async () => {
  // The details (taken addresses, confirmation, undo) are in email-change.test.ts.
  const u = await s.user();
  const fresh = `${unique('new')}@example.net`;
  let res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: fresh } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).password);
  res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: fresh, password: u.password } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(json(res).email, u.email);
  const row = await s.core.db.selectFrom('users').select(['email_verified_at', 'pending_email']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.ok(row.email_verified_at);
  assert.equal(row.pending_email, fresh);
  const mail = await s.smtp.waitFor(fresh);
  assert.match(linkIn(mail, '/api/auth/email/'), /^http:\/\/portal\.test\/api\/auth\/email\/.+\/$/);
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
  assert.ok(events.some((e) => e.type === 'email.change_requested'));
});

// ---------------------------------------------------------------- POST /api/users/{user}/activate/

test('POST /api/users/{user}/activate/ re-sends the link to an unverified user only', async () => {
  const u = await s.user({ activated: false, fullName: 'Donny Cooper' });
  let res = await s.request({ method: 'POST', url: `/api/users/${u.username}/activate/`, token: s.admin.token });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(json(res).slug, u.username);
  assert.equal(json(res).email, u.email);
  assert.equal(json(res).full_name, 'Donny Cooper');
  assert.ok(json(res).created_at);
  const mail = await s.smtp.waitFor(u.email);
  assert.ok(linkIn(mail, '/api/auth/activate/'));
  res = await s.request({ method: 'POST', url: `/api/users/${alice.username}/activate/`, token: alice.token, body: {} });
  assert.equal(res.statusCode, 400);
  assert.equal(json(res).detail, 'User is already active.');
  res = await s.request({ method: 'POST', url: `/api/users/${u.username}/activate/`, token: bob.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'POST', url: '/api/users/nobody-here/activate/', token: s.admin.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'POST', url: `/api/users/${u.username}/activate/` });
  assert.equal(res.statusCode, 401);
  res = await s.request({ method: 'POST', url: `/api/users/${u.username}/activate/`, token: u.token, body: '{"' });
  assert.equal(res.statusCode, 400);
});

// ---------------------------------------------------------------- DELETE

test('DELETE /api/users/{user}/ anonymizes the account, frees the slug and keeps events', async () => {
  const u = await s.user({ fullName: 'Gone Soon' });
  await s.core.db.insertInto('security_events').values({ user_id: u.id, type: 'login.succeeded', ip: null, user_agent: null, detail: null }).execute();
  await s.core.db.updateTable('users').set({ phone: '+15555550100', mobile: '+15555550101', first_name: 'Gone', date_of_birth: '1990-01-01', ssh_pubkey: 'ssh-ed25519 AAAA', extra: 'x', otp_secret: 'sealed', otp_enabled: true })
    .where('id', '=', u.id).execute();
  const key = json(await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: u.password } })).secret;
  let res = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  const row = await s.core.db.selectFrom('users').selectAll().where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.slug, `deleted-${u.id}`);
  assert.equal(row.email, null);
  assert.equal(row.full_name, '');
  assert.equal(row.phone, null);
  assert.equal(row.mobile, null);
  assert.equal(row.first_name, null);
  assert.equal(row.date_of_birth, null);
  assert.equal(row.extra, null);
  assert.equal(row.ssh_pubkey, null);
  assert.equal(row.otp_secret, null);
  assert.equal(row.otp_enabled, false);
  assert.equal(row.password_hash, null);
  assert.equal(row.status, 'disabled');
  assert.ok(row.deleted_at);
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
  assert.ok(events.some((e) => e.type === 'login.succeeded'));
  // Gone for everyone, and its credentials no longer work.
  res = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: s.admin.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'GET', url: '/api/users/admin/', token: u.token });
  assert.equal(res.statusCode, 401);
  res = await s.request({ method: 'GET', url: '/api/users/admin/', headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } });
  assert.equal(res.statusCode, 401);
  const keys = await s.core.db.selectFrom('api_keys').select('revoked_at').where('user_id', '=', u.id).execute();
  assert.ok(keys.every((k) => k.revoked_at));
  // The username and address are free again.
  res = await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token, body: { email: u.email } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(json(res).slug, u.username);
});

test('DELETE is refused for the only manager of an organization', async () => {
  const u = await s.user();
  const org = await s.core.db.insertInto('organizations').values({ slug: unique('org'), full_name: 'Solo Org' }).returning(['id', 'slug']).executeTakeFirstOrThrow();
  const manager = await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null).executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({ organization_id: org.id, user_id: u.id, role_description_id: manager.id }).execute();
  let res = await s.request({ method: 'DELETE', url: `/api/contacts/${u.username}/`, token: s.admin.token });
  assert.equal(res.statusCode, 409);
  assert.match(json(res).detail, new RegExp(org.slug));
  // The broker's only manager cannot leave either.
  res = await s.request({ method: 'DELETE', url: '/api/users/admin/', token: s.admin.token });
  assert.equal(res.statusCode, 409);
  // With a second (accepted) manager the account can go.
  await s.core.db.insertInto('roles').values({ organization_id: org.id, user_id: bob.id, role_description_id: manager.id }).execute();
  res = await s.request({ method: 'DELETE', url: `/api/contacts/${u.username}/`, token: s.admin.token });
  assert.equal(res.statusCode, 204);
});

test('DELETE: strangers get 404, unknown 404, anonymous 401', async () => {
  const u = await s.user();
  let res = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/`, token: bob.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'DELETE', url: '/api/users/nobody-here/', token: s.admin.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'DELETE', url: `/api/contacts/${u.username}/` });
  assert.equal(res.statusCode, 401);
  res = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(res.statusCode, 200);
});

// ---------------------------------------------------------------- activities

test('GET/POST /api/contacts/{user}/activities/ as in the seed', async () => {
  const contact = json(await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token, body: { email: `${unique('xia')}@example.org` } }));
  let res = await s.request({ method: 'POST', url: `/api/contacts/${contact.slug}/activities/`, token: s.admin.token, body: { text: 'Phone call', account: null } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(json(res).text, 'Phone call');
  assert.equal(json(res).account, null);
  assert.equal(json(res).created_by, 'admin');
  assert.ok(json(res).created_at);
  s.clock.advance(2);
  res = await s.request({ method: 'POST', url: `/api/contacts/${contact.slug}/activities/`, token: s.admin.token, body: { text: 'Follow up e-mail', account: 'broker' } });
  assert.equal(json(res).account, 'broker');
  res = await s.request({ method: 'GET', url: `/api/contacts/${contact.slug}/activities/`, token: s.admin.token });
  assert.equal(res.statusCode, 200);
  assert.equal(json(res).count, 2);
  assert.deepEqual(json(res).results.map((a: any) => [a.text, a.created_by, a.account]), [
    ['Follow up e-mail', 'admin', 'broker'], ['Phone call', 'admin', null],
  ]);
  res = await s.request({ method: 'GET', url: `/api/contacts/${contact.slug}/activities/?q=phone&o=created_at`, token: s.admin.token });
  assert.deepEqual(json(res).results.map((a: any) => a.text), ['Phone call']);
});

test('activities: bad bodies, unknown account, unknown contact, ordinary users, anonymous', async () => {
  const url = `/api/contacts/${alice.username}/activities/`;
  let res = await s.request({ method: 'POST', url, token: s.admin.token, body: '{"text":' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url, token: s.admin.token, body: { account: null } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).text);
  res = await s.request({ method: 'POST', url, token: s.admin.token, body: { text: 5 } });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url, token: s.admin.token, body: { text: 'x', account: 'no-such-org' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).account);
  res = await s.request({ method: 'POST', url: '/api/contacts/nobody-here/activities/', token: s.admin.token, body: { text: 'x' } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'GET', url: '/api/contacts/nobody-here/activities/', token: s.admin.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'GET', url, token: alice.token });
  assert.equal(res.statusCode, 403);
  res = await s.request({ method: 'POST', url, token: bob.token, body: { text: 'x' } });
  assert.equal(res.statusCode, 403);
  res = await s.request({ method: 'GET', url });
  assert.equal(res.statusCode, 401);
  const count = await s.core.db.selectFrom('activities').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', alice.id).executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 0);
});
