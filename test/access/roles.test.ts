import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { linkIn } from '../support/smtp.js';
import { addRole, makeOrg, type TestOrg } from './helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

async function setup(): Promise<{ manager: TestUser; org: TestOrg }> {
  const manager = await s.user();
  return { manager, org: await makeOrg(s, manager) };
}

// ---- role descriptions ----

test('role descriptions: the globals appear in every organization; custom ones are created, read, updated, deleted', async () => {
  const { manager, org } = await setup();
  const list = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token });
  assert.equal(list.statusCode, 200);
  const page = list.json();
  assert.equal(page.count, 3);
  assert.deepEqual(page.results.map((d: { slug: string }) => d.slug), ['manager', 'contributor', 'partner']);
  assert.equal(page.results[0].is_global, true);
  assert.equal(page.results[0].title, 'Managers');
  assert.equal(page.results[0].roles.length, 1);
  assert.equal(page.results[0].roles[0].user.slug, manager.username);
  assert.equal(page.results[0].roles[0].state, 'accepted');

  // The seed's example: {"title":"Support"} -> slug support, is_global false, roles [].
  const created = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'Support' } });
  assert.equal(created.statusCode, 201);
  const support = created.json();
  assert.equal(support.slug, 'support');
  assert.equal(support.title, 'Support');
  assert.equal(support.is_global, false);
  assert.deepEqual(support.roles, []);
  assert.equal(support.skip_optin_on_grant, false);
  assert.equal(support.organization.slug, org.slug);
  assert.ok(support.created_at);

  const again = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'support' } });
  assert.equal(again.statusCode, 409);
  const reserved = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'Accept' } });
  assert.equal(reserved.statusCode, 400);
  assert.ok(reserved.json().title);
  const global = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'Manager' } });
  assert.equal(global.statusCode, 409);

  const got = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/describe/support/`, token: manager.token });
  assert.equal(got.statusCode, 200);
  assert.equal(got.json().title, 'Support');

  // Skipping the opt-in is for the broker's managers (test/access/consent.test.ts).
  const put = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/roles/describe/support/`, token: s.admin.token,
    body: { title: 'Support Staff', skip_optin_on_grant: true, extra: '{"a":1}' } });
  assert.equal(put.statusCode, 200);
  assert.equal(put.json().title, 'Support Staff');
  assert.equal(put.json().slug, 'support');
  assert.equal(put.json().skip_optin_on_grant, true);
  assert.equal(put.json().extra, '{"a":1}');

  const patch = await s.request({ method: 'PATCH', url: `/api/profile/${org.slug}/roles/describe/support/`, token: manager.token,
    body: { implicit_create_on_none: true } });
  assert.equal(patch.statusCode, 200);
  assert.equal(patch.json().title, 'Support Staff');
  assert.equal(patch.json().skip_optin_on_grant, true);
  assert.equal(patch.json().implicit_create_on_none, true);

  const putMissing = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/roles/describe/support/`, token: manager.token, body: {} });
  assert.equal(putMissing.statusCode, 400);
  assert.ok(putMissing.json().title);

  const renameGlobal = await s.request({ method: 'PUT', url: `/api/profile/${org.slug}/roles/describe/manager/`, token: manager.token, body: { title: 'Bosses' } });
  assert.equal(renameGlobal.statusCode, 403);
  assert.match(renameGlobal.json().detail, /shared by every organization/);
  const deleteGlobal = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/describe/contributor/`, token: manager.token });
  assert.equal(deleteGlobal.statusCode, 403);

  // Another organization does not see this one's description.
  const other = await setup();
  const notThere = await s.request({ method: 'GET', url: `/api/profile/${other.org.slug}/roles/describe/support/`, token: other.manager.token });
  assert.equal(notThere.statusCode, 404);

  const del = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/describe/support/`, token: manager.token });
  assert.equal(del.statusCode, 204);
  const gone = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/describe/support/`, token: manager.token });
  assert.equal(gone.statusCode, 404);
});

test('role descriptions: bad input', async () => {
  const { manager, org } = await setup();
  const url = `/api/profile/${org.slug}/roles/describe/`;
  const malformed = await s.request({ method: 'POST', url, token: manager.token, body: '{"title":' });
  assert.equal(malformed.statusCode, 400);
  assert.ok(malformed.json().non_field_errors);
  const missing = await s.request({ method: 'POST', url, token: manager.token, body: {} });
  assert.equal(missing.statusCode, 400);
  assert.ok(missing.json().title);
  const wrongType = await s.request({ method: 'POST', url, token: manager.token, body: { title: 'X', skip_optin_on_grant: 'yes' } });
  assert.equal(wrongType.statusCode, 400);
  assert.ok(wrongType.json().skip_optin_on_grant);
  const blank = await s.request({ method: 'POST', url, token: manager.token, body: { title: '  ' } });
  assert.equal(blank.statusCode, 400);
  const unknownOrg = await s.request({ method: 'POST', url: '/api/profile/no-such-org/roles/describe/', token: manager.token, body: { title: 'X' } });
  assert.equal(unknownOrg.statusCode, 404);
  const unknownRole = await s.request({ method: 'PATCH', url: `${url}nothing/`, token: manager.token, body: { title: 'X' } });
  assert.equal(unknownRole.statusCode, 404);
  const count = await s.request({ method: 'GET', url, token: manager.token });
  assert.equal(count.json().count, 3);
});

test('deleting a description still held answers 409', async () => {
  const { manager, org } = await setup();
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'Auditor' } });
  const someone = await s.user();
  const grant = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/auditor/`, token: manager.token, body: { slug: someone.username } });
  assert.equal(grant.statusCode, 201);
  const del = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/describe/auditor/`, token: manager.token });
  assert.equal(del.statusCode, 409);
  assert.match(del.json().detail, /revoke/);
  const described = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/describe/auditor/`, token: manager.token });
  assert.equal(described.json().roles[0].user.slug, someone.username);
});

// ---- grants ----

test('granting to an existing user: invitation mail, accept with the key once, the role becomes active', async () => {
  const { manager, org } = await setup();
  const xia = await s.user();
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token,
    body: { slug: xia.username, message: 'Welcome aboard' } });
  assert.equal(res.statusCode, 201);
  const role = res.json();
  assert.equal(role.slug, xia.username); // the seed's example echoes the slug
  assert.equal(role.user.slug, xia.username);
  assert.equal(role.organization.slug, org.slug);
  assert.equal(role.role_description.slug, 'contributor');
  assert.equal(role.role_description.is_global, true);
  assert.equal(role.state, 'invited');
  assert.equal(role.grant_key, null);
  assert.equal(role.request_key, null);
  assert.equal(role.remove_api_url, `http://portal.test/api/profile/${org.slug}/roles/contributor/${xia.username}/`);

  // Not active yet: the user cannot read the organization's roles.
  const before = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: xia.token });
  assert.equal(before.statusCode, 404);

  const mail = await s.smtp.waitFor(xia.email, (m) => m.text.includes(org.slug) || m.subject.includes(org.slug));
  assert.match(mail.text, /Welcome aboard/);
  const link = linkIn(mail, '/accessibles/accept/');
  assert.ok(link.startsWith(`http://portal.test/api/users/${xia.username}/accessibles/accept/`));
  const path = new URL(link).pathname;

  const accepted = await s.request({ method: 'PUT', url: path, token: xia.token });
  assert.equal(accepted.statusCode, 200);
  assert.equal(accepted.json().slug, org.slug);
  assert.equal(accepted.json().state, 'accepted');
  assert.equal(accepted.json().role_description.slug, 'contributor');

  const twice = await s.request({ method: 'PUT', url: path, token: xia.token });
  assert.equal(twice.statusCode, 404);

  const after = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: xia.token });
  assert.equal(after.statusCode, 200);
  assert.equal(after.json().count, 2);

  // Granting again a role the user holds: 409, never a duplicate.
  const dup = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: xia.username } });
  assert.equal(dup.statusCode, 409);
  const rows = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', xia.id).execute();
  assert.equal(rows.length, 1);
});

test('inviting someone not registered: a contact is created, the mailed link is claimed by a newly registered user', async () => {
  const { manager, org } = await setup();
  const email = `${unique('invitee')}@elsewhere.example.com`;
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token,
    body: { email, full_name: 'Nina Newcomer', message: 'Join us' } });
  assert.equal(res.statusCode, 201);
  const role = res.json();
  assert.equal(role.user.email, email.toLowerCase());
  assert.equal(role.user.full_name, 'Nina Newcomer');
  assert.equal(role.user.credentials, false);
  assert.equal(role.state, 'invited');

  const mail = await s.smtp.waitFor(email);
  assert.match(mail.text, /register/);
  assert.match(mail.text, /Join us/);
  const path = new URL(linkIn(mail, '/accessibles/accept/')).pathname;

  // Anonymous: 401. Then a newly registered user (another address) claims it.
  const anon = await s.request({ method: 'PUT', url: path });
  assert.equal(anon.statusCode, 401);
  const nina = await s.user({ email: `${unique('nina')}@example.com` });
  const claimed = await s.request({ method: 'POST', url: path, token: nina.token });
  assert.equal(claimed.statusCode, 200);
  assert.equal(claimed.json().slug, org.slug);
  assert.equal(claimed.json().state, 'accepted');
  assert.equal(claimed.json().remove_api_url, `http://portal.test/api/users/${nina.username}/accessibles/manager/${org.slug}/`);

  // Nina now manages the organization; a second claimant finds nothing.
  const manage = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/manager/`, token: nina.token });
  assert.equal(manage.statusCode, 200);
  assert.deepEqual(manage.json().results.map((r: { user: { slug: string } }) => r.user.slug).sort(), [manager.username, nina.username].sort());
  const late = await s.user();
  const second = await s.request({ method: 'PUT', url: path, token: late.token });
  assert.equal(second.statusCode, 404);
});

test('an invitee registers with the invited address: activation link, password, login, then the invitation', async () => {
  const { manager, org } = await setup();
  const email = `${unique('omar')}@elsewhere.example.com`.toLowerCase();
  const granted = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token,
    body: { email, full_name: 'Omar Invitee' } });
  assert.equal(granted.statusCode, 201);
  const invitation = new URL(linkIn(await s.smtp.waitFor(email, (m) => m.text.includes('/accessibles/accept/')), '/accessibles/accept/')).pathname;

  // Registering with the address a contact holds answers like any registration and mails
  // an activation link (not a password reset): the contact never had a password.
  const registered = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Omar Invitee' } });
  assert.equal(registered.statusCode, 200);
  assert.deepEqual(Object.keys(registered.json()).sort(), ['detail', 'email']);
  const activation = new URL(linkIn(await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/')), '/api/auth/activate/')).pathname;
  const username = unique('omar').toLowerCase();
  const activated = await s.request({ method: 'POST', url: activation, body: { username, new_password: 'Invitee-passphrase-77' } });
  assert.equal(activated.statusCode, 200, activated.body);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: email, password: 'Invitee-passphrase-77' } });
  assert.equal(login.statusCode, 200, login.body);

  // The mailed link still names the contact's first slug; the key proves who it is for.
  const stranger = await s.user();
  assert.equal((await s.request({ method: 'PUT', url: invitation, token: stranger.token })).statusCode, 404);
  const accepted = await s.request({ method: 'PUT', url: invitation, token: login.json().token });
  assert.equal(accepted.statusCode, 200, accepted.body);
  assert.equal(accepted.json().slug, org.slug);
  assert.equal(accepted.json().state, 'accepted');
});

test('an invitation to a registered user cannot be claimed by someone else', async () => {
  const { manager, org } = await setup();
  const xia = await s.user();
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { email: xia.email } });
  const path = new URL(linkIn(await s.smtp.waitFor(xia.email, (m) => m.text.includes(org.slug) || m.subject.includes(org.slug)), '/accessibles/accept/')).pathname;
  const thief = await s.user();
  const stolen = await s.request({ method: 'PUT', url: path, token: thief.token });
  assert.equal(stolen.statusCode, 404);
  const ok = await s.request({ method: 'PUT', url: path, token: xia.token });
  assert.equal(ok.statusCode, 200);
});

test('skip_optin_on_grant: a registered user granted by a broker manager has the role at once and is told by mail', async () => {
  const { org } = await setup();
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: s.admin.token, body: { title: 'Viewer', skip_optin_on_grant: true } });
  const bob = await s.user();
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/viewer/`, token: s.admin.token, body: { slug: bob.username } });
  assert.equal(res.statusCode, 201);
  assert.equal(res.json().state, 'accepted');
  const mail = await s.smtp.waitFor(bob.email, (m) => m.subject.includes('Viewer'));
  assert.match(mail.subject, /You now have the role Viewer/);
  const read = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: bob.token });
  assert.equal(read.statusCode, 200);
});

test('grant: bad input and unknown names', async () => {
  const { manager, org } = await setup();
  const url = `/api/profile/${org.slug}/roles/contributor/`;
  const malformed = await s.request({ method: 'POST', url, token: manager.token, body: '{nope' });
  assert.equal(malformed.statusCode, 400);
  const missing = await s.request({ method: 'POST', url, token: manager.token, body: {} });
  assert.equal(missing.statusCode, 400);
  assert.ok(missing.json().slug);
  const wrongType = await s.request({ method: 'POST', url, token: manager.token, body: { slug: 12 } });
  assert.equal(wrongType.statusCode, 400);
  assert.ok(wrongType.json().slug);
  const badEmail = await s.request({ method: 'POST', url, token: manager.token, body: { email: 'not-an-email' } });
  assert.equal(badEmail.statusCode, 400);
  assert.ok(badEmail.json().email);
  const unknownUser = await s.request({ method: 'POST', url, token: manager.token, body: { slug: 'nobody-at-all' } });
  assert.equal(unknownUser.statusCode, 404);
  const unknownRole = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/wizard/`, token: manager.token, body: { slug: manager.username } });
  assert.equal(unknownRole.statusCode, 404);
  const list = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  assert.equal(list.json().count, 1);
});

test('concurrent grants of the same role leave exactly one row', async () => {
  const { manager, org } = await setup();
  const xia = await s.user();
  const results = await Promise.all(Array.from({ length: 5 }, () =>
    s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: xia.username } })));
  assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409]);
  const rows = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', xia.id).execute();
  assert.equal(rows.length, 1);
});

test('seat quota: a grant that would add a member beyond it is refused', async () => {
  const manager = await s.user();
  const org = await makeOrg(s, manager, { seatQuota: 1 });
  const xia = await s.user();
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: xia.username } });
  assert.equal(res.statusCode, 403);
  assert.match(res.json().detail, /seat_quota/);
  // The manager taking a second role takes no new seat.
  const second = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: manager.username } });
  assert.equal(second.statusCode, 201);
});

// ---- listing ----

test('listing roles: search, ordering, one kind, pages', async () => {
  const { manager, org } = await setup();
  const alice = await s.user({ fullName: 'Alice Zephyr' });
  const carl = await s.user({ fullName: 'Carl Anders' });
  await addRole(s, org, alice, 'contributor');
  await addRole(s, org, carl, 'contributor');
  const all = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?o=full_name`, token: manager.token });
  assert.equal(all.statusCode, 200);
  assert.equal(all.json().count, 3);
  assert.equal(all.json().results[0].user.full_name, 'Alice Zephyr');
  const q = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?q=zephyr`, token: manager.token });
  assert.equal(q.json().count, 1);
  assert.equal(q.json().results[0].user.slug, alice.username);
  const byEmail = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?q=${encodeURIComponent(carl.email)}`, token: manager.token });
  assert.equal(byEmail.json().results[0].user.slug, carl.username);
  const kind = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token });
  assert.equal(kind.json().count, 1);
  assert.equal(kind.json().results[0].user.slug, manager.username);
  const paged = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?page_size=2&o=-full_name`, token: manager.token });
  assert.equal(paged.json().results.length, 2);
  assert.ok(paged.json().next.includes('page=2'));
  const badOrder = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?o=password`, token: manager.token });
  assert.equal(badOrder.statusCode, 400);
  assert.ok(badOrder.json().o);
  const unknownKind = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/wizard/`, token: manager.token });
  assert.equal(unknownKind.statusCode, 404);
});

// ---- re-send and revoke ----

test('re-sending an invitation mails a new key and the old one stops working', async () => {
  const { manager, org } = await setup();
  const xia = await s.user();
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: xia.username } });
  const first = new URL(linkIn(await s.smtp.waitFor(xia.email, (m) => m.subject.includes(`Org ${org.slug}`)), '/accessibles/accept/')).pathname;
  const resent = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/${xia.username}/`, token: manager.token });
  assert.equal(resent.statusCode, 200);
  assert.equal(resent.json().user.slug, xia.username);
  assert.equal(resent.json().role_description.slug, 'contributor');
  assert.equal(resent.json().state, 'invited');
  // The resent invitation's delivery is a job: once the queue is idle it has been handed over.
  await s.core.jobs.idle();
  const mails = s.smtp.to(xia.email).filter((m) => m.subject.includes(`Org ${org.slug}`));
  assert.equal(mails.length, 2);
  const second = new URL(linkIn(mails.at(-1)!, '/accessibles/accept/')).pathname;
  assert.notEqual(second, first);
  assert.equal((await s.request({ method: 'PUT', url: first, token: xia.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'PUT', url: second, token: xia.token })).statusCode, 200);
  const done = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/${xia.username}/`, token: manager.token });
  assert.equal(done.statusCode, 400);
  const unknown = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/nobody-here/`, token: manager.token });
  assert.equal(unknown.statusCode, 404);
});

test('revoking one role or all (*), and the last manager stays', async () => {
  const { manager, org } = await setup();
  const xia = await s.user();
  await addRole(s, org, xia, 'contributor');
  await addRole(s, org, xia, 'manager');
  const one = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/contributor/${xia.username}/`, token: manager.token });
  assert.equal(one.statusCode, 204);
  const left = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', xia.id).execute();
  assert.equal(left.length, 1);
  const again = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/contributor/${xia.username}/`, token: manager.token });
  assert.equal(again.statusCode, 404);
  await addRole(s, org, xia, 'contributor');
  const all = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/*/${xia.username}/`, token: manager.token });
  assert.equal(all.statusCode, 204);
  const none = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', xia.id).execute();
  assert.equal(none.length, 0);

  const last = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/manager/${manager.username}/`, token: manager.token });
  assert.equal(last.statusCode, 409);
  assert.deepEqual(last.json(), { detail: 'An organization must keep at least one manager.', error_code: 'role.last_manager' });
  const leave = await s.request({ method: 'DELETE', url: `/api/users/${manager.username}/accessibles/*/${org.slug}/`, token: manager.token });
  assert.equal(leave.statusCode, 409);
});

test('two managers removing each other at once: one manager always remains', async () => {
  const { manager, org } = await setup();
  const other = await s.user();
  await addRole(s, org, other, 'manager');
  const [a, b] = await Promise.all([
    s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/manager/${other.username}/`, token: manager.token }),
    s.request({ method: 'DELETE', url: `/api/users/${manager.username}/accessibles/manager/${org.slug}/`, token: manager.token }),
  ]);
  // One wins; the other is refused: 409 (last manager) or, if the manager left first,
  // 404 because they no longer see the organization.
  const codes = [a.statusCode, b.statusCode].sort();
  assert.equal(codes[0], 204);
  assert.ok(codes[1] === 409 || codes[1] === 404, String(codes));
  const managers = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/manager/`, token: s.admin.token });
  assert.equal(managers.json().count, 1);
});

// ---- requests ----

test('requesting to join: managers are mailed, a manager accepts (with another role), the user is told', async () => {
  const { manager, org } = await setup();
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token, body: { title: 'Support' } });
  const xia = await s.user();
  const res = await s.request({ method: 'POST', url: `/api/users/${xia.username}/accessibles/`, token: xia.token, body: { slug: org.slug, message: 'Let me in' } });
  assert.equal(res.statusCode, 201);
  const acc = res.json();
  // The seed's example fields.
  assert.equal(acc.organization.slug, org.slug);
  assert.equal(acc.organization.type, 'organization');
  assert.equal(acc.organization.credentials, false);
  assert.match(acc.request_key, /^[0-9a-f]{40}$/);
  assert.equal(acc.accept_grant_api_url, null);
  assert.equal(acc.home_url, `http://portal.test/app/${org.slug}/`);
  assert.equal(acc.settings_url, `http://portal.test/profile/${org.slug}/contact/`);
  assert.equal(acc.remove_api_url, `http://portal.test/api/users/${xia.username}/accessibles/contributor/${org.slug}/`);
  assert.equal(acc.role_description.slug, 'contributor');
  assert.equal(acc.state, 'requested');
  assert.ok(acc.created_at);

  const mail = await s.smtp.waitFor(manager.email, (m) => m.text.includes(xia.username));
  assert.match(mail.text, /Let me in/);
  const link = new URL(linkIn(mail, '/roles/accept/')).pathname;
  assert.equal(link, `/api/profile/${org.slug}/roles/accept/${acc.request_key}/`);

  const listed = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  const pending = listed.json().results.find((r: { user: { slug: string } }) => r.user.slug === xia.username);
  assert.equal(pending.request_key, acc.request_key);
  assert.equal(pending.accept_request_api_url, `http://portal.test${link}`);

  const dup = await s.request({ method: 'POST', url: `/api/users/${xia.username}/accessibles/`, token: xia.token, body: { slug: org.slug } });
  assert.equal(dup.statusCode, 400);

  const unknownRole = await s.request({ method: 'POST', url: link, token: manager.token, body: { role: 'wizard' } });
  assert.equal(unknownRole.statusCode, 404);
  const accepted = await s.request({ method: 'POST', url: link, token: manager.token, body: { role: 'support' } });
  assert.equal(accepted.statusCode, 200);
  assert.equal(accepted.json().state, 'accepted');
  assert.equal(accepted.json().role_description.slug, 'support');
  assert.equal(accepted.json().request_key, null);
  const told = await s.smtp.waitFor(xia.email, (m) => m.subject.includes('accepted'));
  assert.match(told.text, /Support/);
  const twice = await s.request({ method: 'POST', url: link, token: manager.token });
  assert.equal(twice.statusCode, 404);
});

test('requests: a given role, re-send, deny, withdraw, bad input', async () => {
  const { manager, org } = await setup();
  const xia = await s.user();
  const res = await s.request({ method: 'POST', url: `/api/users/${xia.username}/accessibles/manager/`, token: xia.token, body: { slug: org.slug } });
  assert.equal(res.statusCode, 201);
  assert.equal(res.json().role_description.slug, 'manager');
  const key = res.json().request_key;
  await s.smtp.waitFor(manager.email, (m) => m.text.includes(key));
  const before = s.smtp.to(manager.email).filter((m) => m.text.includes(key)).length;
  const resent = await s.request({ method: 'POST', url: `/api/users/${xia.username}/accessibles/manager/${org.slug}/`, token: xia.token });
  assert.equal(resent.statusCode, 200);
  assert.equal(resent.json().request_key, key);
  assert.equal(resent.json().user.slug, xia.username);
  await s.smtp.waitFor(manager.email, () => s.smtp.to(manager.email).filter((m) => m.text.includes(key)).length > before);

  const denied = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/${key}/`, token: manager.token });
  assert.equal(denied.statusCode, 204);
  const gone = await s.request({ method: 'POST', url: `/api/users/${xia.username}/accessibles/manager/${org.slug}/`, token: xia.token });
  assert.equal(gone.statusCode, 404);

  const again = await s.request({ method: 'POST', url: `/api/users/${xia.username}/accessibles/`, token: xia.token, body: { slug: org.slug } });
  assert.equal(again.statusCode, 201);
  const withdrawn = await s.request({ method: 'DELETE', url: `/api/users/${xia.username}/accessibles/contributor/${org.slug}/`, token: xia.token });
  assert.equal(withdrawn.statusCode, 204);

  const url = `/api/users/${xia.username}/accessibles/`;
  assert.equal((await s.request({ method: 'POST', url, token: xia.token, body: '{"slug"' })).statusCode, 400);
  const missing = await s.request({ method: 'POST', url, token: xia.token, body: {} });
  assert.equal(missing.statusCode, 400);
  assert.ok(missing.json().slug);
  const wrong = await s.request({ method: 'POST', url, token: xia.token, body: { slug: ['x'] } });
  assert.equal(wrong.statusCode, 400);
  const unknown = await s.request({ method: 'POST', url, token: xia.token, body: { slug: 'no-such-org' } });
  assert.equal(unknown.statusCode, 404);
  const unknownRole = await s.request({ method: 'POST', url: `${url}wizard/`, token: xia.token, body: { slug: org.slug } });
  assert.equal(unknownRole.statusCode, 404);
  const member = await s.request({ method: 'POST', url: `/api/users/${manager.username}/accessibles/`, token: manager.token, body: { slug: org.slug } });
  assert.equal(member.statusCode, 400);
  const unknownKey = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/accept/abc123/`, token: manager.token });
  assert.equal(unknownKey.statusCode, 404);
  const badKey = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/accept/abc123/`, token: manager.token, body: { role: 5 } });
  assert.equal(badKey.statusCode, 400);
  const rows = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', xia.id).execute();
  assert.equal(rows.length, 0);
});

// ---- accessibles ----

test('accessibles list everything the user can access, with states, search and order', async () => {
  const a = await setup();
  const b = await setup();
  const xia = await s.user();
  await addRole(s, a.org, xia, 'contributor');
  await s.request({ method: 'POST', url: `/api/profile/${b.org.slug}/roles/manager/`, token: b.manager.token, body: { slug: xia.username } });
  const list = await s.request({ method: 'GET', url: `/api/users/${xia.username}/accessibles/?o=slug`, token: xia.token });
  assert.equal(list.statusCode, 200);
  const page = list.json();
  assert.equal(page.count, 2);
  const bySlug = Object.fromEntries(page.results.map((r: { slug: string }) => [r.slug, r]));
  assert.equal(bySlug[a.org.slug].state, 'accepted');
  assert.equal(bySlug[a.org.slug].printable_name, `Org ${a.org.slug}`);
  assert.equal(bySlug[a.org.slug].email, `help@${a.org.slug}.example.com`);
  assert.equal(bySlug[a.org.slug].role_description.organization, null);
  assert.equal(bySlug[b.org.slug].state, 'invited');
  const q = await s.request({ method: 'GET', url: `/api/users/${xia.username}/accessibles/?q=${b.org.slug}`, token: xia.token });
  assert.equal(q.json().count, 1);
  const kind = await s.request({ method: 'GET', url: `/api/users/${xia.username}/accessibles/manager/`, token: xia.token });
  assert.equal(kind.json().count, 1);
  assert.equal(kind.json().results[0].slug, b.org.slug);
  const unknownUser = await s.request({ method: 'GET', url: '/api/users/nobody-here/accessibles/', token: xia.token });
  assert.equal(unknownUser.statusCode, 404);
});

test('implicit_create_on_none: users of a proved domain get the role when they list their accessibles', async () => {
  const manager = await s.user();
  const domain = `${unique('dom').toLowerCase()}.example.org`;
  const org = await makeOrg(s, manager, { email: `contact@${domain}` });
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token,
    body: { title: 'Staff', implicit_create_on_none: true } });
  // The organization's e-mail proves nothing: the site's managers approve the domain.
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/domains/`, token: s.admin.token, body: { domain } });
  const insider = await s.user({ email: `${unique('in')}@${domain}` });
  const unverified = await s.user({ email: `${unique('un')}@${domain}`, activated: false });
  const outsider = await s.user();
  const list = await s.request({ method: 'GET', url: `/api/users/${insider.username}/accessibles/`, token: insider.token });
  assert.equal(list.json().count, 1);
  assert.equal(list.json().results[0].slug, org.slug);
  assert.equal(list.json().results[0].role_description.slug, 'staff');
  assert.equal(list.json().results[0].state, 'accepted');
  const twice = await s.request({ method: 'GET', url: `/api/users/${insider.username}/accessibles/`, token: insider.token });
  assert.equal(twice.json().count, 1);
  for (const u of [unverified, outsider]) {
    const none = await s.request({ method: 'GET', url: `/api/users/${u.username}/accessibles/`, token: u.token });
    assert.equal(none.json().count, 0);
  }
});

test('implicit_create_on_none: the role also arrives when a user of the domain logs in', async () => {
  const manager = await s.user();
  const domain = `${unique('dom').toLowerCase()}.example.org`;
  const org = await makeOrg(s, manager, { email: `contact@${domain}` });
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token,
    body: { title: 'Staff', implicit_create_on_none: true } });
  // The organization's e-mail proves nothing: the site's managers approve the domain.
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/domains/`, token: s.admin.token, body: { domain } });
  const insider = await s.user({ email: `${unique('in')}@${domain}` });
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: insider.username, password: insider.password } });
  assert.equal(login.statusCode, 200, login.body);
  const roles = await s.core.db.selectFrom('roles').innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .select(['role_descriptions.slug', 'roles.accepted_at']).where('roles.user_id', '=', insider.id).where('roles.organization_id', '=', org.id).execute();
  assert.equal(roles.length, 1);
  assert.equal(roles[0].slug, 'staff');
  assert.ok(roles[0].accepted_at);
});

test('the new routes are in the OpenAPI document', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  for (const path of [
    '/api/profile/{organization}/roles/', '/api/profile/{organization}/roles/describe/',
    '/api/profile/{organization}/roles/describe/{role}/', '/api/profile/{organization}/roles/{role}/',
    '/api/profile/{organization}/roles/{role}/{user}/', '/api/profile/{organization}/roles/accept/{request_key}/',
    '/api/users/{user}/accessibles/', '/api/users/{user}/accessibles/{role}/',
    '/api/users/{user}/accessibles/accept/{verification_key}/', '/api/users/{user}/accessibles/{role}/{organization}/',
  ]) assert.ok(doc.paths[path], path);
  assert.match(doc.paths['/api/profile/{organization}/roles/accept/{request_key}/'].post.summary, /addition/);
});

test('concurrent claims of one invitation: exactly one claimant gets it', async () => {
  const { manager, org } = await setup();
  const email = `${unique('race')}@elsewhere.example.com`;
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { email } });
  const path = new URL(linkIn(await s.smtp.waitFor(email), '/accessibles/accept/')).pathname;
  const claimants = await Promise.all([s.user(), s.user(), s.user()]);
  const results = await Promise.all(claimants.map((c) => s.request({ method: 'PUT', url: path, token: c.token })));
  assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 404, 404]);
  const winner = claimants[results.findIndex((r) => r.statusCode === 200)];
  const roles = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token });
  assert.equal(roles.json().count, 1);
  assert.equal(roles.json().results[0].user.slug, winner.username);
  assert.equal(roles.json().results[0].state, 'accepted');
  const all = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/*/`, token: manager.token });
  assert.equal(all.json().count, 2);
});

// ---- history ----

test('every membership change is recorded as an event on the organization', async () => {
  const { manager, org } = await setup();
  const member = await s.user();
  const requester = await s.user();
  const granted = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: member.username } });
  assert.equal(granted.statusCode, 201, granted.body);
  const revoked = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/contributor/${member.username}/`, token: manager.token });
  assert.equal(revoked.statusCode, 204);
  const asked = await s.request({ method: 'POST', url: `/api/users/${requester.username}/accessibles/`, token: requester.token, body: { slug: org.slug } });
  assert.equal(asked.statusCode, 201, asked.body);
  const key = asked.json().request_key as string;
  const denied = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/${key}/`, token: manager.token });
  assert.equal(denied.statusCode, 204);

  const events = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/events/`, token: manager.token });
  assert.equal(events.statusCode, 200);
  const seen = events.json().results.map((e: { type: string; actor: string | null; detail: Record<string, unknown> }) => [e.type, e.actor, e.detail.user]);
  assert.deepEqual(seen.slice(0, 4), [
    ['role.request_denied', manager.username, requester.username],
    ['role.requested', requester.username, requester.username],
    ['role.revoked', manager.username, member.username],
    ['role.invited', manager.username, member.username],
  ]);
});
