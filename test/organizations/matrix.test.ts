// Who may call each organization route: every kind of caller against an organization
// they relate to (A, a customer of partner P) and one they do not (B). Callers who may not
// see an organization get 404, not 403; what is reserved to those above an organization
// (lifecycle, quotas) is refused to its own managers with 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';

let s: TestService;
let partner: TestOrg;
let users: Record<'plain' | 'contributorA' | 'managerA' | 'managerB' | 'partnerManager', TestUser>;

type CallerName = 'anonymous' | keyof typeof users | 'admin';
const CALLERS: CallerName[] = ['anonymous', 'plain', 'contributorA', 'managerA', 'managerB', 'partnerManager', 'admin'];

before(async () => {
  s = await startService();
  const [plain, contributorA, managerA, managerB, partnerManager] = await Promise.all([s.user(), s.user(), s.user(), s.user(), s.user()]);
  users = { plain, contributorA, managerA, managerB, partnerManager };
  partner = await makeOrganization(s);
  await grantRole(s, partner, partnerManager.id, 'manager');
});
after(async () => { await s.stop(); });

function token(caller: CallerName): string | undefined {
  if (caller === 'anonymous') return undefined;
  return caller === 'admin' ? s.admin.token : users[caller].token;
}

/** A fresh organization for each call, so destructive routes never see a changed one. */
async function target(which: 'A' | 'B', status: 'active' | 'suspended' = 'active'): Promise<TestOrg> {
  const org = await makeOrganization(s);
  if (which === 'A') {
    await s.core.db.updateTable('organizations').set({ partner_id: partner.id }).where('id', '=', org.id).execute();
    await grantRole(s, org, users.managerA.id, 'manager');
    await grantRole(s, org, users.contributorA.id, 'contributor');
  } else {
    await grantRole(s, org, users.managerB.id, 'manager');
  }
  if (status === 'suspended') {
    await s.core.db.updateTable('organizations').set({ status, status_reason: 'test' }).where('id', '=', org.id).execute();
  }
  return org;
}

type Kind = 'read' | 'manage' | 'history' | 'above';
interface Route {
  name: string;
  kind: Kind;
  ok: number;
  status?: 'suspended';
  call(org: TestOrg): { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown };
}

const routes: Route[] = [
  { name: 'read profile', kind: 'read', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/` }) },
  { name: 'put profile', kind: 'manage', ok: 200, call: (o) => ({ method: 'PUT', url: `/api/profile/${o.slug}/`, body: { full_name: 'Renamed', email: 'new@example.com' } }) },
  { name: 'patch profile', kind: 'manage', ok: 200, call: (o) => ({ method: 'PATCH', url: `/api/profile/${o.slug}/`, body: { region: 'QC' } }) },
  { name: 'delete profile', kind: 'manage', ok: 204, call: (o) => ({ method: 'DELETE', url: `/api/profile/${o.slug}/` }) },
  { name: 'list customers', kind: 'read', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/customers/` }) },
  { name: 'create customer', kind: 'manage', ok: 201, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/customers/`, body: { full_name: unique('Customer') } }) },
  { name: 'read quotas', kind: 'read', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/quotas/` }) },
  { name: 'set quotas', kind: 'above', ok: 200, call: (o) => ({ method: 'PUT', url: `/api/profile/${o.slug}/quotas/`, body: { customer_quota: 3, seat_quota: 10 } }) },
  { name: 'read events', kind: 'history', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/events/` }) },
  { name: 'suspend', kind: 'above', ok: 200, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/suspend/`, body: { reason: 'Matrix' } }) },
  { name: 'reactivate', kind: 'above', ok: 200, status: 'suspended', call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/reactivate/` }) },
  { name: 'close', kind: 'above', ok: 200, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/close/`, body: { reason: 'Matrix' } }) },
];

function expected(caller: CallerName, which: 'A' | 'B', route: Route): number {
  if (caller === 'anonymous') return 401;
  if (caller === 'admin') return route.ok;
  const suspended = route.status === 'suspended';
  if (caller === 'partnerManager') return which === 'A' ? route.ok : 404;
  const member = (which === 'A' && (caller === 'managerA' || caller === 'contributorA')) || (which === 'B' && caller === 'managerB');
  if (!member) return 404;
  // A suspended organization refuses its own members, whatever they ask.
  if (suspended) return 403;
  const manager = caller !== 'contributorA';
  if (route.kind === 'above') return 403;
  if (route.kind === 'read') return route.ok;
  return manager ? route.ok : 403;
}

for (const route of routes) {
  test(`organization access matrix: ${route.name}`, async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const which of ['A', 'B'] as const) {
      for (const caller of CALLERS) {
        const org = await target(which, route.status);
        const res = await s.request({ ...route.call(org), token: token(caller) });
        got.push(`${caller}@${which}=${res.statusCode}`);
        want.push(`${caller}@${which}=${expected(caller, which, route)}`);
        if (res.statusCode === 404) assert.match(res.json().detail, /No organization/, `${caller}@${which}: a 404 that says nothing else`);
      }
    }
    assert.deepEqual(got, want);
  });
}

test('organization access matrix: the lists show each caller exactly what they may see', async () => {
  const a = await target('A');
  const b = await target('B');
  for (const caller of CALLERS) {
    const seen = async (org: TestOrg) => {
      const res = await s.request({ method: 'GET', url: `/api/profile/?q=${org.slug}`, token: token(caller) });
      if (caller === 'anonymous') return res.statusCode;
      return (res.json().results as { slug: string }[]).some((o) => o.slug === org.slug);
    };
    if (caller === 'anonymous') {
      assert.equal(await seen(a), 401);
      continue;
    }
    assert.equal(await seen(a), ['contributorA', 'managerA', 'partnerManager', 'admin'].includes(caller), `${caller} sees A`);
    assert.equal(await seen(b), ['managerB', 'admin'].includes(caller), `${caller} sees B`);
  }
});
