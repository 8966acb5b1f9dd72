import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
let doc: OpenApi;
before(async () => {
  s = await startService();
  doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
});
after(async () => { await s.stop(); });

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Schema { $ref?: string; type?: string; additionalProperties?: unknown; properties?: Record<string, Schema>; [key: string]: unknown }
interface Response { description?: string; content?: Record<string, { schema?: Schema }> }
interface Operation {
  operationId?: string; summary?: string; description?: string; tags?: string[];
  security?: unknown[]; parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, Response>;
}
interface OpenApi { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema>; securitySchemes?: object }; [key: string]: unknown }

const ERROR_REF = '#/components/schemas/Error';
/** Each surface answers errors in its own shared shape. */
function errorRefOf(path: string): string {
  if (path.startsWith('/account/') || path.startsWith('/integration/')) return '#/components/schemas/GetChatError';
  if (path.startsWith('/accountcentral/')) return '#/components/schemas/AcMessage';
  if (path.startsWith('/embedthis/')) return '#/components/schemas/EtError';
  return ERROR_REF;
}

/** Every operation of the document, with where it is. */
function operations(d: OpenApi): { where: string; path: string; op: Operation }[] {
  return Object.entries(d.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m])
    .map((m) => ({ where: `${m.toUpperCase()} ${path}`, path, op: item[m]! })));
}

/** Every `$ref` anywhere in `value`. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

/**
 * What a code generator would trip on, one line per problem. Each check is proved able to
 * fail by the test below that breaks a copy of the document in that one way.
 */
function problemsOf(d: OpenApi): string[] {
  const problems: string[] = [];
  const ids = new Map<string, string>();
  for (const { where, path, op } of operations(d)) {
    if (!op.operationId) problems.push(`${where}: no operationId`);
    else {
      if (!/^[a-z][A-Za-z0-9]*$/.test(op.operationId)) problems.push(`${where}: operationId ${op.operationId} is not camelCase`);
      if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also used by ${ids.get(op.operationId)}`);
      ids.set(op.operationId, where);
    }
    if (!op.summary?.trim()) problems.push(`${where}: no summary`);
    if (!op.description?.trim()) problems.push(`${where}: no description`);
    if (!op.tags?.length) problems.push(`${where}: no tag`);
    const responses = Object.entries(op.responses ?? {});
    if (!responses.some(([status]) => status.startsWith('2'))) problems.push(`${where}: no success response`);
    if (!responses.some(([status]) => status.startsWith('4'))) problems.push(`${where}: no error response`);
    for (const [status, response] of responses) {
      if (!response.description?.trim() || response.description === 'Default Response') {
        problems.push(`${where} ${status}: no description of its own`);
      }
      if (status.startsWith('4') && response.content?.['application/json']?.schema?.$ref !== errorRefOf(path)) {
        problems.push(`${where} ${status}: not the shared Error shape`);
      }
    }
    // A route anyone may call declares `security: []`; the others can answer 401.
    const open = Array.isArray(op.security) && op.security.length === 0;
    if (!open && !op.responses?.['401']) problems.push(`${where}: authenticated, but no 401`);
    // Path parameters and bodies are validated: a bad one answers 400.
    if ((path.includes('{') || op.requestBody) && !op.responses?.['400']) problems.push(`${where}: validated, but no 400`);
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (body && body.type === 'object' && body.additionalProperties !== false) problems.push(`${where}: body accepts unknown fields`);
  }
  const components = d.components?.schemas ?? {};
  for (const ref of new Set(refsIn(d))) {
    const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
    if (name === null || !Object.hasOwn(components, name)) problems.push(`$ref ${ref} does not resolve`);
    else if (/^def-\d+$/.test(name)) problems.push(`$ref ${ref}: a shared shape without a name`);
  }
  const used = new Set(refsIn(d.paths).concat(refsIn(components)));
  for (const name of Object.keys(components)) {
    if (!used.has(`#/components/schemas/${name}`)) problems.push(`component ${name} is never used`);
  }
  return problems;
}

test('GET /openapi.json is an OpenAPI 3.1.0 document of the native API', async () => {
  const res = await s.request({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.equal(doc.openapi, '3.1.0');
  assert.equal((doc.info as { title: string }).title, 'Account Portal');
  assert.equal((doc.servers as { url: string }[])[0]!.url, 'http://portal.test');
  assert.deepEqual(Object.keys(doc.components.securitySchemes ?? {}).sort(), ['apiKey', 'bearer', 'clabPlatformOauth2', 'session']);
  assert.ok(doc.paths['/api/auth/logout/']?.post, 'POST /api/auth/logout/ is documented');
  // Operational endpoints are hidden from the API reference.
  for (const hidden of ['/health', '/ready', '/metrics', '/openapi.json']) assert.equal(doc.paths[hidden], undefined, hidden);
});

test('every operation has a unique operationId, a summary, described answers and its errors; every $ref resolves', () => {
  assert.ok(operations(doc).length >= 90, `only ${operations(doc).length} operations`);
  assert.deepEqual(problemsOf(doc), []);
});

test('each check of the document fails on a document broken in that one way', () => {
  const broken = (edit: (d: OpenApi) => void): string[] => {
    const copy = structuredClone(doc);
    edit(copy);
    return problemsOf(copy);
  };
  const login = (d: OpenApi) => d.paths['/api/auth/']!.post!;
  const profile = (d: OpenApi) => d.paths['/api/profile/{organization}/']!.get!;
  const expectations: [string, (d: OpenApi) => void, RegExp][] = [
    ['no operationId', (d) => { delete profile(d).operationId; }, /GET \/api\/profile\/\{organization\}\/: no operationId/],
    ['duplicate operationId', (d) => { profile(d).operationId = login(d).operationId; }, /operationId authLogin also used by/],
    ['operationId not camelCase', (d) => { profile(d).operationId = 'get-profile'; }, /not camelCase/],
    ['no summary', (d) => { profile(d).summary = ' '; }, /no summary/],
    ['no description', (d) => { delete profile(d).description; }, /no description$/],
    ['no tag', (d) => { profile(d).tags = []; }, /no tag/],
    ['no success response', (d) => { delete profile(d).responses!['200']; }, /no success response/],
    ['no error response', (d) => {
      const r = profile(d).responses!;
      for (const status of Object.keys(r)) if (status.startsWith('4')) delete r[status];
    }, /no error response/],
    ['default description', (d) => { profile(d).responses!['200']!.description = 'Default Response'; }, /200: no description of its own/],
    ['error not shared', (d) => { profile(d).responses!['404']!.content!['application/json']!.schema = { type: 'object' }; }, /404: not the shared Error shape/],
    ['no 401', (d) => { delete profile(d).responses!['401']; }, /authenticated, but no 401/],
    ['no 400', (d) => { delete profile(d).responses!['400']; }, /validated, but no 400/],
    ['open body', (d) => { login(d).requestBody!.content!['application/json']!.schema!.additionalProperties = true; }, /POST \/api\/auth\/: body accepts unknown fields/],
    ['dangling $ref', (d) => { delete d.components.schemas.Organization; }, /\$ref #\/components\/schemas\/Organization does not resolve/],
    ['unnamed shape', (d) => {
      d.components.schemas['def-0'] = d.components.schemas.Quotas!;
      profile(d).responses!['200']!.content!['application/json']!.schema = { $ref: '#/components/schemas/def-0' };
    }, /a shared shape without a name/],
    ['unused component', (d) => { d.components.schemas.Orphan = { type: 'string' }; }, /component Orphan is never used/],
  ];
  for (const [name, edit, expected] of expectations) {
    const found = broken(edit);
    assert.ok(found.some((p) => expected.test(p)), `${name}: expected ${expected}, got ${JSON.stringify(found)}`);
  }
});

test('shared shapes are components, and every answer naming an organization uses the one Organization shape', () => {
  const schemas = doc.components.schemas;
  for (const name of ['Error', 'Organization', 'OrganizationProfile', 'User', 'Role', 'RoleDescription', 'Accessible']) {
    assert.ok(schemas[name], `component ${name}`);
  }
  assert.equal(schemas.Role!.properties!.organization!.$ref, '#/components/schemas/Organization');
  assert.equal(schemas.Accessible!.properties!.organization!.$ref, '#/components/schemas/Organization');
  // The profile shape extends the organization shape field for field.
  for (const field of Object.keys(schemas.Organization!.properties!)) {
    assert.deepEqual(schemas.OrganizationProfile!.properties![field], schemas.Organization!.properties![field], field);
  }
  // A list answers a page whose items are the shared shape.
  const roles = doc.paths['/api/profile/{organization}/roles/']!.get!.responses!['200']!.content!['application/json']!.schema!;
  assert.equal((roles.properties!.results as { items: Schema }).items.$ref, '#/components/schemas/Role');
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
