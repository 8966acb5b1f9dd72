// Every route in /openapi.json, called with hostile values in its path, query and body:
// names from Object.prototype, numbers too large for a double, NUL bytes. Whatever the
// route, the answer is a 4xx (or a success), never a 5xx. A small deterministic sweep;
// property-based fuzzing comes on top of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', '1e400', '-1e400', '99999999999999999999999', 'x\u0000y', '\u0000'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Parameter { name: string; in: 'path' | 'query' | 'header' | 'cookie' }
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

function fill(path: string, value: (name: string) => string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
}

/** Path parameter values that name things that exist, so the sweep reaches the handlers. */
const REAL: Record<string, string> = { user: 'admin', organization: 'broker', profile: 'broker', role: 'manager', userPk: '1', groupPk: '1' };

test('no route answers 5xx to hostile path, query or body values', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  const failures: string[] = [];
  const calls: Array<{ method: (typeof METHODS)[number]; url: string; body?: unknown }> = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const fields = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      const hasBody = method !== 'get' && method !== 'delete';
      for (const value of HOSTILE) {
        // Every path parameter hostile (a route must refuse before touching anything).
        calls.push({ method, url: fill(path, () => value), body: hasBody ? {} : undefined });
        if (method === 'delete') continue;
        // Real path, each query parameter hostile, then each body field.
        const real = fill(path, (name) => REAL[name] ?? 'admin');
        for (const name of query) calls.push({ method, url: `${real}?${name}=${encodeURIComponent(value)}` });
        if (query.includes('o')) calls.push({ method, url: `${real}?o=-${encodeURIComponent(value)}` });
        if (hasBody) {
          for (const field of fields) calls.push({ method, url: real, body: { [field]: value } });
          calls.push({ method, url: real, body: { [value]: 'x' } });
        }
      }
    }
  }
  assert.ok(calls.length > 100, `only ${calls.length} calls`);
  // A session of its own: logout ends it, and the sweep logs in again after each logout call.
  const login = async () => (await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'admin', password: s.admin.password } })).json().token as string;
  let token = await login();
  for (const call of calls) {
    const res = await s.request({
      method: call.method.toUpperCase() as 'GET',
      url: call.url,
      token,
      ...(call.body === undefined ? {} : { body: call.body }),
    });
    if (res.statusCode >= 500) failures.push(`${call.method.toUpperCase()} ${call.url} ${JSON.stringify(call.body) ?? ''} -> ${res.statusCode}`);
    if (call.url.startsWith('/api/auth/logout/') || /\/sessions\//.test(call.url)) token = await login();
  }
  assert.deepEqual(failures, []);
});

test('a NUL byte is refused with 400 naming the field, in a body, a query string and a path', async () => {
  const u = await s.user();
  const body = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { full_name: 'Ann\u0000Lee' } });
  assert.equal(body.statusCode, 400);
  assert.deepEqual(body.json().full_name, ['Null characters are not allowed.']);

  const query = await s.request({ method: 'GET', url: '/api/users/?q=a%00b', token: s.admin.token });
  assert.equal(query.statusCode, 400);
  assert.deepEqual(query.json().q, ['Null characters are not allowed.']);

  const param = await s.request({ method: 'GET', url: '/api/profile/bro%00ker/', token: s.admin.token });
  assert.equal(param.statusCode, 400);
  assert.ok(param.json().organization ?? param.json().profile, JSON.stringify(param.json()));
});

test('?o=constructor and other Object.prototype names are unknown orderings (400 on o)', async () => {
  for (const o of ['constructor', '-__proto__', 'toString', 'valueOf']) {
    const res = await s.request({ method: 'GET', url: `/api/users/?o=${encodeURIComponent(o)}`, token: s.admin.token });
    assert.equal(res.statusCode, 400, o);
    assert.ok(res.json().o, JSON.stringify(res.json()));
  }
});

test('page and page_size must be integers in range: 1e400, 1e20, 1.5 and -1 are 400 naming the field', async () => {
  for (const [name, value] of [['page', '1e400'], ['page', '1e20'], ['page', '1.5'], ['page', '0'], ['page_size', '1e400'], ['page_size', '-1']]) {
    const res = await s.request({ method: 'GET', url: `/api/users/?${name}=${value}`, token: s.admin.token });
    assert.equal(res.statusCode, 400, `${name}=${value}: ${res.body}`);
    assert.ok(res.json()[name], `${name}=${value}: ${res.body}`);
  }
  const far = await s.request({ method: 'GET', url: '/api/users/?page=1000000', token: s.admin.token });
  assert.equal(far.statusCode, 200);
  assert.deepEqual(far.json().results, []);
  const capped = await s.request({ method: 'GET', url: '/api/users/?page_size=5000', token: s.admin.token });
  assert.equal(capped.statusCode, 200);
});
