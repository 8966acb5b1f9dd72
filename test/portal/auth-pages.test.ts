// Every sign-in page on a phone (390 px: no sideways scrolling) and a desktop, the e-mail
// change links (confirm from the new address, undo from the former one), logging out, a
// dead activation link, and a sign-up with an address that already has an account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal, type PortalPage } from '../support/browser.js';
import { unique } from '../support/service.js';
import { linkIn } from '../support/smtp.js';
import { PASSWORD, expectRefused } from './auth-helpers.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

const PHONE = { width: 390, height: 844 };

async function fitsTheWidth(person: PortalPage, width: number): Promise<void> {
  const scrollWidth = await person.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= width, `${person.page.url()} is ${scrollWidth} px wide on a ${width} px screen`);
}

test('every sign-in page reads on a phone and a desktop, with one main heading', async () => {
  const pages: [string, string, number][] = [
    // path, heading, refusals the page meets on its own (a made-up key)
    ['/login', 'Log in', 0],
    ['/register', 'Create your account', 0],
    ['/recover', 'Forgot your password?', 0],
    ['/reset/MTA/not-a-key', 'Choose a new password', 0],
    ['/activate/not-a-key', 'Activate your account', 1],
    ['/email/confirm/not-a-key', 'Confirm your new e-mail address', 0],
    ['/email/undo/not-a-key', 'Put your former address back', 0],
    ['/invitations/someone/not-a-key', 'Accept your invitation', 0],
    ['/logout', 'You are logged out', 0],
  ];
  for (const viewport of [PHONE, { width: 1280, height: 800 }]) {
    const person = await portal.person({ viewport });
    for (const [path, heading, refusals] of pages) {
      await person.open(path);
      await person.page.getByRole('heading', { level: 1, name: heading }).waitFor();
      assert.equal(await person.page.getByRole('heading', { level: 1 }).count(), 1, path);
      assert.match(await person.page.title(), new RegExp(`^${heading.replace('?', '\\?')} · `));
      if (refusals) {
        // A dead activation link says so in words, once the API has answered.
        await person.page.getByRole('alert').getByText('This link does not work').waitFor();
        expectRefused(person, 404, refusals);
      }
      await fitsTheWidth(person, viewport.width);
      if (viewport === PHONE) await person.shot(`auth-page${path.split('/').slice(0, 2).join('-')}-390`);
    }
    person.done();
  }
});

test('an e-mail change: confirmed from the new address; undone from the former one', async () => {
  const { service } = portal;
  const user = await service.user({ password: PASSWORD, fullName: 'Grace Hopper' });
  const former = user.email;
  const next = `${unique('moved')}@example.com`;
  const changed = await service.request({ method: 'PATCH', url: `/api/users/${user.username}/`, token: user.token, body: { email: next, password: user.password } });
  assert.equal(changed.statusCode, 200, changed.body);
  const verify = await service.smtp.waitFor(next, (m) => /Confirm your new/.test(m.subject), 10_000);
  assert.doesNotMatch(verify.text, /POST/);

  const person = await portal.person({ viewport: PHONE });
  const { page } = person;
  await person.login(user.username, user.password);
  await page.goto(linkIn(verify, '/email/confirm/'));
  await page.getByRole('heading', { name: 'Confirm your new e-mail address' }).waitFor();
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await page.getByText(`The account's address is now ${next}.`).waitFor();
  await person.shot('auth-email-confirmed-390');

  const told = await service.smtp.waitFor(former, (m) => /was changed/.test(m.subject), 10_000);
  assert.doesNotMatch(told.text, /POST/);
  const stranger = await portal.person();
  await stranger.page.goto(linkIn(told, '/email/undo/'));
  await stranger.page.getByRole('button', { name: 'Put my former address back' }).click();
  await stranger.page.getByText(`The account's address is now ${former}.`).waitFor();
  await service.smtp.waitFor(former, (m) => /Reset your/.test(m.subject), 10_000);
  // The link worked once.
  await stranger.page.reload();
  await stranger.page.getByRole('button', { name: 'Put my former address back' }).click();
  await stranger.page.getByRole('alert').getByText('This link does not work').waitFor();
  expectRefused(stranger, 404);
  stranger.done();
  person.done();
});

test('/logout ends the session and offers to log in again', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  const person = await portal.person();
  const { page } = person;
  await person.login(user.username, user.password);
  await person.open('/logout');
  await page.getByRole('heading', { name: 'You are logged out' }).waitFor();
  await page.getByRole('link', { name: 'Log in again' }).waitFor();
  const session = await page.request.get('/api/auth/session/');
  assert.equal((await session.json() as { user: unknown }).user, null);
  assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
  person.done();
});

test('signing up with an address that has an account answers the same; its owner is mailed instead', async () => {
  const user = await portal.service.user({ password: PASSWORD });
  const person = await portal.person({ viewport: PHONE });
  const { page } = person;
  await person.open('/register');
  await page.getByLabel('Full name').fill('Somebody Else');
  await page.getByLabel('E-mail').fill(user.email);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
  await page.getByText(`We sent a link to ${user.email}: open it to activate your account and choose your password.`).waitFor();
  await person.shot('auth-register-sent-390');
  const mail = await portal.service.smtp.waitFor(user.email, (m) => /already have/.test(m.subject), 10_000);
  assert.ok(linkIn(mail, '/reset/').startsWith(portal.url));
  person.done();
});
