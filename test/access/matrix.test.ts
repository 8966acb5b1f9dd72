// Who may call each role route and each user route: every kind of caller (described in
// test/support/fixtures.ts, relationWorld) against the organizations they relate to, and
// against users they relate to. Anyone who may not see an organization or a user gets
// 404, not 403. Only accepted roles give powers, and reading a member's personal data
// needs a role that member accepted, on an organization that is active, reached through
// active partners only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { randomToken, sha256 } from '../../src/core/identity/secrets.js';
import { recordCardOnFile } from '../../src/core/billing/charges.js';
import {
  MEMBERS_OF_A, QUICK_PASSWORD, RELATION_CALLERS as CALLERS, RELATION_TARGETS as TARGETS, apiKeyHeaders, giveRole,
  quickUser, relationWorld, type RelationCaller as CallerName, type RelationTarget as Target, type RelationWorld,
  type RoleState, type TestOrg,
} from '../support/fixtures.js';

let s: TestService;
let world: RelationWorld;
let orgA: TestOrg;
let orgB: TestOrg;
let plain: TestUser;
let managerA: TestUser;

before(async () => {
  s = await startService();
  world = await relationWorld(s);
  ({ plain, managerA } = world.users);
  orgA = await world.target('A');
  orgB = await world.target('B');
  const options = (await s.request({ method: 'GET', url: '/api/users/preferences/options/', token: plain.token })).json();
  preferences = {
    timezone: options.timezones[0], language: options.languages[0].value, first_day_of_week: options.first_days_of_week[0].value,
    number_format: options.number_formats[0].value, date_format: options.date_formats[0].value, time_format: options.time_formats[0].value,
  };
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

/** A card on file for the organization, saved at the test processor. */
async function cardOnFile(org: TestOrg): Promise<void> {
  const saved = await s.core.processor.saveCard({ customerKey: null, email: null, name: org.slug }, 'tok_visa');
  await recordCardOnFile(s.core, org.id, saved.customerKey, saved.card);
}

/** A coupon of the organization (as a provider), written straight to the database. */
async function coupon(org: TestOrg): Promise<string> {
  const code = unique('C');
  await s.core.db.insertInto('coupons').values({ organization_id: org.id, code, discount_type: 'percentage', discount_value: 1000 }).execute();
  return code;
}

interface OrgRoute {
  name: string;
  kind: 'read' | 'manage';
  ok: number;
  prepare(org: TestOrg): Promise<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown }>;
}

const orgRoutes: OrgRoute[] = [
  { name: 'read card', kind: 'read', ok: 200, prepare: async (o) => { await cardOnFile(o); return { method: 'GET', url: `/api/billing/${o.slug}/card/` }; } },
  { name: 'put card', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'PUT', url: `/api/billing/${o.slug}/card/`, body: { token: 'tok_visa' } }) },
  { name: 'patch card', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'PATCH', url: `/api/billing/${o.slug}/card/`, body: { token: 'tok_mastercard' } }) },
  { name: 'delete card', kind: 'manage', ok: 204, prepare: async (o) => { await cardOnFile(o); return { method: 'DELETE', url: `/api/billing/${o.slug}/card/` }; } },
  { name: 'read payout account', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/billing/${o.slug}/bank/` }) },
  // The caller's cart is empty: pricing lists nothing, the order charges nothing (200 {}).
  { name: 'price checkout', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/billing/${o.slug}/checkout/` }) },
  { name: 'place order', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'POST', url: `/api/billing/${o.slug}/checkout/`, body: {} }) },
  { name: 'list coupons', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/billing/${o.slug}/coupons/` }) },
  { name: 'create coupon', kind: 'manage', ok: 201, prepare: async (o) => ({ method: 'POST', url: `/api/billing/${o.slug}/coupons/`, body: { code: unique('C'), discount_value: 1000 } }) },
  { name: 'read coupon', kind: 'read', ok: 200, prepare: async (o) => ({ method: 'GET', url: `/api/billing/${o.slug}/coupons/${await coupon(o)}/` }) },
  { name: 'put coupon', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'PUT', url: `/api/billing/${o.slug}/coupons/${await coupon(o)}/`, body: { discount_type: 'currency', discount_value: 500 } }) },
  { name: 'patch coupon', kind: 'manage', ok: 200, prepare: async (o) => ({ method: 'PATCH', url: `/api/billing/${o.slug}/coupons/${await coupon(o)}/`, body: { nb_attempts: 3 } }) },
  { name: 'delete coupon', kind: 'manage', ok: 204, prepare: async (o) => ({ method: 'DELETE', url: `/api/billing/${o.slug}/coupons/${await coupon(o)}/` }) },
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

const MANAGERS: CallerName[] = ['managerA', 'apiKeyManagerA', 'managerB', 'suspendedMember'];

/** What `caller` gets on a role route of an organization of kind `which`. */
function expectedOnOrg(caller: CallerName, which: Target, route: OrgRoute): number {
  if (caller === 'anonymous') return 401;
  if (caller === 'admin') return route.ok;
  if (caller === 'partnerManager') return which === 'A' || which === 'S' ? route.ok : 404;
  if (caller === 'suspendedPartner') return which === 'X' ? 403 : 404;
  const member = (which === 'A' && MEMBERS_OF_A.includes(caller)) || (which === 'B' && caller === 'managerB')
    || (which === 'S' && caller === 'suspendedMember');
  if (!member) return 404;
  if (which === 'S') return 403;
  if (route.kind === 'read') return route.ok;
  return MANAGERS.includes(caller) ? route.ok : 403;
}

for (const route of orgRoutes) {
  test(`access matrix: ${route.name}`, async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const which of TARGETS) {
      const org = await world.target(which);
      for (const caller of CALLERS) {
        const call = await route.prepare(org);
        const res = await s.request({ ...call, ...world.credentials(caller) });
        got.push(`${caller}@${which}:${res.statusCode}`);
        want.push(`${caller}@${which}:${expectedOnOrg(caller, which, route)}`);
        if (res.statusCode === 404 && caller !== 'anonymous') assert.doesNotMatch(res.body, /permission/);
      }
    }
    assert.deepEqual(got, want);
  });
}

// ---- user routes ----

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Subject { id: number; slug: string; email: string }

/**
 * read: the account and personal data, open to the managers of an organization where the
 * user holds an accepted role; write: the user and the broker's managers; admin: the
 * broker's managers only; own: the user only; site: the broker's team (403 to others).
 */
type UserKind = 'read' | 'write' | 'admin' | 'own' | 'site';
interface UserRoute {
  name: string;
  kind: UserKind;
  /** What an allowed caller gets (the route's own answer once authorized). */
  ok: number;
  /** The broker acting on someone else, when it differs from ok. */
  adminOk?: number;
  prepare(subject: Subject, callerPassword: string): Promise<{ method: Method; url: string; body?: unknown }>;
}

async function freshOrg(): Promise<TestOrg> {
  const slug = unique('o').toLowerCase();
  return s.core.db.insertInto('organizations').values({ slug, full_name: slug }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

let preferences: Record<string, string>;
const u = (x: Subject, rest = '') => `/api/users/${x.slug}/${rest}`;
const userRoutes: UserRoute[] = [
  { name: 'read account', kind: 'read', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x) }) },
  { name: 'put account', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PUT', url: u(x), body: { email: x.email, full_name: 'Renamed' } }) },
  { name: 'patch account', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PATCH', url: u(x), body: { nick_name: 'Nick' } }) },
  { name: 'delete account', kind: 'write', ok: 204, prepare: async (x) => ({ method: 'DELETE', url: u(x) }) },
  { name: 're-send activation', kind: 'write', ok: 400, prepare: async (x) => ({ method: 'POST', url: u(x, 'activate/') }) },
  { name: 'put password', kind: 'write', ok: 200, prepare: async (x, p) => ({ method: 'PUT', url: u(x, 'password/'), body: { password: p, new_password: 'Another-Pa55word-for-matrix' } }) },
  { name: 'patch password', kind: 'write', ok: 200, prepare: async (x, p) => ({ method: 'PATCH', url: u(x, 'password/'), body: { password: p, new_password: 'Another-Pa55word-for-matrix' } }) },
  { name: 'api key', kind: 'write', ok: 200, prepare: async (x, p) => ({ method: 'POST', url: u(x, 'api-keys/'), body: { password: p } }) },
  {
    name: 'ssh key', kind: 'write', ok: 200, prepare: async (x, p) => ({
      method: 'PUT', url: u(x, 'ssh-keys/'),
      body: { password: p, pubkey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl matrix' },
    }),
  },
  { name: 'read second factors', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'otp/') }) },
  { name: 'second factors', kind: 'write', ok: 200, prepare: async (x, p) => ({ method: 'PUT', url: u(x, 'otp/'), body: { password: p, email_verification_enabled: false } }) },
  { name: 'read notifications', kind: 'read', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'notifications/') }) },
  { name: 'set notifications', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PUT', url: u(x, 'notifications/'), body: { notifications: [] } }) },
  { name: 'read status', kind: 'admin', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'status/') }) },
  { name: 'suspend', kind: 'admin', ok: 200, prepare: async (x) => ({ method: 'POST', url: u(x, 'status/suspend/'), body: { reason: 'Matrix' } }) },
  { name: 'reactivate', kind: 'admin', ok: 409, prepare: async (x) => ({ method: 'POST', url: u(x, 'status/reactivate/') }) },
  { name: 'unlock', kind: 'admin', ok: 204, prepare: async (x) => ({ method: 'DELETE', url: u(x, 'lockout/') }) },
  { name: 'read personal info', kind: 'read', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'personal-info/') }) },
  { name: 'put personal info', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PUT', url: u(x, 'personal-info/'), body: { first_name: 'Ada', last_name: 'Matrix' } }) },
  { name: 'patch personal info', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PATCH', url: u(x, 'personal-info/'), body: { first_name: 'Ada' } }) },
  { name: 'send a phone code', kind: 'write', ok: 400, prepare: async (x) => ({ method: 'POST', url: u(x, 'personal-info/mobile/verify/') }) },
  { name: 'confirm a phone code', kind: 'write', ok: 400, prepare: async (x) => ({ method: 'POST', url: u(x, 'personal-info/mobile/verify/confirm/'), body: { code: '123456' } }) },
  { name: 'read preferences', kind: 'read', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'preferences/') }) },
  { name: 'put preferences', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PUT', url: u(x, 'preferences/'), body: preferences }) },
  { name: 'patch preferences', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PATCH', url: u(x, 'preferences/'), body: { timezone: preferences.timezone } }) },
  { name: 'read security events', kind: 'read', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'security-events/') }) },
  { name: 'list profiles', kind: 'read', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'profiles/') }) },
  { name: 'create a profile for', kind: 'write', ok: 201, prepare: async (x) => ({ method: 'POST', url: u(x, 'profiles/'), body: { full_name: unique('Made for') } }) },
  { name: 'list accessibles', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'accessibles/') }) },
  { name: 'list accessibles of a kind', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'GET', url: u(x, 'accessibles/manager/') }) },
  { name: 'request', kind: 'write', ok: 201, prepare: async (x) => ({ method: 'POST', url: u(x, 'accessibles/'), body: { slug: (await freshOrg()).slug } }) },
  { name: 'request a kind', kind: 'write', ok: 201, prepare: async (x) => ({ method: 'POST', url: u(x, 'accessibles/manager/'), body: { slug: (await freshOrg()).slug } }) },
  {
    name: 're-send request', kind: 'write', ok: 200, prepare: async (x) => {
      const o = await freshOrg();
      await roleRow(o, x.id, 'contributor', { requestKey: randomToken(16).replace(/[^a-zA-Z0-9]/g, 'x') });
      return { method: 'POST', url: u(x, `accessibles/contributor/${o.slug}/`) };
    },
  },
  {
    name: 'withdraw', kind: 'write', ok: 204, prepare: async (x) => {
      const o = await freshOrg();
      await roleRow(o, x.id, 'contributor', { requestKey: randomToken(16).replace(/[^a-zA-Z0-9]/g, 'x') });
      return { method: 'DELETE', url: u(x, `accessibles/contributor/${o.slug}/`) };
    },
  },
  {
    name: 'accept invitation', kind: 'own', ok: 200, prepare: async (x) => {
      const key = randomToken();
      await roleRow(await freshOrg(), x.id, 'contributor', { grantKey: key });
      return { method: 'PUT', url: u(x, `accessibles/accept/${key}/`) };
    },
  },
  { name: 'put contact', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PUT', url: `/api/contacts/${x.slug}/`, body: { email: x.email, full_name: 'Renamed' } }) },
  { name: 'patch contact', kind: 'write', ok: 200, prepare: async (x) => ({ method: 'PATCH', url: `/api/contacts/${x.slug}/`, body: { nick_name: 'Nick' } }) },
  { name: 'delete contact', kind: 'write', ok: 204, prepare: async (x) => ({ method: 'DELETE', url: `/api/contacts/${x.slug}/` }) },
  { name: 'list activities', kind: 'site', ok: 200, prepare: async (x) => ({ method: 'GET', url: `/api/contacts/${x.slug}/activities/` }) },
  { name: 'record activity', kind: 'site', ok: 201, prepare: async (x) => ({ method: 'POST', url: `/api/contacts/${x.slug}/activities/`, body: { text: 'Called' } }) },
];

/**
 * Each scenario: a caller and the user it acts on. `reads` says the caller may read that
 * user (a manager, directly or through active partners, of an active organization where
 * the user holds a role they accepted).
 */
interface Scenario {
  name: string;
  caller: CallerName | 'self' | 'selfApiKey';
  subject: 'self' | { target: Target; state: RoleState };
  reads: boolean;
}
const memberOf = (target: Target, state: RoleState = 'accepted') => ({ target, state });
const scenarios: Scenario[] = [
  { name: 'anonymous', caller: 'anonymous', subject: memberOf('A'), reads: false },
  { name: 'self', caller: 'self', subject: 'self', reads: true },
  { name: 'self with an API key', caller: 'selfApiKey', subject: 'self', reads: true },
  { name: 'stranger', caller: 'plain', subject: memberOf('A'), reads: false },
  { name: 'manager of a member', caller: 'managerA', subject: memberOf('A'), reads: true },
  { name: 'manager of a member, API key', caller: 'apiKeyManagerA', subject: memberOf('A'), reads: true },
  { name: 'partner of a member', caller: 'partnerManager', subject: memberOf('A'), reads: true },
  { name: 'co-member', caller: 'contributorA', subject: memberOf('A'), reads: false },
  { name: 'manager of an invitee', caller: 'managerA', subject: memberOf('A', 'invited'), reads: false },
  { name: 'manager of a requester', caller: 'managerA', subject: memberOf('A', 'requested'), reads: false },
  { name: 'manager of a forced member', caller: 'managerA', subject: memberOf('A', 'forced'), reads: false },
  { name: 'manager of an implicit member', caller: 'managerA', subject: memberOf('A', 'implicit'), reads: false },
  { name: 'manager of a suspended organization', caller: 'suspendedMember', subject: memberOf('S'), reads: false },
  { name: 'partner of a suspended organization', caller: 'partnerManager', subject: memberOf('S'), reads: false },
  { name: 'manager of a suspended partner', caller: 'suspendedPartner', subject: memberOf('X'), reads: false },
  { name: 'manager of a closed partner', caller: 'closedPartner', subject: memberOf('Y'), reads: false },
  { name: 'partner through a closed organization', caller: 'partnerManager', subject: memberOf('Y'), reads: false },
  { name: 'invitee to the member\'s organization', caller: 'invited', subject: memberOf('A'), reads: false },
  { name: 'requester to the member\'s organization', caller: 'requesting', subject: memberOf('A'), reads: false },
  { name: 'forced member', caller: 'forced', subject: memberOf('A'), reads: false },
  { name: 'implicit member', caller: 'implicit', subject: memberOf('A'), reads: false },
  { name: 'broker manager', caller: 'admin', subject: memberOf('A'), reads: true },
];

function expectedOnUser(scenario: Scenario, route: UserRoute): number {
  const self = scenario.subject === 'self';
  const broker = scenario.caller === 'admin';
  if (scenario.caller === 'anonymous') return 401;
  switch (route.kind) {
    case 'site': return broker ? route.ok : 403;
    case 'admin': return broker ? route.ok : 404;
    case 'own': return self ? route.ok : 404;
    case 'write': return self ? route.ok : broker ? route.adminOk ?? route.ok : 404;
    case 'read': return scenario.reads ? route.ok : 404;
  }
}

/** The organization of kind `target` each scenario's subjects join (made once). */
const orgsFor = new Map<Target, TestOrg>();

async function subjectFor(scenario: Scenario): Promise<{ subject: Subject; credentials: { token?: string; headers?: Record<string, string> }; password: string }> {
  if (scenario.subject === 'self') {
    const me = await quickUser(s, 'self');
    const credentials = scenario.caller === 'selfApiKey' ? { headers: await apiKeyHeaders(s, me.id) } : { token: me.token };
    return { subject: { id: me.id, slug: me.username, email: me.email }, credentials, password: QUICK_PASSWORD };
  }
  const { target, state } = scenario.subject;
  if (!orgsFor.has(target)) orgsFor.set(target, await world.target(target));
  const member = await quickUser(s, 'member');
  await giveRole(s, orgsFor.get(target)!, member.id, 'contributor', state);
  const caller = scenario.caller as CallerName;
  return {
    subject: { id: member.id, slug: member.username, email: member.email },
    credentials: world.credentials(caller),
    password: caller === 'admin' ? s.admin.password : QUICK_PASSWORD,
  };
}

for (const route of userRoutes) {
  test(`user access matrix: ${route.name}`, async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const scenario of scenarios) {
      // A fresh subject each time: the routes change passwords, keys and statuses.
      const { subject, credentials, password } = await subjectFor(scenario);
      const call = await route.prepare(subject, password);
      const res = await s.request({ ...call, ...credentials });
      got.push(`${scenario.name}: ${res.statusCode}`);
      want.push(`${scenario.name}: ${expectedOnUser(scenario, route)}`);
      if (res.statusCode === 404) assert.match(res.json().error_code, /^(user\.not_found|link\.invalid)$/, `${scenario.name}: a 404 that says nothing else`);
    }
    assert.deepEqual(got, want);
  });
}

test('an invitation opens nothing of the invitee\'s account to the inviter until it is accepted', async () => {
  const inviter = await quickUser(s, 'inviter');
  const victim = await quickUser(s, 'victim');
  const made = await s.request({ method: 'POST', url: '/api/profile/', token: inviter.token, body: { full_name: unique('Bait') } });
  assert.equal(made.statusCode, 201);
  const invited = await s.request({ method: 'POST', url: `/api/profile/${made.json().slug}/roles/contributor/`, token: inviter.token, body: { slug: victim.username } });
  assert.equal(invited.statusCode, 201);
  const paths = ['', 'personal-info/', 'preferences/', 'security-events/', 'notifications/', 'profiles/'];
  for (const path of paths) {
    const res = await s.request({ method: 'GET', url: `/api/users/${victim.username}/${path}`, token: inviter.token });
    assert.equal(res.statusCode, 404, `pending: ${path}`);
  }
  const found = await s.request({ method: 'GET', url: `/api/accounts/users/?q=${victim.username}`, token: inviter.token });
  assert.equal(found.json().count, 0);
  // Once the invitee accepts, the manager reads what a manager may.
  const key = /accessibles\/accept\/([^/\s]+)\//.exec((await s.smtp.waitFor(victim.email, () => true)).text)?.[1];
  assert.ok(key);
  assert.equal((await s.request({ method: 'PUT', url: `/api/users/${victim.username}/accessibles/accept/${key}/`, token: victim.token })).statusCode, 200);
  for (const path of paths) {
    const res = await s.request({ method: 'GET', url: `/api/users/${victim.username}/${path}`, token: inviter.token });
    assert.equal(res.statusCode, 200, `accepted: ${path}`);
  }
});

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
