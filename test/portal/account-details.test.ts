// An organization's account details in the browser (EmbedThis's Account API): its manager
// saves the billing details (a bad country is refused next to its field) and sees the payment
// terms without being able to change them; the broker's staff set the terms; the metrics an
// EmbedThis client reported are shown. The API agrees with what the pages show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';
import { expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

test("an organization's manager edits its billing details; the broker's staff set its payment terms", async () => {
  const s = portal.service;
  const owner = await s.user({ username: 'acctowner' });
  const created = await s.request({ method: 'POST', url: '/embedthis/account/create', token: owner.token, body: { email: owner.email, name: 'Device Works' } });
  assert.equal(created.statusCode, 200, created.body);
  const id: string = created.json().account.id;
  const slug = (await s.core.db.selectFrom('organizations').select('slug').where('id', '=', Number(id)).executeTakeFirstOrThrow()).slug;
  const metrics = await s.request({ method: 'POST', url: '/embedthis/account/updateMetrics', token: owner.token, body: { id, metrics: { devices: 42, clouds: 2 } } });
  assert.equal(metrics.statusCode, 200, metrics.body);
  const get = async () => (await s.request({ method: 'POST', url: '/embedthis/account/get', token: owner.token, body: { id } })).json();

  const manager = await portal.person();
  await manager.login(owner.username, owner.password);
  await manager.open(`/orgs/${slug}/account`);
  await manager.page.getByRole('heading', { name: 'Billing details' }).waitFor();
  // The metrics reported by the client.
  const shown = manager.page.getByRole('table', { name: 'Metrics' });
  await shown.getByRole('row', { name: 'devices 42' }).waitFor();
  await shown.getByRole('row', { name: 'clouds 2' }).waitFor();

  // A bad country is refused next to its field; then the details are saved.
  await manager.page.getByLabel('Company name on invoices').fill('Device Works GmbH');
  await manager.page.getByLabel(/^Country/).fill('D1');
  await manager.page.getByRole('button', { name: 'Save billing details' }).click();
  await manager.page.getByText('A two-letter ISO 3166 country code, such as US or FR.').waitFor();
  expectRefused(manager, 400);
  await manager.page.getByLabel(/^Country/).fill('de');
  await manager.page.getByLabel('Invoices go to (e-mail)').fill('ap@deviceworks.example');
  await manager.page.getByRole('button', { name: 'Save billing details' }).click();
  await manager.page.getByText('Billing details saved.').waitFor();
  const billing = (await get()).billing;
  assert.equal(billing.company, 'Device Works GmbH');
  assert.equal(billing.country, 'DE');
  assert.equal(billing.invoiceEmail, 'ap@deviceworks.example');
  // The form shows what the service kept. The field is found again at each poll: the form
  // may draw it anew once the answer comes (a handle taken before would be detached).
  await manager.page.waitForFunction(() => {
    const label = [...document.querySelectorAll('label')].find((l) => /^Country/.test(l.textContent ?? ''));
    const input = label?.htmlFor ? document.getElementById(label.htmlFor) as HTMLInputElement | null : null;
    return input?.value === 'DE';
  });

  // The payment terms are shown, not editable by the manager.
  const terms = manager.page.getByRole('table', { name: 'Payment terms' });
  await terms.getByRole('row', { name: 'Payment terms due on receipt' }).waitFor();
  await manager.page.getByText("The site's staff set the payment terms").waitFor();
  assert.equal(await manager.page.getByRole('button', { name: 'Save payment terms' }).count(), 0);
  await manager.shot('orgs-account-details-1280');
  manager.done();

  // The broker's staff set them.
  const staff = await portal.person();
  await staff.login(s.admin.username, s.admin.password);
  await staff.open(`/orgs/${slug}/account`);
  await staff.page.getByRole('heading', { name: 'Payment terms' }).waitFor();
  await staff.page.getByLabel('Payment terms (days)').fill('30');
  await staff.page.getByLabel('Credit').fill('250.5');
  await staff.page.getByLabel('May pay by wire').check();
  await staff.page.getByLabel('Pays by wire').check();
  await staff.page.getByRole('button', { name: 'Save payment terms' }).click();
  await staff.page.getByText('Payment terms saved.').waitFor();
  await staff.page.getByRole('table', { name: 'Payment terms' }).getByRole('row', { name: 'Payment terms net 30 days' }).waitFor();
  const after = (await get()).billing;
  assert.deepEqual([after.terms, after.credit, after.canWire, after.wire], [30, 250.5, true, true]);
  await staff.shot('orgs-account-terms-staff-1280');
  staff.done();
});
