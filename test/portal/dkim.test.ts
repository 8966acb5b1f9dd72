// An organization's DKIM keys in the browser: its manager has a key pair generated (and is
// shown the TXT record to publish), pastes a pair of their own (a mismatched one is refused
// next to its field), makes it the default, deactivates and deletes keys; the API agrees
// with what the page shows, and no private key ever reaches the page in clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startPortal, type Portal } from '../support/browser.js';
import { expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

function pemPair() {
  return generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
}

test("an organization's manager generates, adds, defaults, deactivates and deletes DKIM keys", async () => {
  const s = portal.service;
  const owner = await s.user({ username: 'dkimowner' });
  const created = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Mail Shop' } });
  assert.equal(created.statusCode, 201, created.body);
  const org = await s.core.db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', 'mail-shop').executeTakeFirstOrThrow();
  const api = (method: 'GET', url: string) => s.request({ method, url, token: owner.token });

  const manager = await portal.person();
  await manager.login(owner.username, owner.password);
  await manager.open(`/orgs/${org.slug}/dkim`);
  await manager.page.getByRole('heading', { name: 'DKIM keys' }).waitFor();
  await manager.page.getByText('No DKIM key yet').waitFor();
  const bodies: string[] = [];
  manager.page.on('response', (response) => {
    if (response.url().includes('/accountcentral/')) void response.text().then((text) => bodies.push(text), () => {});
  });

  // Generated here: the TXT record to publish is shown.
  await manager.page.getByLabel(/^Domain/).fill('shop.example');
  await manager.page.getByLabel(/^Selector/).fill('gen1');
  await manager.page.getByRole('button', { name: 'Generate key' }).click();
  await manager.page.getByText('Publish this TXT record at gen1._domainkey.shop.example').waitFor();
  const table = manager.page.getByRole('table', { name: 'DKIM keys' });
  await table.getByText('TXT record at').first().waitFor();
  const listed = (await api('GET', `/accountcentral/customers/${org.id}/dkims`)).json().elements;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].default, true);
  await table.getByLabel('TXT record of gen1._domainkey.shop.example').filter({ hasText: listed[0].dnsRecord.value }).waitFor();
  await manager.shot('orgs-dkim-generated-1280');

  // Pasted: a mismatched pair is refused next to the public key; a matching one is added.
  const mine = pemPair();
  const other = pemPair();
  await manager.page.getByText('Paste my keys').click();
  await manager.page.getByLabel(/^Domain/).fill('news.shop.example');
  await manager.page.getByLabel(/^Selector/).fill('own1');
  await manager.page.getByLabel(/^Public key/).fill(other.publicKey);
  await manager.page.getByLabel(/^Private key/).fill(mine.privateKey);
  await manager.page.getByRole('button', { name: 'Add key' }).click();
  await manager.page.getByText("This public key is not the private key's.").waitFor();
  expectRefused(manager, 400);
  await manager.page.getByLabel(/^Public key/).fill(mine.publicKey);
  await manager.page.getByRole('button', { name: 'Add key' }).click();
  await table.getByText('news.shop.example', { exact: true }).waitFor();

  // The pasted key becomes the default; the generated one is deactivated, then deleted.
  await manager.page.getByRole('button', { name: 'Make own1._domainkey.news.shop.example the default' }).click();
  await manager.page.getByRole('button', { name: 'Make gen1._domainkey.shop.example the default' }).waitFor();
  let keys = (await api('GET', `/accountcentral/customers/${org.id}/dkims`)).json().elements as { selector: string; default: boolean; active: boolean }[];
  // By domain: news.shop.example before shop.example.
  assert.deepEqual(keys.map((k) => [k.selector, k.default, k.active]), [['own1', true, true], ['gen1', false, true]]);
  await manager.page.getByRole('button', { name: 'Deactivate gen1._domainkey.shop.example' }).click();
  await manager.page.getByRole('button', { name: 'Activate gen1._domainkey.shop.example' }).waitFor();
  await table.getByText('inactive', { exact: true }).waitFor();
  keys = (await api('GET', `/accountcentral/customers/${org.id}/dkims?active=false`)).json().elements;
  assert.deepEqual(keys.map((k) => k.selector), ['gen1']);
  await manager.page.getByRole('button', { name: 'Delete gen1._domainkey.shop.example' }).click();
  await manager.page.getByRole('button', { name: 'Delete it' }).click();
  await manager.page.getByRole('button', { name: 'Delete gen1._domainkey.shop.example' }).waitFor({ state: 'detached' });
  keys = (await api('GET', `/accountcentral/customers/${org.id}/dkims`)).json().elements;
  assert.deepEqual(keys.map((k) => [k.selector, k.default]), [['own1', true]]);
  await manager.shot('orgs-dkim-1280');

  assert.ok(bodies.length > 0, 'the page read the keys from the API');
  assert.ok(bodies.every((text) => !text.includes('PRIVATE KEY')), 'no private key in clear reached the page');
  manager.done();
});
