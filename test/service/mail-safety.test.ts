// Mail safety: what goes into a mail's headers, where mail may be sent, and how much of it
// one caller can make the service send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';
import { isEmailAddress } from '../../src/core/notify/addresses.js';

let s: TestService;
// Small limits, so that a handful of requests reach them.
before(async () => { s = await startService({ SEND_LIMIT_PER_TARGET: '2', SEND_LIMIT_PER_CALLER: '3' }); });
after(async () => { await s.stop(); });

const ATTACKER = 'attacker@evil.test';

async function managedOrg(manager: TestUser, fullName?: string): Promise<TestOrg> {
  const org = await makeOrganization(s, fullName ? { fullName } : {});
  await grantRole(s, org, manager.id, 'manager');
  return org;
}

test('one strict address check: display names, angle brackets, quotes, spaces and control characters are not addresses', () => {
  for (const good of ['a@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.org", 'x_y-z@xn--bcher-kva.example']) {
    assert.ok(isEmailAddress(good), good);
  }
  for (const bad of ['x<attacker@evil.test>', 'Name <a@example.com>', '"a b"@example.com', 'a b@example.com', 'a@example.com\n',
    'a@example.com\r\nBcc: x@evil.test', 'a@localhost', 'a@-example.com', 'a@example..com', '.a@example.com', 'a.@example.com',
    'a@b@example.com', 'a@[127.0.0.1]', 'a@1.2.3.4', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.com`, 'ü@example.com', '']) {
    assert.ok(!isEmailAddress(bad), JSON.stringify(bad));
  }
});

test('x<attacker@evil.test> is refused with 400 on every field that takes an address, and nothing is mailed there', async () => {
  const manager = await s.user();
  const org = await managedOrg(manager);
  const attempts = [
    { method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: `x<${ATTACKER}>`, full_name: 'X' } },
    { method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: `victim@example.com>, <${ATTACKER}` } },
    { method: 'POST', url: '/api/auth/register/', body: { email: `x<${ATTACKER}>`, full_name: 'X', password: 'Long-enough-passphrase-9' } },
    { method: 'POST', url: '/api/auth/recover/', body: { email: `x<${ATTACKER}>` } },
    { method: 'POST', url: '/api/contact/', body: { email: `x<${ATTACKER}>`, full_name: 'X', message: 'hi' } },
    { method: 'PATCH', url: `/api/profile/${org.slug}/`, token: manager.token, body: { email: `x<${ATTACKER}>` } },
    { method: 'PATCH', url: `/api/users/${manager.username}/`, token: manager.token, body: { email: `x<${ATTACKER}>`, password: manager.password } },
  ] as const;
  for (const attempt of attempts) {
    const res = await s.request(attempt);
    assert.equal(res.statusCode, 400, `${attempt.method} ${attempt.url}: ${res.body}`);
    assert.deepEqual(res.json().email, ['Enter a valid email address.'], `${attempt.method} ${attempt.url}: ${res.body}`);
  }
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(ATTACKER).length, 0);
});

test('a newline in a name is refused with 400 naming the field, wherever a name is set', async () => {
  const manager = await s.user();
  const org = await managedOrg(manager);
  const evil = `Eve\nBcc: ${ATTACKER}`;
  const attempts = [
    { method: 'PATCH', url: `/api/users/${manager.username}/`, token: manager.token, body: { full_name: evil }, field: 'full_name' },
    { method: 'PATCH', url: `/api/users/${manager.username}/`, token: manager.token, body: { nick_name: 'A\rB' }, field: 'nick_name' },
    { method: 'POST', url: '/api/auth/register/', body: { email: `${unique('n')}@example.com`, full_name: evil, password: 'Long-enough-passphrase-9' }, field: 'full_name' },
    { method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: `${unique('i')}@example.com`, full_name: evil }, field: 'full_name' },
    { method: 'PATCH', url: `/api/profile/${org.slug}/`, token: manager.token, body: { full_name: 'Acme\rInc' }, field: 'full_name' },
    { method: 'POST', url: '/api/profile/', token: manager.token, body: { full_name: 'Acme\u2028Inc', email: 'acme@example.com' }, field: 'full_name' },
    { method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'Boss\n' }, field: 'title' },
    { method: 'POST', url: '/api/contact/', body: { email: 'c@example.com', full_name: evil }, field: 'full_name' },
    { method: 'PATCH', url: `/api/users/${manager.username}/personal-info/`, token: manager.token, body: { first_name: 'A\u0085B' }, field: 'first_name' },
  ] as const;
  for (const { field, ...attempt } of attempts) {
    const res = await s.request(attempt);
    assert.equal(res.statusCode, 400, `${attempt.method} ${attempt.url} ${JSON.stringify(attempt.body)}: ${res.body}`);
    assert.deepEqual(res.json()[field], ['Must be a single line without control characters.'], `${attempt.method} ${attempt.url}: ${res.body}`);
  }
});

test('names stored with a newline or a carriage return cannot write a header: the subject is one line, the mail goes out', async () => {
  // Rows written before names were checked (or straight into the database).
  const manager = await s.user({ fullName: `Mallory\r\nBcc: ${ATTACKER}` });
  const org = await managedOrg(manager, 'Acme\rInc');
  const invitee = `${unique('inv')}@example.com`;
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: invitee } });
  assert.equal(res.statusCode, 201, res.body);
  const mail = await s.smtp.waitFor(invitee);
  assert.equal(mail.subject, `Mallory Bcc: ${ATTACKER} invites you to join Acme Inc as Managers`);
  assert.deepEqual(mail.to, [invitee]);
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(ATTACKER).length, 0);
});

test('a recipient stored before addresses were checked gets no mail and breaks nothing', async () => {
  const manager = await s.user();
  const org = await managedOrg(manager);
  const legacy = await s.user({ email: `x<${ATTACKER}>` });
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { slug: legacy.username } });
  assert.equal(res.statusCode, 201, res.body);
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(ATTACKER).length, 0);
  const rows = await s.core.db.selectFrom('mail_outbox').select('id').where('recipient', 'like', '%evil.test%').execute();
  assert.equal(rows.length, 0);
});

function assertThrottled(res: { statusCode: number; headers: Record<string, unknown>; body: string }, what: string): void {
  assert.equal(res.statusCode, 429, `${what}: ${res.body}`);
  assert.ok(Number(res.headers['retry-after']) > 0, `${what}: Retry-After ${String(res.headers['retry-after'])}`);
  assert.ok(Number(res.headers['retry-after']) <= 3600, `${what}: Retry-After ${String(res.headers['retry-after'])}`);
}

test('invitation re-sends are limited per invitee', async () => {
  const manager = await s.user();
  const org = await managedOrg(manager);
  const invitee = `${unique('inv')}@example.com`;
  const invited = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: invitee } });
  assert.equal(invited.statusCode, 201, invited.body);
  const slug = invited.json().slug as string;
  for (let i = 0; i < 2; i++) {
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/${slug}/`, token: manager.token })).statusCode, 200);
  }
  assertThrottled(await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/${slug}/`, token: manager.token }), 'invitation re-send');
});

test('texted codes are limited: phone verification and the login code', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ phone: '+15550001111' }).where('id', '=', u.id).execute();
  const verify = `/api/users/${u.username}/personal-info/phone/verify/`;
  for (let i = 0; i < 2; i++) {
    assert.equal((await s.request({ method: 'POST', url: verify, token: u.token })).statusCode, 200);
    s.clock.advance(31); // past the 30 s between two texts
  }
  assertThrottled(await s.request({ method: 'POST', url: verify, token: u.token }), 'phone verification code');

  const v = await s.user();
  await s.core.db.updateTable('users').set({ phone: '+15550002222', phone_verification_enabled: true }).where('id', '=', v.id).execute();
  for (let i = 0; i < 2; i++) {
    const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: v.username, password: v.password }, ip: '10.9.9.9' });
    assert.equal(res.statusCode, 400, res.body);
    assert.ok(res.json().code, res.body);
  }
  assertThrottled(await s.request({ method: 'POST', url: '/api/auth/', body: { username: v.username, password: v.password }, ip: '10.9.9.9' }), 'login code');
});

test('activation re-sends: per target, then per caller, 429 with Retry-After; the window ends', async () => {
  // Per target: the user asking for their own link.
  const a = await s.user({ activated: false });
  const own = `/api/users/${a.username}/activate/`;
  for (let i = 0; i < 2; i++) assert.equal((await s.request({ method: 'POST', url: own, token: a.token })).statusCode, 200);
  assertThrottled(await s.request({ method: 'POST', url: own, token: a.token }), 'third re-send to one user');

  // Per caller: one administrator re-sending to many users.
  const others = [await s.user({ activated: false }), await s.user({ activated: false }), await s.user({ activated: false }), await s.user({ activated: false })];
  for (const u of others.slice(0, 3)) {
    assert.equal((await s.request({ method: 'POST', url: `/api/users/${u.username}/activate/`, token: s.admin.token })).statusCode, 200);
  }
  assertThrottled(await s.request({ method: 'POST', url: `/api/users/${others[3].username}/activate/`, token: s.admin.token }), 'caller over its limit');

  // Once the window has passed, sending works again.
  s.clock.advance(3601);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: s.admin.username, password: s.admin.password } });
  assert.equal(login.statusCode, 200, login.body);
  const again = await s.request({ method: 'POST', url: `/api/users/${others[3].username}/activate/`, token: login.json().token });
  assert.equal(again.statusCode, 200, again.body);
});

test('reset link requests are limited per address, known or not, with the same answer', async () => {
  const known = await s.user();
  const ghost = `${unique('ghost')}@example.com`;
  for (const email of [known.email, ghost]) {
    for (let i = 0; i < 2; i++) {
      const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email }, ip: `10.7.${i}.1` });
      assert.equal(res.statusCode, 200, res.body);
    }
    assertThrottled(await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: email.toUpperCase() }, ip: '10.7.9.1' }), `third reset request for ${email}`);
  }
});

test('registrations are limited per address, taken or free, with the same answer', async () => {
  // Each registration mails the address (an activation link, or its owner a reset link).
  const known = await s.user();
  const free = `${unique('free')}@example.com`;
  for (const email of [known.email, free]) {
    for (let i = 0; i < 2; i++) {
      const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Again' }, ip: `10.8.${i}.1` });
      assert.equal(res.statusCode, 200, res.body);
    }
    assertThrottled(await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: email.toUpperCase(), full_name: 'Again' }, ip: '10.8.9.1' }), `third registration for ${email}`);
  }
  await s.core.jobs.idle();
});

test('asking to move an account to an address mails that address at most the per-target limit, known or not', async () => {
  // The owner of a taken address is told someone tried; a free one gets a confirmation link.
  // Either way one account holder with their own password must not be able to flood it.
  const owner = await s.user();
  const ghost = `${unique('ghost')}@example.com`;
  for (const email of [owner.email, ghost]) {
    const asker = await s.user();
    for (let i = 0; i < 2; i++) {
      const res = await s.request({ method: 'PATCH', url: `/api/users/${asker.username}/`, token: asker.token, body: { email, password: asker.password } });
      assert.equal(res.statusCode, 200, res.body);
    }
    assertThrottled(await s.request({ method: 'PATCH', url: `/api/users/${asker.username}/`, token: asker.token, body: { email, password: asker.password } }),
      `third e-mail change to ${email}`);
  }
});

test('granting, revoking and granting again cannot flood an invitee with invitations', async () => {
  const manager = await s.user();
  const org = await managedOrg(manager);
  const invitee = `${unique('inv')}@example.com`;
  const grant = () => s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: invitee, message: 'hello' } });
  for (let i = 0; i < 2; i++) {
    const res = await grant();
    assert.equal(res.statusCode, 201, res.body);
    const revoked = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/manager/${encodeURIComponent(invitee)}/`, token: manager.token });
    assert.equal(revoked.statusCode, 204, revoked.body);
  }
  assertThrottled(await grant(), 'third invitation to one address');
  // Not limited per manager: inviting a whole team is ordinary work.
  for (let i = 0; i < 4; i++) {
    const other = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { email: `${unique('team')}@example.com` } });
    assert.equal(other.statusCode, 201, other.body);
  }
  const roles = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token });
  assert.ok(!roles.body.includes(invitee), 'a refused grant writes no role');
});
