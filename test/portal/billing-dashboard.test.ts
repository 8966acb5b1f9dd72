// The provider's dashboard in a real browser against the real service: the figures drawn
// from the metrics routes (and readable as tables), the active and churned subscribers with
// their statements, a coupon's uses, the broker's balance sheet edited line by line, the
// people registered who never subscribed, a stranger refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import { addToCart, makeBuyer, makeCoupon, makePlan, makeProvider } from '../billing/checkout-helpers.js';
import { grantRole, type TestOrg } from '../support/fixtures.js';
import { unique, type TestUser } from '../support/service.js';

let portal: Portal;

/** Takes off the person's problems exactly `count` console errors for answers `status` the test expects. */
function expectRefused(person: PortalPage, status: number, count: number): void {
  const line = `console: Failed to load resource: the server responded with a status of ${status} `;
  const found = person.problems.filter((problem) => problem.startsWith(line));
  assert.equal(found.length, count, `expected ${count} answer(s) ${status}; saw:\n${person.problems.join('\n')}`);
  for (const problem of found) person.problems.splice(person.problems.indexOf(problem), 1);
}

let provider: TestOrg;
let manager: TestUser;
let plan: { id: number; slug: string };
let buyerOrg: TestOrg;

before(async () => {
  portal = await startPortal();
  const s = portal.service;
  provider = await makeProvider(s);
  manager = await s.user();
  await grantRole(s, provider, manager.id, 'manager');
  plan = await makePlan(s, provider, { periodAmount: 2500 });
  // One subscriber paid $25.00 this month, with a coupon of the provider (10% off: $22.50).
  const buyer = await makeBuyer(s);
  buyerOrg = buyer.org;
  const coupon = await makeCoupon(s, provider, 'percentage', 1000);
  await addToCart(s, buyer.user, plan, { couponId: coupon.id });
  const paid = await s.request({ method: 'POST', url: `/api/billing/${buyer.org.slug}/checkout/`, token: buyer.user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);
  couponCode = coupon.code;
});
after(async () => { await portal?.stop(); });
let couponCode: string;

for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
  test(`the provider's overview draws its twelve months from the metrics, with the figures as tables (${viewport.width} px)`, async () => {
    const s = portal.service;
    const person = await portal.person({ viewport });
    const { page } = person;
    await person.login(manager.username, manager.password);
    await person.open(`/orgs/${provider.slug}/provider`);

    const sales = page.getByRole('figure', { name: 'Sales, payments and refunds' });
    await sales.locator('svg .recharts-bar-rectangle path').first().waitFor();
    // The same figures as the API's, in a table a screen reader reads (13 periods: 12 months and this one so far).
    const funds = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/funds/`, token: manager.token });
    assert.equal(funds.statusCode, 200, funds.body);
    const table = sales.getByRole('table', { name: 'Sales, payments and refunds, per month' });
    const periods = funds.json().table[0].values.length;
    assert.equal(await table.locator('tbody tr').count(), periods);
    const lastRow = table.locator('tbody tr').last();
    await lastRow.getByRole('cell', { name: '$22.50' }).first().waitFor({ state: 'attached' });
    await page.getByText('Sales over the twelve months').locator('..').getByText('$22.50').waitFor();
    // Shown to the eye on request.
    await sales.getByRole('button', { name: 'Show the figures' }).click();
    await table.waitFor({ state: 'visible' });

    for (const name of ['Balances', 'Customers', 'Active subscribers per plan']) {
      await page.getByRole('figure', { name, exact: true }).locator('svg.recharts-surface').first().waitFor();
    }
    const plans = page.getByRole('table', { name: 'Active subscribers per plan, per month' });
    await plans.getByRole('columnheader', { name: `Plan ${plan.slug}` }).waitFor({ state: 'attached' });
    await person.shot(`billing-dashboard-${viewport.width}`);

    // An earlier window, in another timezone: the figures are asked again for it.
    const asked = page.waitForRequest((request) => request.url().includes(`/api/metrics/${provider.slug}/funds/`) && request.url().includes('timezone=America%2FNew_York'));
    await page.getByLabel('Months cut in the timezone').selectOption('America/New_York');
    const request = await asked;
    assert.match(new URL(request.url()).search, /timezone=America%2FNew_York/);
    await page.waitForURL(/tz=America%2FNew_York/);
    // Twelve months up to June 2026 end when July starts in New York (04:00 UTC, summer time);
    // the last period is named June there.
    const june = page.waitForRequest((r) => r.url().includes(`/api/metrics/${provider.slug}/funds/`) && r.url().includes('ends_at=2026-07-01T04%3A00%3A00.000Z'));
    await page.getByLabel('Twelve months up to').fill('2026-06');
    await june;
    await table.locator('tbody tr').last().getByRole('rowheader', { name: 'Jun 2026', exact: true }).waitFor({ state: 'attached' });
    await table.locator('tbody tr').first().getByRole('rowheader', { name: 'Jul 2025', exact: true }).waitFor({ state: 'attached' });
    person.done();
  });
}

test('active and churned subscribers; the broker\'s managers open a subscriber\'s statement', async () => {
  const s = portal.service;
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  const { page } = person;
  await person.login(manager.username, manager.password);
  await person.open(`/orgs/${provider.slug}/provider?tab=subscribers`);
  const active = page.getByRole('table', { name: 'Active subscribers' });
  await active.getByText(buyerOrg.slug, { exact: true }).waitFor();
  // A provider's managers may not read their subscribers' billing: no statement link for them.
  assert.equal(await active.getByRole('link', { name: /^Statement of/ }).count(), 0);
  await page.getByText('Churned', { exact: true }).click();
  await page.getByText('No subscriber has churned.').waitFor();
  person.done();

  const admin = await portal.person();
  await admin.login(s.admin.username, s.admin.password);
  await admin.open(`/orgs/${provider.slug}/provider?tab=subscribers`);
  await admin.page.getByRole('table', { name: 'Active subscribers' }).getByRole('row').filter({ hasText: buyerOrg.slug })
    .getByRole('link', { name: /^Statement of / }).click();
  await admin.page.waitForURL(`**/orgs/${buyerOrg.slug}/billing#history`);
  await admin.page.getByRole('table', { name: 'Billing history' }).getByText(/Subscription to/).first().waitFor();
  await admin.shot('billing-statement-1280');
  // The subscriber paid without keeping its card: its billing page finds none on file.
  expectRefused(admin, 404, 1);
  admin.done();
});

test('a coupon\'s uses: how many, by whom, on which plan', async () => {
  const person = await portal.person();
  const { page } = person;
  await person.login(manager.username, manager.password);
  await person.open(`/orgs/${provider.slug}/provider?tab=coupons`);
  const row = page.getByRole('table', { name: 'Coupons' }).getByRole('row').filter({ hasText: couponCode });
  await row.getByRole('cell', { name: '1', exact: true }).waitFor();
  await row.getByRole('button', { name: `Uses of ${couponCode}` }).click();
  const uses = page.getByRole('table', { name: `Uses of ${couponCode}` });
  await uses.getByRole('cell', { name: plan.slug }).waitFor();
  assert.equal(await uses.locator('tbody tr').count(), 1);
  person.done();
});

test('the broker\'s managers add, edit, move and delete the lines of a balance sheet', async () => {
  const s = portal.service;
  const report = unique('sheet').toLowerCase();
  const lines = async () => {
    const res = await s.request({ method: 'GET', url: `/api/metrics/balances/${report}/lines/`, token: s.admin.token });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json().results as { title: string; selector: string; rank: number }[]).sort((a, b) => a.rank - b.rank).map((l) => `${l.title}=${l.selector}`);
  };
  const admin = await portal.person({ viewport: { width: 390, height: 844 } });
  const { page } = admin;
  await admin.login(s.admin.username, s.admin.password);
  await admin.open(`/orgs/broker/provider?tab=balances&report=${report}`);
  await page.getByText('No line yet: add the first one below.').waitFor();

  for (const [title, selector] of [['Sales', 'Receivable'], ['Income', 'Income']] as const) {
    await page.getByLabel('Line title').fill(title);
    await page.getByLabel('Accounts (selector)').fill(selector);
    await page.getByRole('button', { name: 'Add the line' }).click();
    await page.getByRole('table', { name: `Lines of ${report}` }).getByRole('row').filter({ hasText: title }).getByRole('button', { name: `Edit ${title}` }).waitFor();
  }
  assert.deepEqual(await lines(), ['Sales=Receivable', 'Income=Income']);
  // The sheet's figures have a row per line.
  await page.getByRole('table', { name: `Balances: ${report}, per month` }).getByRole('columnheader', { name: 'Income' }).waitFor({ state: 'attached' });

  await page.getByRole('button', { name: 'Edit Sales' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit Sales' });
  await dialog.getByLabel('Line title').fill('Gross sales');
  await dialog.getByRole('button', { name: 'Save the line' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('cell', { name: 'Gross sales', exact: true }).waitFor();
  assert.deepEqual(await lines(), ['Gross sales=Receivable', 'Income=Income']);

  await page.getByRole('button', { name: 'Move Income up' }).click();
  await page.getByRole('table', { name: `Lines of ${report}` }).locator('tbody tr').first().getByRole('button', { name: 'Edit Income' }).waitFor();
  assert.deepEqual(await lines(), ['Income=Income', 'Gross sales=Receivable']);
  await admin.shot('billing-balance-sheet-390');

  page.once('dialog', (confirm) => { void confirm.accept(); });
  await page.getByRole('button', { name: 'Delete Gross sales' }).click();
  await page.getByRole('cell', { name: 'Gross sales', exact: true }).waitFor({ state: 'detached' });
  assert.deepEqual(await lines(), ['Income=Income']);
  admin.done();
});

test('refused: a stranger sees no dashboard; a provider\'s managers have no balance sheet; the broker\'s see who registered', async () => {
  const s = portal.service;
  const stranger = await s.user();
  const person = await portal.person();
  await person.login(stranger.username, stranger.password);
  await person.open(`/orgs/${provider.slug}/provider`);
  await person.page.getByRole('alert').getByText('Not available to you').waitFor();
  assert.equal(await person.page.getByRole('tab').count(), 0);
  // The organization is hidden from them (404) or refused (403), as the access rules say: either way, no dashboard.
  const count = (status: number) => person.problems.filter((p) => p.includes(`status of ${status} `)).length;
  const [forbidden, unknown] = [count(403), count(404)];
  assert.ok(forbidden + unknown >= 1, person.problems.join('\n'));
  expectRefused(person, 403, forbidden);
  expectRefused(person, 404, unknown);
  person.done();

  const providerManager = await portal.person();
  await providerManager.login(manager.username, manager.password);
  await providerManager.open(`/orgs/${provider.slug}/provider?tab=balances`);
  await providerManager.page.getByRole('tab', { name: 'Overview', selected: true }).waitFor();
  assert.equal(await providerManager.page.getByRole('tab', { name: 'Balance sheet' }).count(), 0);
  assert.equal(await providerManager.page.getByRole('tab', { name: 'Registered' }).count(), 0);
  providerManager.done();

  // The broker's managers see the stranger among the people registered who never subscribed.
  const admin = await portal.person({ viewport: { width: 390, height: 844 } });
  await admin.login(s.admin.username, s.admin.password);
  await admin.open('/orgs/broker/provider?tab=registered');
  await admin.page.getByLabel('Search registered people').fill(stranger.username);
  await admin.page.getByRole('button', { name: 'Search' }).click();
  await admin.page.getByRole('table', { name: 'Registered, not subscribed' }).getByText(stranger.username, { exact: true }).waitFor();
  admin.done();
});
