import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

test('GET /health answers without touching the database', async () => {
  const res = await s.request({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok' });
  assert.ok(res.headers['x-request-id']);
});

test('GET /ready checks the database', async () => {
  const res = await s.request({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'ready');
});

test('unknown routes answer 404 in DjaoApp style', async () => {
  const res = await s.request({ method: 'GET', url: '/api/nothing-here/' });
  assert.equal(res.statusCode, 404);
  assert.match(res.json().detail, /Not found/);
});

test('GET /openapi.json is OpenAPI 3.1 and /docs serves the reference', async () => {
  const res = await s.request({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().openapi, '3.1.0');
  const docs = await s.request({ method: 'GET', url: '/docs/' });
  assert.equal(docs.statusCode, 200);
});
