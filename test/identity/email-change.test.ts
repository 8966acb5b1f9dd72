// Changing the e-mail address: a stolen token cannot move an account to another mailbox,
// the new address counts only once proven, the former one is told and can undo it, and
// every link issued for the former address or the former password dies with them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn, pathOf as path } from '../support/smtp.js';
import { apiKeyHeaders, grantRole, makeOrganization } from '../support/fixtures.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });


async function emailOf(id: number) {
  return s.core.db.selectFrom('users').select(['email', 'pending_email', 'email_verified_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

async function resetLinkFor(email: string): Promise<string> {
  const before = s.smtp.to(email).filter((m) => m.text.includes('/api/auth/reset/')).length;
  const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email } });
  assert.equal(res.statusCode, 200);
  await s.smtp.waitFor(email, () => s.smtp.to(email).filter((m) => m.text.includes('/api/auth/reset/')).length > before);
  return path(linkIn(s.smtp.to(email).filter((m) => m.text.includes('/api/auth/reset/')).at(-1)!, '/api/auth/reset/'));
}

test('a token alone cannot change the e-mail: the password is required, and the address waits for its link', async () => {
  const u = await s.user();
  const attacker = `${unique('thief')}@evil.test`;
  const bare = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: attacker } });
  assert.equal(bare.statusCode, 400);
  assert.ok(Array.isArray(bare.json().password), bare.body);
  const wrong = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: attacker, password: 'not-the-password' } });
  assert.equal(wrong.statusCode, 400);
  assert.ok(wrong.json().password);
  const viaAlias = await s.request({ method: 'PUT', url: `/api/contacts/${u.username}/`, token: u.token, body: { email: attacker } });
  assert.ok([400, 403, 404].includes(viaAlias.statusCode), viaAlias.body);
  assert.equal((await emailOf(u.id)).email, u.email);
  assert.equal((await emailOf(u.id)).pending_email, null);
  assert.equal(s.smtp.to(attacker).length, 0);
});

test('with the password the new address is pending; no activation or reset reaches it until confirmed; then the old address can undo', async () => {
  const u = await s.user();
  const fresh = `${unique('new')}@example.net`;
  const res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: fresh, password: u.password } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().email, u.email, 'the address in use does not change yet');
  assert.deepEqual(await emailOf(u.id).then((r) => [r.email, r.pending_email]), [u.email, fresh]);

  // The new address receives a confirmation link, never an activation or reset link.
  const mail = await s.smtp.waitFor(fresh);
  assert.doesNotMatch(mail.text, /\/api\/auth\/(activate|reset)\//);
  const confirm = path(linkIn(mail, '/api/auth/email/'));
  const recover = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: fresh } });
  assert.equal(recover.statusCode, 200);

  // A reset link mailed to the old address before the change...
  const oldReset = await resetLinkFor(u.email);

  const confirmed = await s.request({ method: 'POST', url: confirm });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  assert.equal(confirmed.json().email, fresh);
  assert.equal(confirmed.json().token, undefined, 'confirming logs nobody in');
  const row = await emailOf(u.id);
  assert.equal(row.email, fresh);
  assert.equal(row.pending_email, null);
  assert.ok(row.email_verified_at);
  assert.equal((await s.request({ method: 'POST', url: confirm })).statusCode, 404, 'the link works once');
  // ...dies with the address it was issued for.
  const stale = await s.request({ method: 'POST', url: oldReset, body: { new_password: 'Stale-Link-Password-88' } });
  assert.equal(stale.statusCode, 404, stale.body);
  assert.equal(s.smtp.to(fresh).filter((m) => m.text.includes('/api/auth/reset/')).length, 0, 'no reset went to the pending address');

  // The former address is told, with an undo link that still works after a password change.
  const notice = await s.smtp.waitFor(u.email, (m) => /address .* was changed/i.test(m.subject));
  assert.match(notice.text, new RegExp(fresh.replace(/[.+]/g, '\\$&')));
  const undo = path(linkIn(notice, '/undo/'));
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: fresh, password: u.password } });
  assert.equal(login.statusCode, 200);
  const pw = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: login.json().token,
    body: { password: u.password, new_password: 'Takeover-Password-55' } });
  assert.equal(pw.statusCode, 200, pw.body);
  const takerToken = pw.json().token ?? login.json().token;
  const takerKey = await apiKeyHeaders(s, u.id);
  const me = `/api/users/${u.username}/`;
  assert.equal((await s.request({ method: 'GET', url: me, token: takerToken })).statusCode, 200);
  assert.equal((await s.request({ method: 'GET', url: me, headers: takerKey })).statusCode, 200);
  const undone = await s.request({ method: 'POST', url: undo });
  assert.equal(undone.statusCode, 200, undone.body);
  assert.equal((await emailOf(u.id)).email, u.email);
  // Whoever moved the address holds nothing any more: sessions ended, API keys revoked.
  assert.equal((await s.request({ method: 'GET', url: me, token: takerToken })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: me, headers: takerKey })).statusCode, 401);
  // And the owner gets a reset link at the restored address.
  const reset = await s.smtp.waitFor(u.email, (m) => m.text.includes('/api/auth/reset/') && m !== notice && s.smtp.to(u.email).indexOf(m) > s.smtp.to(u.email).indexOf(notice));
  const back = await s.request({ method: 'POST', url: path(linkIn(reset, '/api/auth/reset/')), body: { new_password: 'Owner-Is-Back-Pass-31' } });
  assert.equal(back.statusCode, 200, back.body);
  const types = (await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute()).map((e) => e.type);
  for (const t of ['email.change_requested', 'email.changed', 'email.restored']) assert.ok(types.includes(t), t);
});

test('asking for an address another account has answers the same, tells that owner, and sends no link', async () => {
  const u = await s.user();
  const other = await s.user();
  const free = `${unique('free')}@example.net`;
  const taken = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: other.email, password: u.password } });
  const v = await s.user();
  const open = await s.request({ method: 'PATCH', url: `/api/users/${v.username}/`, token: v.token, body: { email: free, password: v.password } });
  assert.equal(taken.statusCode, 200, taken.body);
  assert.equal(open.statusCode, 200, open.body);
  assert.deepEqual(Object.keys(taken.json()).sort(), Object.keys(open.json()).sort());
  const told = await s.smtp.waitFor(other.email, (m) => /tried/.test(m.subject));
  assert.doesNotMatch(told.text, /\/api\/auth\/email\//);
  assert.equal((await emailOf(u.id)).email, u.email);
  assert.equal((await emailOf(other.id)).email, other.email);
});

test('a broker manager changes a user\'s address with their own password, and it still waits for confirmation', async () => {
  const u = await s.user();
  const fresh = `${unique('managed')}@example.net`;
  const noPw = await s.request({ method: 'PATCH', url: `/api/contacts/${u.username}/`, token: s.admin.token, body: { email: fresh } });
  assert.equal(noPw.statusCode, 400);
  const userPw = await s.request({ method: 'PATCH', url: `/api/contacts/${u.username}/`, token: s.admin.token, body: { email: fresh, password: u.password } });
  assert.equal(userPw.statusCode, 400, 'the password is the one of whoever asks');
  const ok = await s.request({ method: 'PATCH', url: `/api/contacts/${u.username}/`, token: s.admin.token, body: { email: fresh, password: s.admin.password } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((await emailOf(u.id)).email, u.email);
  const confirm = path(linkIn(await s.smtp.waitFor(fresh), '/api/auth/email/'));
  assert.equal((await s.request({ method: 'POST', url: confirm })).statusCode, 200);
  assert.equal((await emailOf(u.id)).email, fresh);
});

test('a contact without a password takes a new address at once, and the links sent to the former one die', async () => {
  const email = `${unique('contact')}@example.net`;
  const made = await s.request({ method: 'POST', url: '/api/contacts/', token: s.admin.token, body: { email, full_name: 'Carla Contact' } });
  assert.equal(made.statusCode, 201, made.body);
  await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Carla' } });
  const activation = path(linkIn(await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/')), '/api/auth/activate/'));
  const fresh = `${unique('fixed')}@example.net`;
  const res = await s.request({ method: 'PATCH', url: `/api/contacts/${made.json().slug}/`, token: s.admin.token, body: { email: fresh, password: s.admin.password } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().email, fresh);
  const dead = await s.request({ method: 'POST', url: activation, body: { new_password: 'Whoever-Holds-Old-Link-1' } });
  assert.equal(dead.statusCode, 404, dead.body);
});

test('an invitation held by a contact dies when the contact\'s address changes; re-sending reaches the new one', async () => {
  const org = await makeOrganization(s);
  await grantRole(s, org, s.admin.id, 'manager');
  const old = `${unique('typo')}@example.net`;
  const invited = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/`, token: s.admin.token, body: { email: old } });
  assert.equal(invited.statusCode, 201, invited.body);
  const contact = (await s.core.db.selectFrom('users').select('slug').where('email', '=', old).executeTakeFirstOrThrow()).slug;
  const link = path(linkIn(await s.smtp.waitFor(old, (m) => m.text.includes('/accessibles/accept/')), '/accessibles/accept/'));
  const fixed = `${unique('fixed')}@example.net`;
  const res = await s.request({ method: 'PATCH', url: `/api/contacts/${contact}/`, token: s.admin.token, body: { email: fixed, password: s.admin.password } });
  assert.equal(res.statusCode, 200, res.body);
  const claimant = await s.user();
  const stale = await s.request({ method: 'POST', url: link, token: claimant.token });
  assert.equal(stale.statusCode, 404, stale.body);
  // The organization knows the invitation by the address it was sent to; the new key goes to the contact's address now.
  const resent = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/contributor/${encodeURIComponent(old)}/`, token: s.admin.token });
  assert.ok([200, 201].includes(resent.statusCode), resent.body);
  const fresh = path(linkIn(await s.smtp.waitFor(fixed, (m) => m.text.includes('/accessibles/accept/')), '/accessibles/accept/'));
  const ok = await s.request({ method: 'POST', url: fresh, token: claimant.token });
  assert.equal(ok.statusCode, 200, ok.body);
});

test('a reset link dies when the password changes', async () => {
  const u = await s.user();
  const link = await resetLinkFor(u.email);
  const pw = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: u.token, body: { password: u.password, new_password: 'Changed-In-Between-42' } });
  assert.equal(pw.statusCode, 200, pw.body);
  const res = await s.request({ method: 'POST', url: link, body: { new_password: 'From-The-Old-Link-42' } });
  assert.equal(res.statusCode, 404, res.body);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'Changed-In-Between-42' } });
  assert.equal(login.statusCode, 200);
});

test("whoever moved the address cannot kill the owner's undo link, by moving it again or by undoing their own move", async () => {
  const u = await s.user();
  const moveTo = async (address: string) => {
    const res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { email: address, password: u.password } });
    assert.equal(res.statusCode, 200, res.body);
    const confirmed = await s.request({ method: 'POST', url: path(linkIn(await s.smtp.waitFor(address), '/api/auth/email/')) });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
  };
  const undoLinkAt = async (address: string) =>
    path(linkIn(await s.smtp.waitFor(address, (m) => /address .* was changed/i.test(m.subject)), '/undo/'));
  const second = `${unique('taker-b')}@example.net`;
  const third = `${unique('taker-c')}@example.net`;
  await moveTo(second);
  const ownersUndo = await undoLinkAt(u.email);
  await moveTo(third);
  const takersUndo = await undoLinkAt(second);
  // The taker undoes their own last move (back to an address they hold)...
  assert.equal((await s.request({ method: 'POST', url: takersUndo })).statusCode, 200);
  assert.equal((await emailOf(u.id)).email, second);
  // ...and the owner's link, issued before, still restores the owner's address.
  const back = await s.request({ method: 'POST', url: ownersUndo });
  assert.equal(back.statusCode, 200, back.body);
  assert.equal((await emailOf(u.id)).email, u.email);
});
