// The legal agreements' pages in a real browser against the real service: the list, one
// agreement read by a visitor (who must log in to sign) and signed by a user; checkout
// refused until the terms the broker requires are signed, signed from the page the refusal
// links to, then paid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import { addToCart, makeBuyer, makePlan, makeProvider } from '../billing/checkout-helpers.js';
import { unique } from '../support/service.js';

let portal: Portal;
let plan: { id: number; slug: string };

/** Takes off the person's problems exactly `count` console errors for answers `status` the test expects. */
function expectRefused(person: PortalPage, status: number, count: number): void {
  const line = `console: Failed to load resource: the server responded with a status of ${status} `;
  const found = person.problems.filter((problem) => problem.startsWith(line));
  assert.equal(found.length, count, `expected ${count} answer(s) ${status}; saw:\n${person.problems.join('\n')}`);
  for (const problem of found) person.problems.splice(person.problems.indexOf(problem), 1);
}

before(async () => {
  portal = await startPortal();
  plan = await makePlan(portal.service, await makeProvider(portal.service), { periodAmount: 2500 });
});
after(async () => { await portal?.stop(); });

test('checkout is refused until the required terms are signed; the refusal links to them, signed there', async () => {
  const s = portal.service;
  const slug = unique('terms').toLowerCase();
  const created = await s.request({
    method: 'POST', url: '/api/legal/', token: s.admin.token,
    body: { slug, title: `Terms ${slug}`, text: '# Our terms\n\nYou pay for what you order.\n\n- One\n- Two', required_at_checkout: true },
  });
  assert.equal(created.statusCode, 201, created.body);
  try {
    const buyer = await makeBuyer(s);
    await addToCart(s, buyer.user, plan);
    for (const viewport of [{ width: 390, height: 844 }]) {
      const person = await portal.person({ viewport });
      const { page } = person;
      await person.login(buyer.user.username, buyer.user.password);
      await person.open('/checkout');
      await page.getByLabel('Test card').waitFor();
      await page.getByRole('button', { name: 'Pay $25.00' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Sign the terms first' });
      await alert.waitFor();
      await person.shot('billing-terms-refused-390');
      await alert.getByRole('link', { name: 'Read and sign the terms' }).click();
      await page.waitForURL(`**/legal/${slug}?next=**`);
      await page.getByRole('heading', { level: 1, name: `Terms ${slug}` }).waitFor();
      await page.getByRole('article', { name: `Terms ${slug}` }).getByRole('heading', { name: 'Our terms' }).waitFor();
      const signButton = page.getByRole('button', { name: `Sign Terms ${slug}` });
      assert.equal(await signButton.isDisabled(), true);
      await page.getByLabel('I have read and understand these terms').check();
      await signButton.click();
      await page.getByRole('status').getByText(/You signed this version/).waitFor();
      await person.shot('legal-signed-390');
      await page.getByRole('link', { name: 'Back to where you were' }).click();
      await page.waitForURL(`**/checkout?org=${buyer.org.slug}`);
      await page.getByLabel('Test card').waitFor();
      await page.getByRole('button', { name: 'Pay $25.00' }).click();
      await page.waitForURL(`**/orgs/${buyer.org.slug}/billing/receipts/**`);
      await page.getByText('Paid', { exact: true }).waitFor();
      expectRefused(person, 404, 2); // no card on file yet, asked on each visit of the checkout
      expectRefused(person, 403, 1); // the refused checkout
      person.done();
    }
  } finally {
    const res = await s.request({ method: 'PUT', url: `/api/legal/${slug}/`, token: s.admin.token, body: { title: `Terms ${slug}`, required_at_checkout: false } });
    assert.equal(res.statusCode, 200, res.body);
  }
});

test('the legal pages: the list, an agreement a visitor reads but must log in to sign, an unknown one', async () => {
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  const { page } = person;
  await person.open('/legal');
  await page.getByRole('table', { name: 'Agreements' }).getByRole('link', { name: 'Terms of Use' }).click();
  await page.waitForURL('**/legal/terms-of-use');
  await page.getByRole('heading', { level: 1, name: 'Terms of Use' }).waitFor();
  await page.getByText('Log in to sign').waitFor();
  await page.getByRole('link', { name: 'log in', exact: true }).click();
  await page.waitForURL(/\/login\?next=%2Flegal%2Fterms-of-use/);

  await person.open('/legal/no-such-agreement');
  await page.getByRole('alert').getByText('There is no agreement no-such-agreement.').waitFor();
  expectRefused(person, 404, 1);
  person.done();
});

test('the broker\'s manager creates an agreement, requires it at checkout and publishes a new version from the pages; others see no such forms', async () => {
  const s = portal.service;
  const slug = unique('policy').toLowerCase();
  const manager = await portal.person();
  const { page } = manager;
  await manager.login(s.admin.username, s.admin.password);
  await manager.open('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Legal' }).click();
  await page.getByRole('heading', { level: 1, name: 'Legal agreements' }).waitFor();

  // A bad slug is told next to its field.
  const form = page.getByRole('region', { name: 'New agreement' });
  await form.getByLabel('Slug').fill('Not A Slug!');
  await form.getByLabel('Title').fill('Privacy policy');
  await form.getByLabel('Text').fill('# Privacy\n\nWe keep what you give us.');
  await form.getByRole('button', { name: 'Create the agreement' }).click();
  await form.getByText(/slug/i).nth(1).waitFor();
  expectRefused(manager, 400, 1);

  await form.getByLabel('Slug').fill(slug);
  await form.getByRole('button', { name: 'Create the agreement' }).click();
  await page.waitForURL(`**/legal/${slug}`);
  await page.getByRole('heading', { level: 1, name: 'Privacy policy', exact: true }).waitFor();
  await page.getByText('Version 1,').waitFor();

  const settings = page.getByRole('region', { name: 'Settings' });
  await settings.getByLabel('Title').fill('Privacy Policy');
  await settings.getByRole('switch', { name: 'Required at checkout' }).check({ force: true });
  await settings.getByRole('button', { name: 'Save the settings' }).click();
  await page.getByText('The agreement is saved.').waitFor();
  // Names match case-sensitively only when exact: the title before was "Privacy policy".
  await page.getByRole('heading', { level: 1, name: 'Privacy Policy', exact: true }).waitFor();

  const version = page.getByRole('region', { name: 'New version' });
  assert.equal(await version.getByRole('button', { name: 'Publish version 2' }).isDisabled(), true, 'the same text is no new version');
  await version.getByLabel('Text of the new version').fill('# Privacy\n\nWe keep what you give us, and delete it when you ask.');
  await version.getByRole('button', { name: 'Publish version 2' }).click();
  await page.getByText('Version 2,').waitFor();
  await page.getByRole('article', { name: 'Privacy Policy' }).getByText('delete it when you ask').waitFor();
  await manager.shot('legal-publish');

  const stored = await s.request({ method: 'GET', url: `/api/legal/${slug}/` });
  assert.deepEqual([stored.json().title, stored.json().version, stored.json().required_at_checkout], ['Privacy Policy', 2, true]);
  manager.done();

  const user = await s.user();
  const other = await portal.person();
  await other.login(user.username, user.password);
  await other.open(`/legal/${slug}`);
  await other.page.getByRole('button', { name: 'Sign Privacy Policy' }).waitFor();
  assert.equal(await other.page.getByRole('region', { name: 'Settings' }).count(), 0);
  assert.equal(await other.page.getByRole('region', { name: 'New version' }).count(), 0);
  await other.open('/legal');
  await other.settled();
  assert.equal(await other.page.getByRole('region', { name: 'New agreement' }).count(), 0);
  other.done();

  const off = await s.request({ method: 'PUT', url: `/api/legal/${slug}/`, token: s.admin.token, body: { title: 'Privacy Policy', required_at_checkout: false } });
  assert.equal(off.statusCode, 200, off.body);
});
