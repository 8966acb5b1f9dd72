// An organization's Team tab in the browser: its manager finds a team user, gives them a new
// password (shown once, in a dialog with a copy button), the user logs in with it; the
// manager suspends the user and the list shows it, with the issue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

test("a manager resets a team user's password, the user logs in with it; suspending shows in the list", async () => {
  const s = portal.service;
  const owner = await s.user({ username: 'teamowner' });
  const created = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Team Shop' } });
  assert.equal(created.statusCode, 201, created.body);
  const org = await s.core.db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', 'team-shop').executeTakeFirstOrThrow();
  // A team user: an account the organization made, with a role on it.
  const member = await s.user({ username: 'teamworker', fullName: 'Tess Worker' });
  await s.core.db.updateTable('users').set({ home_organization_id: org.id, first_name: 'Tess', last_name: 'Worker' }).where('id', '=', member.id).execute();
  const contributor = await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'contributor').where('organization_id', 'is', null).executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({ organization_id: org.id, user_id: member.id, role_description_id: contributor.id, accepted_at: new Date() }).execute();

  const manager = await portal.person();
  await manager.login(owner.username, owner.password);
  await manager.open(`/orgs/${org.slug}/team`);
  await manager.page.getByRole('heading', { name: 'Team', exact: true }).waitFor();
  const table = manager.page.getByRole('table', { name: 'Team users' });
  await table.getByText('Tess Worker').waitFor();
  // Search narrows the list.
  await manager.page.getByLabel('Search name, username or e-mail').fill('nobody-such');
  await manager.page.getByRole('button', { name: 'Search' }).click();
  await manager.page.getByText('No user matches.').waitFor();
  await manager.page.getByLabel('Search name, username or e-mail').fill('tess');
  await manager.page.getByRole('button', { name: 'Search' }).click();
  await table.getByText('Tess Worker').waitFor();

  await manager.page.getByRole('button', { name: 'Manage teamworker' }).click();
  await manager.page.getByRole('heading', { name: 'Tess Worker (teamworker)' }).waitFor();
  await manager.page.getByRole('button', { name: 'Reset the password of teamworker' }).click();
  await manager.page.getByRole('button', { name: 'Reset the password', exact: true }).click();
  const shown = manager.page.getByLabel('New password of teamworker', { exact: true });
  await shown.waitFor();
  await manager.page.getByText('Shown only this once').waitFor();
  await manager.page.getByRole('button', { name: 'Copy New password of teamworker' }).waitFor();
  const password = (await shown.textContent())!.trim();
  assert.equal(password.length, 20);
  await manager.shot('orgs-team-password-1280');
  await manager.page.getByRole('button', { name: 'Done' }).click();
  await shown.waitFor({ state: 'detached' });

  // The old password is gone; the new one logs the user in, in their own browser.
  const old = await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'teamworker', password: member.password } });
  assert.equal(old.statusCode, 400);
  const worker = await portal.person();
  await worker.login('teamworker', password);
  await worker.open('/orgs');
  worker.done();

  // Suspended: the list and the panel say so, and the user's session stops.
  await manager.page.getByLabel('Reason (optional)').fill('Left the shop');
  await manager.page.getByRole('button', { name: 'Suspend teamworker' }).click();
  await manager.page.getByRole('button', { name: 'Suspend', exact: true }).click();
  await manager.page.getByRole('button', { name: 'Reactivate teamworker' }).waitFor();
  await table.getByText('suspended', { exact: true }).first().waitFor();
  const info = await s.request({ method: 'GET', url: `/accountcentral/users/${member.id}`, token: owner.token });
  assert.equal(info.json().status, 'SUSPENDED');
  assert.equal(info.json().suspensionInfo.reason, 'Left the shop');
  await manager.page.getByText('With issues').click();
  await table.getByText('Tess Worker').waitFor();
  await manager.shot('orgs-team-1280');
  manager.done();
});
