// get.chat's OAuth2: an organization's client (O1-O5), the authorization code flow with
// PKCE end to end (openid-client as the client, the sign-in and consent pages as a browser
// would use them), the token exchange in the seed's JSON form (O6), and the partner's ID
// token for a user into an application (G9), verified against the server's JWKS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, type TestOrg } from '../support/fixtures.js';
import { authenticateAccessToken } from '../../src/core/oauth2/access-tokens.js';

let s: TestService;
let partner: TestUser; let owner: TestUser; let maintainer: TestUser; let stranger: TestUser;
let partnerOrg: TestOrg; let customer: TestOrg; let other: TestOrg;

const ISSUER = 'http://portal.test/account/oauth2';
const CALLBACK = 'https://app.example.com/callback';

before(async () => {
  s = await startService();
  [partner, owner, maintainer, stranger] = await Promise.all([s.user(), s.user(), s.user(), s.user()]);
  partnerOrg = await makeOrganization(s);
  customer = await makeOrganization(s);
  other = await makeOrganization(s);
  await placeOrganization(s, customer, { partner: partnerOrg });
  await giveRole(s, partnerOrg, partner.id, 'partner');
  await giveRole(s, customer, owner.id, 'manager');
  await giveRole(s, customer, maintainer.id, 'contributor');
  await giveRole(s, other, stranger.id, 'manager');
});
after(async () => { await s.stop(); });

const clientsUrl = (org: TestOrg | number) => `/account/organizations/${typeof org === 'number' ? org : org.id}/oauth2-clients`;

/** The organization's client, made if needed, with a known secret (regenerated when the client already existed). */
async function clientOf(org: TestOrg, caller: TestUser): Promise<{ id: string; secret: string }> {
  const made = await s.request({ method: 'POST', url: clientsUrl(org), token: caller.token, body: {} });
  assert.ok([200, 201].includes(made.statusCode), made.body);
  let { id, secret } = made.json();
  if (!secret) secret = (await s.request({ method: 'POST', url: `/account/oauth2-clients/${id}/secret`, token: caller.token, body: {} })).json().secret;
  const patched = await s.request({ method: 'PATCH', url: `/account/oauth2-clients/${id}`, token: caller.token, body: { redirect_uris: [CALLBACK] } });
  assert.equal(patched.statusCode, 200, patched.body);
  return { id, secret };
}

// ---- O1-O5 ----

test('O1: one client per organization; the secret is shown on creation only, and is stored hashed', async () => {
  const first = await s.request({ method: 'POST', url: clientsUrl(customer), token: owner.token, body: {} });
  assert.equal(first.statusCode, 201, first.body);
  const made = first.json();
  assert.equal(typeof made.id, 'string');
  assert.equal(made.organization_id, customer.id);
  assert.equal(typeof made.secret, 'string');
  assert.ok(made.secret.length >= 40);
  assert.deepEqual(made.redirect_uris, []);
  assert.match(made.created_at, /^\d{4}-\d\d-\d\dT/);

  const again = await s.request({ method: 'POST', url: clientsUrl(customer), token: partner.token });
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().id, made.id);
  assert.equal(again.json().secret, null);

  const row = await s.core.db.selectFrom('oauth2_clients').selectAll().where('id', '=', made.id).executeTakeFirstOrThrow();
  assert.notEqual(row.secret_hash, made.secret);
  assert.ok(!JSON.stringify(row).includes(made.secret), 'the secret is not stored in clear');
  const count = await s.core.db.selectFrom('oauth2_clients').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', customer.id).executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 1);
});

test('O1: racing creations make one client', async () => {
  const org = await makeOrganization(s);
  await giveRole(s, org, owner.id, 'manager');
  const answers = await Promise.all([1, 2, 3, 4].map(() => s.request({ method: 'POST', url: clientsUrl(org), token: owner.token })));
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 200, 200, 201]);
  assert.equal(new Set(answers.map((a) => a.json().id)).size, 1);
});

test('O1: who may, and bad input', async () => {
  const maint = await s.request({ method: 'POST', url: clientsUrl(customer), token: maintainer.token });
  assert.equal(maint.statusCode, 403);
  assert.equal(maint.json().code, 'access.denied');
  const unrelated = await s.request({ method: 'POST', url: clientsUrl(customer), token: stranger.token });
  assert.equal(unrelated.statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: clientsUrl(customer) })).statusCode, 401);
  assert.equal((await s.request({ method: 'POST', url: clientsUrl(999999), token: owner.token })).statusCode, 404);
  const wrongType = await s.request({ method: 'POST', url: '/account/organizations/abc/oauth2-clients', token: owner.token });
  assert.equal(wrongType.statusCode, 400);
  assert.match(wrongType.json().description, /organization_id/);
  const malformed = await s.request({ method: 'POST', url: clientsUrl(customer), token: owner.token, body: '{"a":' });
  assert.equal(malformed.statusCode, 400);
  const unknownField = await s.request({ method: 'POST', url: clientsUrl(customer), token: owner.token, body: { name: 'x' } });
  assert.equal(unknownField.statusCode, 400);
  assert.match(unknownField.json().description, /name/);
});

test('O2: the organization\'s clients as a page of one, with the seed\'s filters', async () => {
  const { id } = await clientOf(customer, owner);
  const list = await s.request({ method: 'GET', url: clientsUrl(customer), token: owner.token });
  assert.equal(list.statusCode, 200, list.body);
  const page = list.json();
  assert.deepEqual(page.data.map((c: { id: string }) => c.id), [id]);
  assert.equal(page.data[0].secret, null);
  assert.deepEqual(page.pagination, { total: 1, limit: 20, page: 1, pages: 1, count: 1 });
  assert.deepEqual(page.sort, ['+id']);
  const filtered = await s.request({ method: 'GET', url: `${clientsUrl(customer)}?organization_id[ne]=${customer.id}`, token: owner.token });
  assert.equal(filtered.json().pagination.total, 0);
  assert.deepEqual(filtered.json().filters, { [`organization_id[ne]`]: customer.id });
  const inList = await s.request({ method: 'GET', url: `${clientsUrl(customer)}?organization_id[in]=${customer.id},5`, token: owner.token });
  assert.equal(inList.json().pagination.total, 1);
  const bad = await s.request({ method: 'GET', url: `${clientsUrl(customer)}?organization_id[eq]=abc`, token: owner.token });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().description, /organization_id\[eq\]/);
  assert.equal((await s.request({ method: 'GET', url: clientsUrl(customer), token: maintainer.token })).statusCode, 403);
  assert.equal((await s.request({ method: 'GET', url: clientsUrl(customer), token: stranger.token })).statusCode, 404);
});

test('O3-O5: read, replace redirect URIs, regenerate the secret; strangers and unknown ids get 404', async () => {
  const { id, secret } = await clientOf(customer, owner);
  const got = await s.request({ method: 'GET', url: `/account/oauth2-clients/${id}`, token: partner.token });
  assert.equal(got.statusCode, 200);
  assert.equal(got.json().secret, null);
  assert.deepEqual(got.json().redirect_uris, [CALLBACK]);

  for (const caller of [stranger]) {
    for (const [method, url, body] of [
      ['GET', `/account/oauth2-clients/${id}`, undefined], ['PATCH', `/account/oauth2-clients/${id}`, { redirect_uris: [] }],
      ['POST', `/account/oauth2-clients/${id}/secret`, {}],
    ] as const) {
      const res = await s.request({ method, url, token: caller.token, body });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.json().code, 'oauth_client.not_found');
    }
  }
  assert.equal((await s.request({ method: 'GET', url: `/account/oauth2-clients/${id}`, token: maintainer.token })).statusCode, 403);
  assert.equal((await s.request({ method: 'GET', url: '/account/oauth2-clients/nope', token: owner.token })).json().code, 'oauth_client.not_found');

  const badUris: [unknown, RegExp][] = [
    [['not a url'], /redirect_uris/], [['http://app.example.com/cb'], /redirect_uris\.0.*https/], [['https://app.example.com/cb#x'], /fragment/],
    ['https://app.example.com/cb', /redirect_uris/], [[42], /redirect_uris/],
  ];
  for (const [uris, message] of badUris) {
    const res = await s.request({ method: 'PATCH', url: `/account/oauth2-clients/${id}`, token: owner.token, body: { redirect_uris: uris } });
    assert.equal(res.statusCode, 400, JSON.stringify(uris));
    assert.match(res.json().description, message);
  }
  const unknownField = await s.request({ method: 'PATCH', url: `/account/oauth2-clients/${id}`, token: owner.token, body: { redirect_uris: [], secret: 'x' } });
  assert.equal(unknownField.statusCode, 400);
  assert.equal((await s.request({ method: 'PATCH', url: `/account/oauth2-clients/${id}`, token: owner.token, body: '[' })).statusCode, 400);
  const unchanged = await s.request({ method: 'GET', url: `/account/oauth2-clients/${id}`, token: owner.token });
  assert.deepEqual(unchanged.json().redirect_uris, [CALLBACK], 'refused changes changed nothing');

  const local = await s.request({ method: 'PATCH', url: `/account/oauth2-clients/${id}`, token: owner.token,
    body: { redirect_uris: [CALLBACK, 'http://localhost:8080/cb', CALLBACK] } });
  assert.equal(local.statusCode, 200);
  assert.deepEqual(local.json().redirect_uris, [CALLBACK, 'http://localhost:8080/cb']);

  const regenerated = await s.request({ method: 'POST', url: `/account/oauth2-clients/${id}/secret`, token: owner.token });
  assert.equal(regenerated.statusCode, 200);
  assert.equal(typeof regenerated.json().secret, 'string');
  assert.notEqual(regenerated.json().secret, secret);
  assert.equal((await s.request({ method: 'POST', url: `/account/oauth2-clients/${id}/secret`, token: owner.token, body: { a: 1 } })).statusCode, 400);
});

// ---- The authorization code flow ----

/** A browser's cookie jar over light-my-request: every cookie the server set, sent back on each request. */
class Browser {
  cookies = new Map<string, string>();
  async get(url: string) { return this.send('GET', url); }
  async post(url: string, form: Record<string, string>) { return this.send('POST', url, new URLSearchParams(form).toString()); }
  private async send(method: 'GET' | 'POST', url: string, body?: string) {
    const path = url.startsWith('http') ? (() => { const u = new URL(url); return u.pathname + u.search; })() : url;
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await s.request({ method, url: path, headers, body });
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name); else this.cookies.set(name, value);
    }
    return res;
  }
}

/** openid-client's fetch, answered by the service in-process. */
const inProcessFetch = (async (url: string, options: client.CustomFetchOptions) => {
  const target = new URL(url);
  const headers = Object.fromEntries(Object.entries(options.headers as Record<string, string>));
  const body = options.body === undefined || options.body === null ? undefined : String(options.body);
  const res = await s.request({ method: options.method as 'GET' | 'POST', url: target.pathname + target.search, headers, body });
  return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers: res.headers as Record<string, string> });
}) as never;

async function discover(id: string, secret: string): Promise<client.Configuration> {
  const config = await client.discovery(new URL(ISSUER), id, undefined, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: inProcessFetch,
  });
  config[client.customFetch] = inProcessFetch;
  return config;
}

/** Runs the browser through sign-in and consent; answers the redirect URI the browser lands on. */
async function authorize(browser: Browser, authorizationUrl: URL, user: TestUser, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  let res = await browser.get(authorizationUrl.href);
  assert.equal(res.statusCode, 303, res.body);
  const interaction = String(res.headers.location);
  assert.match(interaction, /^\/account\/oauth2\/interaction\/[\w-]+$/);
  const login = await browser.get(interaction);
  assert.equal(login.statusCode, 200);
  assert.match(String(login.headers['content-type']), /text\/html/);
  assert.match(login.body, /name="password"/);
  assert.match(String(login.headers['content-security-policy']), /form-action 'self' https:\/\/app\.example\.com/);

  const wrong = await browser.post(`${interaction}/login`, { email: user.email, password: 'wrong-password' });
  assert.equal(wrong.statusCode, 200);
  assert.match(wrong.body, /Invalid username or password/);

  res = await browser.post(`${interaction}/login`, { email: user.email, password: user.password });
  assert.equal(res.statusCode, 303, res.body);
  res = await browser.get(String(res.headers.location));
  assert.equal(res.statusCode, 303, res.body);
  const consentAt = String(res.headers.location);
  const consent = await browser.get(consentAt);
  assert.equal(consent.statusCode, 200);
  assert.match(consent.body, /asks to know who you are/);
  assert.match(consent.body, /<li>openid<\/li>/);
  res = await browser.post(`${consentAt}/consent`, { decision });
  assert.equal(res.statusCode, 303, res.body);
  res = await browser.get(String(res.headers.location));
  assert.equal(res.statusCode, 303, res.body);
  return new URL(String(res.headers.location));
}

test('the authorization code flow with PKCE, end to end with openid-client; a code works once', async () => {
  const { id, secret } = await clientOf(customer, owner);
  const config = await discover(id, secret);
  assert.equal(config.serverMetadata().issuer, ISSUER);
  assert.deepEqual(config.serverMetadata().code_challenge_methods_supported, ['S256']);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK, scope: 'openid email', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const browser = new Browser();
  const landing = await authorize(browser, url, maintainer);
  assert.equal(landing.origin + landing.pathname, CALLBACK);
  assert.equal(landing.searchParams.get('state'), state);
  assert.ok(landing.searchParams.get('code'));

  const tokens = await client.authorizationCodeGrant(config, landing, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.expires_in, 3600);
  assert.ok(tokens.id_token && tokens.access_token);
  const claims = tokens.claims()!;
  assert.equal(claims.sub, String(maintainer.id));
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.aud, id);
  assert.equal(claims.email, maintainer.email);

  const info = await client.fetchUserInfo(config, tokens.access_token, String(maintainer.id));
  assert.equal(info.email, maintainer.email);

  // The user signed in once: a second authorization asks neither sign-in nor consent again.
  const again = client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK, scope: 'openid email', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const direct = await browser.get(again.href);
  assert.equal(direct.statusCode, 303);
  assert.match(String(direct.headers.location), /^https:\/\/app\.example\.com\/callback\?code=/);

  // The code is spent: a second exchange is refused, in OAuth's words and get.chat's
  // (and, a code being replayed, the grant it came from is revoked).
  const replay = await s.request({ method: 'POST', url: '/account/oauth2/token', body: {
    grant_type: 'authorization_code', code: landing.searchParams.get('code'), client_id: id, client_secret: secret,
    redirect_uri: CALLBACK, code_verifier: verifier,
  } });
  assert.equal(replay.statusCode, 400);
  assert.equal(replay.json().error, 'invalid_grant');
  assert.equal(replay.json().code, 'oauth.invalid_grant');
  assert.ok(replay.json().message);
});

test('O6 in the seed\'s JSON form (client_secret in the body); wrong secret, verifier or redirect URI are refused', async () => {
  const { id, secret } = await clientOf(customer, owner);
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const start = () => `/account/oauth2/authorize?${new URLSearchParams({
    client_id: id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', state: 'st', code_challenge: challenge, code_challenge_method: 'S256',
  })}`;
  const browser = new Browser();
  const landing = await authorize(browser, new URL(`http://portal.test${start()}`), owner);
  const code = landing.searchParams.get('code')!;
  const exchange = (changes: Record<string, unknown>) => s.request({ method: 'POST', url: '/account/oauth2/token', body: {
    grant_type: 'authorization_code', code, client_id: id, client_secret: secret, redirect_uri: CALLBACK, code_verifier: verifier, state: 'st', ...changes,
  } });

  const wrongSecret = await exchange({ client_secret: 'nope' });
  assert.equal(wrongSecret.statusCode, 401);
  assert.equal(wrongSecret.json().error, 'invalid_client');
  assert.equal(wrongSecret.json().code, 'oauth.invalid_client');
  const missing = await exchange({ code_verifier: undefined });
  assert.equal(missing.statusCode, 400, missing.body);
  assert.equal(missing.json().error, 'invalid_request', missing.body);
  assert.match(missing.json().description, /code_verifier/);
  const extra = await exchange({ scope: 'openid' });
  assert.equal(extra.statusCode, 400);
  assert.match(extra.json().description, /scope/);
  const wrongType = await exchange({ grant_type: 'password' });
  assert.equal(wrongType.statusCode, 400);
  assert.match(wrongType.json().description, /grant_type/);
  const malformed = await s.request({ method: 'POST', url: '/account/oauth2/token', body: '{"grant_type":' });
  assert.equal(malformed.statusCode, 400);

  const ok = await exchange({});
  assert.equal(ok.statusCode, 200, ok.body);
  const tokens = ok.json();
  assert.deepEqual(Object.keys(tokens).filter((k) => k !== 'scope').sort(), ['access_token', 'expires_in', 'id_token', 'token_type']);
  assert.equal(tokens.token_type, 'Bearer');

  // A different verifier on a fresh code: PKCE refuses it.
  const second = await authorize(new Browser(), new URL(`http://portal.test${start()}`), owner);
  const badVerifier = await s.request({ method: 'POST', url: '/account/oauth2/token', body: {
    grant_type: 'authorization_code', code: second.searchParams.get('code'), client_id: id, client_secret: secret,
    redirect_uri: CALLBACK, code_verifier: client.randomPKCECodeVerifier(),
  } });
  assert.equal(badVerifier.statusCode, 400);
  assert.equal(badVerifier.json().error, 'invalid_grant');
});

test('authorization: an unregistered redirect URI gets an error page, not a redirect; no PKCE, no code; a denial reaches the client', async () => {
  const { id } = await clientOf(customer, owner);
  const evil = `/account/oauth2/authorize?${new URLSearchParams({
    client_id: id, response_type: 'code', redirect_uri: 'https://evil.example.com/cb', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
  })}`;
  const unregistered = await new Browser().get(evil);
  assert.equal(unregistered.statusCode, 400);
  assert.match(String(unregistered.headers['content-type']), /text\/html/);
  assert.match(unregistered.body, /redirect_uri/);
  assert.equal(unregistered.headers.location, undefined);
  const asProgram = await s.request({ method: 'GET', url: evil });
  assert.equal(asProgram.statusCode, 400);
  assert.equal(asProgram.json().code, 'oauth.invalid_redirect_uri');
  assert.equal(asProgram.json().error, 'invalid_redirect_uri');

  const noPkce = await s.request({ method: 'GET', url: `/account/oauth2/authorize?${new URLSearchParams({
    client_id: id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', state: 's',
  })}` });
  assert.equal(noPkce.statusCode, 303);
  const told = new URL(String(noPkce.headers.location));
  assert.equal(told.searchParams.get('error'), 'invalid_request');
  assert.match(told.searchParams.get('error_description') ?? '', /PKCE/);

  const verifier = client.randomPKCECodeVerifier();
  const denied = await authorize(new Browser(), new URL(`http://portal.test/account/oauth2/authorize?${new URLSearchParams({
    client_id: id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', state: 'd',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })}`), owner, 'deny');
  assert.equal(denied.searchParams.get('error'), 'access_denied');
  assert.equal(denied.searchParams.get('code'), null);

  const gone = await new Browser().get('/account/oauth2/interaction/unknown-uid');
  assert.equal(gone.statusCode, 400);
  assert.match(gone.body, /expired/);
  const goneJson = await s.request({ method: 'GET', url: '/account/oauth2/interaction/unknown-uid' });
  assert.equal(goneJson.statusCode, 400);
  assert.match(goneJson.json().message, /expired/);
  const badForm = await s.request({ method: 'POST', url: '/account/oauth2/interaction/unknown-uid/consent', body: 'decision=maybe',
    headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(badForm.statusCode, 400);
  assert.match(badForm.json().description, /decision/);
});

test('a suspended organization\'s client cannot exchange codes', async () => {
  const org = await makeOrganization(s);
  await giveRole(s, org, owner.id, 'manager');
  const { id, secret } = await clientOf(org, owner);
  await placeOrganization(s, org, { status: 'suspended' });
  const res = await s.request({ method: 'POST', url: '/account/oauth2/token', body: {
    grant_type: 'authorization_code', code: 'abc', client_id: id, client_secret: secret, redirect_uri: CALLBACK, code_verifier: 'v'.repeat(43),
  } });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error, 'invalid_client');
});

// ---- G9 ----

async function applicationOf(org: TestOrg): Promise<{ id: number; uuid: string }> {
  const pkg = await s.core.db.insertInto('packages').values({
    uuid: randomUUID(), name: 'Test', type: `t${randomUUID().slice(0, 8)}`, settings_schema: JSON.stringify({}), setting_rules: JSON.stringify({}), deployer_config: JSON.stringify({}),
  }).returning('id').executeTakeFirstOrThrow();
  const stack = await s.core.db.insertInto('stacks').values({
    uuid: randomUUID(), organization_id: org.id, name: 'stack', subdomain: `s${randomUUID().slice(0, 8)}`, partner_meta: JSON.stringify({}),
  }).returning('id').executeTakeFirstOrThrow();
  return s.core.db.insertInto('applications').values({
    uuid: randomUUID(), stack_id: stack.id, package_id: pkg.id, settings: JSON.stringify({}), partner_meta: JSON.stringify({}),
  }).returning(['id', 'uuid']).executeTakeFirstOrThrow();
}

test('G9: the partner\'s 10-minute ID token for a user of its customer into the customer\'s application', async () => {
  const app = await applicationOf(customer);
  const url = `/account/organizations/${customer.id}/users/${owner.id}/id-token`;
  const res = await s.request({ method: 'POST', url, token: partner.token, body: { application_id: app.id } });
  assert.equal(res.statusCode, 200, res.body);
  const jwks = (await s.request({ method: 'GET', url: '/account/oauth2/jwks' })).json();
  const { payload, protectedHeader } = await jwtVerify(res.json().id_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: app.uuid });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(payload.sub, String(owner.id));
  assert.equal(payload.exp! - payload.iat!, 600);
  assert.equal(payload.application_id, app.id);
  assert.equal(payload.organization_id, customer.id);
  assert.equal(payload.email, owner.email);
  assert.deepEqual(payload.act, { sub: String(partner.id) });

  // Not a partner: the organization's own manager and maintainer are refused; a stranger does not see it.
  assert.equal((await s.request({ method: 'POST', url, token: owner.token, body: { application_id: app.id } })).statusCode, 403);
  assert.equal((await s.request({ method: 'POST', url, token: maintainer.token, body: { application_id: app.id } })).statusCode, 403);
  assert.equal((await s.request({ method: 'POST', url, token: stranger.token, body: { application_id: app.id } })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url, body: { application_id: app.id } })).statusCode, 401);
  // Not related: a user without access to the organization, or unknown; an application of another organization.
  for (const userId of [stranger.id, 999999]) {
    const notRelated = await s.request({ method: 'POST', url: `/account/organizations/${customer.id}/users/${userId}/id-token`, token: partner.token, body: { application_id: app.id } });
    assert.equal(notRelated.statusCode, 403);
    assert.equal(notRelated.json().code, 'id_token.not_related');
  }
  const elsewhere = await applicationOf(other);
  const foreign = await s.request({ method: 'POST', url, token: partner.token, body: { application_id: elsewhere.id } });
  assert.equal(foreign.statusCode, 404);
  assert.equal(foreign.json().code, 'application.not_found');
  assert.equal((await s.request({ method: 'POST', url: `/account/organizations/999999/users/${owner.id}/id-token`, token: partner.token, body: { application_id: app.id } })).statusCode, 404);
  // Bad input.
  for (const body of [{}, { application_id: 0 }, { application_id: '1' }, { application_id: app.id, extra: 1 }]) {
    const bad = await s.request({ method: 'POST', url, token: partner.token, body });
    assert.equal(bad.statusCode, 400, JSON.stringify(body));
    assert.match(bad.json().description, /application_id|extra/);
  }
  assert.equal((await s.request({ method: 'POST', url, token: partner.token, body: '{' })).statusCode, 400);
  assert.equal((await s.request({ method: 'POST', url: `/account/organizations/${customer.id}/users/x/id-token`, token: partner.token, body: { application_id: app.id } })).statusCode, 400);
});

test('clabPlatformOauth2: an access token granted the accountcentral scope acts for its user on Accountcentral only, until the user or the grant changes', async () => {
  const { id, secret } = await clientOf(customer, owner);
  const config = await discover(id, secret);
  const tokenFor = async (user: TestUser, scope: string) => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope, state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const browser = new Browser();
    let res = await browser.get(url.href);
    const interaction = String(res.headers.location);
    res = await browser.post(`${interaction}/login`, { email: user.email, password: user.password });
    res = await browser.get(String(res.headers.location));
    const consentAt = String(res.headers.location);
    const consent = await browser.get(consentAt);
    if (scope.includes('accountcentral')) assert.match(consent.body, /<li>accountcentral: act for you/);
    res = await browser.post(`${consentAt}/consent`, { decision: 'allow' });
    res = await browser.get(String(res.headers.location));
    const tokens = await client.authorizationCodeGrant(config, new URL(String(res.headers.location)), { pkceCodeVerifier: verifier, expectedState: state });
    return tokens.access_token;
  };
  const user = await s.user();
  const token = await tokenFor(user, 'openid accountcentral');
  const onAc = (t: string) => s.request({ method: 'GET', url: '/accountcentral/no-such-operation', headers: { authorization: `Bearer ${t}` } });
  // Authenticated: past the credential check, the unknown path's 404; refused: 401 in the seed's body.
  assert.equal((await onAc(token)).statusCode, 404);
  const caller = await authenticateAccessToken(s.core, token, 'accountcentral', {});
  assert.equal(caller.userId, user.id);
  assert.equal(caller.via, 'oauth2');
  // Not a credential anywhere else.
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${user.username}/`, headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: '/account/profile', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
  // Without the scope, or made up: refused.
  const plain = await tokenFor(await s.user(), 'openid');
  const refused = await onAc(plain);
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.json().data.code, 'token.invalid');
  assert.equal((await onAc('x'.repeat(43))).statusCode, 401);
  // A password change ends it.
  await s.core.db.updateTable('users').set({ password_changed_at: new Date(Date.now() + 2000) }).where('id', '=', user.id).execute();
  assert.equal((await onAc(token)).json().data.code, 'token.password_changed');
  // So do a suspension and a revoked grant.
  const second = await s.user();
  const other = await tokenFor(second, 'openid accountcentral');
  assert.equal((await onAc(other)).statusCode, 404);
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', second.id).execute();
  assert.equal((await onAc(other)).json().data.code, 'user.suspended');
  await s.core.db.updateTable('users').set({ status: 'active' }).where('id', '=', second.id).execute();
  assert.equal((await onAc(other)).statusCode, 404);
  await s.core.db.deleteFrom('oidc_store').where('kind', '=', 'Grant').execute();
  assert.equal((await onAc(other)).json().data.code, 'token.invalid');
});

test('an access token issued to a client for a user is that user\'s access to the client\'s application; the login names the client', async () => {
  const { id, secret } = await clientOf(customer, owner);
  const config = await discover(id, secret);
  const user = await s.user();
  const browser = new Browser();
  let signedIn = false;
  const exchange = async () => {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    // Signed in once, the browser goes straight back to the client with a code.
    const landing = signedIn ? new URL(String((await browser.get(url.href)).headers.location)) : await authorize(browser, url, user);
    signedIn = true;
    return client.authorizationCodeGrant(config, landing, { pkceCodeVerifier: verifier });
  };
  await exchange();
  const first = await s.core.db.selectFrom('user_application_accesses').selectAll().where('user_id', '=', user.id).execute();
  assert.equal(first.length, 1);
  assert.equal(first[0]!.application, id);
  assert.equal(Number(first[0]!.organization_id), customer.id);
  s.clock.advance(120);
  await exchange();
  const accesses = (await s.request({ method: 'GET', url: '/accountcentral/user/applications/accesses', token: user.token })).json();
  assert.deepEqual(Object.keys(accesses), [id]);
  assert.equal(accesses[id].firstAccess, first[0]!.first_access_at.toISOString());
  assert.ok(new Date(accesses[id].lastAccess).getTime() - new Date(accesses[id].firstAccess).getTime() >= 120_000);
  assert.deepEqual(accesses[id].customers.map((c: { groupPk: number }) => c.groupPk), [customer.id]);
  // The login through the authorization server is recorded as one into that client's application.
  const events = (await s.request({ method: 'GET', url: '/accountcentral/user/security-events?type=login.succeeded', token: user.token })).json();
  assert.ok(events.some((e: { application: string | null }) => e.application === id), JSON.stringify(events));
  const without = (await s.request({ method: 'GET', url: `/accountcentral/user/security-events?type=login.succeeded&exclude-app=${id}`, token: user.token })).json();
  assert.ok(without.every((e: { application: string | null }) => e.application !== id));
});
