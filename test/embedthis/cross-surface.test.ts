// One system, several faces: an account created on EmbedThis is the same organization on
// /api (DjaoApp) and on get.chat's /account/organizations, and one made there is an account
// here; a change on one surface shows on the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { quickUser } from '../support/fixtures.js';

let s: TestService;
let me: TestUser;
before(async () => {
  s = await startService();
  me = await quickUser(s, 'xs');
});
after(async () => { await s.stop(); });

const et = (op: string, body: unknown) => s.request({ method: 'POST', url: `/embedthis/account/${op}`, token: me.token, body });

test('an account created on EmbedThis is the same organization on /api and on get.chat', async () => {
  const created = await et('create', { email: me.email, name: 'Cross Surface Devices' });
  assert.equal(created.statusCode, 200, created.body);
  const account = created.json().account;
  const id = Number(account.id);
  // get.chat: the same id, the same name; the caller is its Owner.
  const gc = await s.request({ method: 'GET', url: `/account/organizations/${id}`, token: me.token });
  assert.equal(gc.statusCode, 200, gc.body);
  assert.equal(gc.json().id, id);
  assert.equal(gc.json().name, 'Cross Surface Devices');
  // DjaoApp: found by the slug it was given, with the same e-mail; the caller manages it.
  const slug = (await s.core.db.selectFrom('organizations').select('slug').where('id', '=', id).executeTakeFirstOrThrow()).slug;
  const profile = await s.request({ method: 'GET', url: `/api/profile/${slug}/`, token: me.token });
  assert.equal(profile.statusCode, 200, profile.body);
  assert.equal(profile.json().full_name, 'Cross Surface Devices');
  assert.equal(profile.json().email, me.email);
  const roles = await s.request({ method: 'GET', url: `/api/profile/${slug}/roles/manager/`, token: me.token });
  assert.deepEqual(roles.json().results.map((r: { user: { slug: string } }) => r.user.slug), [me.username]);
  // A change here shows there, and the reverse.
  await et('updateIdentity', { id: account.id, name: 'Renamed Here' });
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${id}`, token: me.token })).json().name, 'Renamed Here');
  const patched = await s.request({ method: 'PUT', url: `/api/profile/${slug}/`, token: me.token, body: { full_name: 'Renamed There', email: 'there@example.org' } });
  assert.equal(patched.statusCode, 200, patched.body);
  const again = await et('get', { id: account.id });
  assert.equal(again.json().name, 'Renamed There');
  assert.equal(again.json().email, 'there@example.org');
});

test('an organization created on get.chat and on /api is an account here, found and read by its id', async () => {
  const gc = await s.request({ method: 'POST', url: '/account/organizations', token: me.token, body: { name: 'Made on get.chat' } });
  assert.equal(gc.statusCode, 201, gc.body);
  const native = await s.request({ method: 'POST', url: '/api/profile/', token: me.token, body: { full_name: 'Made on DjaoApp', email: 'djaoapp@example.org' } });
  assert.ok([200, 201].includes(native.statusCode), native.body);
  const nativeId = (await s.core.db.selectFrom('organizations').select('id').where('slug', '=', native.json().slug).executeTakeFirstOrThrow()).id;
  const fromGc = await et('get', { id: String(gc.json().id) });
  assert.equal(fromGc.statusCode, 200, fromGc.body);
  assert.equal(fromGc.json().name, 'Made on get.chat');
  const fromNative = await et('get', { email: 'djaoapp@example.org' });
  assert.equal(fromNative.json().id, String(nativeId));
  const found = await s.request({ method: 'POST', url: '/embedthis/account/find?limit=100', token: me.token, body: {} });
  const ids = found.json().data.map((a: { id: string }) => a.id);
  assert.ok(ids.includes(String(gc.json().id)));
  assert.ok(ids.includes(String(nativeId)));
  // Suspended on /api by the broker's staff: suspended here; closed here: closed there.
  const slug = native.json().slug;
  const suspended = await s.request({ method: 'POST', url: '/embedthis/account/suspend', token: s.admin.token, body: { id: String(nativeId), suspended: true } });
  assert.equal(suspended.statusCode, 200, suspended.body);
  const profile = await s.request({ method: 'GET', url: `/api/profile/${slug}/`, token: s.admin.token });
  assert.equal(profile.json().status, 'suspended');
  const closed = await s.request({ method: 'POST', url: '/embedthis/account/close', token: s.admin.token, body: { id: String(gc.json().id) } });
  assert.equal(closed.statusCode, 200, closed.body);
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${gc.json().id}`, token: me.token })).statusCode, 404);
});
