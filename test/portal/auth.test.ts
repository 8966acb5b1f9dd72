// The sign-in pages in a real browser against the real service and real mail: signing up
// through activation, logging in (wrong password, ?next= that tries to leave the site),
// and accepting an invitation after logging in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';
import { unique } from '../support/service.js';
import { linkIn } from '../support/smtp.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { PASSWORD, expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

test('sign up, open the activation mail, choose a password: logged in, the frame shows the user', async () => {
  const person = await portal.person();
  const { page } = person;
  const email = `${unique('signup')}@example.com`;
  await person.open('/register');
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
  assert.match(await page.getByText(`We sent a link to ${email}`).innerText(), /activate your account/);
  await person.shot('auth-register-sent');

  const mail = await portal.service.smtp.waitFor(email, (m) => /Activate/.test(m.subject), 10_000);
  assert.doesNotMatch(mail.text, /POST/);
  const link = linkIn(mail, '/activate/');
  assert.ok(link.startsWith(`${portal.url}/activate/`), link);
  await page.goto(link);
  await page.getByRole('heading', { name: 'Activate your account' }).waitFor();
  await page.getByText('Welcome, Ada Lovelace').waitFor();
  assert.equal(await page.getByLabel('Username').inputValue(), email.split('@')[0]);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Activate and log in' }).click();
  // The API's password rule, next to the field.
  const passwordError = page.locator('[id$="-error"]').filter({ hasText: /password/i });
  await passwordError.first().waitFor();
  await person.shot('auth-activate-weak-password');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Activate and log in' }).click();
  await page.waitForURL(`${portal.url}/me`);
  await page.getByRole('banner').getByText('Ada Lovelace').waitFor();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expectRefused(person, 400);
  person.done();
});

test('a wrong password is refused in words next to the form; the right one logs in', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  const person = await portal.person();
  const { page } = person;
  await person.open('/login');
  await page.getByLabel('Username or e-mail').fill(user.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Invalid username or password/);
  await person.shot('auth-login-wrong-password');
  await page.getByLabel('Password').fill(user.password);
  // The keyboard alone submits the form.
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(`${portal.url}/me`);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expectRefused(person, 400);
  person.done();
});

test('?next= leads back within the site only, never to another origin', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  for (const next of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
    const person = await portal.person();
    const { page } = person;
    await person.open(`/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Username or e-mail').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/me');
    assert.equal(new URL(page.url()).origin, portal.url, next);
    person.done();
  }
  // A path of the site is honoured.
  const person = await portal.person();
  await person.open('/login?next=%2Forgs');
  await person.page.getByLabel('Username or e-mail').fill(user.username);
  await person.page.getByLabel('Password').fill(user.password);
  await person.page.getByRole('button', { name: 'Log in' }).click();
  await person.page.waitForURL(`${portal.url}/orgs`);
  person.done();
});

test('an invitation opened logged out: log in, come back, accept, land on the organization', async () => {
  const { service } = portal;
  const manager = await service.user();
  const org = await makeOrganization(service);
  await grantRole(service, org, manager.id, 'manager');
  const invitee = await service.user({ password: PASSWORD });
  const invited = await service.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: invitee.email } });
  assert.equal(invited.statusCode, 201, invited.body);
  const mail = await service.smtp.waitFor(invitee.email, (m) => /invites you/.test(m.subject));
  assert.doesNotMatch(mail.text, /PUT|POST/);
  const link = linkIn(mail, '/invitations/');

  const person = await portal.person();
  const { page } = person;
  await page.goto(link);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  await person.shot('auth-invitation-logged-out');
  await page.getByRole('link', { name: 'Log in' }).last().click();
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Username or e-mail').fill(invitee.username);
  await page.getByLabel('Password').fill(invitee.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(link);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await page.waitForURL(`${portal.url}/orgs/${org.slug}`);
  const roles = await service.request({ method: 'GET', url: `/api/users/${invitee.username}/accessibles/`, token: invitee.token });
  const role = roles.json<{ results: { slug: string; state: string }[] }>().results.find((r) => r.slug === org.slug);
  assert.equal(role?.state, 'accepted');
  person.done();
});

test('an invitation for another account says so, and offers to switch', async () => {
  const { service } = portal;
  const manager = await service.user();
  const org = await makeOrganization(service);
  await grantRole(service, org, manager.id, 'manager');
  const invitee = await service.user();
  const someoneElse = await service.user({ password: PASSWORD });
  await service.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: invitee.email } });
  const link = linkIn(await service.smtp.waitFor(invitee.email, (m) => /invites you/.test(m.subject)), '/invitations/');
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  await person.login(someoneElse.username, someoneElse.password);
  await person.page.goto(link);
  await person.page.getByText('This invitation is for another account').waitFor();
  await person.shot('auth-invitation-other-account-390');
  await person.page.getByRole('button', { name: `Log in as ${invitee.username}` }).click();
  await person.page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === new URL(link).pathname);
  person.done();
});

test('an invitation to an address with no account: sign up from it, activate, come back, accept', async () => {
  const { service } = portal;
  const manager = await service.user();
  const org = await makeOrganization(service);
  await grantRole(service, org, manager.id, 'manager');
  const email = `${unique('newcomer')}@example.com`;
  const invited = await service.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email } });
  assert.equal(invited.statusCode, 201, invited.body);
  const invitation = linkIn(await service.smtp.waitFor(email, (m) => /invites you/.test(m.subject)), '/invitations/');

  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  const { page } = person;
  await page.goto(invitation);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  await page.getByRole('link', { name: 'Sign up' }).last().click();
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await page.getByLabel('Full name').fill('Newcomer');
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();

  const activation = await service.smtp.waitFor(email, (m) => /Activate/.test(m.subject), 10_000);
  await page.goto(linkIn(activation, '/activate/'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Activate and log in' }).click();
  // The browser remembered where the sign-up started.
  await page.waitForURL(invitation);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await page.waitForURL(`${portal.url}/orgs/${org.slug}`);
  person.done();
});
