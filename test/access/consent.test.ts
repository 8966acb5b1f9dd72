// Skipping the opt-in is for the broker's managers only: an organization's own managers can
// neither make a role description that skips it nor grant a role without the grantee's
// consent. A role the broker forces gives its holder powers, but opens nothing of the
// holder's account to the organization's managers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { makeOrganization, grantRole, quickUser } from '../support/fixtures.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

test('an organization\'s managers cannot make or turn on a role description that skips the opt-in', async () => {
  const manager = await quickUser(s);
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  const base = `/api/profile/${org.slug}/roles/describe/`;
  const made = await s.request({ method: 'POST', url: base, token: manager.token, body: { title: 'Viewer', skip_optin_on_grant: true } });
  assert.equal(made.statusCode, 403, made.body);
  assert.match(made.json().detail, /broker's managers/);
  assert.equal((await s.request({ method: 'POST', url: base, token: manager.token, body: { title: 'Viewer' } })).statusCode, 201);
  for (const method of ['PUT', 'PATCH'] as const) {
    const res = await s.request({ method, url: `${base}viewer/`, token: manager.token, body: { title: 'Viewer', skip_optin_on_grant: true } });
    assert.equal(res.statusCode, 403, `${method}: ${res.body}`);
  }
  const row = await s.core.db.selectFrom('role_descriptions').select('skip_optin_on_grant')
    .where('organization_id', '=', org.id).where('slug', '=', 'viewer').executeTakeFirstOrThrow();
  assert.equal(row.skip_optin_on_grant, false);
  // The broker's managers may; the organization's managers may then edit other fields.
  assert.equal((await s.request({ method: 'PATCH', url: `${base}viewer/`, token: s.admin.token, body: { skip_optin_on_grant: true } })).statusCode, 200);
  const kept = await s.request({ method: 'PATCH', url: `${base}viewer/`, token: manager.token, body: { title: 'Viewers', skip_optin_on_grant: true } });
  assert.equal(kept.statusCode, 200, kept.body);
});

test('a manager granting a role that skips the opt-in sends an invitation; only the broker\'s managers grant at once', async () => {
  const manager = await quickUser(s);
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  await s.core.db.insertInto('role_descriptions').values({ organization_id: org.id, slug: 'viewer', title: 'Viewer', skip_optin_on_grant: true }).execute();
  const victim = await quickUser(s);
  const byManager = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/viewer/`, token: manager.token, body: { slug: victim.username } });
  assert.equal(byManager.statusCode, 201, byManager.body);
  assert.equal(byManager.json().state, 'invited');
  // Nothing of the victim's account opens to the manager.
  for (const path of ['', 'personal-info/', 'preferences/', 'security-events/']) {
    assert.equal((await s.request({ method: 'GET', url: `/api/users/${victim.username}/${path}`, token: manager.token })).statusCode, 404, path);
  }
  // The broker's manager grants at once: the role works for its holder...
  const forced = await quickUser(s);
  const byBroker = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/viewer/`, token: s.admin.token, body: { slug: forced.username } });
  assert.equal(byBroker.statusCode, 201, byBroker.body);
  assert.equal(byBroker.json().state, 'accepted');
  assert.equal((await s.request({ method: 'GET', url: `/api/profile/${org.slug}/`, token: forced.token })).statusCode, 200);
  // ...but the holder never accepted it: their account stays closed to the organization's managers.
  for (const path of ['', 'personal-info/', 'preferences/', 'security-events/']) {
    assert.equal((await s.request({ method: 'GET', url: `/api/users/${forced.username}/${path}`, token: manager.token })).statusCode, 404, path);
  }
});
