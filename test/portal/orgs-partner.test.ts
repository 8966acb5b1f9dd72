// A partner in the browser: it creates a customer organization and opens it; sitting above
// it, it sets its seat quota (an invitation beyond it is refused in words) and closes it
// after a confirmation. Its own custom roles: created, refused deletion while held, deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';
import { expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

test('a partner creates a customer, caps its seats, and closes it after confirming', async () => {
  const owner = await portal.service.user({ username: 'reseller', fullName: 'Rita Reseller' });
  const created = await portal.service.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Reseller Hub' } });
  assert.equal(created.statusCode, 201);
  const first = await portal.service.user({ username: 'firstseat' });
  const second = await portal.service.user({ username: 'secondseat' });

  const person = await portal.person({ viewport: { width: 1280, height: 800 } });
  await person.login(owner.username, owner.password);
  await person.open('/orgs/reseller-hub/customers');
  await person.page.getByText('Reseller Hub has no customer organization yet.').waitFor();
  await person.page.getByLabel(/^Customer name/).fill('Client One');
  await person.page.getByRole('button', { name: 'Create customer' }).click();
  await person.page.waitForURL('**/orgs/client-one');
  await person.page.getByRole('heading', { level: 1, name: 'Client One' }).waitFor();
  await person.page.getByText('customer of reseller-hub').waitFor();

  await person.page.getByRole('tab', { name: 'Oversight' }).click();
  await person.page.getByLabel(/^Seat quota/).fill('1');
  await person.page.getByRole('button', { name: 'Save quotas' }).click();
  await person.page.getByText('Seats (people with a role): 0 of 1').waitFor();
  await person.page.getByRole('table', { name: 'History' }).getByText('quota changed').waitFor();
  await person.shot('orgs-partner-oversight-1280');

  await person.page.getByRole('tab', { name: 'Members' }).click();
  const invite = async (username: string) => {
    await person.page.getByLabel('E-mail or username').fill(username);
    await person.page.getByRole('button', { name: 'Send invitation' }).click();
  };
  await invite(first.username);
  await person.page.getByText(`${first.username} was invited as`).waitFor();
  await invite(second.username);
  await person.page.getByText('This organization has used all its seats').waitFor();
  expectRefused(person, 403);

  await person.page.getByRole('tab', { name: 'Oversight' }).click();
  await person.page.getByRole('button', { name: 'Close organization…' }).click();
  const dialog = person.page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: 'Close for good' });
  assert.equal(await confirm.isDisabled(), true, 'closing waits for the slug to be typed');
  await dialog.getByLabel('Type client-one to confirm').fill('client-one');
  await confirm.click();
  await person.page.waitForURL('**/orgs/reseller-hub/customers');
  await person.page.getByText('Reseller Hub has no customer organization yet.').waitFor();
  person.done();
});

test("an organization's own roles: added, kept while someone holds one, then deleted", async () => {
  const owner = await portal.service.user({ username: 'rolesowner' });
  const created = await portal.service.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Role Lab' } });
  assert.equal(created.statusCode, 201);
  const helper = await portal.service.user({ username: 'helper' });
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  await person.login(owner.username, owner.password);
  await person.open('/orgs/role-lab/roles');
  await person.page.getByLabel(/^Title/).fill('Support Staff');
  await person.page.getByRole('button', { name: 'Add role' }).click();
  await person.page.getByRole('cell', { name: /^Support Staff/ }).waitFor();
  await person.shot('orgs-roles-390');

  const granted = await portal.service.request({ method: 'POST', url: '/api/profile/role-lab/roles/support-staff/', token: owner.token, body: { slug: helper.username } });
  assert.equal(granted.statusCode, 201, granted.body);
  await person.page.getByRole('button', { name: 'Delete Support Staff' }).click();
  await person.page.getByRole('dialog').getByRole('button', { name: 'Delete role' }).click();
  await person.page.getByText('A role can only be deleted once nobody holds it').waitFor();
  expectRefused(person, 409);

  const revoked = await portal.service.request({ method: 'DELETE', url: `/api/profile/role-lab/roles/support-staff/${helper.username}/`, token: owner.token });
  assert.equal(revoked.statusCode, 204, revoked.body);
  await person.page.getByRole('dialog').waitFor({ state: 'hidden' });
  await person.page.getByRole('button', { name: 'Delete Support Staff' }).click();
  await person.page.getByRole('dialog').getByRole('button', { name: 'Delete role' }).click();
  await person.page.getByText('Role deleted.').waitFor();
  // The notice comes first; the list is read again after it.
  await person.page.getByRole('cell', { name: /^Support Staff/ }).waitFor({ state: 'detached' });
  assert.equal(await person.page.getByRole('cell', { name: /^Support Staff/ }).count(), 0);
  person.done();
});
