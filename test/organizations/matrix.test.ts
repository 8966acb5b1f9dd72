// Who may call each organization route: every kind of caller against the organizations
// they relate to, and one they do not (B). Callers who may not see an organization get
// 404, not 403; what is reserved to those above an organization (lifecycle, quotas) is
// refused to its own managers with 403. Only accepted roles count, a suspended
// organization refuses its own members, and a partner acts below it only while it and
// every organization between are active. The callers and targets are described in
// test/support/fixtures.ts (relationWorld).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import {
  MEMBERS_OF_A, RELATION_CALLERS as CALLERS, RELATION_TARGETS as TARGETS, relationWorld,
  type RelationCaller as CallerName, type RelationTarget as Target, type RelationWorld, type TestOrg,
} from '../support/fixtures.js';

let s: TestService;
let world: RelationWorld;

before(async () => {
  s = await startService();
  world = await relationWorld(s);
});
after(async () => { await s.stop(); });

type Kind = 'read' | 'manage' | 'history' | 'above';
interface Route {
  name: string;
  kind: Kind;
  ok: number;
  /** The route needs a suspended organization (A, B, X and Y are suspended for it too). */
  suspended?: boolean;
  /** The route changes the organization for good: a fresh one for every call. */
  destructive?: boolean;
  call(org: TestOrg): { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown };
}

const routes: Route[] = [
  { name: 'read profile', kind: 'read', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/` }) },
  { name: 'put profile', kind: 'manage', ok: 200, call: (o) => ({ method: 'PUT', url: `/api/profile/${o.slug}/`, body: { full_name: 'Renamed', email: 'new@example.com' } }) },
  { name: 'patch profile', kind: 'manage', ok: 200, call: (o) => ({ method: 'PATCH', url: `/api/profile/${o.slug}/`, body: { region: 'QC' } }) },
  { name: 'delete profile', kind: 'manage', ok: 204, destructive: true, call: (o) => ({ method: 'DELETE', url: `/api/profile/${o.slug}/` }) },
  { name: 'list customers', kind: 'read', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/customers/` }) },
  { name: 'create customer', kind: 'manage', ok: 201, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/customers/`, body: { full_name: unique('Customer') } }) },
  { name: 'read quotas', kind: 'read', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/quotas/` }) },
  { name: 'set quotas', kind: 'above', ok: 200, call: (o) => ({ method: 'PUT', url: `/api/profile/${o.slug}/quotas/`, body: { customer_quota: 3, seat_quota: 10 } }) },
  { name: 'read events', kind: 'history', ok: 200, call: (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/events/` }) },
  { name: 'suspend', kind: 'above', ok: 200, destructive: true, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/suspend/`, body: { reason: 'Matrix' } }) },
  { name: 'reactivate', kind: 'above', ok: 200, destructive: true, suspended: true, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/reactivate/` }) },
  { name: 'close', kind: 'above', ok: 200, destructive: true, call: (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/close/`, body: { reason: 'Matrix' } }) },
];

const MANAGERS: CallerName[] = ['managerA', 'apiKeyManagerA', 'managerB', 'suspendedMember'];

function expected(caller: CallerName, which: Target, route: Route): number {
  if (caller === 'anonymous') return 401;
  const suspended = route.suspended || which === 'S';
  // Suspending what is already suspended is a conflict, for whoever may do it.
  const allowed = route.name === 'suspend' && suspended ? 409 : route.ok;
  if (caller === 'admin') return allowed;
  if (caller === 'partnerManager') return which === 'A' || which === 'S' ? allowed : 404;
  // The partner's own suspension stops its powers below, with the reason.
  if (caller === 'suspendedPartner') return which === 'X' ? 403 : 404;
  const member = (which === 'A' && MEMBERS_OF_A.includes(caller)) || (which === 'B' && caller === 'managerB')
    || (which === 'S' && caller === 'suspendedMember');
  if (!member) return 404;
  // A suspended organization refuses its own members, whatever they ask.
  if (suspended) return 403;
  if (route.kind === 'above') return 403;
  if (route.kind === 'read') return route.ok;
  return MANAGERS.includes(caller) ? route.ok : 403;
}

for (const route of routes) {
  test(`organization access matrix: ${route.name}`, async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const which of TARGETS) {
      const shared = route.destructive ? undefined : await world.target(which, !!route.suspended);
      for (const caller of CALLERS) {
        const org = shared ?? await world.target(which, !!route.suspended);
        const res = await s.request({ ...route.call(org), ...world.credentials(caller) });
        got.push(`${caller}@${which}=${res.statusCode}`);
        want.push(`${caller}@${which}=${expected(caller, which, route)}`);
        if (res.statusCode === 404) assert.match(res.json().detail, /No organization/, `${caller}@${which}: a 404 that says nothing else`);
        if (res.statusCode === 403 && caller === 'suspendedPartner') assert.match(res.json().detail, /partner organization is suspended/);
      }
    }
    assert.deepEqual(got, want);
  });
}

test('organization access matrix: the lists show each caller exactly what they may see', async () => {
  const orgs = Object.fromEntries(await Promise.all(TARGETS.map(async (t) => [t, await world.target(t)]))) as Record<Target, TestOrg>;
  // Who may know each organization exists: whoever gets a 403 or better on it.
  const sees: Record<Target, CallerName[]> = {
    A: [...MEMBERS_OF_A, 'partnerManager', 'admin'],
    B: ['managerB', 'admin'],
    S: ['suspendedMember', 'partnerManager', 'admin'],
    X: ['suspendedPartner', 'admin'],
    Y: ['admin'],
  };
  for (const caller of CALLERS) {
    for (const which of TARGETS) {
      const org = orgs[which];
      for (const url of [`/api/profile/?q=${org.slug}`, `/api/accounts/profiles/?q=${org.slug}`]) {
        const res = await s.request({ method: 'GET', url, ...world.credentials(caller) });
        if (caller === 'anonymous') {
          assert.equal(res.statusCode, 401);
          continue;
        }
        const found = (res.json().results as { slug: string }[]).some((o) => o.slug === org.slug);
        assert.equal(found, sees[which].includes(caller), `${caller} sees ${which} in ${url}`);
      }
    }
  }
});
