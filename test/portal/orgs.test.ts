// Organizations in the browser: a person signs up, creates an organization through its
// page, invites a colleague by e-mail, the colleague accepts from the mail in a browser of
// their own, and both see each other as members; the last-manager rule in words; a request
// to join answered from the managers' mail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { expectRefused, PASSWORD } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Signs up through the pages: the sign-up form, the activation mail, the activation page (which logs in). */
async function signUp(person: PortalPage, email: string, fullName: string): Promise<void> {
  await person.open('/register');
  await person.page.getByLabel('Full name').fill(fullName);
  await person.page.getByLabel('E-mail').fill(email);
  await person.page.getByRole('button', { name: 'Sign up' }).click();
  await person.page.getByText(`We sent a link to ${email}`).waitFor();
  const mail = await portal.service.smtp.waitFor(email, (m) => m.text.includes('/activate/'));
  await person.open(pathOf(linkIn(mail, '/activate/')));
  await person.page.getByLabel('Password').fill(PASSWORD);
  await person.page.getByRole('button', { name: 'Activate and log in' }).click();
  await person.page.waitForURL((url) => url.pathname === '/me');
}

test('sign up, create an organization, invite a colleague by e-mail who accepts from the mail: both see each other', async () => {
  const founder = await portal.person({ viewport: DESKTOP });
  await signUp(founder, 'ada@rockets.example', 'Ada Founder');
  await founder.open('/orgs');
  await founder.page.getByText('You are not in an organization yet').waitFor();
  // By keyboard: Enter in the form creates it.
  await founder.page.getByLabel(/^Name/).fill('Acme Rockets');
  await founder.page.getByLabel(/^Name/).press('Enter');
  await founder.page.waitForURL('**/orgs/acme-rockets');
  await founder.page.getByRole('heading', { level: 1, name: 'Acme Rockets' }).waitFor();
  await founder.page.getByRole('button', { name: 'Save profile' }).waitFor();
  await founder.shot('orgs-profile-1280');

  // The tabs follow the arrow keys.
  await founder.page.getByRole('tab', { name: 'Profile' }).focus();
  await founder.page.keyboard.press('ArrowRight');
  await founder.page.waitForURL('**/orgs/acme-rockets/members');
  const colleague = await portal.service.user({ username: 'grace', email: 'grace@rockets.example', fullName: 'Grace Colleague' });
  await founder.page.getByLabel('E-mail or username').fill(colleague.email);
  await founder.page.getByRole('button', { name: 'Send invitation' }).click();
  await founder.page.getByText(`${colleague.email} was invited as`).waitFor();
  const pending = founder.page.getByRole('region', { name: 'Pending invitations' });
  await pending.getByText(colleague.email).first().waitFor();
  await founder.shot('orgs-members-invited-1280');

  // The colleague, on a phone, opens the mail's link and accepts.
  const mail = await portal.service.smtp.waitFor(colleague.email, (m) => m.text.includes('/invitations/'));
  const link = pathOf(linkIn(mail, '/invitations/'));
  const mate = await portal.person({ viewport: PHONE });
  await mate.open(link);
  await mate.page.getByRole('link', { name: 'Log in' }).last().click();
  await mate.page.getByLabel('Username or e-mail').fill(colleague.email);
  await mate.page.getByLabel('Password').fill(colleague.password);
  await mate.page.getByRole('button', { name: 'Log in' }).click();
  await mate.page.waitForURL((url) => url.pathname === link);
  await mate.page.getByRole('button', { name: 'Accept the invitation' }).click();
  await mate.page.waitForURL('**/orgs/acme-rockets');
  await mate.page.getByRole('heading', { level: 1, name: 'Acme Rockets' }).waitFor();
  await mate.open('/orgs');
  await mate.page.getByRole('link', { name: 'Acme Rockets' }).click();
  await mate.page.getByRole('heading', { level: 1, name: 'Acme Rockets' }).waitFor();
  // A plain member reads the profile but may not change it.
  await mate.page.getByText("Only the organization's managers can change its profile.").waitFor();
  assert.equal(await mate.page.getByRole('button', { name: 'Save profile' }).count(), 0);
  await mate.page.getByRole('tab', { name: 'Members' }).click();
  const mateView = mate.page.getByRole('region', { name: 'Members by role' });
  await mateView.getByText('Ada Founder', { exact: true }).waitFor();
  await mateView.getByText('Grace Colleague', { exact: true }).waitFor();
  assert.equal(await mate.page.getByRole('button', { name: 'Send invitation' }).count(), 0, 'a member cannot invite');
  await mate.shot('orgs-members-390');

  await founder.page.reload();
  const founderView = founder.page.getByRole('region', { name: 'Members by role' });
  await founderView.getByText('Grace Colleague', { exact: true }).waitFor();
  await founder.page.getByText('No invitation is waiting for an answer.').waitFor();
  await founder.shot('orgs-members-1280');
  founder.done();
  mate.done();
});

test('removing the last manager is refused, and the page says why', async () => {
  const owner = await portal.service.user({ username: 'solo', fullName: 'Solo Owner' });
  const created = await portal.service.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Solo Shop' } });
  assert.equal(created.statusCode, 201);
  const person = await portal.person({ viewport: PHONE });
  await person.login(owner.username, owner.password);
  await person.open('/orgs/solo-shop/members');
  await person.page.getByRole('button', { name: /^Remove myself from/ }).click();
  await person.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  const alert = person.page.getByRole('alert');
  await alert.getByText('An organization must always keep at least one manager').waitFor();
  await person.page.getByRole('dialog').waitFor({ state: 'hidden' });
  await person.shot('orgs-last-manager-390');
  expectRefused(person, 409);
  // Still there.
  await person.page.getByRole('region', { name: 'Members by role' }).getByText('Solo Owner', { exact: true }).waitFor();
  person.done();
});

test('a request to join is answered from the link mailed to the managers', async () => {
  const owner = await portal.service.user({ username: 'hopper', fullName: 'Grace Hopper' });
  const created = await portal.service.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Navy Labs' } });
  assert.equal(created.statusCode, 201);
  const asker = await portal.service.user({ username: 'asker', fullName: 'Eager Asker' });
  const asked = await portal.service.request({ method: 'POST', url: `/api/users/${asker.username}/accessibles/`, token: asker.token, body: { slug: 'navy-labs' } });
  assert.equal(asked.statusCode, 201, asked.body);
  const mail = await portal.service.smtp.waitFor(owner.email, (m) => m.text.includes('/requests/'));
  const link = pathOf(linkIn(mail, '/orgs/navy-labs/requests/'));

  const manager = await portal.person({ viewport: DESKTOP });
  await manager.login(owner.username, owner.password);
  await manager.open(link);
  await manager.page.getByText('Eager Asker', { exact: true }).waitFor();
  await manager.shot('orgs-request-1280');
  await manager.page.getByRole('button', { name: 'Accept' }).click();
  await manager.page.getByText('Eager Asker joined Navy Labs.').waitFor();
  // The link is used up: opened again, it says so.
  await manager.open(link);
  await manager.page.getByText('This request was already answered or withdrawn').waitFor();
  await manager.page.getByRole('link', { name: /See the members/ }).click();
  await manager.page.getByRole('region', { name: 'Members by role' }).getByText('Eager Asker', { exact: true }).waitFor();
  manager.done();
});
