// Join requests, grants and implicit roles, seen as an attacker with an ordinary account
// would try them: what a request's answer reveals, what a grant's answer reveals, the seat
// quota, mail volume towards managers, and which e-mail domains an organization may claim.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { addRole, makeOrg, type TestOrg } from './helpers.js';

let s: TestService;
// Small limits so the tests reach them; the defaults are in src/config.ts.
before(async () => {
  s = await startService({
    JOIN_REQUEST_LIMIT_PER_USER: '5',
    JOIN_REQUEST_LIMIT_PER_ORGANIZATION: '4',
    JOIN_REQUEST_WINDOW_SECONDS: '600',
  });
});
after(async () => { await s.stop(); });

async function setup(options: { email?: string; seatQuota?: number } = {}): Promise<{ manager: TestUser; org: TestOrg }> {
  const manager = await s.user();
  return { manager, org: await makeOrg(s, manager, options) };
}

async function outboxTo(email: string, template: string): Promise<number> {
  const rows = await s.core.db.selectFrom('mail_outbox').select('id')
    .where('recipient', '=', email.toLowerCase()).where('template', '=', template).execute();
  return rows.length;
}

function ask(user: TestUser, orgSlug: string, message?: string) {
  return s.request({ method: 'POST', url: `/api/users/${user.username}/accessibles/`, token: user.token, body: { slug: orgSlug, message } });
}

// ---- 15.5: what a request answers ----

test('a join request answers only the slug and printable name, the same for a suspended organization', async () => {
  const { org } = await setup();
  await s.core.db.updateTable('organizations').set({
    email: 'board@secret-corp.example', phone: '+15555550100', street_address: '1 Hidden Lane', locality: 'Nowhere',
    region: 'NA', postal_code: '99999', country: 'US',
  }).where('id', '=', org.id).execute();
  const stranger = await s.user();
  const profile = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/`, token: stranger.token });
  assert.equal(profile.statusCode, 404);

  const res = await ask(stranger, org.slug);
  assert.equal(res.statusCode, 201, res.body);
  for (const secret of ['board@secret-corp.example', '+15555550100', '1 Hidden Lane', 'Nowhere', '99999']) {
    assert.ok(!res.body.includes(secret), `the answer reveals ${secret}`);
  }
  const body = res.json();
  assert.equal(body.slug, org.slug);
  assert.equal(body.printable_name, `Org ${org.slug}`);
  assert.equal(body.organization.slug, org.slug);
  assert.equal(body.state, 'requested');

  // Re-sending and listing show no more than the answer did.
  const resent = await s.request({ method: 'POST', url: `/api/users/${stranger.username}/accessibles/contributor/${org.slug}/`, token: stranger.token });
  assert.equal(resent.statusCode, 200, resent.body);
  assert.ok(!resent.body.includes('board@secret-corp.example') && !resent.body.includes('1 Hidden Lane'), resent.body);
  const listed = await s.request({ method: 'GET', url: `/api/users/${stranger.username}/accessibles/`, token: stranger.token });
  assert.ok(!listed.body.includes('board@secret-corp.example') && !listed.body.includes('1 Hidden Lane'), listed.body);

  // A suspended organization answers exactly like an active one.
  const suspended = await setup();
  await s.core.db.updateTable('organizations').set({ status: 'suspended', status_reason: 'Unpaid' }).where('id', '=', suspended.org.id).execute();
  const other = await setup();
  const a = await ask(stranger, suspended.org.slug);
  const b = await ask(stranger, other.org.slug);
  assert.equal(a.statusCode, b.statusCode);
  assert.equal(a.statusCode, 201, a.body);
  assert.deepEqual(Object.keys(a.json()).sort(), Object.keys(b.json()).sort());
  assert.ok(!a.body.includes('Unpaid'));
});

test("a join request on someone's personal profile does not reveal their e-mail", async () => {
  const owner = await s.user();
  const { org } = await setup();
  await s.core.db.updateTable('organizations').set({ type: 'personal', personal_user_id: owner.id, email: owner.email })
    .where('id', '=', org.id).execute();
  const stranger = await s.user();
  const res = await ask(stranger, org.slug);
  assert.equal(res.statusCode, 201, res.body);
  assert.ok(!res.body.includes(owner.email), res.body);
});

// ---- 6.10: pending requests take no seat ----

test('pending join requests take no seat; a manager accepting one needs a free seat', async () => {
  const { manager, org } = await setup({ seatQuota: 2 });
  const strangers = [await s.user(), await s.user(), await s.user()];
  for (const stranger of strangers) {
    const res = await ask(stranger, org.slug);
    assert.equal(res.statusCode, 201, res.body);
  }
  // The requests fill nothing: the manager still grants the second seat.
  const colleague = await s.user();
  const grant = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: colleague.username } });
  assert.equal(grant.statusCode, 201, grant.body);
  const quotas = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/quotas/`, token: manager.token });
  if (quotas.statusCode === 200) assert.equal(quotas.json().seats, 2);
  // Now the organization is full: accepting a request is refused, and the request stays.
  const row = await s.core.db.selectFrom('roles').select('request_key').where('organization_id', '=', org.id)
    .where('user_id', '=', strangers[0].id).executeTakeFirstOrThrow();
  const accept = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/accept/${row.request_key}/`, token: manager.token });
  assert.equal(accept.statusCode, 403, accept.body);
  assert.match(accept.json().detail, /seat_quota/);
  const still = await s.core.db.selectFrom('roles').select('accepted_at').where('organization_id', '=', org.id)
    .where('user_id', '=', strangers[0].id).executeTakeFirstOrThrow();
  assert.equal(still.accepted_at, null);
  // Nor does a requester slip in past the quota by being granted a role directly.
  const direct = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token, body: { slug: strangers[1].username } });
  assert.equal(direct.statusCode, 403, direct.body);
  assert.match(direct.json().detail, /seat_quota/);
});

// ---- 15.11: limits, deny all, block ----

test('join requests are limited per requester, then allowed again after the window', async () => {
  const requester = await s.user();
  const orgs = [];
  for (let i = 0; i < 6; i += 1) orgs.push((await setup()).org);
  for (let i = 0; i < 5; i += 1) assert.equal((await ask(requester, orgs[i].slug)).statusCode, 201);
  const over = await ask(requester, orgs[5].slug);
  assert.equal(over.statusCode, 429, over.body);
  assert.ok(Number(over.headers['retry-after']) > 0);
  // Re-sending counts too: it mails the managers again.
  const resend = await s.request({ method: 'POST', url: `/api/users/${requester.username}/accessibles/contributor/${orgs[0].slug}/`, token: requester.token });
  assert.equal(resend.statusCode, 429, resend.body);
  // Withdrawing and asking again does not reset the count.
  await s.request({ method: 'DELETE', url: `/api/users/${requester.username}/accessibles/contributor/${orgs[0].slug}/`, token: requester.token });
  assert.equal((await ask(requester, orgs[0].slug)).statusCode, 429);
  s.clock.advance(601);
  assert.equal((await ask(requester, orgs[5].slug)).statusCode, 201);
});

test("an organization's managers are mailed a bounded number of requests; the rest wait in the list", async () => {
  const { manager, org } = await setup();
  const requesters = [await s.user(), await s.user(), await s.user(), await s.user(), await s.user(), await s.user()];
  for (const r of requesters) assert.equal((await ask(r, org.slug, 'x'.repeat(2000))).statusCode, 201);
  assert.equal(await outboxTo(manager.email, 'role_request'), 4);
  const listed = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  assert.equal(listed.json().count, 7);
});

test('managers deny every pending request at once, and block a requester who then notifies nobody', async () => {
  const { manager, org } = await setup();
  const member = await s.user();
  await addRole(s, org, member, 'contributor');
  const pest = await s.user();
  const polite = await s.user();
  assert.equal((await ask(pest, org.slug, 'spam')).statusCode, 201);
  assert.equal((await ask(polite, org.slug)).statusCode, 201);

  // Only managers may.
  const byMember = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/`, token: member.token });
  assert.equal(byMember.statusCode, 403);
  const byStranger = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/`, token: pest.token });
  assert.equal(byStranger.statusCode, 404);

  const all = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/`, token: manager.token });
  assert.equal(all.statusCode, 200, all.body);
  assert.equal(all.json().denied, 2);
  const left = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  assert.equal(left.json().count, 2);

  // Deny one request and block its author.
  const again = await ask(pest, org.slug, 'spam again');
  assert.equal(again.statusCode, 201);
  const blocked = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/accept/${again.json().request_key}/?block=true`, token: manager.token });
  assert.equal(blocked.statusCode, 204, blocked.body);
  const blockList = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/blocked/`, token: manager.token });
  assert.equal(blockList.statusCode, 200, blockList.body);
  assert.deepEqual(blockList.json().results.map((b: { user: { slug: string } }) => b.user.slug), [pest.username]);

  // The blocked requester gets the usual answer, but nobody is mailed and managers don't see it.
  const mailsBefore = await outboxTo(manager.email, 'role_request');
  const silent = await ask(pest, org.slug, 'spam thrice');
  assert.equal(silent.statusCode, 201, silent.body);
  assert.deepEqual(Object.keys(silent.json()).sort(), Object.keys(again.json()).sort());
  assert.equal(silent.json().state, 'requested');
  assert.equal(await outboxTo(manager.email, 'role_request'), mailsBefore);
  const resent = await s.request({ method: 'POST', url: `/api/users/${pest.username}/accessibles/contributor/${org.slug}/`, token: pest.token });
  assert.equal(resent.statusCode, 200);
  assert.equal(await outboxTo(manager.email, 'role_request'), mailsBefore);
  const hidden = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  assert.ok(!hidden.json().results.some((r: { user: { slug: string } }) => r.user.slug === pest.username));
  const described = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/describe/contributor/`, token: manager.token });
  assert.ok(!described.body.includes(pest.username), described.body);

  // Unblocking: the next request is mailed again.
  const unblock = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/blocked/${pest.username}/`, token: manager.token });
  assert.equal(unblock.statusCode, 204, unblock.body);
  await s.request({ method: 'DELETE', url: `/api/users/${pest.username}/accessibles/contributor/${org.slug}/`, token: pest.token });
  assert.equal((await ask(pest, org.slug)).statusCode, 201);
  assert.equal(await outboxTo(manager.email, 'role_request'), mailsBefore + 1);
});

// ---- 6.11: what a grant answers ----

test('granting by e-mail answers the same whether the address has an account, and never its username or name', async () => {
  const { manager, org } = await setup();
  const known = await s.user({ fullName: 'Known Person', email: `${unique('kp')}@corp.example.net` });
  const unknownEmail = `${unique('nobody')}@elsewhere.example.com`.toLowerCase();
  const url = `/api/profile/${org.slug}/roles/contributor/`;
  const a = await s.request({ method: 'POST', url, token: manager.token, body: { email: known.email, full_name: 'Typed Name' } });
  const b = await s.request({ method: 'POST', url, token: manager.token, body: { email: unknownEmail, full_name: 'Typed Name' } });
  assert.equal(a.statusCode, 201, a.body);
  assert.equal(b.statusCode, b.statusCode);
  for (const leak of [known.username, 'Known Person']) assert.ok(!a.body.includes(leak), `grant answer reveals ${leak}: ${a.body}`);
  // Same answer once the address itself is set aside.
  const normalize = (body: string, email: string) => {
    const value = JSON.parse(body.split(email).join('EMAIL').split(encodeURIComponent(email)).join('EMAIL'));
    delete value.created_at; delete value.user.created_at;
    return value;
  };
  assert.deepEqual(normalize(a.body, known.email.toLowerCase()), normalize(b.body, unknownEmail));
  assert.equal(a.json().user.credentials, false);

  // The organization's list of roles and its history show no more, and searching by the
  // hidden username finds nothing.
  const listed = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  assert.ok(!listed.body.includes(known.username) && !listed.body.includes('Known Person'), listed.body);
  const searched = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?q=${known.username}`, token: manager.token });
  assert.equal(searched.json().count, 0);
  const events = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/events/`, token: manager.token });
  assert.ok(!events.body.includes(known.username), events.body);

  // Naming the account's username finds nothing: that would link it to the address.
  const byUsername = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/contributor/${known.username}/`, token: manager.token });
  const byStranger = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/contributor/${(await s.user()).username}/`, token: manager.token });
  assert.equal(byUsername.statusCode, 404);
  assert.equal(byUsername.json().detail.replace(known.username, 'X'), byStranger.json().detail.replace(/^\S+/, 'X'));
  const resend = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/${known.username}/`, token: manager.token });
  assert.equal(resend.statusCode, 404);
  // The invitation is re-sent and revoked with the address it was made to.
  const resendByAddress = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/${encodeURIComponent(known.email)}/`, token: manager.token });
  assert.equal(resendByAddress.statusCode, 200, resendByAddress.body);
  const removed = await s.request({ method: 'DELETE', url: new URL(a.json().remove_api_url).pathname, token: manager.token });
  assert.equal(removed.statusCode, 204, removed.body);
  // The grantee declines the other one themselves.
  const invitee = await s.user({ email: `${unique('dec')}@corp.example.net` });
  assert.equal((await s.request({ method: 'POST', url, token: manager.token, body: { email: invitee.email } })).statusCode, 201);
  const declined = await s.request({ method: 'DELETE', url: `/api/users/${invitee.username}/accessibles/contributor/${org.slug}/`, token: invitee.token });
  assert.equal(declined.statusCode, 204, declined.body);
});

test('granting by e-mail an account already invited by username answers like a new invitation, not 409', async () => {
  const { manager, org } = await setup();
  const xia = await s.user({ email: `${unique('xia')}@corp.example.net` });
  const url = `/api/profile/${org.slug}/roles/contributor/`;
  assert.equal((await s.request({ method: 'POST', url, token: manager.token, body: { slug: xia.username } })).statusCode, 201);
  const byEmail = await s.request({ method: 'POST', url, token: manager.token, body: { email: xia.email } });
  assert.equal(byEmail.statusCode, 201, byEmail.body);
  assert.ok(!byEmail.body.includes(xia.username), byEmail.body);
  // And back: by username again re-addresses it, by the same address twice is a 409.
  assert.equal((await s.request({ method: 'POST', url, token: manager.token, body: { email: xia.email } })).statusCode, 409);
  const back = await s.request({ method: 'POST', url, token: manager.token, body: { slug: xia.username } });
  assert.equal(back.statusCode, 201, back.body);
  assert.ok(!back.body.includes(xia.email), back.body);
  const rows = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', xia.id).execute();
  assert.equal(rows.length, 1);
  // The last key mailed works.
  const mail = await s.smtp.waitFor(xia.email, () => s.smtp.to(xia.email).filter((m) => m.text.includes('/accessibles/accept/')).length >= 3);
  const key = new URL(mail.text.match(/https?:\/\/\S+\/accessibles\/accept\/\S+\//)![0]).pathname;
  assert.equal((await s.request({ method: 'PUT', url: key, token: xia.token })).statusCode, 200);
});

test('granting by username answers neither the e-mail nor the name until the user accepts', async () => {
  const { manager, org } = await setup();
  const xia = await s.user({ fullName: 'Xia Private' });
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: manager.token, body: { slug: xia.username } });
  assert.equal(res.statusCode, 201, res.body);
  assert.ok(!res.body.includes(xia.email) && !res.body.includes('Xia Private'), res.body);
  assert.equal(res.json().user.slug, xia.username);
  const listed = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/`, token: manager.token });
  assert.ok(!listed.body.includes(xia.email), listed.body);
  const searched = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/roles/?q=${encodeURIComponent(xia.email)}`, token: manager.token });
  assert.equal(searched.json().count, 0);
});

// ---- 6.9: implicit roles need a proved domain; leaving sticks ----

async function implicitOrg(domain: string) {
  const { manager, org } = await setup({ email: `it@${domain}` });
  const made = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/describe/`, token: manager.token,
    body: { title: 'Staff', implicit_create_on_none: true } });
  assert.equal(made.statusCode, 201, made.body);
  return { manager, org };
}

async function login(user: TestUser): Promise<void> {
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: user.username, password: user.password } });
  assert.equal(res.statusCode, 200, res.body);
}

async function rolesOn(org: TestOrg, user: TestUser): Promise<number> {
  return (await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).where('user_id', '=', user.id).execute()).length;
}

test("implicit roles: an organization's own e-mail proves no domain", async () => {
  const domain = `${unique('victim').toLowerCase()}.test`;
  const { org } = await implicitOrg(domain);
  const employee = await s.user({ email: `${unique('emp')}@${domain}` });
  await login(employee);
  const list = await s.request({ method: 'GET', url: `/api/users/${employee.username}/accessibles/`, token: employee.token });
  assert.equal(list.json().count, 0);
  assert.equal(await rolesOn(org, employee), 0);
});

test('implicit roles: a domain is proved only when the broker approves it', async () => {
  const domain = `${unique('corp').toLowerCase()}.test`;
  const { manager, org } = await implicitOrg(domain);
  const employee = await s.user({ email: `${unique('emp')}@${domain}` });
  const domains = `/api/profile/${org.slug}/domains/`;

  // A manager only asks: the domain stays pending.
  const asked = await s.request({ method: 'POST', url: domains, token: manager.token, body: { domain } });
  assert.equal(asked.statusCode, 201, asked.body);
  assert.equal(asked.json().status, 'pending');
  await login(employee);
  assert.equal(await rolesOn(org, employee), 0);

  // Only the broker's managers approve; others don't even learn more.
  const member = await s.user();
  await addRole(s, org, member, 'contributor');
  const approveUrl = `${domains}${domain}/approve/`;
  assert.equal((await s.request({ method: 'POST', url: approveUrl, token: manager.token })).statusCode, 403);
  assert.equal((await s.request({ method: 'POST', url: domains, token: member.token, body: { domain: 'x.test' } })).statusCode, 403);
  const stranger = await s.user();
  assert.equal((await s.request({ method: 'GET', url: domains, token: stranger.token })).statusCode, 404);
  // The site's managers find it among the pending domains; nobody else may list them.
  const pending = await s.request({ method: 'GET', url: '/api/domains/', token: s.admin.token });
  assert.equal(pending.statusCode, 200, pending.body);
  assert.ok(pending.json().results.some((d: { organization: string; domain: string }) => d.organization === org.slug && d.domain === domain));
  assert.equal((await s.request({ method: 'GET', url: '/api/domains/', token: manager.token })).statusCode, 403);
  const approved = await s.request({ method: 'POST', url: approveUrl, token: s.admin.token });
  assert.equal(approved.statusCode, 200, approved.body);
  assert.equal(approved.json().status, 'verified');
  assert.equal(approved.json().verified_how, 'broker');
  assert.equal(approved.json().verified_by, 'admin');

  await login(employee);
  assert.equal(await rolesOn(org, employee), 1);

  // A second organization cannot claim a domain another has proved.
  const rival = await setup();
  await s.core.db.updateTable('users').set({ email: `${unique('boss')}@${domain}` }).where('id', '=', rival.manager.id).execute();
  const clash = await s.request({ method: 'POST', url: `/api/profile/${rival.org.slug}/domains/`, token: rival.manager.token, body: { domain } });
  assert.equal(clash.statusCode, 409, clash.body);

  // Bad input names the field.
  const bad = await s.request({ method: 'POST', url: domains, token: manager.token, body: { domain: 'not a domain' } });
  assert.equal(bad.statusCode, 400);
  assert.ok(bad.json().domain);
});

test("implicit roles: one manager's verified mailbox at a domain proves nothing; free-mail domains are refused to everyone", async () => {
  // One student or employee must not claim a whole university or company (and, since a
  // domain belongs to one organization, lock the real one out).
  const domain = `${unique('acme').toLowerCase()}.test`;
  const { manager, org } = await implicitOrg(domain);
  const domains = `/api/profile/${org.slug}/domains/`;
  await s.core.db.updateTable('users').set({ email: `${unique('boss')}@${domain}`, email_verified_at: new Date() }).where('id', '=', manager.id).execute();
  const asked = await s.request({ method: 'POST', url: domains, token: manager.token, body: { domain: domain.toUpperCase() } });
  assert.equal(asked.statusCode, 201, asked.body);
  assert.equal(asked.json().status, 'pending');
  assert.equal(asked.json().verified_how, null);
  const employee = await s.user({ email: `${unique('emp')}@${domain}` });
  await login(employee);
  assert.equal(await rolesOn(org, employee), 0);

  // The real organization can still have it verified by the site's managers.
  const real = await setup();
  const claim = await s.request({ method: 'POST', url: `/api/profile/${real.org.slug}/domains/`, token: s.admin.token, body: { domain } });
  assert.equal(claim.statusCode, 201, claim.body);
  assert.equal(claim.json().status, 'verified');

  for (const caller of [manager.token, s.admin.token]) {
    const gmail = await s.request({ method: 'POST', url: domains, token: caller, body: { domain: 'gmail.com' } });
    assert.equal(gmail.statusCode, 400, gmail.body);
    assert.ok(gmail.json().domain);
  }
});

test('implicit roles: leaving or being removed sticks; the user is not enrolled again', async () => {
  const domain = `${unique('stick').toLowerCase()}.test`;
  const { manager, org } = await implicitOrg(domain);
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/domains/`, token: manager.token, body: { domain } });
  await s.request({ method: 'POST', url: `/api/profile/${org.slug}/domains/${domain}/approve/`, token: s.admin.token });
  const leaver = await s.user({ email: `${unique('leaver')}@${domain}` });
  const removed = await s.user({ email: `${unique('removed')}@${domain}` });
  await login(leaver);
  await login(removed);
  assert.equal(await rolesOn(org, leaver), 1);
  assert.equal(await rolesOn(org, removed), 1);

  const left = await s.request({ method: 'DELETE', url: `/api/users/${leaver.username}/accessibles/*/${org.slug}/`, token: leaver.token });
  assert.equal(left.statusCode, 204, left.body);
  const revoked = await s.request({ method: 'DELETE', url: `/api/profile/${org.slug}/roles/*/${removed.username}/`, token: manager.token });
  assert.equal(revoked.statusCode, 204, revoked.body);
  await login(leaver);
  await login(removed);
  await s.request({ method: 'GET', url: `/api/users/${leaver.username}/accessibles/`, token: leaver.token });
  assert.equal(await rolesOn(org, leaver), 0);
  assert.equal(await rolesOn(org, removed), 0);
});
