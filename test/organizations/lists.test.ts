// Each list's orderings belong to the core function that lists it (its ListSpec beside it);
// a surface only names the list and passes the names the client asked for. The core
// refuses any other name itself, so no surface can order a list by a column it does not
// offer (ordering by password_hash would be an oracle on it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { makeOrg } from '../access/helpers.js';
import type { Caller } from '../../src/core/context.js';
import { DomainError } from '../../src/core/errors.js';
import type { ListQuery } from '../../src/core/pagination.js';
import { listRoles } from '../../src/core/memberships/roles.js';
import { listDescriptions } from '../../src/core/memberships/role-descriptions.js';
import { searchAccounts } from '../../src/core/organizations/accounts.js';
import { listOrganizationEvents } from '../../src/core/organizations/lifecycle.js';
import { listUsers } from '../../src/core/identity/accounts.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const list = (order: string[]): ListQuery => ({ page: 1, pageSize: 20, order });

test('core lists refuse an ordering their spec does not offer, whatever the surface passes', async () => {
  const manager = await s.user();
  const org = await makeOrg(s, manager);
  const admin: Caller = { kind: 'user', userId: s.admin.id, username: s.admin.username, via: 'jwt' };
  const calls: Array<[string, (order: string[]) => Promise<unknown>]> = [
    ['roles', (order) => listRoles(s.core, admin, { id: org.id }, null, list(order))],
    ['descriptions', (order) => listDescriptions(s.core, admin, { id: org.id }, list(order))],
    ['accounts', (order) => searchAccounts(s.core, admin, 'all', list(order))],
    ['events', (order) => listOrganizationEvents(s.core, admin, { id: org.id }, list(order))],
    ['users', (order) => listUsers(s.core, admin, list(order))],
  ];
  for (const [name, call] of calls) {
    for (const order of [['users.password_hash'], ['-password_hash'], ['constructor']]) {
      await assert.rejects(call(order), (error: unknown) => {
        assert.ok(error instanceof DomainError, `${name}: a domain error, not ${String(error)}`);
        assert.equal(error.code, 'list.order_unknown', name);
        assert.ok(error.fields.order, name);
        return true;
      });
    }
    await call(['-created_at']);
    await call([]);
  }
});

test('routes name the core list: the orderings it offers work, others are a 400 naming o', async () => {
  const manager = await s.user();
  const org = await makeOrg(s, manager);
  const routes = [
    { url: `/api/profile/${org.slug}/events/`, good: ['type', '-created_at'], bad: 'id' },
    { url: `/api/profile/${org.slug}/roles/describe/`, good: ['created_at'], bad: 'title' },
    { url: '/api/accounts/', good: ['-email', 'full_name'], bad: 'key' },
  ];
  for (const route of routes) {
    const token = route.url.startsWith('/api/profile') ? s.admin.token : manager.token;
    for (const o of route.good) {
      const ok = await s.request({ method: 'GET', url: `${route.url}?o=${o}`, token });
      assert.equal(ok.statusCode, 200, `${route.url}?o=${o}: ${ok.body}`);
    }
    const bad = await s.request({ method: 'GET', url: `${route.url}?o=${route.bad}`, token });
    assert.equal(bad.statusCode, 400, route.url);
    assert.ok(bad.json().o, bad.body);
  }
});
