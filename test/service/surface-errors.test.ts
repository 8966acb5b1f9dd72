// The native surface answers every error in its own envelope, from its own error and
// not-found handlers; paths outside every surface answer the service's plain one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

test('an unknown path under /api is the surface\'s 404, in its envelope; outside it, the service\'s', async () => {
  const api = await s.request({ method: 'GET', url: '/api/no-such-thing/?x=1' });
  assert.equal(api.statusCode, 404);
  assert.deepEqual(api.json(), { detail: 'Not found: GET /api/no-such-thing/', error_code: 'route.not_found' });
  const outside = await s.request({ method: 'GET', url: '/no-such-thing' });
  assert.equal(outside.statusCode, 404);
  assert.deepEqual(outside.json(), { detail: 'Not found: GET /no-such-thing', error_code: 'route.not_found' });
});

test('core errors become {detail, error_code, ...fields} with the status of their kind', async () => {
  const user = await s.user();
  const missing = await s.request({ method: 'GET', url: '/api/profile/no-such-org/', token: user.token });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error_code, 'organization.not_found');
  assert.equal(typeof missing.json().detail, 'string');
  const anonymous = await s.request({ method: 'GET', url: '/api/users/' });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
  assert.equal(anonymous.json().error_code, 'auth.required');
  const forbidden = await s.request({ method: 'GET', url: '/api/users/', token: user.token });
  assert.equal(forbidden.statusCode, 403);
  assert.equal(typeof forbidden.json().error_code, 'string');
});

test('a credential the authentication hook refuses is answered by the surface, in its envelope', async () => {
  const res = await s.request({ method: 'GET', url: '/api/users/', headers: { authorization: 'Digest abc' } });
  assert.equal(res.statusCode, 401);
  assert.deepEqual(Object.keys(res.json()).sort(), ['detail', 'error_code']);
});

test('invalid bodies name the field; unknown fields are refused; malformed JSON is a 400', async () => {
  const user = await s.user();
  const invalid = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: { full_name: 5 } });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().error_code, 'field.invalid');
  assert.ok(Array.isArray(invalid.json().full_name), invalid.body);
  const unknown = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: { full_name: 'Acme', colour: 'red' } });
  assert.equal(unknown.statusCode, 400);
  assert.ok(Array.isArray(unknown.json().colour), unknown.body);
  const malformed = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: '{"full_name": ' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error_code, 'field.invalid');
  const tooLarge = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: { full_name: 'x'.repeat(s.config.bodyLimitBytes) } });
  assert.equal(tooLarge.statusCode, 413);
  assert.equal(tooLarge.json().error_code, 'request.too_large');
  const notJson = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: 'full_name=Acme', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(notJson.statusCode, 415);
  assert.equal(notJson.json().error_code, 'request.unsupported_media_type');
});

test('an absent value is null in answers, never ""', async () => {
  const user = await s.user({ fullName: '' });
  const created = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: { full_name: 'Nulls Inc' } });
  assert.equal(created.statusCode, 201);
  for (const field of ['email', 'phone', 'street_address', 'locality', 'region', 'postal_code', 'country', 'picture', 'extra', 'partner']) {
    assert.equal(created.json()[field], null, field);
  }
  const roles = await s.request({ method: 'GET', url: `/api/profile/${created.json().slug}/roles/`, token: user.token });
  const role = roles.json().results[0];
  assert.equal(role.user.full_name, null);
  assert.equal(role.organization.phone, null);
  const me = await s.request({ method: 'GET', url: `/api/users/${user.username}/`, token: user.token });
  assert.equal(me.json().full_name, null);
  assert.equal(me.json().printable_name, user.username);
  // No answer anywhere in these carries an empty string.
  for (const body of [created.body, roles.body, me.body]) assert.doesNotMatch(body, /:""/);
});

test('Accountcentral and EmbedThis answer unknown paths, bad URLs and refused credentials in their own bodies', async () => {
  const ac = await s.request({ method: 'GET', url: '/accountcentral/no-such-thing?x=1' });
  assert.equal(ac.statusCode, 404);
  assert.equal(ac.json().message, 'Not found: GET /accountcentral/no-such-thing');
  assert.deepEqual(ac.json().data, { code: 'route.not_found', status: 404 });
  assert.deepEqual(ac.json().errors, []);
  assert.equal(ac.json().logref, ac.headers['x-request-id']);
  const acBadUrl = await s.request({ method: 'GET', url: '/accountcentral/users/%zz' });
  assert.equal(acBadUrl.statusCode, 400);
  assert.equal(acBadUrl.json().data.code, 'request.bad_url');
  const acDigest = await s.request({ method: 'GET', url: '/accountcentral/no-such-thing', headers: { authorization: 'Digest abc' } });
  assert.equal(acDigest.statusCode, 401);
  assert.equal(acDigest.json().data.code, 'auth.required');

  const et = await s.request({ method: 'POST', url: '/embedthis/account/no-such-operation', body: {} });
  assert.equal(et.statusCode, 404);
  assert.deepEqual(et.json(), { error: 'Not found: POST /embedthis/account/no-such-operation', code: 'route.not_found', fields: {} });
  const etBadUrl = await s.request({ method: 'POST', url: '/embedthis/account/%C0%AF', body: {} });
  assert.equal(etBadUrl.statusCode, 400);
  assert.equal(etBadUrl.json().code, 'request.bad_url');
  // A bare value in Authorization is an API key on EmbedThis (its clients send it so), and a
  // wrong one is refused in its body; elsewhere a bare value is no scheme at all.
  const etBare = await s.request({ method: 'POST', url: '/embedthis/account/no-such-operation', headers: { authorization: 'not-a-key' }, body: {} });
  assert.equal(etBare.statusCode, 401);
  assert.equal(typeof etBare.json().error, 'string');
  const apiBare = await s.request({ method: 'GET', url: '/api/users/', headers: { authorization: 'not-a-key' } });
  assert.equal(apiBare.statusCode, 401);
  assert.equal(apiBare.json().error_code, 'auth.required');
});
