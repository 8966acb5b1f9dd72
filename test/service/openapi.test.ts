import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation { summary?: string; description?: string; operationId?: string; responses?: Record<string, unknown> }

test('GET /openapi.json is an OpenAPI 3.1.0 document of the native API', async () => {
  const res = await s.request({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/json/);
  const doc = res.json();
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.title, 'Account Portal');
  assert.equal(doc.servers[0].url, 'http://portal.test');
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer', 'session']);
  // The logout route is part of the foundation, so the document is never empty.
  assert.ok(doc.paths['/api/auth/logout/']?.post, 'POST /api/auth/logout/ is documented');
  // Operational endpoints are hidden from the API reference.
  for (const hidden of ['/health', '/ready', '/metrics', '/openapi.json']) assert.equal(doc.paths[hidden], undefined, hidden);
});

test('every operation has a summary, a description and at least one response; operationIds are unique', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  const problems: string[] = [];
  const ids = new Map<string, string>();
  let operations = 0;
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      operations += 1;
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.summary?.trim()) problems.push(`${where}: no summary`);
      if (!op.description?.trim()) problems.push(`${where}: no description`);
      if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${where}: no response`);
      if (op.operationId) {
        if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also used by ${ids.get(op.operationId)}`);
        ids.set(op.operationId, where);
      }
    }
  }
  assert.ok(operations >= 1, 'at least one operation is documented');
  assert.deepEqual(problems, []);
});

test('/docs serves the HTML reference', async () => {
  const res = await s.request({ method: 'GET', url: '/docs/' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /text\/html/);
  assert.match(res.body, /<html/i);
  assert.match(res.body, /swagger/i);
  const bare = await s.request({ method: 'GET', url: '/docs' });
  assert.ok([200, 301, 302].includes(bare.statusCode), `GET /docs answered ${bare.statusCode}`);
});
