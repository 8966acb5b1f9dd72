import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn, pathOf as path } from '../support/smtp.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const PASSWORD = 'Correct-Horse-Battery-77';


test('seed example: register, activate through the mailed link, log in', async () => {
  const username = unique('joe');
  const email = `${username}+1@example.com`;
  const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username, password: PASSWORD, email, full_name: 'Joe Card1' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { detail: `We sent a link to ${email}: open it to activate your account and choose your password.`, email });

  // The account is written a moment after the answer (so taken and new addresses take the same time).
  await s.core.jobs.idle();
  // Until the mailbox's owner activates, the account holds neither the username asked for
  // (it is taken at activation) nor the registrant's password (the owner chooses one).
  const user = await s.core.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  assert.match(user.slug, /^pending-/);
  assert.equal(user.full_name, 'Joe Card1');
  assert.equal(user.email_verified_at, null);
  assert.equal(user.password_hash, null);

  // Not activated: logging in fails like any wrong password.
  const early = await s.request({ method: 'POST', url: '/api/auth/', body: { username: email, password: PASSWORD } });
  assert.equal(early.statusCode, 400);

  const mail = await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/'));
  const link = linkIn(mail, '/api/auth/activate/');
  assert.ok(link.startsWith('http://portal.test/api/auth/activate/'));

  const view = await s.request({ method: 'GET', url: path(link) });
  assert.equal(view.statusCode, 200);
  assert.deepEqual(Object.keys(view.json()).sort(), ['created_at', 'credentials', 'email', 'full_name', 'picture', 'printable_name', 'slug', 'username']);
  assert.equal(view.json().slug, username);
  assert.equal(view.json().username, username);
  assert.equal(view.json().email, email);
  assert.equal(view.json().printable_name, 'Joe Card1');
  assert.equal(view.json().credentials, false, 'the password is chosen when activating');

  const act = await s.request({ method: 'POST', url: path(link), body: { full_name: 'Joe Activated', new_password: PASSWORD }, ip: '10.1.1.1' });
  assert.equal(act.statusCode, 200);
  assert.equal(decodeJwt(act.json().token).username, username);
  assert.equal(decodeJwt(act.json().token).full_name, 'Joe Activated');
  assert.match(String(act.headers['set-cookie']), /sessionid=ey/);
  const activated = await s.core.db.selectFrom('users').select(['email_verified_at', 'full_name', 'slug', 'password_hash']).where('id', '=', user.id).executeTakeFirstOrThrow();
  assert.ok(activated.email_verified_at);
  assert.equal(activated.slug, username);
  assert.match(activated.password_hash!, /^\$argon2id\$/);
  const ev = await s.core.db.selectFrom('security_events').select(['type', 'ip']).where('user_id', '=', user.id).execute();
  assert.deepEqual(ev.map((e) => e.type), ['login.failed', 'account.activated']);
  assert.equal(ev[1].ip, '10.1.1.1');

  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: email, password: PASSWORD } });
  assert.equal(login.statusCode, 200);

  // The key works once.
  const reuse = await s.request({ method: 'POST', url: path(link), body: { new_password: PASSWORD } });
  assert.equal(reuse.statusCode, 404);
  const reView = await s.request({ method: 'GET', url: path(link) });
  assert.equal(reView.statusCode, 404);
  assert.match(reView.json().detail, /invalid/);
});

test('a taken e-mail gets a byte-identical answer, nothing is created, and the owner is mailed', async () => {
  const owner = await s.user();
  const fresh = `${unique('fresh')}@example.com`;
  const count = async () => Number((await s.core.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();

  const taken = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: owner.email, full_name: 'Intruder', password: PASSWORD } });
  const created = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: fresh, full_name: 'Newcomer', password: PASSWORD } });
  assert.equal(taken.statusCode, 200);
  assert.equal(created.statusCode, 200);
  const detail = (to: string) => `We sent a link to ${to}: open it to activate your account and choose your password.`;
  assert.equal(taken.body, JSON.stringify({ detail: detail(owner.email), email: owner.email }));
  assert.equal(created.body, JSON.stringify({ detail: detail(fresh), email: fresh }));
  assert.equal(taken.body.replace(owner.email, 'X').replace(owner.email, 'X'), created.body.replace(fresh, 'X').replace(fresh, 'X'));
  assert.deepEqual(Object.keys(taken.headers).sort(), Object.keys(created.headers).sort());
  await s.core.jobs.idle();
  assert.equal(await count(), before + 1);

  // The owner learns about it and gets a reset link that works.
  const mail = await s.smtp.waitFor(owner.email, (m) => /already have/.test(m.subject));
  const reset = linkIn(mail, '/api/auth/reset/');
  const res = await s.request({ method: 'POST', url: path(reset), body: { new_password: 'Another-Good-Password-9' } });
  assert.equal(res.statusCode, 200);
  const fresher = await s.smtp.waitFor(fresh, (m) => m.text.includes('/api/auth/activate/'));
  assert.match(fresher.subject, /Activate/);
});

test('username is derived from the e-mail when omitted, and made unique', async () => {
  const local = unique('derived');
  await s.user({ username: local, email: `${local}@elsewhere.test` });
  const email = `${local}@example.com`;
  const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Derived' } });
  assert.equal(res.statusCode, 200);
  await s.core.jobs.idle();
  const row = await s.core.db.selectFrom('users').select(['slug', 'password_hash']).where('email', '=', email).executeTakeFirstOrThrow();
  assert.match(row.slug, /^pending-/);
  assert.equal(row.password_hash, null);

  // The activation page proposes the derived username; activation requires a password.
  const mail = await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/'));
  const link = path(linkIn(mail, '/api/auth/activate/'));
  assert.equal((await s.request({ method: 'GET', url: link })).json().username, `${local}2`);
  const nopw = await s.request({ method: 'POST', url: link, body: {} });
  assert.equal(nopw.statusCode, 400);
  assert.ok(Array.isArray(nopw.json().new_password));
  const weak = await s.request({ method: 'POST', url: link, body: { new_password: 'password' } });
  assert.equal(weak.statusCode, 400);
  assert.ok(weak.json().new_password.some((m: string) => /too (short|common)/.test(m)));
  const newName = unique('renamed');
  const ok = await s.request({ method: 'POST', url: link, body: { new_password: PASSWORD, username: newName } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(decodeJwt(ok.json().token).username, newName);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: newName, password: PASSWORD } });
  assert.equal(login.statusCode, 200);
});

test('a username taken by someone else is a 400 on username', async () => {
  const other = await s.user();
  const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: other.username.toUpperCase(), email: `${unique()}@example.com`, full_name: 'X' } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json().username, ['A user with that username already exists.']);
});

test('register validation: malformed JSON, missing fields, wrong types, bad username, weak password', async () => {
  const bad = await s.request({ method: 'POST', url: '/api/auth/register/', body: '{nope' });
  assert.equal(bad.statusCode, 400);
  assert.ok(bad.json().non_field_errors);
  const missing = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: unique() } });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json().email, ['This field is required.']);
  assert.deepEqual(missing.json().full_name, ['This field is required.']);
  const type = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: 5, full_name: 'X' } });
  assert.equal(type.statusCode, 400);
  assert.ok(type.json().email);
  const notEmail = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: 'not-an-email', full_name: 'X' } });
  assert.equal(notEmail.statusCode, 400);
  assert.deepEqual(notEmail.json().email, ['Enter a valid email address.']);
  const badName = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: 'has space', email: `${unique()}@example.com`, full_name: 'X' } });
  assert.equal(badName.statusCode, 400);
  assert.ok(badName.json().username);
  const u = unique('pw');
  const weak = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: u, password: `${u}1234`, email: `${u}@example.com`, full_name: 'X' } });
  assert.equal(weak.statusCode, 400);
  assert.ok(weak.json().password.some((m: string) => /similar/.test(m)));
  assert.equal(await s.core.db.selectFrom('users').select('id').where('slug', '=', u).executeTakeFirst(), undefined);
});

test('activation keys: unknown key is 404, expired key is 404 and changes nothing', async () => {
  const unknown = await s.request({ method: 'GET', url: '/api/auth/activate/0123456789abcef0123456789abcef/' });
  assert.equal(unknown.statusCode, 404);
  const unknownPost = await s.request({ method: 'POST', url: '/api/auth/activate/0123456789abcef0123456789abcef/', body: { new_password: PASSWORD } });
  assert.equal(unknownPost.statusCode, 404);

  const email = `${unique('late')}@example.com`;
  await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Late', password: PASSWORD } });
  const mail = await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/'));
  const link = path(linkIn(mail, '/api/auth/activate/'));
  const wrongType = await s.request({ method: 'POST', url: link, body: { full_name: 7 } });
  assert.equal(wrongType.statusCode, 400);
  assert.ok(wrongType.json().full_name);
  s.clock.advance(s.config.linkLifetimeSeconds + 1);
  const view = await s.request({ method: 'GET', url: link });
  assert.equal(view.statusCode, 404);
  const post = await s.request({ method: 'POST', url: link, body: { full_name: 'Changed' } });
  assert.equal(post.statusCode, 404);
  const row = await s.core.db.selectFrom('users').select(['email_verified_at', 'full_name']).where('email', '=', email).executeTakeFirstOrThrow();
  assert.equal(row.email_verified_at, null);
  assert.equal(row.full_name, 'Late');
});
