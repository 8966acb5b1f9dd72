// get.chat's users and accesses (U1-U5) and roles (G8): invitations by e-mail with the least
// privileged role by default, with or without the mail; accepting with the mailed token;
// changing a role; removing; the Partner role given only by partners.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { linkIn } from '../support/smtp.js';
import { giveRole } from '../support/fixtures.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

async function ownOrganization(owner: TestUser): Promise<{ id: number }> {
  const r = await s.request({ method: 'POST', url: '/account/organizations', token: owner.token, body: { name: unique('Org ') } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json();
}

async function roleIds(org: { id: number }, token: string): Promise<Record<string, number>> {
  const r = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/roles`, token });
  assert.equal(r.statusCode, 200, r.body);
  return Object.fromEntries(r.json().data.map((role: { name: string; id: number }) => [role.name, role.id]));
}

test('roles: Owner, Maintainer and Partner, then the organization\'s own', async () => {
  const owner = await s.user();
  const org = await ownOrganization(owner);
  await s.core.db.insertInto('role_descriptions').values({ organization_id: org.id, slug: 'support', title: 'Support', extra: 'Answers chats' }).execute();
  const r = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/roles`, token: owner.token });
  assert.equal(r.statusCode, 200);
  assert.deepEqual(r.json().data.map((role: { name: string }) => role.name), ['Owner', 'Maintainer', 'Partner', 'Support']);
  assert.equal(r.json().data[3].description, 'Answers chats');
  assert.ok(r.json().data[1].description.includes('least privileged'));
  const stranger = await s.user();
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}/roles`, token: stranger.token })).statusCode, 404);
});

test('invite by e-mail: Maintainer by default, mailed; the invitee registers, accepts, and appears as a user', async () => {
  const owner = await s.user();
  const org = await ownOrganization(owner);
  const roles = await roleIds(org, owner.token);
  const email = `${unique('inv')}@example.com`;
  const invited = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/users`, token: owner.token, body: { email } });
  assert.equal(invited.statusCode, 201, invited.body);
  const access = invited.json();
  assert.equal(access.type, 'INVITED');
  assert.equal(access.role_id, roles.Maintainer);
  assert.equal(access.role.name, 'Maintainer');
  assert.equal(access.organization_id, org.id);
  assert.equal(access.user.email, email);
  assert.equal(access.user.is_email_verified, false);
  await s.core.jobs.idle();
  const mail = await s.smtp.waitFor(email, (m) => m.text.includes('/accessibles/accept/'));
  const key = linkIn(mail, '/accessibles/accept/').split('/').filter(Boolean).at(-1)!;

  // Pending: listed with only the address; the same access by user id.
  const listed = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/users?type[eq]=INVITED`, token: owner.token });
  assert.equal(listed.statusCode, 200, listed.body);
  assert.deepEqual(listed.json().data.map((u: { email: string }) => u.email), [email]);
  const one = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/users/${access.user_id}`, token: owner.token });
  assert.equal(one.statusCode, 200);
  assert.equal(one.json().id, access.id);

  // The invitee registers with that address, verifies it and accepts with the mailed token.
  await s.request({ method: 'POST', url: '/account/register', body: { email, password: 'Invitee-Horse-42' } });
  await s.core.jobs.idle();
  const activation = linkIn(await s.smtp.waitFor(email, (m) => m.text.includes('/activate/')), '/activate/').split('/').filter(Boolean).at(-1)!;
  const verified = await s.request({ method: 'POST', url: '/account/verify-email', body: { token: activation, password: 'Invitee-Horse-42' } });
  assert.equal(verified.statusCode, 200, verified.body);
  const invitee = verified.json().access_token;
  const wrongKey = await s.request({ method: 'POST', url: '/account/invitations/accept', token: invitee, body: { token: 'nope' } });
  assert.equal(wrongKey.statusCode, 404);
  const accepted = await s.request({ method: 'POST', url: '/account/invitations/accept', token: invitee, body: { token: key } });
  assert.equal(accepted.statusCode, 200, accepted.body);
  assert.equal(accepted.json().type, 'DIRECT');
  assert.equal(accepted.json().role.name, 'Maintainer');
  const inviteeId = accepted.json().user_id;

  const users = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/users?sort=+id`, token: owner.token });
  assert.equal(users.json().pagination.total, 2);
  const me = users.json().data.find((u: { id: number }) => u.id === inviteeId);
  assert.equal(me.email, email);
  assert.equal(me.is_email_verified, true);
  for (const [query, total] of [
    [`user_id[eq]=${inviteeId}`, 1], [`user_email[eq]=${email}`, 1], [`role_id[eq]=${roles.Owner}`, 1], ['role_name[eq]=Maintainer', 1],
    ['type[eq]=DIRECT', 2], ['type[eq]=INVITED', 0], [`organization_id[eq]=${org.id}`, 2], [`organization_id[ne]=${org.id}`, 0],
    ['organization_partner_id[eq]=1', 0],
  ] as const) {
    const r = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/users?${query}`, token: owner.token });
    assert.equal(r.statusCode, 200, `${query}: ${r.body}`);
    assert.equal(r.json().pagination.total, total, query);
  }
  // The invitee now lists the organization; a Maintainer reads users but may not invite.
  const mine = await s.request({ method: 'GET', url: '/account/organizations', token: invitee });
  assert.deepEqual(mine.json().data.map((o: { id: number }) => o.id), [org.id]);
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}/users`, token: invitee })).statusCode, 200);
  const notAllowed = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/users`, token: invitee, body: { email: `${unique('x')}@example.com` } });
  assert.equal(notAllowed.statusCode, 403);

  // Change the role, then remove the access.
  const promoted = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}/users/${inviteeId}`, token: owner.token, body: { role_id: roles.Owner } });
  assert.equal(promoted.statusCode, 200, promoted.body);
  assert.equal(promoted.json().role.name, 'Owner');
  const native = await s.request({ method: 'GET', url: `/api/profile/${(await s.core.db.selectFrom('organizations').select('slug').where('id', '=', org.id).executeTakeFirstOrThrow()).slug}/roles/manager/`, token: owner.token });
  assert.equal(native.json().count, 2);
  const removed = await s.request({ method: 'DELETE', url: `/account/organizations/${org.id}/users/${inviteeId}`, token: owner.token });
  assert.equal(removed.statusCode, 200, removed.body);
  assert.equal(removed.json().role.name, 'Owner');
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}/users/${inviteeId}`, token: owner.token })).statusCode, 404);
  // The last Owner stays.
  const last = await s.request({ method: 'DELETE', url: `/account/organizations/${org.id}/users/${owner.id}`, token: owner.token });
  assert.equal(last.statusCode, 409);
  assert.equal(last.json().code, 'role.last_manager');
  const demote = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}/users/${owner.id}`, token: owner.token, body: { role_id: roles.Maintainer } });
  assert.equal(demote.statusCode, 409);
});

test('invite without the mail; invite again with it; a user with an access is a 409', async () => {
  const owner = await s.user();
  const org = await ownOrganization(owner);
  const email = `${unique('quiet')}@example.com`;
  const quiet = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/users`, token: owner.token, body: { email, send_invitation_email: false } });
  assert.equal(quiet.statusCode, 201, quiet.body);
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(email).length, 0);
  const mailed = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/users`, token: owner.token, body: { email } });
  assert.equal(mailed.statusCode, 201, mailed.body);
  assert.equal(mailed.json().id, quiet.json().id);
  await s.core.jobs.idle();
  await s.smtp.waitFor(email, (m) => m.text.includes('/accessibles/accept/'));
  const member = await s.user();
  await giveRole(s, { id: org.id, slug: '' }, member.id, 'contributor');
  const twice = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/users`, token: owner.token, body: { email: member.email } });
  assert.equal(twice.statusCode, 409);
  // Removing a pending invitation by its user id.
  const gone = await s.request({ method: 'DELETE', url: `/account/organizations/${org.id}/users/${quiet.json().user_id}`, token: owner.token });
  assert.equal(gone.statusCode, 200, gone.body);
  assert.equal(gone.json().type, 'INVITED');
});

test('the Partner role: only partners give it; a partner\'s Owners manage the customers\' users', async () => {
  const owner = await s.user();
  const org = await ownOrganization(owner);
  const roles = await roleIds(org, owner.token);
  const member = await s.user();
  await giveRole(s, { id: org.id, slug: '' }, member.id, 'contributor');
  const refused = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}/users/${owner.id}`, token: owner.token, body: { role_id: roles.Partner } });
  assert.equal(refused.statusCode, 403);
  const invite = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/users`, token: owner.token, body: { email: `${unique('p')}@example.com`, role_id: roles.Partner } });
  assert.equal(invite.statusCode, 403);
  // The broker promotes the Owner to Partner (the organization keeps a manager: the partner).
  const promoted = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}/users/${owner.id}`, token: s.admin.token, body: { role_id: roles.Partner } });
  assert.equal(promoted.statusCode, 200, promoted.body);
  const permissions = (await s.request({ method: 'GET', url: `/account/organizations/${org.id}/permissions`, token: owner.token })).json();
  assert.ok(permissions.includes('organization.deployments.partner_settings'));
  assert.ok(permissions.includes('organization.id_tokens.issue'));
  // Now the partner may give the role; the native surface is held to the same rule.
  const given = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}/users/${member.id}`, token: owner.token, body: { role_id: roles.Partner } });
  assert.equal(given.statusCode, 200, given.body);

  const customer = (await s.request({ method: 'POST', url: `/account/organizations/${org.id}/customers`, token: owner.token, body: { name: 'Their customer' } })).json();
  const inviteThere = await s.request({ method: 'POST', url: `/account/organizations/${customer.id}/users`, token: owner.token, body: { email: `${unique('c')}@example.com`, role_id: roles.Owner } });
  assert.equal(inviteThere.statusCode, 201, inviteThere.body);
  assert.equal(inviteThere.json().role.name, 'Owner');

  const otherOwner = await s.user();
  const other = await ownOrganization(otherOwner);
  const slug = (await s.core.db.selectFrom('organizations').select('slug').where('id', '=', other.id).executeTakeFirstOrThrow()).slug;
  const native = await s.request({ method: 'POST', url: `/api/profile/${slug}/roles/partner/`, token: otherOwner.token, body: { email: `${unique('n')}@example.com` } });
  assert.equal(native.statusCode, 403);
});

test('accesses: bad input and callers not allowed', async () => {
  const owner = await s.user();
  const org = await ownOrganization(owner);
  const maintainer = await s.user();
  await giveRole(s, { id: org.id, slug: '' }, maintainer.id, 'contributor');
  const stranger = await s.user();
  const url = `/account/organizations/${org.id}/users`;
  for (const body of [{}, { email: 'nope' }, { email: 5 }, { email: 'a@example.com', role_id: 'x' }, { email: 'a@example.com', send_invitation_email: 'yes' }, { email: 'a@example.com', extra: 1 }]) {
    const r = await s.request({ method: 'POST', url, token: owner.token, body });
    assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
  }
  const badJson = await s.request({ method: 'POST', url, token: owner.token, body: '{"email"', headers: { 'content-type': 'application/json' } });
  assert.equal(badJson.statusCode, 400);
  const unknownRole = await s.request({ method: 'POST', url, token: owner.token, body: { email: `${unique('r')}@example.com`, role_id: 999999999 } });
  assert.equal(unknownRole.statusCode, 404);
  const patchBad = await s.request({ method: 'PATCH', url: `${url}/${maintainer.id}`, token: owner.token, body: {} });
  assert.equal(patchBad.statusCode, 400);
  assert.match(patchBad.json().description, /role_id/);
  assert.equal((await s.request({ method: 'GET', url: `${url}/999999999`, token: owner.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url: `${url}/abc`, token: owner.token })).statusCode, 400);
  assert.equal((await s.request({ method: 'GET', url, token: stranger.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url, token: stranger.token, body: { email: `${unique('s')}@example.com` } })).statusCode, 404);
  assert.equal((await s.request({ method: 'DELETE', url: `${url}/${maintainer.id}`, token: stranger.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'DELETE', url: `${url}/${owner.id}`, token: maintainer.token })).statusCode, 403);
  assert.equal((await s.request({ method: 'PATCH', url: `${url}/${maintainer.id}`, token: maintainer.token, body: { role_id: 1 } })).statusCode, 403);
  assert.equal((await s.request({ method: 'GET', url: `${url}/${maintainer.id}`, token: owner.token })).json().role.name, 'Maintainer');
  assert.equal((await s.request({ method: 'POST', url: '/account/invitations/accept', body: { token: 'x' } })).statusCode, 401);
});
