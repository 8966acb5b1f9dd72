// Who may call each get.chat operation. Every operation of /openapi.json under /account and
// /integration must have a row here (a new route without one fails the first test), and
// each row is called by every kind of caller of seed 000: the partner (Partner role on the
// partner organization P, acting on its customer C), C's owner (manager) and maintainer
// (contributor), an unrelated user with an organization of their own, the broker's manager,
// and nobody. Refusals are exact: 401 for nobody, 404 for whoever may not see C (so ids do
// not reveal what exists), 403 for a member without the power.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';

type Caller = 'anonymous' | 'unrelated' | 'maintainer' | 'owner' | 'partner' | 'broker';
const CALLERS: Caller[] = ['anonymous', 'unrelated', 'maintainer', 'owner', 'partner', 'broker'];

/**
 * - public: anyone, nobody included (never 401/403);
 * - user: every authenticated caller;
 * - read / deploy: whoever relates to C (its members, its partner, the broker);
 * - manage: C's owner, its partner, the broker (its maintainer: 403);
 * - partner: C's partner and the broker (owner and maintainer: 403);
 * - broker: the broker's managers only (members and partner: 403).
 */
type Rule = 'public' | 'user' | 'read' | 'deploy' | 'manage' | 'partner' | 'broker' | 'site';

interface Op {
  rule: Rule;
  /** Path parameters, made per caller when a call consumes its target (a delete). */
  params?: (caller: Caller) => Promise<Record<string, string | number>> | Record<string, string | number>;
  body?: (caller: Caller) => unknown;
  /** Exceptions to the rule's expectation, by caller. */
  expect?: Partial<Record<Caller, number>>;
}

let s: TestService;
let users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
let P: TestOrg;
let C: TestOrg;
let X: TestOrg;
let inbox: number;
let stack: number;
let application: number;
let contributorRole: number;
let delivery: number;
let client: string;

async function newPackage(): Promise<number> {
  const res = await call('broker', 'post', '/integration/packages', { name: 'Temp', type: unique('tmp').toLowerCase() });
  assert.ok(res.statusCode < 300, res.body);
  return res.json().id;
}

async function call(caller: Caller, method: string, url: string, body?: unknown) {
  return s.request({
    method: method.toUpperCase() as 'GET', url, body,
    token: caller === 'anonymous' ? undefined : users[caller].token,
  });
}

async function ready<T extends { id: number }>(res: { statusCode: number; json(): T; body: string }): Promise<number> {
  assert.ok(res.statusCode < 300, res.body);
  await s.core.jobs.idle();
  return res.json().id;
}

async function newStack(): Promise<number> {
  return ready(await call('owner', 'post', `/integration/organizations/${C.id}/stacks`, { partner_meta: {} }));
}

async function newApplication(onStack = stack): Promise<number> {
  return ready(await call('owner', 'post', `/integration/stacks/${onStack}/applications`, { package_id: inbox, settings: {} }));
}

/** A new application with a routing by `route=fixed`. */
async function routedApplication(): Promise<number> {
  const id = await newApplication(await newStack());
  await s.core.db.updateTable('package_routings').set({ deleted_at: new Date() }).where('params', '=', 'route=fixed').where('deleted_at', 'is', null).execute();
  const res = await call('owner', 'post', `/integration/applications/${id}/routing`, { params: { route: 'fixed' } });
  assert.equal(res.statusCode, 201, res.body);
  return id;
}

async function newMember(): Promise<number> {
  const member = await quickUser(s, 'mx');
  await giveRole(s, C, member.id, 'contributor');
  return member.id;
}

before(async () => {
  s = await startService();
  users = {
    unrelated: await quickUser(s, 'un'),
    maintainer: await quickUser(s, 'mt'),
    owner: await quickUser(s, 'ow'),
    partner: await quickUser(s, 'pa'),
    broker: s.admin,
  };
  P = await makeOrganization(s);
  await giveRole(s, P, users.partner.id, 'partner');
  C = await makeOrganization(s);
  await placeOrganization(s, C, { partner: P });
  await giveRole(s, C, users.owner.id, 'manager');
  await giveRole(s, C, users.maintainer.id, 'contributor');
  X = await makeOrganization(s);
  await giveRole(s, X, users.unrelated.id, 'manager');
  const packages = await call('owner', 'get', '/integration/packages?paginated=true');
  inbox = packages.json().data.find((p: { type: string }) => p.type === 'inbox').id;
  stack = await newStack();
  application = await newApplication();
  const roles = await call('owner', 'get', `/account/organizations/${C.id}/roles`);
  contributorRole = roles.json().data.find((r: { name: string }) => r.name === 'Maintainer').id;
  const created = await call('owner', 'post', `/account/organizations/${C.id}/oauth2-clients`);
  client = created.json().id;
  // A delivery to list and re-send: C's webhook receives the stack's events (a public address that refuses nothing is not needed: it is never reached in this test).
  await s.core.db.updateTable('organizations').set({ webhook_url: 'https://hooks.example.com/c' }).where('id', '=', C.id).execute();
  await newStack();
  const deliveries = await call('owner', 'get', `/account/organizations/${C.id}/webhook-deliveries`);
  delivery = deliveries.json().data[0]?.id ?? 0;
});
after(async () => { await s?.stop(); });

const OPS: Record<string, Op> = {
  // Authentication: anyone may try; the answers are the same whoever asks.
  'POST /account/login': { rule: 'public', body: () => ({ email: `${unique('n')}@example.com`, password: 'Wrong-pa55word-here' }), expect: { anonymous: 400, unrelated: 400, maintainer: 400, owner: 400, partner: 400, broker: 400 } },
  'POST /account/register': { rule: 'public', body: () => ({ email: `${unique('r')}@example.com`, password: 'A-long-Pa55word-for-tests' }) },
  'GET /account/verify-email': { rule: 'public', params: () => ({}), expect: {} },
  'POST /account/verify-email': { rule: 'public', body: () => ({ token: 'no-such-token' }), expect: { anonymous: 404, unrelated: 404, maintainer: 404, owner: 404, partner: 404, broker: 404 } },
  'POST /account/reset-password': { rule: 'public', body: () => ({ email: `${unique('x')}@example.com` }) },
  'POST /account/reset-password/cooldown': { rule: 'public', body: () => ({ email: `${unique('x')}@example.com` }) },
  'POST /account/reset-password/confirm': { rule: 'public', body: () => ({ token: 'no-such-token', password: 'A-long-Pa55word-for-tests' }), expect: { anonymous: 404, unrelated: 404, maintainer: 404, owner: 404, partner: 404, broker: 404 } },
  'GET /account/profile': { rule: 'user' },
  'POST /account/invitations/accept': { rule: 'user', body: () => ({ token: 'no-such-token' }), expect: { unrelated: 404, maintainer: 404, owner: 404, partner: 404, broker: 404 } },
  // Organizations.
  'GET /account/organizations': { rule: 'user' },
  'POST /account/organizations': { rule: 'user', body: () => ({ name: unique('Org') }) },
  'GET /account/organizations/{organization_id}': { rule: 'read' },
  'PATCH /account/organizations/{organization_id}': { rule: 'manage', body: () => ({ name: unique('Renamed') }) },
  'GET /account/organizations/{organization_id}/customers': { rule: 'read' },
  'POST /account/organizations/{organization_id}/customers': { rule: 'manage', body: () => ({ name: unique('Customer') }) },
  'GET /account/organizations/{organization_id}/permissions': { rule: 'read' },
  'GET /account/organizations/{organization_id}/roles': { rule: 'read' },
  'PUT /account/organizations/{organization_id}/stack-quota': { rule: 'broker', body: () => ({ stack_quota: null }) },
  'PUT /account/users/{user_id}/organization-quota': { rule: 'site', params: () => ({ user_id: users.owner.id }), body: () => ({ organization_quota: null }) },
  // Users and accesses.
  'GET /account/organizations/{organization_id}/users': { rule: 'read' },
  'POST /account/organizations/{organization_id}/users': { rule: 'manage', body: () => ({ email: `${unique('i')}@example.com`, send_invitation_email: false }) },
  'GET /account/organizations/{organization_id}/users/{user_id}': { rule: 'read' },
  'PATCH /account/organizations/{organization_id}/users/{user_id}': { rule: 'manage', params: async () => ({ user_id: await newMember() }), body: () => ({ role_id: contributorRole }) },
  'DELETE /account/organizations/{organization_id}/users/{user_id}': { rule: 'manage', params: async () => ({ user_id: await newMember() }) },
  // Webhooks.
  'GET /account/organizations/{organization_id}/webhook-secret': { rule: 'manage' },
  'POST /account/organizations/{organization_id}/webhook-secret': { rule: 'manage' },
  'GET /account/organizations/{organization_id}/webhook-deliveries': { rule: 'manage' },
  'GET /account/organizations/{organization_id}/webhook-deliveries/{delivery_id}': { rule: 'manage', params: () => ({ delivery_id: delivery }) },
  'POST /account/organizations/{organization_id}/webhook-deliveries/{delivery_id}/resend': { rule: 'manage', params: () => ({ delivery_id: delivery }) },
  // OAuth2 clients and ID tokens.
  'GET /account/organizations/{organization_id}/oauth2-clients': { rule: 'manage' },
  'POST /account/organizations/{organization_id}/oauth2-clients': { rule: 'manage' },
  'GET /account/oauth2-clients/{oauth2_client_id}': { rule: 'manage', params: () => ({ oauth2_client_id: client }) },
  'PATCH /account/oauth2-clients/{oauth2_client_id}': { rule: 'manage', params: () => ({ oauth2_client_id: client }), body: () => ({ redirect_uris: ['https://app.example.com/callback'] }) },
  'POST /account/oauth2-clients/{oauth2_client_id}/secret': { rule: 'manage', params: () => ({ oauth2_client_id: client }) },
  // The authorization server: its own protocol answers (OAuth errors for a request without a client).
  'GET /account/oauth2/authorize': { rule: 'public' },
  'GET /account/oauth2/authorize/{uid}': { rule: 'public', params: () => ({ uid: 'no-such-interaction' }) },
  'POST /account/oauth2/token': { rule: 'public', body: () => ({ grant_type: 'authorization_code', code: 'x', client_id: client, client_secret: 'wrong', redirect_uri: 'https://app.example.com/callback', code_verifier: 'v'.repeat(43) }), expect: { anonymous: 401 } },
  'GET /account/oauth2/jwks': { rule: 'public' },
  'GET /account/oauth2/.well-known/openid-configuration': { rule: 'public' },
  // Only the authorization server's own access tokens open it: the service's JWT is not one.
  'GET /account/oauth2/userinfo': { rule: 'public', expect: { anonymous: 401, unrelated: 401, maintainer: 401, owner: 401, partner: 401, broker: 401 } },
  'GET /account/oauth2/interaction/{uid}': { rule: 'public', params: () => ({ uid: 'no-such-interaction' }) },
  'POST /account/oauth2/interaction/{uid}/login': { rule: 'public', params: () => ({ uid: 'no-such-interaction' }) },
  'POST /account/oauth2/interaction/{uid}/consent': { rule: 'public', params: () => ({ uid: 'no-such-interaction' }) },
  'POST /account/organizations/{organization_id}/users/{user_id}/id-token': { rule: 'partner', body: () => ({ application_id: application }) },
  // Packages.
  'GET /integration/packages': { rule: 'public' },
  'GET /integration/packages/{package_id}': { rule: 'public' },
  'GET /integration/packages/types/{package_type}': { rule: 'public', params: () => ({ package_type: 'inbox' }) },
  'GET /integration/packages/{package_id}/definition': { rule: 'site' },
  'POST /integration/packages': { rule: 'site', body: () => ({ name: 'Extra', type: unique('extra').toLowerCase() }) },
  'PATCH /integration/packages/{package_id}': { rule: 'site', params: async () => ({ package_id: await newPackage() }), body: () => ({ name: 'Renamed' }) },
  'DELETE /integration/packages/{package_id}': { rule: 'site', params: async () => ({ package_id: await newPackage() }) },
  'GET /integration/organizations/{organization_id}/packages/{package_id}/limits': { rule: 'read' },
  'PUT /integration/organizations/{organization_id}/packages/{package_id}/limits/{setting}': { rule: 'broker', params: () => ({ setting: 'seats_quota' }), body: () => ({ minimum: 1, maximum: 60 }) },
  // Stacks.
  'GET /integration/organizations/{organization_id}/stacks': { rule: 'read' },
  'POST /integration/organizations/{organization_id}/stacks': { rule: 'deploy', body: () => ({ partner_meta: {} }) },
  'POST /integration/stacks': { rule: 'user', body: () => ({ partner_meta: {} }), expect: { unrelated: 201 } },
  'GET /integration/stacks/{stack_id}': { rule: 'read' },
  'PATCH /integration/stacks/{stack_id}': { rule: 'deploy', params: async () => ({ stack_id: await newStack() }), body: () => ({ name: unique('renamed') }) },
  'DELETE /integration/stacks/{stack_id}': { rule: 'deploy', params: async () => ({ stack_id: await newStack() }) },
  // Applications.
  'GET /integration/stacks/{stack_id}/applications': { rule: 'read' },
  'POST /integration/stacks/{stack_id}/applications': { rule: 'deploy', params: async () => ({ stack_id: await newStack() }), body: () => ({ package_id: inbox, settings: {} }) },
  'GET /integration/applications/{application_id}': { rule: 'read' },
  'PATCH /integration/applications/{application_id}': { rule: 'deploy', params: async () => ({ application_id: await newApplication(await newStack()) }), body: () => ({ partner_meta: { k: 'v' } }) },
  'DELETE /integration/applications/{application_id}': { rule: 'deploy', params: async () => ({ application_id: await newApplication(await newStack()) }) },
  // Package routing: each caller on an application of its own, so creations do not clash.
  'POST /integration/applications/{application_id}/routing': { rule: 'deploy', params: async () => ({ application_id: await newApplication(await newStack()) }), body: () => ({ params: { route: unique('r') } }) },
  'PUT /integration/applications/{application_id}/routing': { rule: 'deploy', params: async () => ({ application_id: await routedApplication() }), body: () => ({ params: { route: unique('r') } }) },
  'DELETE /integration/applications/{application_id}/routing': { rule: 'deploy', params: async () => ({ application_id: await routedApplication() }), body: () => ({ params: { route: 'fixed' } }) },
  'POST /integration/applications': { rule: 'user', body: () => ({ email: `${unique('ic')}@example.com`, package_type: 'inbox', settings: {} }) },
};

function expected(op: Op, caller: Caller): number | 'ok' | 'not-denied' {
  if (op.expect?.[caller] !== undefined) return op.expect[caller]!;
  if (op.rule === 'public') return 'not-denied';
  if (caller === 'anonymous') return 401;
  if (op.rule === 'user') return 'ok';
  if (op.rule === 'site') return caller === 'broker' ? 'ok' : 403;
  if (caller === 'unrelated') return 404;
  if (caller === 'broker') return 'ok';
  switch (op.rule) {
    case 'read':
    case 'deploy': return 'ok';
    case 'manage': return caller === 'maintainer' ? 403 : 'ok';
    case 'partner': return caller === 'partner' ? 'ok' : 403;
    case 'broker': return 403;
  }
}

async function get(): Promise<Array<{ method: string; path: string }>> {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .filter(([path]) => path.startsWith('/account/') || path.startsWith('/integration'))
    .flatMap(([path, item]) => ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((method) => ({ method, path })));
}

test('every get.chat operation has a row in this matrix', async () => {
  const missing = (await get()).map(({ method, path }) => `${method.toUpperCase()} ${path}`).filter((key) => !OPS[key]);
  assert.deepEqual(missing, []);
});

test('each caller gets what the access rules say, on every get.chat operation', async () => {
  const problems: string[] = [];
  for (const { method, path } of await get()) {
    const op = OPS[`${method.toUpperCase()} ${path}`];
    if (!op) continue;
    for (const caller of CALLERS) {
      const params = op.params ? await op.params(caller) : {};
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name] ?? defaults()[name] ?? 'missing')));
      const res = await call(caller, method, url, op.body ? op.body(caller) : method === 'get' || method === 'delete' ? undefined : {});
      const want = expected(op, caller);
      const ok = want === 'ok' ? res.statusCode < 400 : want === 'not-denied' ? ![401, 403, 404, 500].includes(res.statusCode) : res.statusCode === want;
      if (!ok) problems.push(`${caller} ${method.toUpperCase()} ${url}: ${res.statusCode} (expected ${want}) ${res.body.slice(0, 160)}`);
      await s.core.jobs.idle();
    }
  }
  assert.deepEqual(problems, []);
});

function defaults(): Record<string, string | number> {
  return { organization_id: C.id, stack_id: stack, application_id: application, package_id: inbox, user_id: users.maintainer.id };
}

