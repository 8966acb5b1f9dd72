// What the fuzz test (test/service/fuzz.test.ts) found, each pinned by a plain test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

test('a path whose percent-escapes do not decode is a 400 in the envelope, with the usual headers', async () => {
  for (const url of ['/api/profile/%zz/', '/api/profile/%C0%AF/', '/api/users/a%ED%A0%80b/', '/api/billing/%E0%A4%A/history/?page=1', '/no-such/%ff/']) {
    const res = await s.request({ method: 'GET', url, token: s.admin.token });
    assert.equal(res.statusCode, 400, url);
    assert.deepEqual(res.json(), {
      detail: 'The path has a percent-escape that does not decode to UTF-8 text.', error_code: 'request.bad_url',
    }, url);
    assert.ok(res.headers['x-request-id'], url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
  }
});

test('a path value longer than 200 characters is a 414 in the envelope', async () => {
  const res = await s.request({ method: 'GET', url: `/api/profile/${'a'.repeat(201)}/`, token: s.admin.token });
  assert.equal(res.statusCode, 414);
  assert.deepEqual(res.json(), { detail: 'A value in the path is longer than 200 characters.', error_code: 'request.path_too_long' });
  const fits = await s.request({ method: 'GET', url: `/api/profile/${'a'.repeat(200)}/`, token: s.admin.token });
  assert.equal(fits.statusCode, 400);
  assert.equal(fits.json().error_code, 'field.invalid');
});

test('a CSV upload whose multipart body cannot be read (no boundary, cut short) is a 400 on file, not a 500', async () => {
  const user = await s.user();
  const bodies: Array<[string, string]> = [
    ['multipart/form-data', 'no boundary'],
    ['multipart/form-data; boundary=xyz', 'no boundary'],
    ['multipart/form-data; boundary=xyz', '--xyz\r\nbroken'],
    ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nAnn,Lee,ann@example.com\r\n'],
  ];
  for (const [type, payload] of bodies) {
    const res = await s.request({ method: 'POST', url: '/api/cart/no-such-plan/upload/', token: user.token, headers: { 'content-type': type }, body: payload });
    assert.equal(res.statusCode, 400, `${type} ${JSON.stringify(payload)}: ${res.body}`);
    assert.equal(res.json().error_code, 'field.invalid');
    assert.ok(res.json().file, res.body);
  }
});

test('the test processor refuses a card token named like an Object.prototype member as it refuses any unknown one (400, not 500)', async () => {
  const { makeOrganization, grantRole } = await import('../support/fixtures.js');
  const manager = await s.user();
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  const unknown = await s.request({ method: 'PUT', url: `/api/billing/${org.slug}/card/`, token: manager.token, body: { token: 'tok_nosuch' } });
  assert.equal(unknown.statusCode, 400, unknown.body);
  for (const token of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
    const res = await s.request({ method: 'PUT', url: `/api/billing/${org.slug}/card/`, token: manager.token, body: { token } });
    assert.equal(res.statusCode, 400, `${token}: ${res.body}`);
    assert.equal(res.json().error_code, unknown.json().error_code, token);
  }
});
