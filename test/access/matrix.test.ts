// Who may call each role route: every kind of caller against their own organization (or
// account) and someone else's. Anyone who may not see an organization gets 404, not 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { randomToken, sha256 } from '../../src/core/identity/secrets.js';
import { addRole, makeOrg, type TestOrg } from './helpers.js';

let s: TestService;
let orgA: TestOrg;
let orgB: TestOrg;
let plain: TestUser;
let contributorA: TestUser;
let managerA: TestUser;
let managerB: TestUser;

type CallerName = 'anonymous' | 'plain' | 'contributorA' | 'managerA' | 'managerB' | 'admin';
const CALLERS: CallerName[] = ['anonymous', 'plain', 'contributorA', 'managerA', 'managerB', 'admin'];

function token(name: CallerName): string | undefined {
  return { anonymous: undefined, plain: plain.token, contributorA: contributorA.token, managerA: managerA.token,
    managerB: managerB.token, admin: s.admin.token }[name];
}

before(async () => {
  s = await startService();
  [plain, contributorA, managerA, managerB] = await Promise.all([s.user(), s.user(), s.user(), s.user()]);
  orgA = await makeOrg(s, managerA);
  orgB = await makeOrg(s, managerB);
  await addRole(s, orgA, contributorA, 'contributor');
});
after(async () => { await s.stop(); });

async function contact(): Promise<{ id: number; slug: string }> {
  const slug = unique('c').toLowerCase();
  return s.core.db.insertInto('users').values({ slug, email: `${slug}@example.com` }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

async function descriptionId(org: TestOrg, slug: string): Promise<number> {
  const row = await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', slug)
    .where((eb) => eb.or([eb('organization_id', '=', org.id), eb('organization_id', 'is', null)])).executeTakeFirstOrThrow();
  return row.id;
}

async function customDescription(org: TestOrg): Promise<string> {
  const slug = unique('d').toLowerCase();
  await s.core.db.insertInto('role_descriptions').values({ organization_id: org.id, slug, title: slug }).execute();
  return slug;
}

async function roleRow(org: TestOrg, userId: number, role: string, state: { grantKey?: string; requestKey?: string } = {}): Promise<void> {
  await s.core.db.insertInto('roles').values({
    organization_id: org.id, user_id: userId, role_description_id: await descriptionId(org, role),
    grant_key_hash: state.grantKey ? sha256(state.grantKey) : null, request_key: state.requestKey ?? null,
    accepted_at: state.grantKey || state.requestKey ? null : new Date(),
  }).execute();
}

interface OrgRoute {
  name: string;
  kind: 'read' | 'manage';
  ok: number;
  prepare(org: TestOrg): Promise<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown }>;
}

const orgRoutes: OrgRoute[] = [
  { name: 'list descriptions', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/roles/describe/` }) },
  { name: 'create description', kind: 'manage', ok: 201, prepare: async (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/roles/describe/`, body: { title: unique('T') } }) },
  { name: 'read description', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/roles/describe/contributor/` }) },
  { name: 'put description', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'PUT', url: `/api/profile/${o.slug}/roles/describe/${await customDescription(o)}/`, body: { title: 'New' } }) },
  { name: 'patch description', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'PATCH', url: `/api/profile/${o.slug}/roles/describe/${await customDescription(o)}/`, body: { title: 'New' } }) },
  { name: 'delete description', kind: 'manage', ok: 204, prepare: async (o) => ({ method: 'DELETE', url: `/api/profile/${o.slug}/roles/describe/${await customDescription(o)}/` }) },
  { name: 'list roles', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/roles/` }) },
  { name: 'list roles of a kind', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/profile/${o.slug}/roles/manager/` }) },
  { name: 'grant', kind: 'manage', ok: 201, prepare: async (o) => ({ method: 'POST', url: `/api/profile/${o.slug}/roles/contributor/`, body: { slug: (await contact()).slug } }) },
  {
    name: 're-send invitation', kind: 'manage', ok: 200, prepare: async (o) => {
      const c = await contact();
      await roleRow(o, c.id, 'contributor', { grantKey: randomToken() });
      return { method: 'POST', url: `/api/profile/${o.slug}/roles/contributor/${c.slug}/` };
    },
  },
  {
    name: 'revoke', kind: 'manage', ok: 204, prepare: async (o) => {
      const c = await contact();
      await roleRow(o, c.id, 'contributor');
      return { method: 'DELETE', url: `/api/profile/${o.slug}/roles/contributor/${c.slug}/` };
    },
  },
  {
    name: 'accept request', kind: 'manage', ok: 200, prepare: async (o) => {
      const key = randomToken(16).replace(/[^a-zA-Z0-9]/g, 'x');
      await roleRow(o, (await contact()).id, 'contributor', { requestKey: key });
      return { method: 'POST', url: `/api/profile/${o.slug}/roles/accept/${key}/` };
    },
  },
  {
    name: 'deny request', kind: 'manage', ok: 204, prepare: async (o) => {
      const key = randomToken(16).replace(/[^a-zA-Z0-9]/g, 'x');
      await roleRow(o, (await contact()).id, 'contributor', { requestKey: key });
      return { method: 'DELETE', url: `/api/profile/${o.slug}/roles/accept/${key}/` };
    },
  },
];

/** What `caller` gets on a route of organization `target` ('A' or 'B'). */
function expectedOnOrg(caller: CallerName, target: 'A' | 'B', route: OrgRoute): number {
  if (caller === 'anonymous') return 401;
  if (caller === 'admin') return route.ok;
  if (caller === 'managerA') return target === 'A' ? route.ok : 404;
  if (caller === 'managerB') return target === 'B' ? route.ok : 404;
  if (caller === 'contributorA' && target === 'A') return route.kind === 'read' ? route.ok : 403;
  return 404;
}

for (const route of orgRoutes) {
  test(`access matrix: ${route.name}`, async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const target of ['A', 'B'] as const) {
      for (const caller of CALLERS) {
        const call = await route.prepare(target === 'A' ? orgA : orgB);
        const res = await s.request({ ...call, token: token(caller) });
        got.push(`${caller}@${target}:${res.statusCode}`);
        want.push(`${caller}@${target}:${expectedOnOrg(caller, target, route)}`);
        if (res.statusCode === 404 && caller !== 'anonymous') assert.doesNotMatch(res.body, /permission/);
      }
    }
    assert.deepEqual(got, want);
  });
}

interface UserRoute {
  name: string;
  ok: number;
  /** Admin acting on someone else: allowed unless the route needs the user themself. */
  adminOnOthers: number;
  prepare(user: { id: number; slug: string }): Promise<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; body?: unknown }>;
}

async function freshOrg(): Promise<TestOrg> {
  const slug = unique('o').toLowerCase();
  return s.core.db.insertInto('organizations').values({ slug, full_name: slug }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

const userRoutes: UserRoute[] = [
  { name: 'list accessibles', ok: 200, adminOnOthers: 200, prepare: async (u) => ({ method: 'GET', url: `/api/users/${u.slug}/accessibles/` }) },
  { name: 'list accessibles of a kind', ok: 200, adminOnOthers: 200, prepare: async (u) => ({ method: 'GET', url: `/api/users/${u.slug}/accessibles/manager/` }) },
  { name: 'request', ok: 201, adminOnOthers: 201, prepare: async (u) => ({ method: 'POST', url: `/api/users/${u.slug}/accessibles/`, body: { slug: (await freshOrg()).slug } }) },
  { name: 'request a kind', ok: 201, adminOnOthers: 201, prepare: async (u) => ({ method: 'POST', url: `/api/users/${u.slug}/accessibles/manager/`, body: { slug: (await freshOrg()).slug } }) },
  {
    name: 're-send request', ok: 200, adminOnOthers: 200, prepare: async (u) => {
      const o = await freshOrg();
      await roleRow(o, u.id, 'contributor', { requestKey: randomToken(16).replace(/[^a-zA-Z0-9]/g, 'x') });
      return { method: 'POST', url: `/api/users/${u.slug}/accessibles/contributor/${o.slug}/` };
    },
  },
  {
    name: 'withdraw', ok: 204, adminOnOthers: 204, prepare: async (u) => {
      const o = await freshOrg();
      await roleRow(o, u.id, 'contributor', { requestKey: randomToken(16).replace(/[^a-zA-Z0-9]/g, 'x') });
      return { method: 'DELETE', url: `/api/users/${u.slug}/accessibles/contributor/${o.slug}/` };
    },
  },
  {
    name: 'accept invitation', ok: 200, adminOnOthers: 404, prepare: async (u) => {
      const key = randomToken();
      await roleRow(await freshOrg(), u.id, 'contributor', { grantKey: key });
      return { method: 'PUT', url: `/api/users/${u.slug}/accessibles/accept/${key}/` };
    },
  },
];

function userOf(name: CallerName): { id: number; slug: string } {
  const u = { anonymous: plain, plain, contributorA, managerA, managerB, admin: s.admin }[name];
  return { id: u.id, slug: u.username };
}

for (const route of userRoutes) {
  test(`access matrix: ${route.name}`, async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const target of ['self', 'other'] as const) {
      for (const caller of CALLERS) {
        // "other" is always a user the caller has no say over (managerB for everyone but managerB).
        const subject = target === 'self' ? userOf(caller) : userOf(caller === 'managerB' ? 'plain' : 'managerB');
        const call = await route.prepare(subject);
        const res = await s.request({ ...call, token: token(caller) });
        got.push(`${caller}@${target}:${res.statusCode}`);
        want.push(`${caller}@${target}:${caller === 'anonymous' ? 401 : target === 'self' ? route.ok : caller === 'admin' ? route.adminOnOthers : 404}`);
      }
    }
    assert.deepEqual(got, want);
  });
}

test('unknown organization, role, user and key answer 404 on every route, even to the broker', async () => {
  const t = s.admin.token;
  const calls: Array<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown }> = [
    { method: 'GET', url: '/api/profile/nope-org/roles/describe/' },
    { method: 'POST', url: '/api/profile/nope-org/roles/describe/', body: { title: 'X' } },
    { method: 'GET', url: `/api/profile/${orgA.slug}/roles/describe/nope/` },
    { method: 'PUT', url: `/api/profile/${orgA.slug}/roles/describe/nope/`, body: { title: 'X' } },
    { method: 'PATCH', url: `/api/profile/${orgA.slug}/roles/describe/nope/`, body: {} },
    { method: 'DELETE', url: `/api/profile/${orgA.slug}/roles/describe/nope/` },
    { method: 'GET', url: '/api/profile/nope-org/roles/' },
    { method: 'GET', url: `/api/profile/${orgA.slug}/roles/nope/` },
    { method: 'POST', url: `/api/profile/${orgA.slug}/roles/nope/`, body: { slug: plain.username } },
    { method: 'POST', url: `/api/profile/${orgA.slug}/roles/contributor/nope-user/` },
    { method: 'DELETE', url: `/api/profile/${orgA.slug}/roles/contributor/nope-user/` },
    { method: 'DELETE', url: `/api/profile/${orgA.slug}/roles/contributor/${plain.username}/` },
    { method: 'POST', url: `/api/profile/${orgA.slug}/roles/accept/deadbeef/` },
    { method: 'DELETE', url: `/api/profile/${orgA.slug}/roles/accept/deadbeef/` },
    { method: 'GET', url: '/api/users/nope-user/accessibles/' },
    { method: 'GET', url: '/api/users/nope-user/accessibles/manager/' },
    { method: 'POST', url: `/api/users/${s.admin.username}/accessibles/`, body: { slug: 'nope-org' } },
    { method: 'POST', url: `/api/users/${s.admin.username}/accessibles/nope/`, body: { slug: orgA.slug } },
    { method: 'POST', url: `/api/users/${s.admin.username}/accessibles/manager/nope-org/` },
    { method: 'DELETE', url: `/api/users/${s.admin.username}/accessibles/manager/${orgA.slug}/` },
    { method: 'PUT', url: `/api/users/${s.admin.username}/accessibles/accept/nope-key/` },
  ];
  for (const call of calls) {
    const res = await s.request({ ...call, token: t });
    assert.equal(res.statusCode, 404, `${call.method} ${call.url}: ${res.body}`);
    assert.ok(res.json().detail);
  }
});

test('malformed JSON and wrong types answer 400 on every route with a body', async () => {
  const t = managerA.token;
  const urls: Array<{ method: 'POST' | 'PUT' | 'PATCH'; url: string; wrong: unknown }> = [
    { method: 'POST', url: `/api/profile/${orgA.slug}/roles/describe/`, wrong: { title: 5 } },
    { method: 'PUT', url: `/api/profile/${orgA.slug}/roles/describe/${await customDescription(orgA)}/`, wrong: { title: 'x', implicit_create_on_none: 'y' } },
    { method: 'PATCH', url: `/api/profile/${orgA.slug}/roles/describe/${await customDescription(orgA)}/`, wrong: { extra: 3 } },
    { method: 'POST', url: `/api/profile/${orgA.slug}/roles/contributor/`, wrong: { email: false } },
    { method: 'POST', url: `/api/profile/${orgA.slug}/roles/accept/abc/`, wrong: { role: [] } },
    { method: 'POST', url: `/api/users/${managerA.username}/accessibles/`, wrong: { slug: 1 } },
    { method: 'POST', url: `/api/users/${managerA.username}/accessibles/manager/`, wrong: { slug: orgB.slug, message: 9 } },
  ];
  for (const { method, url, wrong } of urls) {
    const malformed = await s.request({ method, url, token: method === 'POST' && url.includes('/users/') ? managerA.token : t, body: '{"x":' });
    assert.equal(malformed.statusCode, 400, `${method} ${url}`);
    assert.deepEqual(malformed.json().non_field_errors, ['Malformed JSON in the request body.']);
    const typed = await s.request({ method, url, token: t, body: wrong });
    assert.equal(typed.statusCode, 400, `${method} ${url}: ${typed.body}`);
    const field = Object.keys(wrong as object).find((k) => typed.json()[k]);
    assert.ok(field, `${method} ${url}: ${typed.body}`);
  }
});
