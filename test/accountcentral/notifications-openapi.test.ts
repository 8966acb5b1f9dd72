// Each compatibility surface's own OpenAPI document: exactly the surface's operations (as the
// whole document has them) and the components they reach, so a client generated from it
// covers that API alone and every $ref resolves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

type Doc = { info: { title: string }; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, unknown> } };

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

for (const [prefix, title] of [['/accountcentral', 'Accountcentral'], ['/embedthis', 'EmbedThis']] as const) {
  test(`GET ${prefix}/openapi.json holds every ${title} operation of /openapi.json, and nothing else`, async () => {
    const whole = (await s.request({ method: 'GET', url: '/openapi.json' })).json<Doc>();
    const res = await s.request({ method: 'GET', url: `${prefix}/openapi.json` });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const doc = res.json<Doc>();
    assert.match(doc.info.title, new RegExp(title));
    const expected = Object.fromEntries(Object.entries(whole.paths).filter(([path]) => path.startsWith(`${prefix}/`)));
    assert.ok(Object.keys(expected).length > 0, `the whole document has ${title} operations`);
    assert.deepEqual(doc.paths, expected, 'the same operations, word for word');
    // Every $ref resolves, and every component kept is used: nothing of another surface.
    const names = Object.keys(doc.components.schemas);
    for (const ref of new Set(refs(doc))) {
      assert.ok(ref.startsWith('#/components/schemas/') && names.includes(ref.slice('#/components/schemas/'.length)), `${ref} resolves`);
    }
    const used = new Set(refs(doc.paths).concat(refs(doc.components.schemas)).map((r) => r.slice('#/components/schemas/'.length)));
    assert.deepEqual(names.filter((n) => !used.has(n)), []);
    assert.ok(!names.some((n) => ['Organization', 'GetChatError', 'Error'].includes(n)), 'no shape of another surface');
    assert.deepEqual(doc.components.securitySchemes, whole.components.securitySchemes);
    // Not an operation of the whole document itself.
    assert.equal(whole.paths[`${prefix}/openapi.json`], undefined);
  });
}
