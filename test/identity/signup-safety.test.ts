// Sign-up without traps and without takeovers: registering someone else's address never
// leaves a password the mailbox's owner did not choose, registering tells nothing about
// which addresses exist, re-sent links do not kill the first one, invited people keep the
// username they want, and the names the service gives itself cannot be taken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn, pathOf as path } from '../support/smtp.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const PASSWORD = 'Correct-Horse-Battery-77';


async function activationLinks(email: string, count: number): Promise<string[]> {
  await s.smtp.waitFor(email, () => s.smtp.to(email).filter((m) => m.text.includes('/api/auth/activate/')).length >= count);
  return s.smtp.to(email).filter((m) => m.text.includes('/api/auth/activate/')).map((m) => path(linkIn(m, '/api/auth/activate/')));
}

test('pre-registration: the mailbox owner activating sets their own password; the registrant\'s never works', async () => {
  const victim = `${unique('victor')}@corp.test`;
  const squatter = 'Squatters-Chosen-Pass-41';
  const reg = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: victim, full_name: 'Victor', password: squatter } });
  assert.equal(reg.statusCode, 200);
  // The registrant's password opens nothing, before or after activation.
  const early = await s.request({ method: 'POST', url: '/api/auth/', body: { username: victim, password: squatter } });
  assert.equal(early.statusCode, 400);

  const [link] = await activationLinks(victim, 1);
  const view = await s.request({ method: 'GET', url: link });
  assert.equal(view.statusCode, 200);
  assert.equal(view.json().credentials, false, 'the page asks the owner for a password');
  const bare = await s.request({ method: 'POST', url: link, body: {} });
  assert.equal(bare.statusCode, 400);
  assert.ok(Array.isArray(bare.json().new_password), bare.body);

  const owner = 'Owners-Own-Passphrase-93';
  const act = await s.request({ method: 'POST', url: link, body: { new_password: owner } });
  assert.equal(act.statusCode, 200, act.body);
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/', body: { username: victim, password: squatter } })).statusCode, 400);
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/', body: { username: victim, password: owner } })).statusCode, 200);
});

test('registration answers and behaves the same for a taken and a free address: the username asked for is taken only at activation', async () => {
  const owner = await s.user();
  const fresh = `${unique('fresh')}@example.com`;
  const wantedA = unique('wanta').toLowerCase();
  const wantedB = unique('wantb').toLowerCase();
  const taken = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: wantedA, email: owner.email, full_name: 'X', password: PASSWORD } });
  const free = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: wantedB, email: fresh, full_name: 'X', password: PASSWORD } });
  assert.equal(taken.statusCode, free.statusCode);
  assert.equal(taken.body.replaceAll(owner.email, 'X'), free.body.replaceAll(fresh, 'X'));

  // Neither username became taken: asking for each again is accepted alike.
  for (const wanted of [wantedA, wantedB]) {
    const again = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: wanted, email: `${unique('probe')}@example.com`, full_name: 'Probe' } });
    assert.equal(again.statusCode, 200, `${wanted}: ${again.body}`);
    const profile = await s.request({ method: 'GET', url: `/api/users/${wanted}/`, token: s.admin.token });
    assert.equal(profile.statusCode, 404);
  }

  // Activating takes it.
  const [link] = await activationLinks(fresh, 1);
  assert.equal((await s.request({ method: 'GET', url: link })).json().username, wantedB);
  const act = await s.request({ method: 'POST', url: link, body: { new_password: PASSWORD } });
  assert.equal(act.statusCode, 200, act.body);
  assert.equal(decodeJwt(act.json().token).username, wantedB);
  const now = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: wantedB, email: `${unique('late')}@example.com`, full_name: 'Late' } });
  assert.equal(now.statusCode, 400);
  assert.deepEqual(now.json().username, ['A user with that username already exists.']);
});

test('logging in or registering again before activating does not void the first activation link', async () => {
  // An account with a password whose address was never proven (made before activation
  // required a password): logging in mails a new link.
  const early = await s.user({ activated: false });
  await s.request({ method: 'POST', url: `/api/users/${early.username}/activate/`, token: s.admin.token });
  const [first] = await activationLinks(early.email, 1);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: early.username, password: early.password } });
  assert.equal(login.statusCode, 400);
  const links = await activationLinks(early.email, 2);
  assert.equal(links.length, 2);
  const act = await s.request({ method: 'POST', url: first, body: { new_password: PASSWORD } });
  assert.equal(act.statusCode, 200, act.body);
  // Used once, every link of the account is done.
  assert.equal((await s.request({ method: 'GET', url: links[1] })).statusCode, 404);

  // Registering twice: both links work until one is used.
  const email = `${unique('twice')}@example.com`;
  await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Twice' } });
  await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Twice' } });
  const [one, two] = await activationLinks(email, 2);
  assert.equal((await s.request({ method: 'GET', url: two })).statusCode, 200);
  assert.equal((await s.request({ method: 'POST', url: one, body: { new_password: PASSWORD } })).statusCode, 200);
  assert.equal((await s.request({ method: 'POST', url: two, body: { new_password: PASSWORD } })).statusCode, 404);
});

test('an invited person who registers keeps the username they want and is told where the password is set', async () => {
  const manager = await s.user();
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  const local = unique('omar').toLowerCase();
  const email = `${local}@elsewhere.example.com`;
  const invited = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { email, full_name: 'Omar' } });
  assert.equal(invited.statusCode, 201, invited.body);
  // The contact holding the invitation does not sit on the name the invitee will want.
  // (The answer shows only the address: it must not tell whether the address has an account.)
  assert.equal(invited.json().user.slug, email);
  const contact = await s.core.db.selectFrom('users').select('slug').where('email', '=', email).executeTakeFirstOrThrow();
  assert.match(contact.slug, /^invited-/);
  const invitation = path(linkIn(await s.smtp.waitFor(email, (m) => m.text.includes('/accessibles/accept/')), '/accessibles/accept/'));

  const reg = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username: local, email, full_name: 'Omar', password: PASSWORD } });
  assert.equal(reg.statusCode, 200, reg.body);
  assert.match(reg.json().detail, /choose your password/);
  const [link] = await activationLinks(email, 1);
  const view = await s.request({ method: 'GET', url: link });
  assert.equal(view.json().username, local);
  assert.equal(view.json().credentials, false);
  const bare = await s.request({ method: 'POST', url: link, body: {} });
  assert.equal(bare.statusCode, 400);
  assert.match(bare.json().new_password[0], /password/);
  const act = await s.request({ method: 'POST', url: link, body: { new_password: PASSWORD } });
  assert.equal(act.statusCode, 200, act.body);
  assert.equal(decodeJwt(act.json().token).username, local);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: local, password: PASSWORD } });
  assert.equal(login.statusCode, 200, login.body);
  const accepted = await s.request({ method: 'PUT', url: invitation, token: login.json().token });
  assert.equal(accepted.statusCode, 200, accepted.body);
});

test('the names the service gives itself are reserved, and deleting works even when deleted-<id> is held', async () => {
  for (const username of ['deleted-12345', 'pending-abc', 'Invited-x']) {
    const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { username, email: `${unique()}@example.com`, full_name: 'X' } });
    assert.equal(res.statusCode, 400, username);
    assert.match(res.json().username[0], /reserved/);
  }
  // A row named so before the reservation existed does not block the deletion.
  const victim = await s.user();
  await s.core.db.insertInto('users').values({ slug: `deleted-${victim.id}`, email: `${unique()}@example.com` }).execute();
  const del = await s.request({ method: 'DELETE', url: `/api/users/${victim.username}/`, token: victim.token });
  assert.equal(del.statusCode, 204, del.body);
  const row = await s.core.db.selectFrom('users').select(['slug', 'deleted_at']).where('id', '=', victim.id).executeTakeFirstOrThrow();
  assert.ok(row.deleted_at);
  assert.match(row.slug, new RegExp(`^deleted-${victim.id}-`));
});

test('deleting a user closes and anonymizes their personal billing profile, keeping the row', async () => {
  const u = await s.user();
  const profile = await s.core.db.insertInto('organizations').values({
    slug: u.username, full_name: 'Paula Personal', email: u.email, phone: '+15550001111', street_address: '1 Main St',
    locality: 'Town', region: 'RG', postal_code: '12345', country: 'US', type: 'personal', personal_user_id: u.id,
  }).returning('id').executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({
    organization_id: profile.id, user_id: u.id, accepted_at: new Date(),
    role_description_id: (await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null).executeTakeFirstOrThrow()).id,
  }).execute();
  const del = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(del.statusCode, 204, del.body);
  const row = await s.core.db.selectFrom('organizations').selectAll().where('id', '=', profile.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'closed');
  assert.ok(row.closed_at);
  assert.equal(row.slug, `closed-${profile.id}`);
  assert.equal(row.full_name, 'Closed organization');
  for (const field of ['email', 'phone', 'street_address', 'locality', 'region', 'postal_code', 'country', 'personal_user_id'] as const) {
    assert.equal(row[field], null, field);
  }
  const seen = await s.request({ method: 'GET', url: `/api/profile/${u.username}/`, token: s.admin.token });
  assert.equal(seen.statusCode, 404);
  const events = await s.core.db.selectFrom('organization_events').select(['type', 'detail']).where('organization_id', '=', profile.id).execute();
  assert.ok(events.some((e) => e.type === 'closed'));
});
