// "My account" in a real browser against the real service: enrolling the authenticator app
// from the page (the secret it shows gives the codes), a profile edit that survives a reload,
// an API key shown once that then works, a wrong current password shown at its field, the
// to-dos, and every section on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { Locator } from 'playwright-core';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { startPortal, type Portal } from '../support/browser.js';
import { makeOrganization, grantRole } from '../support/fixtures.js';
import { expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

/** The text a field's aria-describedby points at: its description and its error message. */
async function describedBy(field: Locator): Promise<string> {
  const ids = (await field.getAttribute('aria-describedby'))?.split(/\s+/).filter(Boolean) ?? [];
  const texts = await Promise.all(ids.map((id) => field.page().locator(`[id="${id}"]`).innerText().catch(() => '')));
  return texts.join('\n');
}

test('enrolling the authenticator app: scan (read the secret shown), confirm with the current code, recovery codes shown once', async () => {
  const user = await portal.service.user();
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/security');
  const { page } = person;
  await page.getByLabel('Your password').fill(user.password);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
  const secret = (await page.getByLabel('Secret key', { exact: true }).innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{16,}$/, 'the secret is shown as text for manual entry');
  await person.shot('account-security-qr');
  const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
  await page.getByLabel('Code from the app').fill(code);
  await page.getByRole('button', { name: 'Turn on the authenticator app' }).click();
  await page.getByText('Your recovery codes, shown only now').waitFor();
  const codes = (await page.getByLabel('Recovery codes', { exact: true }).innerText()).trim().split('\n');
  assert.equal(codes.length, 10);
  await page.getByText('On', { exact: true }).waitFor();
  await person.shot('account-security-on');

  const otp = await portal.service.request({ method: 'GET', url: `/api/users/${user.username}/otp/`, token: user.token });
  assert.equal(otp.json().otp_enabled, true, 'the API shows the authenticator app on');
  assert.equal(otp.json().recovery_codes_left, 10);
  // Shown once: a new visit shows how many are left, not the codes.
  await person.open('/me/security');
  await page.getByText('10 recovery codes left.').waitFor();
  assert.equal(await page.getByLabel('Recovery codes', { exact: true }).count(), 0);
  person.done();
});

test('a profile edit is saved and shown after a reload', async () => {
  const user = await portal.service.user();
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me');
  const { page } = person;
  assert.equal(await page.getByLabel('Username').inputValue(), user.username);
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Nick name').fill('Ada');
  await page.getByRole('button', { name: 'Save the profile' }).click();
  await page.getByText('Your profile is saved.').waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
  await page.getByText('Ada Lovelace').first().waitFor();
  assert.equal(await page.getByLabel('Full name').inputValue(), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Nick name').inputValue(), 'Ada');
  const profile = await portal.service.request({ method: 'GET', url: `/api/users/${user.username}/`, token: user.token });
  assert.equal(profile.json().nick_name, 'Ada');
  person.done();
});

test('a new API key is shown once, with a copy button, and works as the user name of HTTP Basic', async () => {
  const user = await portal.service.user();
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/api-keys');
  const { page } = person;
  await page.getByLabel('Your current password').fill(user.password);
  await page.getByRole('button', { name: 'Make a new API key' }).click();
  const key = (await page.getByLabel('API key', { exact: true }).innerText()).trim();
  assert.match(key, /^ap_/);
  await page.getByRole('button', { name: 'Copy API key' }).waitFor();
  await person.shot('account-api-key');
  const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const asKey = await portal.service.request({ method: 'GET', url: `/api/users/${user.username}/`, headers: { authorization: basic } });
  assert.equal(asKey.statusCode, 200, asKey.body);
  assert.equal(asKey.json().username, user.username);
  await page.getByRole('button', { name: 'I saved it, hide it' }).click();
  assert.equal(await page.getByLabel('API key', { exact: true }).count(), 0);
  await person.open('/me/api-keys');
  assert.equal(await page.getByText(key).count(), 0, 'never shown again');
  person.done();
});

test('a wrong current password is told next to its field; a weak new one gets the policy messages under it', async () => {
  const user = await portal.service.user();
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/password');
  const { page } = person;
  const current = page.getByRole('textbox', { name: 'Current password', exact: true });
  const fresh = page.getByRole('textbox', { name: 'New password', exact: true });
  await current.fill('not-my-password');
  await fresh.fill('A-perfectly-fine-new-pa55phrase');
  await page.getByLabel('New password again').fill('A-perfectly-fine-new-pa55phrase');
  await page.getByRole('button', { name: 'Change the password' }).click();
  await page.getByText('Incorrect password.').waitFor();
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  assert.match(await describedBy(current), /Incorrect password\./);
  await person.shot('account-password-wrong');

  await current.fill(user.password);
  await fresh.fill('12345');
  await page.getByLabel('New password again').fill('12345');
  await page.getByRole('button', { name: 'Change the password' }).click();
  await page.getByText('This password is entirely numeric.').waitFor();
  const messages = await describedBy(fresh);
  assert.match(messages, /too short/);
  assert.match(messages, /entirely numeric/);
  // Both refusals were on purpose (Chromium logs each 4xx answer as a console error).
  expectRefused(person, 400, 2);
  person.done();
});

test('the to-dos list an invitation, counted in the menu, and link to it', async () => {
  const user = await portal.service.user();
  const manager = await portal.service.user();
  const org = await makeOrganization(portal.service, { fullName: 'Invitations Inc' });
  await grantRole(portal.service, org, manager.id, 'manager');
  const invite = await portal.service.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: user.username } });
  assert.equal(invite.statusCode, 201, invite.body);

  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/todos');
  const { page } = person;
  const menu = page.getByRole('navigation', { name: 'Account sections' });
  await menu.getByRole('link', { name: /To-dos/ }).getByLabel('1 waiting').waitFor();
  await page.getByText('Invitations Inc invites you to join (Contributors).').waitFor();
  await person.shot('account-todos');
  await page.getByRole('link', { name: 'See the invitation: Invitations Inc invites you to join (Contributors).' }).click();
  await page.waitForURL(`**/me/orgs?q=${org.slug}`);
  await page.getByRole('heading', { level: 1, name: 'My organizations' }).waitFor();
  const list = page.getByRole('list', { name: 'My organizations' });
  await list.getByText('Invitations Inc').waitFor();
  await list.getByText('Invited').waitFor();
  await page.getByRole('button', { name: 'Decline Contributors on Invitations Inc' }).waitFor();
  person.done();
});

test('every section reads on a phone (390 px), without sideways scrolling', async () => {
  const user = await portal.service.user({ fullName: 'Phone Person' });
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  await person.login(user.username, user.password);
  const sections = ['', 'contact', 'password', 'security', 'api-keys', 'ssh-keys', 'notifications', 'preferences', 'events', 'sessions', 'orgs', 'todos'];
  for (const section of sections) {
    await person.open(`/me${section ? `/${section}` : ''}`);
    // Sections fill in after their API answers: wait for the loaders to go.
    await person.settled();
    const width = await person.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `/me/${section} is ${width} px wide`);
    await person.shot(`account-390-${section || 'profile'}`);
  }
  // The section menu on a phone is a button that opens the list of sections.
  await person.page.getByRole('button', { name: /Section: To-dos/ }).click();
  await person.page.getByRole('menuitem', { name: 'Sessions' }).click();
  await person.page.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
  await person.page.getByText('This browser').waitFor();
  person.done();
});

test('my organizations: ask to join by slug, withdraw; the last manager is told why leaving is refused', async () => {
  const user = await portal.service.user();
  const mine = await makeOrganization(portal.service, { fullName: 'Solo Shop' });
  await grantRole(portal.service, mine, user.id, 'manager');
  const other = await makeOrganization(portal.service, { fullName: 'Big Corp' });
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/orgs');
  const { page } = person;
  const list = page.getByRole('list', { name: 'My organizations' });
  await list.getByRole('link', { name: 'Solo Shop' }).waitFor();

  await page.getByLabel("Organization's identifier (slug)").fill(other.slug);
  await page.getByLabel('Message to its managers').fill('I work on the billing team.');
  await page.getByRole('button', { name: 'Ask to join' }).click();
  await page.getByText('Your request to join Big Corp is sent.').waitFor();
  await list.getByText('Asked to join').waitFor();
  await person.shot('account-orgs');
  await page.getByRole('button', { name: /^Withdraw .* on Big Corp$/ }).click();
  await list.getByText('Big Corp').waitFor({ state: 'detached' });

  await page.getByRole('button', { name: /^Leave .* on Solo Shop$/ }).click();
  await page.getByRole('alert').getByText('You are its last manager').waitFor();
  await page.getByText(/make someone else a manager first/).waitFor();
  expectRefused(person, 409);
  await list.getByRole('link', { name: 'Solo Shop' }).waitFor();
  person.done();
});

test('sessions: another session is logged out from the list; this one is marked', async () => {
  const user = await portal.service.user();
  const elsewhere = await portal.service.request({ method: 'POST', url: '/api/auth/', body: { username: user.username, password: user.password } });
  assert.equal(elsewhere.statusCode, 200, elsewhere.body);
  const otherToken = elsewhere.json().token as string;
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/sessions');
  const { page } = person;
  const list = page.getByRole('list', { name: 'Open sessions' });
  await list.getByText('This browser').waitFor();
  // The service user() session, the one above and this browser's.
  const before = await list.getByRole('listitem').count();
  assert.ok(before >= 2, `${before} sessions listed`);
  await page.getByRole('button', { name: 'Log out every other session' }).click();
  await page.getByText('Every other session is logged out.').waitFor();
  await list.getByRole('button', { name: /^Log out the session/ }).first().waitFor({ state: 'detached' });
  assert.equal(await list.getByRole('listitem').count(), 1);
  const refused = await portal.service.request({ method: 'GET', url: `/api/users/${user.username}/`, token: otherToken });
  assert.equal(refused.statusCode, 401, 'the other session is over');
  const still = await page.request.get(`/api/users/${user.username}/`);
  assert.equal(still.status(), 200, 'this browser is still logged in');
  person.done();
});

test('e-mail and phone: a new address takes effect from the link mailed to it; a phone number is verified by the code texted to it', async () => {
  const user = await portal.service.user();
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/contact');
  const { page } = person;
  const fresh = `new-${user.username}@example.com`;
  await page.getByLabel('New e-mail address').fill(fresh);
  const emailForm = page.locator('form').filter({ has: page.getByLabel('New e-mail address') });
  await emailForm.getByLabel('Your current password').fill(user.password);
  await page.getByRole('button', { name: 'Change the e-mail address' }).click();
  await page.getByText(`We sent a link to ${fresh}.`).waitFor();
  const mail = await portal.service.smtp.waitFor(fresh, (m) => m.text.includes('/email/confirm/'));
  await person.open(pathOf(linkIn(mail, '/email/confirm/')));
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await page.getByText('Address confirmed').waitFor();
  await person.open('/me/contact');
  await page.getByText(fresh, { exact: true }).waitFor();

  const phoneForm = page.locator('form').filter({ has: page.getByLabel('New phone number') });
  await page.getByLabel('New phone number').fill('+14155550123');
  await phoneForm.getByLabel('Your current password').fill(user.password);
  await page.getByRole('button', { name: 'Save the phone number' }).click();
  await page.getByText('Waiting for its code:').waitFor();
  await page.getByRole('button', { name: 'Send a code' }).click();
  await page.getByText(/A code went to/).waitFor();
  const texts = (portal.service.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === '+14155550123');
  const code = /(\d{6})/.exec(texts.at(-1)?.text ?? '')?.[1];
  assert.ok(code, 'a code was texted');
  await page.getByLabel('Code received by SMS').fill('000000' === code ? '111111' : '000000');
  await page.getByRole('button', { name: 'Confirm the number' }).click();
  await page.getByLabel('Code received by SMS').and(page.locator('[aria-invalid="true"]')).waitFor();
  expectRefused(person, 400);
  await page.getByLabel('Code received by SMS').fill(code);
  await page.getByRole('button', { name: 'Confirm the number' }).click();
  await page.getByText('verified', { exact: true }).first().waitFor();
  await person.shot('account-contact');
  const info = await portal.service.request({ method: 'GET', url: `/api/users/${user.username}/personal-info/`, token: user.token });
  assert.equal(info.json().phone, '+14155550123');
  assert.equal(info.json().phone_verified, true);
  person.done();
});

test('notification choices and preferences are saved and read back', async () => {
  const user = await portal.service.user();
  const person = await portal.person();
  await person.login(user.username, user.password);
  await person.open('/me/notifications');
  const { page } = person;
  const choice = page.getByRole('checkbox', { name: 'A payment card expires soon' });
  assert.equal(await choice.isChecked(), true, 'every notification until the user chooses');
  await choice.uncheck();
  await page.getByRole('button', { name: 'Save the choices' }).click();
  await page.getByText('Your notification choices are saved.').waitFor();
  const chosen = await portal.service.request({ method: 'GET', url: `/api/users/${user.username}/notifications/`, token: user.token });
  assert.ok(!chosen.json().notifications.includes('card_expires_soon_notice'));
  assert.ok(chosen.json().notifications.includes('charge_updated_notice'));

  await person.open('/me/preferences');
  await page.getByRole('textbox', { name: 'Time zone' }).click();
  await page.getByRole('textbox', { name: 'Time zone' }).fill('Europe/Rome');
  await page.getByRole('option', { name: 'Europe/Rome' }).click();
  await page.getByRole('button', { name: 'Save the preferences' }).click();
  await page.getByText('Your preferences are saved.').waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Preferences' }).waitFor();
  await person.settled();
  assert.equal(await page.getByRole('textbox', { name: 'Time zone' }).inputValue(), 'Europe/Rome');
  person.done();
});
