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
