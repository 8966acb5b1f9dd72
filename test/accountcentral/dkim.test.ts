// Accountcentral's DKIM keys: a customer's (#59-#62, #68-#70, and our key generation), every
// customer's (#72) and the platform's (#73, #74). Who may is the access matrix's
// (matrix/dkim.ts); here: the seed's shapes field by field, bad input, the key checks, the
// private key kept sealed and never answered in clear, the default key's rules and races,
// and the signing key's choice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization } from '../support/fixtures.js';
import { acWorld, type AcWorld } from './world.js';
import { rsaPair, type TestKeyPair } from './dkim-keys.js';
import { unsealPrivateKey } from '../../src/core/mail-signing/keys.js';

let s: TestService;
let w: AcWorld;
const pairs: TestKeyPair[] = [];
before(async () => {
  s = await startService();
  w = await acWorld(s);
  for (let i = 0; i < 6; i++) pairs.push(rsaPair());
});
after(async () => { await s.stop(); });

const base = (groupPk: number) => `/accountcentral/customers/${groupPk}/dkims`;
const keyBody = (pair: TestKeyPair, domain: string, selector: string, active = true) => ({
  domain, selector, publicKey: pair.publicKey, privateKey: pair.privateKey, active,
});

/** A fresh customer of P with `w.cm` managing it, so each test starts without keys. */
async function freshCustomer() {
  const org = await makeOrganization(s);
  await placeOrganization(s, org, { partner: w.P });
  await grantRole(s, org, w.cm.id, 'manager');
  return org;
}

async function register(groupPk: number, body: unknown, caller: 'manager' | 'staff' = 'manager') {
  const res = await w.call(caller, 'POST', base(groupPk), body);
  assert.equal(res.statusCode, 200, res.body);
  const id = Number(/\/dkims\/(\d+)$/.exec(String(res.headers.location))?.[1]);
  assert.ok(id > 0, `Location names the key: ${res.headers.location}`);
  return id;
}

function assertMessage(res: { statusCode: number; json(): any; body: string }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(body.data.code, code, res.body);
  assert.equal(body.data.status, status);
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.logref, 'string');
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field.includes(field)), `errors name ${field}: ${res.body}`);
}

test('register, read, list: the seed\'s Dkim field by field; the private key is sealed at rest and never answered in clear', async () => {
  const org = await freshCustomer();
  const pair = pairs[0]!;
  const asked = s.clock.now.getTime();
  const res = await w.call('manager', 'POST', base(org.id), keyBody(pair, 'Shop.Example.com.', 'Mail2026'));
  assert.equal(res.statusCode, 200, res.body);
  const result = res.json();
  assert.deepEqual(Object.keys(result).sort(), ['result', 'resultCode', 'timestamp']);
  assert.equal(result.resultCode, 'OK');
  assert.ok(result.timestamp >= asked && result.timestamp <= s.clock.now.getTime(), 'the time it was done');
  const id = Number(/\/accountcentral\/customers\/\d+\/dkims\/(\d+)$/.exec(String(res.headers.location))?.[1]);

  const row = await s.core.db.selectFrom('dkim_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.ok(!row.private_key_sealed.includes('PRIVATE KEY'), 'the stored private key is not the PEM');
  assert.match(row.private_key_sealed, /^v1\./);
  const opened = unsealPrivateKey(s.core, row.private_key_sealed);
  assert.match(opened, /-----BEGIN PRIVATE KEY-----/);
  assert.equal(row.created_by, w.cm.id);

  const got = await w.call('manager', 'GET', `${base(org.id)}/${id}`);
  assert.equal(got.statusCode, 200, got.body);
  const dkim = got.json();
  assert.equal(dkim.id, id);
  assert.equal(dkim.groupPk, org.id);
  assert.equal(dkim.domain, 'shop.example.com');
  assert.equal(dkim.selector, 'mail2026');
  assert.equal(dkim.publicKey.trim(), pair.publicKey.trim());
  assert.equal(dkim.privateKey, row.private_key_sealed, 'the DKIM role reads the sealed form');
  assert.ok(!got.body.includes('PRIVATE KEY'), 'never in clear');
  assert.equal(dkim.alignment, 'EXACT');
  assert.equal(dkim.default, true, 'the first active key is the default');
  assert.equal(dkim.active, true);
  assert.deepEqual(dkim.dnsRecord, { name: 'mail2026._domainkey.shop.example.com', type: 'TXT', value: `v=DKIM1; k=rsa; p=${pair.p}` });

  // Its members read the keys without the private part (the seed's CUSTOMER_CARE).
  await grantRole(s, org, w.tu.id, 'contributor');
  const asTeam = await w.call('team', 'GET', `${base(org.id)}/${id}`);
  assert.equal(asTeam.statusCode, 200, asTeam.body);
  assert.equal(asTeam.json().privateKey, null);
  assert.equal(asTeam.json().publicKey, dkim.publicKey);
  // The partner's manager and the broker's staff manage them too: the sealed form.
  assert.equal((await s.request({ method: 'GET', url: `${base(org.id)}/${id}`, token: w.pm.token })).json().privateKey, row.private_key_sealed);
  assert.equal((await w.call('staff', 'GET', `${base(org.id)}/${id}`)).json().privateKey, row.private_key_sealed);

  const list = await w.call('manager', 'GET', base(org.id));
  assert.equal(list.statusCode, 200, list.body);
  assert.deepEqual(list.json().page, { size: 20, number: 0, totalElements: 1, totalPages: 1 });
  assert.deepEqual(list.json().elements, [dkim]);
  const teamList = (await w.call('team', 'GET', base(org.id))).json();
  assert.equal(teamList.elements[0].privateKey, null);
});

test('the list filters by domain, default and active, and pages from 0', async () => {
  const org = await freshCustomer();
  const a = await register(org.id, keyBody(pairs[0]!, 'a.example.com', 's1'));
  const b = await register(org.id, keyBody(pairs[1]!, 'b.example.com', 's1', false));
  const c = await register(org.id, keyBody(pairs[2]!, 'a.example.com', 's2'));
  const ids = async (query: string) => (await w.call('manager', 'GET', `${base(org.id)}?${query}`)).json().elements.map((e: { id: number }) => e.id);
  assert.deepEqual(await ids(''), [a, c, b], 'by domain, then selector');
  assert.deepEqual(await ids('domain=A.example.com'), [a, c]);
  assert.deepEqual(await ids('default=true'), [a]);
  assert.deepEqual(await ids('default=false'), [c, b]);
  assert.deepEqual(await ids('active=false'), [b]);
  assert.deepEqual(await ids('active=true&domain=a.example.com&default=false'), [c]);
  const page = (await w.call('manager', 'GET', `${base(org.id)}?size=2&page=1`)).json();
  assert.deepEqual(page.page, { size: 2, number: 1, totalElements: 3, totalPages: 2 });
  assert.deepEqual(page.elements.map((e: { id: number }) => e.id), [b]);
  assertMessage(await w.call('manager', 'GET', `${base(org.id)}?size=0`), 400, 'field.invalid', 'size');
  assertMessage(await w.call('manager', 'GET', `${base(org.id)}?active=maybe`), 400, 'field.invalid', 'active');
});

test('the keys are checked: RSA in PEM, the public key the private key\'s, domain and selector syntax', async () => {
  const org = await freshCustomer();
  const url = base(org.id);
  const [one, two] = [pairs[0]!, pairs[1]!];
  assertMessage(await w.call('manager', 'POST', url, { ...keyBody(one, 'x.example.com', 's'), publicKey: two.publicKey }), 400, 'dkim.key_mismatch', 'publicKey');
  assertMessage(await w.call('manager', 'POST', url, { ...keyBody(one, 'x.example.com', 's'), privateKey: 'not a key' }), 400, 'field.invalid', 'privateKey');
  assertMessage(await w.call('manager', 'POST', url, { ...keyBody(one, 'x.example.com', 's'), privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }), 400, 'field.invalid', 'privateKey');
  assertMessage(await w.call('manager', 'POST', url, { ...keyBody(one, 'x.example.com', 's'), publicKey: one.privateKey }), 400, 'field.invalid', 'publicKey');
  assertMessage(await w.call('manager', 'POST', url, { ...keyBody(one, 'x.example.com', 's'), publicKey: 'v=DKIM1; k=rsa; p=@@@' }), 400, 'field.invalid', 'publicKey');
  // A key with a passphrase cannot sign unattended.
  const locked = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  assertMessage(await w.call('manager', 'POST', url, keyBody({ publicKey: locked.publicKey, privateKey: locked.privateKey, p: '' }, 'x.example.com', 's')), 400, 'field.invalid', 'privateKey');
  // Only RSA: an EC key, and an RSA key too short for receivers.
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  assertMessage(await w.call('manager', 'POST', url, keyBody({ ...ec, p: '' }, 'x.example.com', 's')), 400, 'field.invalid', 'privateKey');
  const short = generateKeyPairSync('rsa', { modulusLength: 512, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  assertMessage(await w.call('manager', 'POST', url, keyBody({ ...short, p: '' }, 'x.example.com', 's')), 400, 'field.invalid', 'privateKey');
  assertMessage(await w.call('manager', 'POST', url, keyBody(one, 'not a domain', 's')), 400, 'field.invalid', 'domain');
  assertMessage(await w.call('manager', 'POST', url, keyBody(one, 'x.example.com', '-bad_selector')), 400, 'field.invalid', 'selector');
  assert.equal((await s.core.db.selectFrom('dkim_keys').select('id').where('organization_id', '=', org.id).execute()).length, 0, 'nothing was stored');

  // Other forms of the same keys: PKCS#1 private key, the public key as its DNS record's p=.
  const pkcs1 = rsaPair(1024, 'pkcs1');
  await register(org.id, { ...keyBody(pkcs1, 'x.example.com', 's1'), publicKey: pkcs1.p });
  await register(org.id, { ...keyBody(two, 'x.example.com', 's2'), publicKey: `v=DKIM1; k=rsa; p=${two.p}` });
  // One key per domain and selector.
  assertMessage(await w.call('manager', 'POST', url, keyBody(one, 'X.example.com', 'S1')), 409, 'dkim.exists');
});

test('bad input: a malformed body, a missing field, a wrong type, an unknown id', async () => {
  const org = await freshCustomer();
  const id = await register(org.id, keyBody(pairs[0]!, 'y.example.com', 's'));
  for (const [method, url] of [['POST', base(org.id)], ['PUT', `${base(org.id)}/${id}`]] as const) {
    const malformed = await s.request({ method, url, token: w.cm.token, headers: { 'content-type': 'application/json' }, body: '{"domain":' });
    assertMessage(malformed, 400, malformed.json().data.code);
    const { active: _, ...missing } = keyBody(pairs[0]!, 'y.example.com', 's');
    assertMessage(await w.call('manager', method, url, missing), 400, 'field.invalid', 'active');
    assertMessage(await w.call('manager', method, url, { ...keyBody(pairs[0]!, 'y.example.com', 's'), active: 'yes' }), 400, 'field.invalid', 'active');
    assertMessage(await w.call('manager', method, url, { ...keyBody(pairs[0]!, 'y.example.com', 's'), domain: 12 }), 400, 'field.invalid', 'domain');
  }
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/default`, {}), 400, 'field.invalid', 'id');
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/default`, { id: 'one' }), 400, 'field.invalid', 'id');
  assertMessage(await w.call('manager', 'GET', `${base(org.id)}/abc`), 400, 'field.invalid', 'dkimId');
  for (const [method, body] of [['GET', undefined], ['PUT', keyBody(pairs[0]!, 'y.example.com', 's')], ['DELETE', undefined]] as const) {
    assertMessage(await w.call('manager', method, `${base(org.id)}/999999`, body), 404, 'dkim.not_found');
  }
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/default`, { id: 999999 }), 404, 'dkim.not_found');
  // Another customer's key is not this customer's.
  const other = await freshCustomer();
  assertMessage(await w.call('manager', 'GET', `${base(other.id)}/${id}`), 404, 'dkim.not_found');
  assertMessage(await w.call('manager', 'GET', `${base(999999)}`), 404, 'organization.not_found');
});

test('update replaces the fields; the sealed private key sent back keeps the key pair, a new PEM replaces it', async () => {
  const org = await freshCustomer();
  const id = await register(org.id, keyBody(pairs[0]!, 'z.example.com', 's'));
  const sealed = (await w.call('manager', 'GET', `${base(org.id)}/${id}`)).json().privateKey;
  const kept = await w.call('manager', 'PUT', `${base(org.id)}/${id}`, { domain: 'z2.example.com', selector: 'new', publicKey: pairs[0]!.publicKey, privateKey: sealed, active: true });
  assert.equal(kept.statusCode, 200, kept.body);
  assert.deepEqual(Object.keys(kept.json()).sort(), ['result', 'resultCode', 'timestamp']);
  const after = (await w.call('manager', 'GET', `${base(org.id)}/${id}`)).json();
  assert.equal(after.domain, 'z2.example.com');
  assert.equal(after.selector, 'new');
  assert.equal(after.privateKey, sealed, 'the same sealed key');
  // The sealed value with another public key is refused: the pair must match.
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/${id}`, { ...keyBody(pairs[1]!, 'z2.example.com', 'new'), privateKey: sealed }), 400, 'dkim.key_mismatch', 'publicKey');
  // Another key's sealed value does not unlock anything.
  const otherId = await register(org.id, keyBody(pairs[1]!, 'o.example.com', 's'));
  const otherSealed = (await w.call('manager', 'GET', `${base(org.id)}/${otherId}`)).json().privateKey;
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/${id}`, { ...keyBody(pairs[1]!, 'z2.example.com', 'new'), privateKey: otherSealed }), 400, 'field.invalid', 'privateKey');
  // A new pair replaces it.
  const replaced = await w.call('manager', 'PUT', `${base(org.id)}/${id}`, keyBody(pairs[2]!, 'z2.example.com', 'new'));
  assert.equal(replaced.statusCode, 200, replaced.body);
  const row = await s.core.db.selectFrom('dkim_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.notEqual(row.private_key_sealed, sealed);
  assert.equal(unsealPrivateKey(s.core, row.private_key_sealed).replace(/\s/g, ''), pairs[2]!.privateKey.replace(/\s/g, ''));
  // Moving onto another key's domain and selector is a conflict.
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/${id}`, { ...keyBody(pairs[2]!, 'o.example.com', 's') }), 409, 'dkim.exists');
  const events = await s.core.db.selectFrom('organization_events').select('type').where('organization_id', '=', org.id).where('type', 'like', 'dkim.%').execute();
  assert.deepEqual(events.map((e) => e.type).sort(), ['dkim.added', 'dkim.added', 'dkim.updated', 'dkim.updated']);
});

test('the default: set by id, always an active key, passed on when the default is deactivated or deleted', async () => {
  const org = await freshCustomer();
  const a = await register(org.id, keyBody(pairs[0]!, 'a.example.com', 's'));
  const b = await register(org.id, keyBody(pairs[1]!, 'b.example.com', 's'));
  const c = await register(org.id, keyBody(pairs[2]!, 'c.example.com', 's', false));
  const defaults = async () => (await w.call('manager', 'GET', `${base(org.id)}?default=true`)).json().elements.map((e: { id: number }) => e.id);
  assert.deepEqual(await defaults(), [a]);
  const set = await w.call('manager', 'PUT', `${base(org.id)}/default`, { id: b });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json().resultCode, 'OK');
  assert.deepEqual(await defaults(), [b]);
  assertMessage(await w.call('manager', 'PUT', `${base(org.id)}/default`, { id: c }), 400, 'dkim.inactive');
  assert.deepEqual(await defaults(), [b]);
  // Deactivating the default passes it to the oldest other active key.
  const sealedB = (await w.call('manager', 'GET', `${base(org.id)}/${b}`)).json().privateKey;
  assert.equal((await w.call('manager', 'PUT', `${base(org.id)}/${b}`, { ...keyBody(pairs[1]!, 'b.example.com', 's', false), privateKey: sealedB })).statusCode, 200);
  assert.deepEqual(await defaults(), [a]);
  // Deleting it too.
  const deleted = await w.call('manager', 'DELETE', `${base(org.id)}/${a}`);
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.deepEqual(Object.keys(deleted.json()).sort(), ['result', 'resultCode', 'timestamp']);
  assert.deepEqual(await defaults(), [], 'no active key left: no default');
  assertMessage(await w.call('manager', 'GET', `${base(org.id)}/${a}`), 404, 'dkim.not_found');
  // Activating a key when there is no default makes it the default.
  const sealedC = (await w.call('manager', 'GET', `${base(org.id)}/${c}`)).json().privateKey;
  assert.equal((await w.call('manager', 'PUT', `${base(org.id)}/${c}`, { ...keyBody(pairs[2]!, 'c.example.com', 's', true), privateKey: sealedC })).statusCode, 200);
  assert.deepEqual(await defaults(), [c]);
});

test('a race: keys registered at once for a customer without keys give it exactly one default', async () => {
  const org = await freshCustomer();
  const answers = await Promise.all(pairs.slice(0, 4).map((pair, i) => w.call('manager', 'POST', base(org.id), keyBody(pair, `r${i}.example.com`, 's'))));
  assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 200]);
  const rows = await s.core.db.selectFrom('dkim_keys').select(['id', 'is_default']).where('organization_id', '=', org.id).execute();
  assert.equal(rows.length, 4);
  assert.equal(rows.filter((r) => r.is_default).length, 1);
  // And setting the default twice at once leaves one.
  await Promise.all(rows.map((r) => w.call('manager', 'PUT', `${base(org.id)}/default`, { id: r.id })));
  const after = await s.core.db.selectFrom('dkim_keys').select('is_default').where('organization_id', '=', org.id).execute();
  assert.equal(after.filter((r) => r.is_default).length, 1);
});

test('generate: the service makes the pair, seals the private key, answers the DNS record to publish', async () => {
  const org = await freshCustomer();
  const res = await w.call('manager', 'POST', `${base(org.id)}/generate`, { domain: 'gen.example.com', selector: 'g1' });
  assert.equal(res.statusCode, 201, res.body);
  const dkim = res.json();
  assert.ok(!res.body.includes('PRIVATE KEY'));
  assert.match(dkim.privateKey, /^v1\./);
  assert.match(dkim.publicKey, /-----BEGIN PUBLIC KEY-----/);
  assert.equal(dkim.default, true);
  assert.equal(dkim.active, true);
  assert.equal(dkim.dnsRecord.name, 'g1._domainkey.gen.example.com');
  assert.match(dkim.dnsRecord.value, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/);
  assert.equal(res.headers.location, `${base(org.id)}/${dkim.id}`);
  const row = await s.core.db.selectFrom('dkim_keys').selectAll().where('id', '=', dkim.id).executeTakeFirstOrThrow();
  assert.match(unsealPrivateKey(s.core, row.private_key_sealed), /-----BEGIN PRIVATE KEY-----/);
  assertMessage(await w.call('manager', 'POST', `${base(org.id)}/generate`, { domain: 'gen.example.com', selector: 'G1' }), 409, 'dkim.exists');
  assertMessage(await w.call('manager', 'POST', `${base(org.id)}/generate`, { domain: 'gen.example.com' }), 400, 'field.invalid', 'selector');
  assertMessage(await w.call('team', 'POST', `${base(w.C.id)}/generate`, { domain: 'gen.example.com', selector: 'x' }), 403, 'access.denied');
});

test('the signing key by domain (#70): exact domain, else the default, else the platform\'s; alignment', async () => {
  const org = await freshCustomer();
  const signing = (domain?: string, caller: 'manager' | 'staff' = 'manager') =>
    w.call(caller, 'GET', `${base(org.id)}/signing${domain === undefined ? '' : `?domain=${encodeURIComponent(domain)}`}`);
  assertMessage(await signing('shop.example.com'), 404, 'dkim.not_found');
  // The platform's key, when the customer has none.
  const platformPair = pairs[5]!;
  assert.equal((await w.call('staff', 'PUT', '/accountcentral/platform/dkim', { domain: 'platform.example.org', selector: 'pf', publicKey: platformPair.publicKey, privateKey: platformPair.privateKey })).statusCode, 200);
  const platform = (await signing('shop.example.com')).json();
  assert.equal(platform.id, 0);
  assert.equal(platform.groupPk, null);
  assert.equal(platform.domain, 'platform.example.org');
  assert.equal(platform.alignment, 'NONE');
  assert.equal(platform.privateKey, null, 'a customer\'s manager never reads the platform\'s key');
  assert.match((await signing('shop.example.com', 'staff')).json().privateKey, /^v1\./);

  const def = await register(org.id, keyBody(pairs[0]!, 'example.com', 'd'));
  const exact = await register(org.id, keyBody(pairs[1]!, 'shop.example.com', 'e'));
  await register(org.id, keyBody(pairs[2]!, 'off.example.com', 'x', false));
  const got = (await signing('SHOP.example.com')).json();
  assert.equal(got.id, exact);
  assert.equal(got.alignment, 'EXACT');
  assert.equal(got.default, false);
  const relaxed = (await signing('news.example.com')).json();
  assert.equal(relaxed.id, def, 'no exact key: the default');
  assert.equal(relaxed.alignment, 'RELAXED');
  assert.equal((await signing('other.test')).json().alignment, 'NONE');
  assert.equal((await signing()).json().id, def, 'no domain: the default');
  assert.equal((await signing('off.example.com')).json().id, def, 'an inactive key never signs');
  assertMessage(await signing('not a domain'), 400, 'field.invalid', 'domain');
});

test('every customer\'s keys (#72): the broker\'s staff, by customer id then domain', async () => {
  const first = await freshCustomer();
  const second = await freshCustomer();
  const keys = [
    await register(second.id, keyBody(pairs[0]!, 'a.example.com', 's')),
    await register(first.id, keyBody(pairs[1]!, 'z.example.com', 's')),
    await register(first.id, keyBody(pairs[2]!, 'b.example.com', 's')),
  ];
  const closed = await freshCustomer();
  await register(closed.id, keyBody(pairs[3]!, 'c.example.com', 's'));
  await placeOrganization(s, closed, { status: 'closed' });
  const all: { id: number; groupPk: number; domain: string; privateKey: string }[] = [];
  for (let page = 0; ; page++) {
    const res = await w.call('staff', 'GET', `/accountcentral/dkims?size=3&page=${page}`);
    assert.equal(res.statusCode, 200, res.body);
    all.push(...res.json().elements);
    if (page + 1 >= res.json().page.totalPages) break;
  }
  const sorted = [...all].sort((x, y) => x.groupPk - y.groupPk || x.domain.localeCompare(y.domain));
  assert.deepEqual(all.map((k) => k.id), sorted.map((k) => k.id));
  const mine = all.filter((k) => [first.id, second.id].includes(k.groupPk)).map((k) => k.id);
  assert.deepEqual(mine, [keys[2], keys[1], keys[0]]);
  assert.ok(!all.some((k) => k.groupPk === closed.id), 'a closed customer\'s keys are left out');
  assert.ok(all.every((k) => /^v1\./.test(k.privateKey)));
  assertMessage(await w.call('manager', 'GET', '/accountcentral/dkims'), 403, 'access.denied');
});

test('the platform\'s key (#73, #74): the broker\'s staff; 404 until set; sealed; kept with the sealed value', async () => {
  const fresh = await startService();
  try {
    const get = () => fresh.request({ method: 'GET', url: '/accountcentral/platform/dkim', token: fresh.admin.token });
    const put = (body: unknown) => fresh.request({ method: 'PUT', url: '/accountcentral/platform/dkim', token: fresh.admin.token, body });
    assertMessage(await get(), 404, 'dkim.not_found');
    const pair = pairs[4]!;
    const set = await put({ domain: 'Mail.Platform.example', selector: 'pf2026', publicKey: pair.publicKey, privateKey: pair.privateKey });
    assert.equal(set.statusCode, 200, set.body);
    const dkim = set.json();
    assert.deepEqual(Object.keys(dkim).sort(), ['dnsRecord', 'domain', 'privateKey', 'publicKey', 'selector']);
    assert.equal(dkim.domain, 'mail.platform.example');
    assert.equal(dkim.selector, 'pf2026');
    assert.equal(dkim.publicKey.trim(), pair.publicKey.trim());
    assert.match(dkim.privateKey, /^v1\./);
    assert.ok(!set.body.includes('PRIVATE KEY'));
    assert.deepEqual(dkim.dnsRecord, { name: 'pf2026._domainkey.mail.platform.example', type: 'TXT', value: `v=DKIM1; k=rsa; p=${pair.p}` });
    assert.deepEqual((await get()).json(), dkim);
    const kept = await put({ ...dkim, dnsRecord: undefined, selector: 'pf2027' });
    assert.equal(kept.statusCode, 200, kept.body);
    assert.equal(kept.json().privateKey, dkim.privateKey);
    assert.equal(kept.json().selector, 'pf2027');
    assertMessage(await put({ domain: 'x.example', selector: 's', publicKey: pairs[0]!.publicKey, privateKey: pair.privateKey }), 400, 'dkim.key_mismatch', 'publicKey');
    assertMessage(await put({ domain: 'x.example', selector: 's', publicKey: pair.publicKey }), 400, 'field.invalid', 'privateKey');
    assertMessage(await put({ domain: 'x.example', selector: 's', publicKey: pair.publicKey, privateKey: 7 }), 400, 'field.invalid', 'privateKey');
    const malformed = await fresh.request({ method: 'PUT', url: '/accountcentral/platform/dkim', token: fresh.admin.token, headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(typeof malformed.json().data.code, 'string');
    assert.equal((await fresh.core.db.selectFrom('platform_dkim').select('id').execute()).length, 1, 'one row');
  } finally {
    await fresh.stop();
  }
});

test('the platform\'s key signs only for the broker and the organizations a partner made, unless DKIM_PLATFORM_SIGNING says otherwise', async () => {
  // A self-made organization (no partner): anyone who signs up could make one.
  const own = await makeOrganization(s);
  await grantRole(s, own, w.cm.id, 'manager');
  const pair = pairs[4]!;
  assert.equal((await w.call('staff', 'PUT', '/accountcentral/platform/dkim', { domain: 'platform.example.net', selector: 'pf', publicKey: pair.publicKey, privateKey: pair.privateKey })).statusCode, 200);
  assertMessage(await w.call('manager', 'GET', `${base(own.id)}/signing?domain=own.example.com`), 404, 'dkim.not_found');
  const message = 'From: a@own.example.com\r\nTo: b@example.org\r\nSubject: Hi\r\n\r\nHello\r\n';
  assertMessage(await w.call('manager', 'POST', `/accountcentral/customers/${own.id}/messages/sign`, { message, data: {} }), 400, 'dkim.no_signing_key');
  // A customer a partner made: the platform's key.
  const customer = await freshCustomer();
  assert.equal((await w.call('manager', 'GET', `${base(customer.id)}/signing?domain=own.example.com`)).json().domain, 'platform.example.net');

  const open = await startService({ DKIM_PLATFORM_SIGNING: 'all' });
  const closed = await startService({ DKIM_PLATFORM_SIGNING: 'off' });
  try {
    for (const [service, expected] of [[open, 200], [closed, 404]] as const) {
      const org = await makeOrganization(service);
      const manager = await service.user();
      await grantRole(service, org, manager.id, 'manager');
      const put = await service.request({ method: 'PUT', url: '/accountcentral/platform/dkim', token: service.admin.token, body: { domain: 'platform.example.net', selector: 'pf', publicKey: pair.publicKey, privateKey: pair.privateKey } });
      assert.equal(put.statusCode, 200, put.body);
      const res = await service.request({ method: 'GET', url: `${base(org.id)}/signing`, token: manager.token });
      assert.equal(res.statusCode, expected, res.body);
    }
  } finally {
    await open.stop();
    await closed.stop();
  }
  await assert.rejects(startService({ DKIM_PLATFORM_SIGNING: 'sometimes' }), /DKIM_PLATFORM_SIGNING must be customers, all or off/);
});

test('a key sealed under a secret the service no longer has answers 409 dkim.key_unreadable, never a 500', async () => {
  const org = await freshCustomer();
  const id = await register(org.id, keyBody(pairs[3]!, 'lost.example.com', 'l'));
  // As if sealed under a secret since dropped: the sealed value no secret of the service opens.
  const row = await s.core.db.selectFrom('dkim_keys').select('private_key_sealed').where('id', '=', id).executeTakeFirstOrThrow();
  const broken = `${row.private_key_sealed.slice(0, -8)}AAAAAAAA`;
  await s.core.db.updateTable('dkim_keys').set({ private_key_sealed: broken }).where('id', '=', id).execute();
  const message = 'From: a@lost.example.com\r\nTo: b@example.org\r\nSubject: Hi\r\n\r\nHello\r\n';
  assertMessage(await w.call('manager', 'POST', `/accountcentral/customers/${org.id}/messages/sign`, { message, data: {} }), 409, 'dkim.key_unreadable');
  // Keeping the key on an update (its sealed value sent back) is refused the same way.
  const update = await w.call('manager', 'PUT', `${base(org.id)}/${id}`, { domain: 'lost.example.com', selector: 'l', publicKey: pairs[3]!.publicKey, privateKey: broken, active: true });
  assertMessage(update, 409, 'dkim.key_unreadable');
});
