// The portal's frame: pages at their addresses with a per-answer CSP nonce, cached assets,
// the API's 404s untouched, and mails pointing at pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

test('a page is the HTML shell with a fresh style nonce; assets are cached for good, compressed', async () => {
  const first = await fetch(`${portal.url}/login`);
  const second = await fetch(`${portal.url}/login`);
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', /^text\/html/);
  const html = await first.text();
  const nonce = /name="csp-nonce" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(nonce && nonce !== '__CSP_NONCE__', 'the nonce is filled in');
  assert.ok(first.headers.get('content-security-policy')?.includes(`'nonce-${nonce}'`));
  assert.ok(!first.headers.get('content-security-policy')?.includes('unsafe-inline'));
  assert.notEqual(first.headers.get('content-security-policy'), second.headers.get('content-security-policy'));
  assert.equal(first.headers.get('cache-control'), 'no-store');

  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, 'the shell loads a built script');
  const asset = await fetch(`${portal.url}${script}`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('content-encoding'), 'br');
  assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
});

test('the APIs keep their own 404s; unknown pages are 404s too', async () => {
  const api = await fetch(`${portal.url}/api/no-such-thing/`);
  assert.equal(api.status, 404);
  assert.equal(((await api.json()) as { error_code: string }).error_code, 'route.not_found');
  assert.equal((await fetch(`${portal.url}/no-such-page`)).status, 404);
  assert.equal((await fetch(`${portal.url}/assets/missing.js`)).status, 404);
});

test('the session endpoint names the broker to anyone, and the user once logged in', async () => {
  const anonymous = await portal.service.request({ method: 'GET', url: '/api/auth/session/' });
  assert.equal(anonymous.statusCode, 200);
  assert.deepEqual(JSON.parse(anonymous.body).user, null);
  assert.equal(JSON.parse(anonymous.body).broker.slug, 'broker');
  const admin = await portal.service.request({ method: 'GET', url: '/api/auth/session/', token: portal.service.admin.token });
  assert.equal(JSON.parse(admin.body).user.username, 'admin');
  assert.equal(JSON.parse(admin.body).user.is_broker_manager, true);
});

test('the home page draws without a browser error, on a phone too', async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const person = await portal.person({ viewport });
    await person.open('/');
    await person.page.getByRole('link', { name: 'Log in' }).first().waitFor();
    await person.shot(`home-${viewport.width}`);
    person.done();
  }
});
