// The headers OWASP's Secure Headers Project recommends: on JSON answers (errors too), on
// the /docs pages with a policy Swagger UI works under, and HSTS only over https.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { API_CSP, PAGE_CSP } from '../../src/http/security-headers.js';

let s: TestService;
let https: TestService;
before(async () => {
  s = await startService();
  https = await startService({ BASE_URL: 'https://portal.test' });
});
after(async () => { await s.stop(); await https.stop(); });

const EVERY_ANSWER = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};

test('JSON answers, errors included, carry nosniff, no-store, no framing and a CSP that allows nothing', async () => {
  const u = await s.user();
  const answers = [
    await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token }),
    await s.request({ method: 'GET', url: '/api/nothing-here/' }),
    await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'x' } }),
    await s.request({ method: 'GET', url: '/api/users/nobody/', token: 'not-a-token' }),
  ];
  for (const res of answers) {
    for (const [name, value] of Object.entries(EVERY_ANSWER)) assert.equal(res.headers[name], value, `${name} on ${res.statusCode}`);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.match(String(res.headers['permissions-policy']), /camera=\(\)/);
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain http');
  }
  assert.equal(API_CSP, "default-src 'none'; frame-ancestors 'none'");
});

test('HSTS when BASE_URL is https', async () => {
  const res = await https.request({ method: 'GET', url: '/health' });
  assert.equal(res.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');
});

test('/docs is served under the page CSP, and everything it loads is our own, with no inline script or style', async () => {
  const page = await s.request({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.equal(page.headers['content-security-policy'], PAGE_CSP);
  for (const [name, value] of Object.entries(EVERY_ANSWER)) assert.equal(page.headers[name], value, name);
  const csp = Object.fromEntries(PAGE_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(csp['script-src'], ["'self'"]);
  assert.deepEqual(csp['style-src'], ["'self'"]);
  assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
  assert.ok(csp['connect-src']?.includes("'self'"), 'Swagger UI fetches the document from us');

  // What the policy allows is what the page needs: relative URLs only, nothing inline.
  const html = page.body;
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>\s*\S/i, 'no inline script');
  assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/i, 'no inline style or handler');
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')) && assets.some((a) => a.endsWith('swagger-ui.css')), html);
  for (const asset of assets) {
    assert.doesNotMatch(asset, /^(https?:)?\/\//, `${asset} comes from elsewhere`);
    const res = await s.request({ method: 'GET', url: new URL(asset, 'http://portal.test/docs/').pathname });
    assert.equal(res.statusCode, 200, asset);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  const init = await s.request({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
  assert.match(init.body, /resolveUrl\('\.\/json'\)/, 'the document comes from our own origin');
  const json = await s.request({ method: 'GET', url: '/docs/json' });
  assert.equal(json.statusCode, 200);
});
