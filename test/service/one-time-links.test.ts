// One answer per situation: a one-time link (activation, reset, e-mail change and its undo,
// invitation, join request) that is unknown, used or expired gets the same status, code and
// message on every route that takes one, so a dead link tells nobody why it is dead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { linkIn, pathOf as path } from '../support/smtp.js';
import { makeOrganization, grantRole, type TestOrg } from '../support/fixtures.js';
import { UNDO_LIFETIME_SECONDS } from '../../src/core/identity/email-change.js';
import type { RequestOptions } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const DEAD = { detail: 'This link is invalid, was already used, or has expired.', error_code: 'link.invalid' };

async function assertDead(call: RequestOptions, label: string): Promise<void> {
  const res = await s.request(call);
  assert.equal(res.statusCode, 404, `${label}: ${res.body}`);
  assert.deepEqual(res.json(), DEAD, label);
}

const PASSWORD = 'Links-Test-Pa55word';

async function activationLink(): Promise<string> {
  const email = `${unique('act')}@example.org`;
  const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: unique('act').toLowerCase(), password: PASSWORD, email, full_name: 'Ann Act' } });
  assert.equal(res.statusCode, 200, res.body);
  await s.core.jobs.idle();
  return path(linkIn(await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/')), '/api/auth/activate/'));
}

async function resetLink(u: TestUser): Promise<string> {
  const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } });
  assert.equal(res.statusCode, 200, res.body);
  await s.core.jobs.idle();
  return path(linkIn(await s.smtp.waitFor(u.email, (m) => m.text.includes('/api/auth/reset/')), '/api/auth/reset/'));
}

/** The confirmation link mailed to a new address. */
async function emailLink(u: TestUser): Promise<string> {
  const fresh = `${unique('new')}@example.net`;
  const res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: fresh, password: u.password } });
  assert.equal(res.statusCode, 200, res.body);
  return path(linkIn(await s.smtp.waitFor(fresh), '/api/auth/email/'));
}

/** Confirms a change, and answers the undo link mailed to the former address. */
async function undoLink(u: TestUser): Promise<string> {
  const confirm = await s.request({ method: 'POST', url: await emailLink(u) });
  assert.equal(confirm.statusCode, 200, confirm.body);
  return path(linkIn(await s.smtp.waitFor(u.email, (m) => m.text.includes('/undo/')), '/undo/'));
}

async function invitationLink(org: TestOrg, manager: TestUser, invitee: TestUser): Promise<string> {
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: invitee.username } });
  assert.equal(res.statusCode, 201, res.body);
  return path(linkIn(await s.smtp.waitFor(invitee.email, (m) => m.text.includes('/accessibles/accept/')), '/accessibles/accept/'));
}

async function requestLink(org: TestOrg, requester: TestUser): Promise<string> {
  const res = await s.request({ method: 'POST', url: `/api/users/${requester.username}/accessibles/`, token: requester.token, body: { slug: org.slug } });
  assert.equal(res.statusCode, 201, res.body);
  const row = await s.core.db.selectFrom('roles').select('request_key').where('organization_id', '=', org.id)
    .where('user_id', '=', requester.id).executeTakeFirstOrThrow();
  return `/api/profile/${org.slug}/roles/accept/${row.request_key}/`;
}

async function managedOrganization(): Promise<{ org: TestOrg; manager: TestUser }> {
  const manager = await s.user();
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  return { org, manager };
}

test('a used link answers the same on every route', async () => {
  const activation = await activationLink();
  const activated = await s.request({ method: 'POST', url: activation, body: { new_password: PASSWORD } });
  assert.equal(activated.statusCode, 200, activated.body);
  await assertDead({ method: 'GET', url: activation }, 'activation, read after use');
  await assertDead({ method: 'POST', url: activation, body: { new_password: PASSWORD } }, 'activation, used twice');

  const u = await s.user();
  const reset = await resetLink(u);
  const done = await s.request({ method: 'POST', url: reset, body: { new_password: 'Reset-Once-Pa55word' } });
  assert.equal(done.statusCode, 200, done.body);
  await assertDead({ method: 'POST', url: reset, body: { new_password: 'Reset-Twice-Pa55word' } }, 'reset, used twice');

  const v = await s.user();
  const confirm = await emailLink(v);
  assert.equal((await s.request({ method: 'POST', url: confirm })).statusCode, 200);
  await assertDead({ method: 'POST', url: confirm }, 'e-mail confirmation, used twice');
  const undo = path(linkIn(await s.smtp.waitFor(v.email, (m) => m.text.includes('/undo/')), '/undo/'));
  assert.equal((await s.request({ method: 'POST', url: undo })).statusCode, 200);
  await assertDead({ method: 'POST', url: undo }, 'e-mail undo, used twice');

  const { org, manager } = await managedOrganization();
  const invitee = await s.user();
  const invitation = await invitationLink(org, manager, invitee);
  assert.equal((await s.request({ method: 'PUT', url: invitation, token: invitee.token })).statusCode, 200);
  await assertDead({ method: 'PUT', url: invitation, token: invitee.token }, 'invitation, accepted twice');
  await assertDead({ method: 'POST', url: invitation, token: invitee.token }, 'invitation, accepted twice (POST)');

  const requester = await s.user();
  const request = await requestLink(org, requester);
  assert.equal((await s.request({ method: 'POST', url: request, token: manager.token })).statusCode, 200);
  await assertDead({ method: 'POST', url: request, token: manager.token }, 'join request, accepted twice');
  await assertDead({ method: 'DELETE', url: request, token: manager.token }, 'join request, denied after acceptance');
});

test('an unknown link answers the same on every route, whatever its shape', async () => {
  const { org, manager } = await managedOrganization();
  const invitee = await s.user();
  const uid = Buffer.from(String(invitee.id)).toString('base64url');
  // Keys that were never issued: plausible, too short, too long for any real key, odd characters.
  for (const key of ['0123456789abcdef0123456789abcdef', 'x', 'k'.repeat(150), 'bad~key.with-odd_chars']) {
    await assertDead({ method: 'GET', url: `/api/auth/activate/${key}/` }, `activation read, ${key}`);
    await assertDead({ method: 'POST', url: `/api/auth/activate/${key}/`, body: { new_password: PASSWORD } }, `activation, ${key}`);
    await assertDead({ method: 'POST', url: `/api/auth/reset/${uid}/${key}/`, body: { new_password: 'Unknown-Link-Pa55word' } }, `reset, ${key}`);
    await assertDead({ method: 'POST', url: `/api/auth/reset/${key}/${key}/`, body: { new_password: 'Unknown-Link-Pa55word' } }, `reset with unknown user, ${key}`);
    await assertDead({ method: 'POST', url: `/api/auth/email/${key}/` }, `e-mail confirmation, ${key}`);
    await assertDead({ method: 'POST', url: `/api/auth/email/${key}/undo/` }, `e-mail undo, ${key}`);
    await assertDead({ method: 'PUT', url: `/api/users/${invitee.username}/accessibles/accept/${key}/`, token: invitee.token }, `invitation, ${key}`);
    await assertDead({ method: 'POST', url: `/api/profile/${org.slug}/roles/accept/${key}/`, token: manager.token }, `join request, ${key}`);
    await assertDead({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/${key}/`, token: manager.token }, `join request denial, ${key}`);
  }
});

test('an expired link answers the same on every route that expires links', async () => {
  const activation = await activationLink();
  const reset = await resetLink(await s.user());
  const confirm = await emailLink(await s.user());
  const undo = await undoLink(await s.user());
  s.clock.advance(Math.max(UNDO_LIFETIME_SECONDS, s.config.linkLifetimeSeconds) + 1);
  await assertDead({ method: 'GET', url: activation }, 'activation read, expired');
  await assertDead({ method: 'POST', url: activation, body: { new_password: PASSWORD } }, 'activation, expired');
  await assertDead({ method: 'POST', url: reset, body: { new_password: 'Expired-Link-Pa55word' } }, 'reset, expired');
  await assertDead({ method: 'POST', url: confirm }, 'e-mail confirmation, expired');
  await assertDead({ method: 'POST', url: undo }, 'e-mail undo, expired');
});
