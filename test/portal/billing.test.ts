// The billing pages in a real browser against the real service (test processor): a person
// picks a plan, checks out for their organization, pays, sees the subscription and the
// receipt (and its mail); the broker's admin sees the new subscriber and the charts; a
// refused card shows the processor's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import { makeBuyer } from '../billing/checkout-helpers.js';

let portal: Portal;

/**
 * Chromium logs each 4xx answer as a console error. The API answers some on purpose (no
 * card on file is a 404, a declined card a 400): exactly `count` of them are taken off the
 * person's problems; anything else still fails `done()`.
 */
function expectRefused(person: PortalPage, status: number, count: number): void {
  const line = `console: Failed to load resource: the server responded with a status of ${status} `;
  const found = person.problems.filter((problem) => problem.startsWith(line));
  assert.equal(found.length, count, `expected ${count} answer(s) ${status}; saw:\n${person.problems.join('\n')}`);
  for (const problem of found) person.problems.splice(person.problems.indexOf(problem), 1);
}
let planTitle: string;
let planSlug: string;

before(async () => {
  portal = await startPortal();
  planTitle = `Team ${Date.now().toString(36)}`;
  const created = await portal.service.request({
    method: 'POST', url: '/api/profile/broker/plans/', token: portal.service.admin.token,
    body: { title: planTitle, description: 'For small teams.', period_amount: 2500, period_type: 'monthly', is_active: true },
  });
  assert.equal(created.statusCode, 201, created.body);
  planSlug = created.json().slug;
});
after(async () => { await portal?.stop(); });

for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
  test(`a person buys a plan for their organization and gets the receipt (${viewport.width} px)`, async () => {
    const s = portal.service;
    const buyer = await makeBuyer(s);
    const person = await portal.person({ viewport });
    const { page } = person;
    await person.login(buyer.user.username, buyer.user.password);

    await person.open('/pricing');
    await page.getByRole('button', { name: `Add ${planTitle} to the cart` }).click();
    await page.getByRole('link', { name: 'In your cart: view it' }).click();
    await page.waitForURL('**/cart');
    await page.getByLabel(`Seats of ${planTitle}`).fill('2');
    await page.getByRole('button', { name: 'Update' }).click();
    await page.getByText('Seats updated.').waitFor();
    await person.shot(`billing-cart-${viewport.width}`);
    await page.getByRole('link', { name: 'Check out' }).click();
    await page.waitForURL('**/checkout**');

    await page.getByRole('heading', { name: planTitle }).waitFor();
    // The only organization the person manages pays.
    assert.equal(await page.getByLabel('Organization that pays').inputValue(), buyer.org.slug);
    await page.getByLabel('Test card').waitFor();
    await person.shot(`billing-checkout-${viewport.width}`);
    await page.getByRole('button', { name: 'Pay $50.00' }).click();
    await page.waitForURL(`**/orgs/${buyer.org.slug}/billing/receipts/**`);
    await page.getByText('Paid', { exact: true }).waitFor();
    await page.getByRole('cell', { name: /Subscription to/ }).first().waitFor();
    assert.ok(await page.getByText('$50.00').count() >= 1);
    await person.shot(`billing-receipt-${viewport.width}`);

    const receipt = await s.smtp.waitFor(buyer.email);
    assert.match(receipt.text, /\$50\.00/);
    const before = s.smtp.mails.length;
    await page.getByRole('button', { name: 'E-mail it again' }).click();
    await page.getByText('The receipt is on its way.').waitFor();
    await s.smtp.waitFor(buyer.email, () => s.smtp.mails.length > before);

    await page.getByRole('link', { name: 'Back to billing' }).click();
    await page.waitForURL(`**/orgs/${buyer.org.slug}/billing`);
    await page.getByRole('article', { name: planTitle }).getByText('active').waitFor();
    await page.getByText('Card ending in 4242').waitFor();
    await page.getByRole('table', { name: 'Billing history' }).getByRole('link', { name: 'Receipt' }).first().waitFor();
    await person.shot(`billing-org-${viewport.width}`);
    // The checkout asked for a card on file before there was one.
    expectRefused(person, 404, 1);
    person.done();
  });
}

test('a refused card shows the processor\'s message; the order waits as a balance due, paid with another card', async () => {
  const s = portal.service;
  const buyer = await makeBuyer(s);
  const person = await portal.person();
  const { page } = person;
  await person.login(buyer.user.username, buyer.user.password);
  const added = await page.request.post('/api/cart/', { data: { plan: planSlug } });
  assert.equal(added.status(), 200, await added.text());

  await person.open('/checkout');
  await page.getByLabel('Test card').selectOption({ label: 'Visa ending in 0002 (declined)' });
  await page.getByRole('button', { name: 'Pay $25.00' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The card was refused' });
  await alert.getByText('Your card was declined.').waitFor();
  await person.shot('billing-declined-1280');
  // The order stays booked: the next pricing shows it as a balance due.
  await page.getByRole('cell', { name: /^Balance due on / }).waitFor();

  await page.getByLabel('Test card').selectOption({ label: 'Visa ending in 4242 (paid)' });
  await page.getByRole('button', { name: 'Pay $25.00' }).click();
  await page.waitForURL(`**/orgs/${buyer.org.slug}/billing/receipts/**`);
  await page.getByText('Paid', { exact: true }).waitFor();
  expectRefused(person, 404, 1);
  expectRefused(person, 400, 1);
  person.done();
});
