// The sign-in pages' harder paths in a real browser, with real mail: a forgotten password
// (recover → mail → reset page → log in with the new one), logging in with a second factor
// (authenticator app, recovery code, code by e-mail), and the lockout explained in words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import type { TestUser } from '../support/service.js';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';
import { linkIn } from '../support/smtp.js';
import { PASSWORD, expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

async function fillLogin(person: PortalPage, username: string, password: string): Promise<void> {
  await person.open('/login');
  await person.page.getByLabel('Username or e-mail').fill(username);
  await person.page.getByLabel('Password').fill(password);
  await person.page.getByRole('button', { name: 'Log in' }).click();
}

/** Turns the authenticator app on through the API, as the account page does; answers its seed and recovery codes. */
async function enrollTotp(user: TestUser): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { service } = portal;
  const url = `/api/users/${user.username}/otp/`;
  const started = await service.request({ method: 'PUT', url, token: user.token, body: { password: user.password, otp_enabled: true } });
  assert.equal(started.statusCode, 200, started.body);
  const secret = started.json<{ priv_key: string }>().priv_key;
  const code = await generate({ secret, epoch: Math.floor(service.clock.now.getTime() / 1000) });
  const confirmed = await service.request({ method: 'PUT', url, token: user.token, body: { password: user.password, otp_enabled: true, code } });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  // The code that confirmed the seed is spent: the next one comes from the next time step.
  service.clock.advance(30);
  return { secret, recoveryCodes: confirmed.json<{ recovery_codes: string[] }>().recovery_codes };
}

test('a forgotten password: recover, open the mail, choose a new one (the API\'s rules next to the field), log in with it', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  const person = await portal.person();
  const { page } = person;
  await person.open('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
  await page.getByLabel('E-mail').fill(user.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();

  const mail = await portal.service.smtp.waitFor(user.email, (m) => /Reset your/.test(m.subject), 10_000);
  assert.doesNotMatch(mail.text, /POST/);
  const link = linkIn(mail, '/reset/');
  assert.ok(link.startsWith(`${portal.url}/reset/`), link);
  await page.goto(link);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByLabel(/^New password\W*$/).fill('1234567890');
  await page.getByLabel('New password again').fill('1234567890');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  const rule = page.locator('[id$="-error"]');
  await rule.first().waitFor();
  assert.match(await rule.first().innerText(), /password/i);
  await person.shot('auth-reset-weak-password');
  const fresh = 'Another-fine-passphrase-7';
  await page.getByLabel(/^New password\W*$/).fill(fresh);
  await page.getByLabel('New password again').fill(fresh);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.waitForURL(`${portal.url}/me`);

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Username or e-mail').fill(user.username);
  await page.getByLabel('Password').fill(fresh);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${portal.url}/me`);
  expectRefused(person, 400);
  person.done();
});

test('an authenticator app: the second step asks for its code; a wrong one is refused next to the field; a recovery code works too', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  const { secret, recoveryCodes } = await enrollTotp(user);
  const person = await portal.person();
  const { page } = person;
  await fillLogin(person, user.username, user.password);
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  const field = page.getByLabel('Code from your authenticator app');
  const code = await generate({ secret, epoch: Math.floor(portal.service.clock.now.getTime() / 1000) });
  await field.fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('The one-time code is invalid or has expired.').waitFor();
  await person.shot('auth-login-totp-wrong-code');
  await field.fill(code);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${portal.url}/me`);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expectRefused(person, 400, 2);
  person.done();

  const phone = await portal.person({ viewport: { width: 390, height: 844 } });
  await fillLogin(phone, user.email, user.password);
  await phone.page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await phone.page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
  await phone.shot('auth-login-recovery-code-390');
  await phone.page.getByRole('button', { name: 'Log in' }).click();
  await phone.page.waitForURL(`${portal.url}/me`);
  expectRefused(phone, 400);
  phone.done();
});

test('a code by e-mail: the page says it was sent, a new one can be asked for, the mailed code logs in', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  await portal.service.core.db.updateTable('users').set({ email_verification_enabled: true }).where('id', '=', user.id).execute();
  const person = await portal.person();
  const { page } = person;
  await fillLogin(person, user.username, user.password);
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  await page.getByText('We sent a one-time code to your e-mail address.').waitFor();
  const first = await portal.service.smtp.waitFor(user.email, (m) => /login code/.test(m.subject));
  await page.getByRole('button', { name: 'Send me a new code' }).click();
  await page.getByText('A new code is on its way.').waitFor();
  const second = await portal.service.smtp.waitFor(user.email, (m) => /login code/.test(m.subject) && m !== first);
  const code = /login code: (\S+)/.exec(second.subject)?.[1];
  assert.ok(code, second.subject);
  await page.getByLabel('One-time code').fill(code);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${portal.url}/me`);
  expectRefused(person, 400, 2);
  person.done();
});

test('a code by text message: the page says so; without a phone number on file, it says that in words', async () => {
  const { service } = portal;
  const user = await service.user({ password: PASSWORD });
  await service.core.db.updateTable('users').set({ phone_verification_enabled: true }).where('id', '=', user.id).execute();
  const person = await portal.person({ viewport: { width: 390, height: 844 } });
  const { page } = person;
  await fillLogin(person, user.username, user.password);
  const alert = page.getByRole('alert');
  await alert.getByText('Your second factor cannot reach you').waitFor();
  assert.match(await alert.innerText(), /no phone number on file/);
  assert.doesNotMatch(await alert.innerText(), /^code:/m);

  const phone = '+15555550199';
  await service.core.db.updateTable('users').set({ phone }).where('id', '=', user.id).execute();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('We sent a one-time code to your phone by text message.').waitFor();
  const sms = (service.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === phone).at(-1);
  const code = /^(\d{6})/.exec(sms?.text ?? '')?.[1];
  assert.ok(code, sms?.text);
  await page.getByLabel('One-time code').fill(code);
  // The keyboard alone submits the form.
  await page.getByLabel('One-time code').press('Enter');
  await page.waitForURL(`${portal.url}/me`);
  expectRefused(person, 400, 2);
  person.done();
});

test('too many wrong passwords: the page explains the pause in words', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  const person = await portal.person();
  const { page } = person;
  await person.open('/login');
  await page.getByLabel('Username or e-mail').fill(user.username);
  let failures = 0;
  for (;;) {
    await page.getByLabel('Password').fill(`wrong-${failures}`);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Log in' }).click();
    if ((await answer).status() === 429) break;
    failures += 1;
    assert.ok(failures <= portal.service.config.loginMaxAttempts, 'the lock comes after the configured attempts');
  }
  const alert = page.getByRole('alert');
  await alert.getByText('Logging in is paused', { exact: true }).waitFor();
  assert.match(await alert.innerText(), /try again|reset your password/i);
  await person.shot('auth-login-locked');
  expectRefused(person, 400, failures);
  expectRefused(person, 429);
  person.done();
});
