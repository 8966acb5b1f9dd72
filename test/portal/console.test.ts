// The broker's console in the browser: an administrator finds a user and suspends them, and
// that user is then refused (by the API, and in words on their page); someone who does not
// manage the site is told the console is not for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';
import { expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

test('an administrator suspends a user from the console; the user is then refused', async () => {
  const victim = await portal.service.user({ username: 'mallory', fullName: 'Mallory Suspect' });
  const user = await portal.person({ viewport: { width: 390, height: 844 } });
  await user.login(victim.username, victim.password);
  await user.open('/orgs');

  const admin = await portal.person({ viewport: { width: 1280, height: 800 } });
  await admin.login(portal.service.admin.username, portal.service.admin.password);
  await admin.open('/console');
  await admin.page.getByRole('heading', { level: 1, name: 'Console' }).waitFor();
  await admin.shot('console-overview-1280');
  await admin.page.getByRole('tab', { name: 'Users' }).click();
  await admin.page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await admin.page.getByLabel(/^Search users/).fill('mallory');
  await admin.page.getByRole('button', { name: 'Search' }).click();
  await admin.page.waitForURL('**/console/users?q=mallory');
  await admin.page.getByRole('link', { name: 'Mallory Suspect' }).click();
  await admin.page.getByRole('heading', { level: 1, name: 'Mallory Suspect' }).waitFor();
  await admin.page.getByLabel(/^Reason for suspending/).fill('Chargebacks under review');
  await admin.page.getByRole('button', { name: 'Suspend account' }).click();
  await admin.page.getByText('Suspended', { exact: false }).filter({ hasText: 'Chargebacks under review' }).waitFor();
  await admin.page.getByRole('table', { name: 'Security events' }).getByText('account.suspended').waitFor();
  await admin.shot('console-user-suspended-1280');

  // The API refuses the suspended user: their session ended, and a new login is refused.
  const again = await user.page.request.post('/api/auth/', { data: { username: victim.username, password: victim.password } });
  assert.ok(again.status() >= 400 && again.status() < 500, `login answered ${again.status()}`);
  const session = await user.page.request.get('/api/auth/session/');
  assert.equal((await session.json() as { user: unknown }).user, null);
  // Their pages send them to the login page, which says why they cannot come back.
  await user.page.reload();
  await user.page.waitForURL((url) => url.pathname === '/login');
  await user.page.getByLabel('Username or e-mail').fill(victim.username);
  await user.page.getByLabel('Password').fill(victim.password);
  await user.page.getByRole('button', { name: 'Log in' }).click();
  const alert = user.page.getByRole('alert');
  await alert.getByText('This account is suspended.').waitFor();
  await user.shot('console-suspended-user-refused-390');
  expectRefused(user, again.status());

  // Reactivated, they may log in again.
  await admin.page.getByRole('button', { name: 'Reactivate account' }).click();
  await admin.page.getByRole('button', { name: 'Suspend account' }).waitFor();
  const back = await user.page.request.post('/api/auth/', { data: { username: victim.username, password: victim.password } });
  assert.equal(back.status(), 200);
  admin.done();
  user.done();
});

test('all organizations and the site settings, for the administrator', async () => {
  const owner = await portal.service.user({ username: 'orgowner' });
  const created = await portal.service.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Zeta Widgets' } });
  assert.equal(created.statusCode, 201);
  const admin = await portal.person({ viewport: { width: 390, height: 844 } });
  await admin.login(portal.service.admin.username, portal.service.admin.password);
  await admin.open('/console/orgs?q=zeta');
  await admin.page.getByRole('link', { name: 'Zeta Widgets' }).click();
  await admin.page.waitForURL('**/orgs/zeta-widgets');
  // Above every organization, the administrator suspends it from its oversight tab.
  await admin.page.getByRole('tab', { name: 'Oversight' }).click();
  await admin.page.getByLabel(/^Reason for suspending/).fill('Unpaid invoices');
  await admin.page.getByRole('button', { name: 'Suspend organization' }).click();
  await admin.page.getByRole('button', { name: 'Reactivate organization' }).waitFor();
  await admin.page.getByRole('table', { name: 'History' }).getByText('suspended', { exact: true }).waitFor();
  await admin.shot('console-org-oversight-390');
  // Its own manager is now refused, with the reason.
  const member = await portal.person();
  await member.login(owner.username, owner.password);
  await member.open('/orgs/zeta-widgets');
  await member.page.getByRole('alert').getByText('This organization is suspended: Unpaid invoices.').waitFor();
  expectRefused(member, 403);
  member.done();

  await admin.open('/console/settings');
  await admin.page.getByLabel(/^Site name/).fill('Rocket Portal');
  await admin.page.getByRole('button', { name: 'Save settings' }).click();
  await admin.page.getByRole('banner').getByText('Rocket Portal').waitFor();
  await admin.shot('console-settings-390');
  admin.done();
});

test('someone who does not manage the site is told the console is not for them', async () => {
  const plain = await portal.service.user({ username: 'plainuser' });
  const person = await portal.person();
  await person.login(plain.username, plain.password);
  await person.open('/console/users');
  await person.page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  await person.page.getByText("The console is for the site's administrators").waitFor();
  assert.equal(await person.page.getByRole('link', { name: 'Console' }).count(), 0, 'the menu does not offer it');
  const refused = await person.page.request.get('/api/users/');
  assert.equal(refused.status(), 403);
  await person.shot('console-not-allowed-1280');
  person.done();
});

test("an organization's manager claims e-mail domains; the administrator approves them from the console", async () => {
  const owner = await portal.service.user({ username: 'domainowner', email: 'owner@widgets.example' });
  const created = await portal.service.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Widget Works' } });
  assert.equal(created.statusCode, 201);
  const manager = await portal.person({ viewport: { width: 390, height: 844 } });
  await manager.login(owner.username, owner.password);
  await manager.open('/orgs/widget-works/domains');
  await manager.page.getByText('No domain claimed yet.').waitFor();
  const claim = async (domain: string) => {
    await manager.page.getByLabel(/^Domain/).fill(domain);
    await manager.page.getByRole('button', { name: 'Claim domain' }).click();
  };
  // A claim waits for the site's administrators; a free-mail domain is refused next to the field.
  await claim('gmail.com');
  await manager.page.getByText("A free e-mail provider's domain cannot belong to an organization.").waitFor();
  expectRefused(manager, 400);
  await claim('widgets.example');
  await manager.page.getByText(/^asked /).waitFor();
  await claim('gadgets.example');
  await manager.page.getByText(/^asked /).nth(1).waitFor();
  await manager.shot('orgs-domains-390');

  const admin = await portal.person();
  await admin.login(portal.service.admin.username, portal.service.admin.password);
  await admin.open('/console');
  await admin.page.getByRole('button', { name: 'Approve gadgets.example' }).click();
  await admin.page.getByRole('button', { name: 'Approve gadgets.example' }).waitFor({ state: 'detached' });
  await admin.page.getByRole('button', { name: 'Approve widgets.example' }).click();
  await admin.page.getByText('Nothing is waiting.').waitFor();
  await manager.page.reload();
  await manager.page.getByText(/^proved /).nth(1).waitFor();
  assert.equal(await manager.page.getByText(/^asked /).count(), 0, 'both domains are proved now');
  manager.done();
  admin.done();
});
