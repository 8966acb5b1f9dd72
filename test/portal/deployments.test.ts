// The deployment pages in a real browser against get.chat's API with the session cookie:
// an Owner creates a stack and watches it become ready, deploys an application of a
// package (the local deployer makes it READY), opens it, deletes it and the stack. A
// stranger is told the organization is not theirs; get.chat's field errors sit under
// their fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';
import { giveRole, makeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';
import type { TestUser } from '../support/service.js';
import { makePackage } from '../getchat/deploy-fixtures.js';
import { expectRefused } from './auth-helpers.js';

let portal: Portal;
let org: TestOrg;
let owner: TestUser;
let packageName: string;
before(async () => {
  portal = await startPortal({ DEPLOY_DOMAIN: 'inbox.test' });
  org = await makeOrganization(portal.service, { fullName: 'Acme Support' });
  owner = await quickUser(portal.service, 'owner');
  await giveRole(portal.service, org, owner.id, 'manager');
  packageName = (await makePackage(portal.service, { name: 'Team Inbox' })).name;
});
after(async () => { await portal?.stop(); });

test('an Owner creates a stack, sees it READY, deploys an application, then deletes both', async () => {
  const person = await portal.person();
  await person.login(owner.username, owner.password);
  await person.open(`/orgs/${org.slug}/stacks`);
  const { page } = person;
  await page.getByRole('heading', { level: 1, name: 'Stacks of Acme Support' }).waitFor();
  await page.getByText('No stacks yet').waitFor();

  // get.chat's field error, under its field.
  await page.getByLabel('Subdomain').fill('Not A Subdomain!');
  await page.getByRole('button', { name: 'Create stack' }).click();
  await page.getByText('This value has characters that are not allowed.').waitFor();
  assert.equal(await page.getByLabel('Subdomain').getAttribute('aria-invalid'), 'true');
  expectRefused(person, 400);

  await page.getByLabel('Subdomain').fill('');
  await page.getByLabel('Name').fill('Support desk');
  await page.getByRole('button', { name: 'Create stack' }).click();
  const row = page.getByRole('row', { name: /Support desk/ });
  await row.waitFor();
  await row.getByText('Ready').waitFor();
  await person.shot('deployments-stacks');

  await row.getByRole('link', { name: 'Support desk' }).click();
  await page.getByRole('heading', { level: 1, name: 'Stack Support desk' }).waitFor();
  await page.getByText('No application on this stack yet.').waitFor();
  await page.getByRole('textbox', { name: 'Package' }).click();
  await page.getByRole('option', { name: packageName }).click();
  await page.getByLabel('Seats').fill('3');
  await page.getByLabel('Region').fill('eu');
  await page.getByRole('button', { name: 'Deploy' }).click();
  const appRow = page.getByRole('row', { name: new RegExp(packageName) });
  await appRow.getByText('Ready').waitFor();
  const domain = await appRow.getByRole('cell').nth(1).textContent();
  assert.match(domain ?? '', /\.inbox\.test$/);
  await person.shot('deployments-stack');

  await page.goto(`/orgs/${org.slug}/applications`);
  await page.getByRole('heading', { level: 1, name: 'Applications of Acme Support' }).waitFor();
  await page.getByRole('row', { name: /Support desk/ }).getByRole('link', { name: packageName }).click();
  await page.getByRole('heading', { level: 1, name: packageName }).waitFor();
  await page.getByText(`Domain: ${domain}`).waitFor();
  await page.getByRole('button', { name: 'Delete application' }).click();
  await page.getByRole('heading', { level: 1, name: 'Stack Support desk' }).waitFor();
  await page.getByText('No application on this stack yet.').waitFor();
  await page.getByRole('button', { name: 'Delete stack' }).click();
  await page.getByRole('heading', { level: 1, name: 'Stacks of Acme Support' }).waitFor();
  await page.getByText('No stacks yet').waitFor();

  const stacks = await portal.service.core.db.selectFrom('stacks').select(['status', 'deleted_at']).where('organization_id', '=', org.id).execute();
  assert.equal(stacks.length, 1);
  assert.ok(stacks[0]!.deleted_at, 'the stack was destroyed');
  person.done();
});

test('on a phone the pages read; a stranger is told the organization is not theirs', async () => {
  const phone = await portal.person({ viewport: { width: 390, height: 844 } });
  await phone.login(owner.username, owner.password);
  await phone.open(`/orgs/${org.slug}/applications`);
  await phone.page.getByRole('link', { name: 'Go to the stacks' }).waitFor();
  await phone.shot('deployments-applications-390');
  phone.done();

  const stranger = await quickUser(portal.service, 'stranger');
  const person = await portal.person();
  await person.login(stranger.username, stranger.password);
  await person.open(`/orgs/${org.slug}/stacks`);
  await person.page.getByRole('alert').getByText(`No organization ${org.slug} that you can see.`).waitFor();
  person.done();
});
