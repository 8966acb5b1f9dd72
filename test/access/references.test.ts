// Core functions take references by id or by slug: get.chat and Accountcentral will name
// organizations, users and role descriptions by integer id, DjaoApp by slug. These call
// the core directly with ids (no surface uses them yet) and check that they find the same
// rows as the slugs do, and that an id no row can have is a plain "not found".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { makeOrg, addRole, type TestOrg } from './helpers.js';
import type { Caller } from '../../src/core/context.js';
import { DomainError } from '../../src/core/errors.js';
import { getProfile as getOrganization } from '../../src/core/organizations/profiles.js';
import { getQuotas } from '../../src/core/organizations/quotas.js';
import { closeOrganization } from '../../src/core/organizations/lifecycle.js';
import { getProfile as getUserProfile } from '../../src/core/identity/accounts.js';
import { listSessions } from '../../src/core/identity/sessions.js';
import { getDescription } from '../../src/core/memberships/role-descriptions.js';
import { grantRole, listRoles, revokeRoles } from '../../src/core/memberships/roles.js';
import { listAccessibles, withdrawRoles } from '../../src/core/memberships/requests.js';
import { ALL_ROLES } from '../../src/core/memberships/role-views.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const LIST = { page: 1, pageSize: 50, order: [] };

function callerOf(user: TestUser): Caller {
  return { kind: 'user', userId: user.id, username: user.username, via: 'jwt' };
}

async function contributorId(): Promise<number> {
  const row = await s.core.db.selectFrom('role_descriptions').select('id')
    .where('organization_id', 'is', null).where('slug', '=', 'contributor').executeTakeFirstOrThrow();
  return row.id;
}

async function notFound(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, `a domain error, not ${String(error)}`);
    assert.equal(error.kind, 'not_found');
    assert.equal(error.code, code);
    return true;
  });
}

async function setup(): Promise<{ manager: TestUser; org: TestOrg }> {
  const manager = await s.user();
  return { manager, org: await makeOrg(s, manager) };
}

test('organizations and users by id are the rows their slugs name', async () => {
  const { manager, org } = await setup();
  const caller = callerOf(manager);
  const byId = await getOrganization(s.core, caller, { id: org.id });
  const bySlug = await getOrganization(s.core, caller, { slug: org.slug.toUpperCase() });
  assert.equal(byId.slug, org.slug);
  assert.deepEqual(byId, bySlug);
  assert.deepEqual(await getQuotas(s.core, caller, { id: org.id }), await getQuotas(s.core, caller, { slug: org.slug }));

  const me = await getUserProfile(s.core, caller, { id: manager.id });
  assert.equal(me.username, manager.username);
  assert.deepEqual(me, await getUserProfile(s.core, caller, { slug: manager.username }));
  const sessions = await listSessions(s.core, caller, { id: manager.id }, LIST);
  assert.ok(sessions.count >= 1);

  // Another user's id answers what their username answers: not found, not forbidden.
  const stranger = await s.user();
  await notFound(getUserProfile(s.core, caller, { id: stranger.id }), 'user.not_found');
  await notFound(getUserProfile(s.core, caller, { slug: stranger.username }), 'user.not_found');
});

test('an id no row has, or that is not an integer, is not found (never a database error)', async () => {
  const { manager } = await setup();
  const caller = callerOf(manager);
  for (const id of [0, -1, 1.5, 2 ** 60, Number.NaN, 2 ** 31]) {
    await notFound(getOrganization(s.core, callerOf(s.admin), { id }), 'organization.not_found');
    await notFound(getUserProfile(s.core, callerOf(s.admin), { id }), 'user.not_found');
  }
  await notFound(listRoles(s.core, caller, { id: 2 ** 60 }, null, LIST), 'organization.not_found');
});

test('memberships by id: describe, grant, list, revoke, withdraw with ids only', async () => {
  const { manager, org } = await setup();
  const caller = callerOf(manager);
  const contributor = await contributorId();
  const described = await getDescription(s.core, caller, { id: org.id }, { id: contributor });
  assert.equal(described.description.slug, 'contributor');
  assert.deepEqual(described, await getDescription(s.core, caller, { slug: org.slug }, { slug: 'contributor' }));

  // A description of another organization is not one of this organization's, by id either.
  const other = await setup();
  const own = await s.core.db.insertInto('role_descriptions')
    .values({ organization_id: other.org.id, slug: 'auditor', title: 'Auditors' }).returning('id').executeTakeFirstOrThrow();
  await notFound(getDescription(s.core, caller, { id: org.id }, { id: own.id }), 'role.not_found');

  const member = await s.user();
  await addRole(s, org, member, 'contributor');
  const filtered = await listRoles(s.core, caller, { id: org.id }, { id: contributor }, LIST);
  assert.deepEqual(filtered.results.map((r) => r.user.slug), [member.username]);
  assert.equal((await listRoles(s.core, caller, { id: org.id }, ALL_ROLES, LIST)).count, 2);

  // Revoking by ids records the username in the history, as revoking by slug does.
  await revokeRoles(s.core, caller, { id: org.id }, { id: contributor }, { id: member.id });
  assert.equal((await listRoles(s.core, caller, { id: org.id }, { id: contributor }, LIST)).count, 0);
  const event = await s.core.db.selectFrom('organization_events').select(['type', 'detail'])
    .where('organization_id', '=', org.id).where('type', '=', 'role.revoked').executeTakeFirstOrThrow();
  assert.deepEqual(event.detail, { user: member.username, roles: ['contributor'] });

  // A grant by ids (the grantee is named in the body, by username) and the user's side by ids.
  const invitee = await s.user();
  const invited = await grantRole(s.core, caller, { id: org.id }, { id: contributor }, { slug: invitee.username });
  assert.equal(invited.organization.slug, org.slug);
  const mine = await listAccessibles(s.core, callerOf(invitee), { id: invitee.id }, { id: contributor }, LIST);
  assert.deepEqual(mine.page.results.map((r) => r.organization.slug), [org.slug]);
  await withdrawRoles(s.core, callerOf(invitee), { id: invitee.id }, ALL_ROLES, { id: org.id });
  assert.equal((await listAccessibles(s.core, callerOf(invitee), { id: invitee.id }, null, LIST)).page.count, 0);
});

test('a closed organization by id is what it is by slug: gone for memberships, readable by the broker', async () => {
  const { org } = await setup();
  await closeOrganization(s.core, callerOf(s.admin), { id: org.id }, 'close');
  await notFound(listRoles(s.core, callerOf(s.admin), { id: org.id }, null, LIST), 'organization.not_found');
  const closed = await getOrganization(s.core, callerOf(s.admin), { id: org.id });
  assert.equal(closed.status, 'closed');
  assert.equal(closed.slug, `closed-${org.id}`);
});

test('a row the caller may not see answers, word for word, what an id no row has answers: nothing about its slug', async () => {
  const { org } = await setup();
  const stranger = await s.user();
  const other = await s.user();
  const caller = callerOf(stranger);
  const answer = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof DomainError);
      return { kind: error.kind, code: error.code, message: error.message, fields: error.fields };
    }
    throw new Error('expected a refusal');
  };
  const hiddenOrg = await answer(getOrganization(s.core, caller, { id: org.id }));
  assert.deepEqual(hiddenOrg, await answer(getOrganization(s.core, caller, { id: 2 ** 31 })));
  assert.doesNotMatch(hiddenOrg.message, new RegExp(org.slug, 'i'));
  const hiddenUser = await answer(getUserProfile(s.core, caller, { id: other.id }));
  assert.deepEqual(hiddenUser, await answer(getUserProfile(s.core, caller, { id: 2 ** 31 })));
  assert.doesNotMatch(hiddenUser.message, new RegExp(other.username, 'i'));
});
