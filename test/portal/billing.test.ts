// The billing pages in a real browser against the real service (test processor): a person
// picks a plan, checks out for their organization, pays, sees the subscription and the
// receipt (and its mail); the broker's admin sees the new subscriber and the charts; a
// refused card shows the processor's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import { makeBuyer } from '../billing/checkout-helpers.js';
import { linkIn } from '../support/smtp.js';

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

test('the broker\'s admin sees the new subscriber and the charts, creates a plan and grants it; the subscriber accepts from the mail', async () => {
  const s = portal.service;
  const buyer = await makeBuyer(s);
  assert.equal((await s.request({ method: 'POST', url: '/api/cart/', token: buyer.user.token, body: { plan: planSlug } })).statusCode, 200);
  const paid = await s.request({ method: 'POST', url: `/api/billing/${buyer.org.slug}/checkout/`, token: buyer.user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);

  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const admin = await portal.person({ viewport });
    await admin.login(s.admin.username, s.admin.password);
    await admin.open('/orgs/broker/provider');
    // The charts draw from the metrics: bars for this month's sales, a line of active subscribers per plan.
    const sales = admin.page.getByRole('figure', { name: 'Sales, payments and refunds' });
    await sales.locator('svg .recharts-bar-rectangle path').first().waitFor();
    await admin.page.getByRole('figure', { name: 'Active subscribers per plan' }).locator('svg .recharts-line-curve').first().waitFor();
    await admin.shot(`billing-provider-${viewport.width}`);
    await admin.page.getByRole('tab', { name: 'Subscribers' }).click();
    await admin.page.getByRole('table', { name: 'Active subscribers' }).getByText(buyer.org.slug, { exact: true }).waitFor();
    await admin.shot(`billing-subscribers-${viewport.width}`);
    admin.done();
  }

  const admin = await portal.person();
  const { page } = admin;
  await admin.login(s.admin.username, s.admin.password);
  await admin.open('/orgs/broker/provider?tab=plans');
  const title = `Pro ${Date.now().toString(36)}`;
  await page.getByRole('button', { name: 'New plan' }).click();
  const dialog = page.getByRole('dialog', { name: 'New plan' });
  await dialog.getByLabel('Title').fill(title);
  await dialog.getByLabel('Price per period').fill('99');
  await dialog.getByLabel('Period', { exact: true }).selectOption('yearly');
  await dialog.getByRole('button', { name: 'Create the plan' }).click();
  await page.getByRole('article', { name: title }).getByText('$99.00 / year').waitFor();
  await page.getByRole('button', { name: `Grant ${title}` }).click();
  const grant = page.getByRole('dialog', { name: `Grant ${title}` });
  await grant.getByLabel('Organization (its slug)').fill(buyer.org.slug);
  await grant.getByRole('button', { name: 'Grant' }).click();
  await page.getByText('Granted: its managers are mailed a link to accept it.').waitFor();
  admin.done();

  const mail = await s.smtp.waitFor(buyer.user.email, (m) => m.text.includes('/subscriptions/accept/'));
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  await person.login(buyer.user.username, buyer.user.password);
  await person.open(new URL(linkIn(mail, '/subscriptions/accept/')).pathname);
  await person.page.getByRole('button', { name: 'Accept' }).click();
  await person.page.getByText(`is now subscribed to ${title}.`).waitFor();
  await person.shot('billing-accept-390');
  await person.page.getByRole('link', { name: 'See the subscriptions' }).click();
  await person.page.getByRole('article', { name: title }).getByText('active').waitFor();
  // Paid without keeping the card: the billing page finds no card on file.
  await person.page.getByText('No card on file').waitFor();
  expectRefused(person, 404, 1);
  person.done();
});

test('a coupon made on the provider\'s page is redeemed in the cart; the provider accepts the paid request from the mail', async () => {
  const s = portal.service;
  const title = `Curated ${Date.now().toString(36)}`;
  const created = await s.request({
    method: 'POST', url: '/api/profile/broker/plans/', token: s.admin.token,
    body: { title, period_amount: 4000, period_type: 'monthly', is_active: true, optin_on_request: true },
  });
  assert.equal(created.statusCode, 201, created.body);
  const code = `HALF${Date.now().toString(36)}`.toUpperCase();

  const admin = await portal.person({ viewport: { width: 390, height: 844 } });
  await admin.login(s.admin.username, s.admin.password);
  await admin.open('/orgs/broker/provider?tab=coupons');
  await admin.page.getByLabel('Code').fill(code);
  await admin.page.getByLabel('Percent off').fill('50');
  await admin.page.getByLabel('Plan', { exact: true }).selectOption({ label: title });
  await admin.page.getByRole('button', { name: 'Create the coupon' }).click();
  await admin.page.getByRole('table', { name: 'Coupons' }).getByText(code, { exact: true }).waitFor();
  await admin.shot('billing-coupons-390');

  const buyer = await makeBuyer(s);
  const person = await portal.person();
  const { page } = person;
  await person.login(buyer.user.username, buyer.user.password);
  const added = await page.request.post('/api/cart/', { data: { plan: created.json().slug } });
  assert.equal(added.status(), 200, await added.text());
  await person.open('/cart');
  await page.getByLabel('Coupon code').fill(code);
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.getByText(`Coupon ${code} applied`).waitFor();
  await page.getByRole('link', { name: 'Check out' }).click();
  await page.getByRole('cell', { name: new RegExp(`\\(code: ${code}\\)`) }).waitFor();
  await page.getByRole('button', { name: 'Pay $20.00' }).click();
  await page.waitForURL(`**/orgs/${buyer.org.slug}/billing/receipts/**`);
  await page.getByText('Paid', { exact: true }).waitFor();
  await page.getByRole('link', { name: 'Back to billing' }).click();
  await page.getByRole('article', { name: title }).getByText('Waiting for the provider to accept it.').waitFor();
  expectRefused(person, 404, 1);
  person.done();

  const mail = await s.smtp.waitFor(s.admin.email, (m) => m.text.includes('/subscribers/accept/'));
  await admin.open(new URL(linkIn(mail, '/subscribers/accept/')).pathname);
  await admin.page.getByRole('button', { name: 'Accept' }).click();
  await admin.page.getByText(`is now a subscriber of ${title}.`).waitFor();
  await admin.shot('billing-accept-subscriber-390');
  admin.done();
});
