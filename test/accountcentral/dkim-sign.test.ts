// Accountcentral's message signing (#71) and FBLs (#75-#78). Every signature the service
// makes is checked by an independent verifier (mailauth) against the DNS records a customer
// would publish, served by a stub resolver: the signature must pass, rsa-sha256 with
// relaxed/relaxed, over the From header; a message changed afterwards must fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { apiKeyHeaders, grantRole, makeOrganization, placeOrganization, quickUser } from '../support/fixtures.js';
import { acWorld, teamUser, type AcWorld } from './world.js';
import { MESSAGE, rsaPair, type TestKeyPair } from './dkim-keys.js';
import { TxtZone, verify } from './dkim-verifier.js';

let s: TestService;
let w: AcWorld;
const zone = new TxtZone();
let pairs: TestKeyPair[] = [];
before(async () => {
  s = await startService();
  w = await acWorld(s);
  pairs = [rsaPair(2048), rsaPair(), rsaPair(), rsaPair()];
});
after(async () => { await s.stop(); });

/** A customer of P managed by cm, with the keys given; each key's record is published. */
async function customerWith(keys: { domain: string; selector: string; pair: TestKeyPair; active?: boolean }[]) {
  const org = await makeOrganization(s);
  await placeOrganization(s, org, { partner: w.P });
  await grantRole(s, org, w.cm.id, 'manager');
  const ids: number[] = [];
  for (const key of keys) {
    const res = await w.call('manager', 'POST', `/accountcentral/customers/${org.id}/dkims`, {
      domain: key.domain, selector: key.selector, publicKey: key.pair.publicKey, privateKey: key.pair.privateKey, active: key.active ?? true,
    });
    assert.equal(res.statusCode, 200, res.body);
    ids.push(Number(String(res.headers.location).split('/').pop()));
    zone.publish(`${key.selector}._domainkey.${key.domain}`, `v=DKIM1; k=rsa; p=${key.pair.p}`);
  }
  return { org, ids };
}

const sign = (groupPk: number, body: unknown, caller: 'manager' | 'team' | 'other' | 'staff' | 'anonymous' = 'manager') =>
  w.call(caller, 'POST', `/accountcentral/customers/${groupPk}/messages/sign`, body);

function assertMessage(res: { statusCode: number; json(): any; body: string }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.json().data.code, code, res.body);
  assert.equal(typeof res.json().logref, 'string');
  if (field) assert.ok(res.json().errors.some((e: { field: string }) => e.field.includes(field)), `errors name ${field}: ${res.body}`);
}

test('a message is answered with a DKIM-Signature an independent verifier passes: rsa-sha256, relaxed/relaxed, the key of the sender\'s domain', async () => {
  const { org, ids } = await customerWith([
    { domain: 'example.com', selector: 'main', pair: pairs[1]! },
    { domain: 'shop.example.com', selector: 's2026', pair: pairs[0]! },
  ]);
  const res = await sign(org.id, { message: MESSAGE, data: {}, applyDkim: true, applyFbl: true });
  assert.equal(res.statusCode, 200, res.body);
  const answer = res.json();
  assert.deepEqual(Object.keys(answer).sort(), ['dkim', 'fbl', 'message']);
  assert.deepEqual(answer.dkim, { id: ids[1], platform: false, domain: 'shop.example.com', selector: 's2026', alignment: 'EXACT', default: false });
  assert.equal(answer.fbl, null);
  assert.ok(answer.message.startsWith('DKIM-Signature: '), 'the signature on top');
  assert.ok(answer.message.endsWith(MESSAGE), 'the message itself unchanged below it');
  const [result, ...more] = await verify(answer.message, zone);
  assert.equal(more.length, 0);
  assert.equal(result!.result, 'pass');
  assert.equal(result!.domain, 'shop.example.com');
  assert.equal(result!.selector, 's2026');
  assert.equal(result!.algorithm, 'rsa-sha256');
  assert.equal(result!.canonicalization, 'relaxed/relaxed');
  assert.ok(result!.headers.includes('from'), 'From is signed');
  assert.ok(result!.headers.includes('subject'));
  // A message changed after signing fails: the verifier is no rubber stamp.
  const tampered = answer.message.replace('It ships tomorrow.', 'It ships never.');
  // (mailauth calls a body hash mismatch neutral, a bad header signature fail.)
  assert.ok(['fail', 'neutral'].includes((await verify(tampered, zone))[0]!.result), 'a changed body does not pass');
  const otherSubject = answer.message.replace('Subject: Your order', 'Subject: Your prize');
  assert.equal((await verify(otherSubject, zone))[0]!.result, 'fail', 'a changed signed header fails');
});

test('the key: exact sender domain, else the default, else the platform\'s; data.sender overrides From; LF line ends become CRLF', async () => {
  const { org, ids } = await customerWith([
    { domain: 'example.com', selector: 'main', pair: pairs[1]! },
    { domain: 'news.example.com', selector: 'n1', pair: pairs[2]! },
  ]);
  const other = MESSAGE.replace('ann@shop.example.com', 'ann@elsewhere.test');
  const byDefault = (await sign(org.id, { message: other, data: {} })).json();
  assert.equal(byDefault.dkim.id, ids[0]);
  assert.equal(byDefault.dkim.default, true);
  assert.equal(byDefault.dkim.alignment, 'NONE');
  assert.equal((await verify(byDefault.message, zone))[0]!.result, 'pass');
  const relaxed = (await sign(org.id, { message: MESSAGE, data: {} })).json();
  assert.equal(relaxed.dkim.id, ids[0]);
  assert.equal(relaxed.dkim.alignment, 'RELAXED');
  const bySender = (await sign(org.id, { message: MESSAGE, data: { sender: 'bounce@News.Example.com' } })).json();
  assert.equal(bySender.dkim.id, ids[1]);
  assert.equal(bySender.dkim.domain, 'news.example.com');
  assert.equal((await verify(bySender.message, zone))[0]!.result, 'pass');
  assert.equal((await sign(org.id, { message: MESSAGE, data: { sender: 'news.example.com' } })).json().dkim.id, ids[1]);

  const lf = MESSAGE.replace(/\r\n/g, '\n');
  const fromLf = (await sign(org.id, { message: lf, data: {} })).json();
  assert.ok(!/[^\r]\n/.test(fromLf.message), 'every line ends in CRLF');
  assert.equal((await verify(fromLf.message, zone))[0]!.result, 'pass');

  // No key of its own: the platform's signs.
  const bare = await makeOrganization(s);
  await placeOrganization(s, bare, { partner: w.P });
  await grantRole(s, bare, w.cm.id, 'manager');
  assertMessage(await sign(bare.id, { message: MESSAGE, data: {} }), 400, 'dkim.no_signing_key');
  const platformPair = pairs[3]!;
  const set = await w.call('staff', 'PUT', '/accountcentral/platform/dkim', { domain: 'mail.platform.example', selector: 'pf', publicKey: platformPair.publicKey, privateKey: platformPair.privateKey });
  assert.equal(set.statusCode, 200, set.body);
  zone.publish('pf._domainkey.mail.platform.example', set.json().dnsRecord.value);
  const byPlatform = (await sign(bare.id, { message: MESSAGE, data: {} })).json();
  assert.deepEqual(byPlatform.dkim, { id: 0, platform: true, domain: 'mail.platform.example', selector: 'pf', alignment: 'NONE', default: false });
  assert.equal((await verify(byPlatform.message, zone))[0]!.result, 'pass');
  // An inactive key never signs.
  const { org: inactive } = await customerWith([{ domain: 'shop.example.com', selector: 'off', pair: pairs[1]!, active: false }]);
  assert.equal((await sign(inactive.id, { message: MESSAGE, data: {} })).json().dkim.platform, true);
});

test('FBLs (#75-#78): the broker\'s staff keep them; mail to their recipient domain also gets the FBL\'s signature', async () => {
  const { org, ids } = await customerWith([{ domain: 'shop.example.com', selector: 'fb', pair: pairs[0]! }]);
  const fblPair = pairs[2]!;
  const create = await w.call('staff', 'POST', '/accountcentral/fbls', {
    esp: 'Example ESP', recipientDomain: 'Inbox.Example.net', signableHeaders: ['Subject', 'To', 'Message-ID'],
    dkim: { domain: 'esp.example.org', selector: 'fbl1', publicKey: fblPair.publicKey, privateKey: fblPair.privateKey },
  });
  assert.equal(create.statusCode, 200, create.body);
  const fbl = create.json();
  assert.deepEqual(Object.keys(fbl).sort(), ['dkim', 'esp', 'id', 'recipientDomain', 'signableHeaders']);
  assert.match(fbl.id, /^[0-9a-f-]{36}$/);
  assert.equal(create.headers.location, `/accountcentral/fbls/${fbl.id}`);
  assert.equal(fbl.esp, 'Example ESP');
  assert.equal(fbl.recipientDomain, 'inbox.example.net');
  assert.deepEqual(fbl.signableHeaders, ['From', 'Subject', 'To', 'Message-ID'], 'From is always signed');
  assert.equal(fbl.dkim.domain, 'esp.example.org');
  assert.equal(fbl.dkim.selector, 'fbl1');
  assert.equal(fbl.dkim.publicKey.trim(), fblPair.publicKey.trim());
  assert.match(fbl.dkim.privateKey, /^v1\./);
  assert.ok(!create.body.includes('PRIVATE KEY'));
  zone.publish(fbl.dkim.dnsRecord.name, fbl.dkim.dnsRecord.value);

  const signed = (await sign(org.id, { message: MESSAGE, data: {} })).json();
  assert.deepEqual(signed.fbl, { id: fbl.id, esp: 'Example ESP', recipientDomain: 'inbox.example.net', domain: 'esp.example.org', selector: 'fbl1' });
  assert.equal(signed.dkim.id, ids[0]);
  const results = await verify(signed.message, zone);
  assert.deepEqual(results.map((r) => `${r.domain} ${r.result}`).sort(), ['esp.example.org pass', 'shop.example.com pass']);
  const fblResult = results.find((r) => r.domain === 'esp.example.org')!;
  assert.deepEqual([...fblResult.headers].sort(), ['from', 'message-id', 'subject', 'to']);
  assert.equal(fblResult.canonicalization, 'relaxed/relaxed');

  // Turned off one by one; data.recipient decides the FBL over the To header.
  const noFbl = (await sign(org.id, { message: MESSAGE, data: {}, applyFbl: false })).json();
  assert.equal(noFbl.fbl, null);
  assert.equal((await verify(noFbl.message, zone)).length, 1);
  const onlyFbl = (await sign(org.id, { message: MESSAGE, data: {}, applyDkim: false })).json();
  assert.equal(onlyFbl.dkim, null);
  assert.deepEqual((await verify(onlyFbl.message, zone)).map((r) => `${r.domain} ${r.result}`), ['esp.example.org pass']);
  assert.equal((await sign(org.id, { message: MESSAGE, data: { recipient: 'someone@else.example' } })).json().fbl, null);
  const neither = (await sign(org.id, { message: MESSAGE, data: {}, applyDkim: false, applyFbl: false })).json();
  assert.equal(neither.message, MESSAGE);

  // The list, the update (keeping the key with its sealed value), the delete.
  const list = await w.call('staff', 'GET', '/accountcentral/fbls');
  assert.equal(list.statusCode, 200, list.body);
  assert.deepEqual(list.json().page, { size: 20, number: 0, totalElements: 1, totalPages: 1 });
  assert.deepEqual(list.json().elements, [fbl]);
  const update = await w.call('staff', 'PUT', `/accountcentral/fbls/${fbl.id}`, {
    esp: 'Renamed ESP', recipientDomain: 'inbox.example.net', dkim: { domain: 'esp.example.org', selector: 'fbl1', publicKey: fblPair.publicKey, privateKey: fbl.dkim.privateKey },
  });
  assert.equal(update.statusCode, 200, update.body);
  assert.equal(update.json().esp, 'Renamed ESP');
  assert.equal(update.json().dkim.privateKey, fbl.dkim.privateKey);
  assert.equal(update.json().signableHeaders.length, 9, 'the recommended headers when none are given');
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', { ...fblBody(fblPair), recipientDomain: 'INBOX.example.net' }), 409, 'fbl.exists', 'recipientDomain');
  const deleted = await w.call('staff', 'DELETE', `/accountcentral/fbls/${fbl.id}`);
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal(deleted.json().resultCode, 'OK');
  assert.equal((await sign(org.id, { message: MESSAGE, data: {} })).json().fbl, null);
  assertMessage(await w.call('staff', 'DELETE', `/accountcentral/fbls/${fbl.id}`), 404, 'fbl.not_found');
  assertMessage(await w.call('staff', 'PUT', `/accountcentral/fbls/${fbl.id}`, fblBody(fblPair)), 404, 'fbl.not_found');
});

const fblBody = (pair: TestKeyPair) => ({
  esp: 'ESP', recipientDomain: 'bad.example.net', dkim: { domain: 'esp.example.org', selector: 'x', publicKey: pair.publicKey, privateKey: pair.privateKey },
});

test('FBL bad input: a malformed body, missing and wrong fields, bad keys', async () => {
  const pair = pairs[1]!;
  const malformed = await s.request({ method: 'POST', url: '/accountcentral/fbls', token: s.admin.token, headers: { 'content-type': 'application/json' }, body: '[' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(typeof malformed.json().data.code, 'string');
  const { esp: _, ...noEsp } = fblBody(pair);
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', noEsp), 400, 'field.invalid', 'esp');
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', { ...fblBody(pair), signableHeaders: 'From' }), 400, 'field.invalid', 'signableHeaders');
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', { ...fblBody(pair), signableHeaders: ['From', 'Bad Header:'] }), 400, 'field.invalid', 'signableHeaders');
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', { ...fblBody(pair), recipientDomain: 'nope' }), 400, 'field.invalid', 'recipientDomain');
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', { ...fblBody(pair), dkim: { ...fblBody(pair).dkim, publicKey: pairs[2]!.publicKey } }), 400, 'dkim.key_mismatch', 'dkim.publicKey');
  assertMessage(await w.call('staff', 'POST', '/accountcentral/fbls', { ...fblBody(pair), dkim: { domain: 'esp.example.org' } }), 400, 'field.invalid', 'dkim');
  assertMessage(await w.call('manager', 'POST', '/accountcentral/fbls', fblBody(pair)), 403, 'access.denied');
  assertMessage(await w.call('staff', 'GET', '/accountcentral/fbls?page=-1'), 400, 'field.invalid', 'page');
  assert.equal((await s.core.db.selectFrom('fbls').select('id').where('recipient_domain', '=', 'bad.example.net').execute()).length, 0);
});

test('who may sign: a credential of someone with a role on the customer (a token or an API key); nobody else; not for a suspended customer', async () => {
  const { org } = await customerWith([{ domain: 'shop.example.com', selector: 'who', pair: pairs[1]! }]);
  const body = { message: MESSAGE, data: {} };
  assertMessage(await sign(org.id, body, 'anonymous'), 401, 'auth.required');
  assertMessage(await sign(org.id, body, 'other'), 404, 'organization.not_found');
  // A sending application's account: a team user of the customer, with its API key.
  const sender = await teamUser(s, { id: org.id, slug: org.slug }, 'sender');
  const withKey = await s.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, headers: await apiKeyHeaders(s, sender.id), body });
  assert.equal(withKey.statusCode, 200, withKey.body);
  assert.equal((await verify(withKey.json().message, zone))[0]!.result, 'pass');
  const withToken = await s.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, token: sender.token, body });
  assert.equal(withToken.statusCode, 200, withToken.body);
  // A user without a role on it, even with a valid credential, cannot.
  const stranger = await quickUser(s, 'stranger');
  assert.equal((await s.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, token: stranger.token, body })).statusCode, 404);
  await placeOrganization(s, org, { status: 'suspended' });
  assertMessage(await s.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, token: sender.token, body }), 403, 'organization.suspended');
});

test('sign: bad input answers 400 naming the field; a message larger than the usual body limit is signed', async () => {
  const { org } = await customerWith([{ domain: 'shop.example.com', selector: 'bad', pair: pairs[1]! }]);
  const malformed = await s.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, token: w.cm.token, headers: { 'content-type': 'application/json' }, body: '{"message": ' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(typeof malformed.json().data.code, 'string');
  assertMessage(await sign(org.id, { data: {} }), 400, 'field.invalid', 'message');
  assertMessage(await sign(org.id, { message: MESSAGE }), 400, 'field.invalid', 'data');
  assertMessage(await sign(org.id, { message: 42, data: {} }), 400, 'field.invalid', 'message');
  assertMessage(await sign(org.id, { message: MESSAGE, data: {}, applyDkim: 'no' }), 400, 'field.invalid', 'applyDkim');
  assertMessage(await sign(org.id, { message: MESSAGE, data: { sender: 7 } }), 400, 'field.invalid', 'sender');
  assertMessage(await sign(org.id, { message: MESSAGE.replace(/^From: .*\r\n/, ''), data: {} }), 400, 'field.invalid', 'message');
  assertMessage(await sign(org.id, { message: MESSAGE.replace(/^From: .*\r\n/, 'From: undisclosed\r\n'), data: {} }), 400, 'field.invalid', 'message');
  assertMessage(await sign(org.id, { message: MESSAGE, data: { sender: 'not a domain' } }), 400, 'field.invalid', 'data.sender');
  assertMessage(await sign(999999, { message: MESSAGE, data: {} }), 404, 'organization.not_found');
  // 200 KiB of body: past BODY_LIMIT_BYTES (64 KiB), within DKIM_SIGN_MAX_BYTES.
  const big = MESSAGE + `${'x'.repeat(998)}\r\n`.repeat(200);
  const res = await sign(org.id, { message: big, data: {} });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.equal((await verify(res.json().message, zone))[0]!.result, 'pass');
});

test('DKIM_SIGNING_OPEN=on: the operator opens signing to callers without a credential, still not for a suspended customer', async () => {
  const open = await startService({ DKIM_SIGNING_OPEN: 'on' });
  try {
    const org = await makeOrganization(open);
    const pair = pairs[1]!;
    const manager = await quickUser(open, 'openmgr');
    await grantRole(open, org, manager.id, 'manager');
    const added = await open.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/dkims`, token: manager.token, body: { domain: 'shop.example.com', selector: 'open', publicKey: pair.publicKey, privateKey: pair.privateKey, active: true } });
    assert.equal(added.statusCode, 200, added.body);
    zone.publish('open._domainkey.shop.example.com', `v=DKIM1; k=rsa; p=${pair.p}`);
    const res = await open.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, body: { message: MESSAGE, data: {} } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await verify(res.json().message, zone))[0]!.result, 'pass');
    // Only signing is open: the keys are not.
    assert.equal((await open.request({ method: 'GET', url: `/accountcentral/customers/${org.id}/dkims` })).statusCode, 401);
    assert.equal((await open.request({ method: 'POST', url: '/accountcentral/customers/999999/messages/sign', body: { message: MESSAGE, data: {} } })).statusCode, 404);
    await placeOrganization(open, org, { status: 'suspended' });
    const suspended = await open.request({ method: 'POST', url: `/accountcentral/customers/${org.id}/messages/sign`, body: { message: MESSAGE, data: {} } });
    assert.equal(suspended.statusCode, 403, suspended.body);
    assert.equal(suspended.json().data.code, 'organization.suspended');
  } finally {
    await open.stop();
  }
});

test('a key the service generated signs, once its DNS record is published as answered', async () => {
  const { org } = await customerWith([]);
  const made = await w.call('manager', 'POST', `/accountcentral/customers/${org.id}/dkims/generate`, { domain: 'shop.example.com', selector: 'gen' });
  assert.equal(made.statusCode, 201, made.body);
  const signedBefore = (await sign(org.id, { message: MESSAGE, data: {} })).json();
  assert.equal(signedBefore.dkim.id, made.json().id);
  assert.notEqual((await verify(signedBefore.message, zone))[0]!.result, 'pass', 'no record published yet');
  zone.publish(made.json().dnsRecord.name, made.json().dnsRecord.value);
  const [result] = await verify((await sign(org.id, { message: MESSAGE, data: {} })).json().message, zone);
  assert.equal(result!.result, 'pass');
  assert.equal(result!.selector, 'gen');
});
