// Webhooks: events queued in the caller's unit of work, delivered to the organization and
// every partner above it, signed the Standard Webhooks way (verified with the
// `standardwebhooks` package against a real receiver), retried with each try logged,
// re-sent, the secret read and rotated, and URLs to private addresses refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, type TestOrg } from '../support/fixtures.js';
import { WebhookReceiver, type Received } from '../support/webhook-receiver.js';
import { queueWebhookEvent } from '../../src/core/notify/webhooks.js';

let s: TestService;
const receivers: WebhookReceiver[] = [];
before(async () => { s = await startService({ WEBHOOK_ALLOW_PRIVATE: 'on', WEBHOOK_TIMEOUT_MS: '5000' }); });
after(async () => {
  await s.stop();
  for (const receiver of receivers) await receiver.stop();
});

async function receiver(): Promise<{ receiver: WebhookReceiver; url: string }> {
  const r = new WebhookReceiver();
  receivers.push(r);
  return { receiver: r, url: `${await r.start()}/hook` };
}

async function orgWithManager(url: string | null = null): Promise<{ org: TestOrg; manager: TestUser }> {
  const manager = await s.user();
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  if (url) await setUrl(org, url);
  return { org, manager };
}

async function setUrl(org: TestOrg, url: string | null) {
  await s.core.db.updateTable('organizations').set({ webhook_url: url }).where('id', '=', org.id).execute();
}

async function secretOf(org: TestOrg, token: string): Promise<string> {
  const answer = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/webhook-secret`, token });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json().secret;
}

function verify(secret: string, received: Received): { event: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(received.body, {
    'webhook-id': String(received.headers['webhook-id']),
    'webhook-timestamp': String(received.headers['webhook-timestamp']),
    'webhook-signature': String(received.headers['webhook-signature']),
  }) as { event: string; data: Record<string, unknown> };
}

const STACK = { id: 7, name: 'acme', user_status: 'READY', domain: 'acme.inbox.test' };

test('an event reaches the organization and every partner above it with a webhook_url, each signed with its own secret', async () => {
  const top = await receiver();
  const own = await receiver();
  const partner = await orgWithManager(top.url);
  const middle = await orgWithManager();
  const customer = await orgWithManager(own.url);
  await placeOrganization(s, middle.org, { partner: partner.org });
  await placeOrganization(s, customer.org, { partner: middle.org });

  await queueWebhookEvent(s.core, customer.org.id, 'stack.deployment.succeeded', STACK);
  await s.core.jobs.idle();
  await Promise.all([top.receiver.waitFor(1), own.receiver.waitFor(1)]);

  const toCustomer = own.receiver.received[0]!;
  const toPartner = top.receiver.received[0]!;
  assert.equal(toCustomer.path, '/hook');
  assert.equal(toCustomer.headers['content-type'], 'application/json');
  assert.match(String(toCustomer.headers['webhook-id']), /^msg_[a-z0-9]+$/);
  assert.match(String(toCustomer.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
  assert.notEqual(toCustomer.headers['webhook-id'], toPartner.headers['webhook-id']);
  const customerSecret = await secretOf(customer.org, customer.manager.token);
  assert.deepEqual(verify(customerSecret, toCustomer), { event: 'stack.deployment.succeeded', data: STACK });
  assert.deepEqual(verify(await secretOf(partner.org, partner.manager.token), toPartner), { event: 'stack.deployment.succeeded', data: STACK });
  // Each receiver's own secret: the customer's does not verify the partner's copy.
  assert.throws(() => verify(customerSecret, toPartner));

  // The partner sees the delivery about its customer; the middle organization (no URL) has none.
  const list = await s.request({ method: 'GET', url: `/account/organizations/${partner.org.id}/webhook-deliveries`, token: partner.manager.token });
  assert.equal(list.statusCode, 200, list.body);
  const page = list.json();
  assert.equal(page.pagination.total, 1);
  assert.equal(page.data[0].state, 'delivered');
  assert.equal(page.data[0].event, 'stack.deployment.succeeded');
  assert.equal(page.data[0].subject_organization_id, customer.org.id);
  assert.equal(page.data[0].organization_id, partner.org.id);
  assert.equal(page.data[0].message_id, toPartner.headers['webhook-id']);
  assert.ok(page.data[0].attempts >= 1);
  assert.equal(page.data[0].last_status, 200);
  assert.ok(page.data[0].delivered_at);
  const none = await s.request({ method: 'GET', url: `/account/organizations/${middle.org.id}/webhook-deliveries`, token: middle.manager.token });
  assert.equal(none.json().pagination.total, 0);

  // The partner's managers act on the customer's webhooks too (relation partner_manager).
  const asPartner = await s.request({ method: 'GET', url: `/account/organizations/${customer.org.id}/webhook-deliveries`, token: partner.manager.token });
  assert.equal(asPartner.statusCode, 200);
  assert.equal(asPartner.json().pagination.total, 1);
});

test('the delivery is part of the caller\'s unit of work: a change that rolls back sends nothing', async () => {
  const { receiver: r, url } = await receiver();
  const { org } = await orgWithManager(url);
  await assert.rejects(s.core.transact(async () => {
    await queueWebhookEvent(s.core, org.id, 'application.deployment.failed', { id: 1 });
    throw new Error('the change failed');
  }), /the change failed/);
  await s.core.jobs.idle();
  const rows = await s.core.db.selectFrom('webhook_deliveries').select('id').where('organization_id', '=', org.id).execute();
  assert.equal(rows.length, 0);
  assert.equal(r.received.length, 0);
});

test('a failing receiver is retried, each try logged with the same webhook-id; a delivery is given up after 10 tries', async () => {
  const { receiver: r, url } = await receiver();
  const { org, manager } = await orgWithManager(url);
  r.replies = [500, 'hang', 503];
  await queueWebhookEvent(s.core, org.id, 'stack.modification.succeeded', STACK);
  await s.core.jobs.idle();
  await r.waitFor(4);
  const ids = new Set(r.received.map((x) => x.headers['webhook-id']));
  assert.equal(ids.size, 1, 'every try carries the same webhook-id');
  const secret = await secretOf(org, manager.token);
  for (const received of r.received) verify(secret, received);

  const list = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/webhook-deliveries`, token: manager.token });
  const id = list.json().data[0].id;
  const detail = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/webhook-deliveries/${id}`, token: manager.token });
  assert.equal(detail.statusCode, 200, detail.body);
  const d = detail.json();
  assert.equal(d.state, 'delivered');
  // Each try got the receiver's reply in turn, or none in time (on a loaded machine even an
  // answer can come late): the log says which, try by try, and ends with the one taken.
  const log = d.attempt_log as { status: number | null; error: string | null; response_body: string | null }[];
  assert.equal(d.attempts, r.received.length, JSON.stringify(log));
  assert.equal(log.length, r.received.length);
  const sent = [500, null, 503, 200];
  log.forEach((attempt, i) => {
    if (attempt.status === null) assert.match(attempt.error!, /No answer within 5000 ms/);
    else assert.equal(attempt.status, sent[Math.min(i, 3)]);
  });
  assert.equal(log.at(-1)!.status, 200);
  assert.equal(log.at(-1)!.error, null);
  const refused = log.find((a) => a.status === 500);
  if (refused) {
    assert.match(refused.error!, /answered 500/);
    assert.equal(refused.response_body, 'nope 500');
  }

  // Always refused: ten tries, then given up (state failed), no more jobs.
  const down = await receiver();
  const broken = await orgWithManager(down.url);
  down.receiver.fallback = 502;
  await queueWebhookEvent(s.core, broken.org.id, 'stack.destruction.failed', STACK);
  await s.core.jobs.idle();
  const failed = await s.request({ method: 'GET', url: `/account/organizations/${broken.org.id}/webhook-deliveries?state[eq]=failed`, token: broken.manager.token });
  assert.equal(failed.json().pagination.total, 1);
  assert.equal(failed.json().data[0].attempts, 10);
  assert.ok([502, null].includes(failed.json().data[0].last_status));
  assert.equal(down.receiver.received.length, 10);
});

test('a host name is resolved, checked and pinned: the POST goes to the address that passed', async () => {
  const { receiver: r } = await receiver();
  const { org } = await orgWithManager(`http://localhost:${r.port}/named`);
  await queueWebhookEvent(s.core, org.id, 'application.modification.succeeded', { id: 3 });
  await s.core.jobs.idle();
  await r.waitFor(1);
  assert.equal(r.received[0]!.path, '/named');
  assert.equal(r.received[0]!.headers.host, `localhost:${r.port}`);
});

test('the secret: read back the same, sealed at rest, rotated; later deliveries verify with the new one only', async () => {
  const { receiver: r, url } = await receiver();
  const { org, manager } = await orgWithManager(url);
  const first = await secretOf(org, manager.token);
  assert.match(first, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(first.slice(6), 'base64').length, 32);
  assert.equal(await secretOf(org, manager.token), first);
  const stored = await s.core.db.selectFrom('organizations').select('webhook_secret').where('id', '=', org.id).executeTakeFirstOrThrow();
  assert.match(stored.webhook_secret!, /^v1\./);
  assert.ok(!stored.webhook_secret!.includes(first.slice(6, 20)));

  const rotated = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/webhook-secret`, token: manager.token });
  assert.equal(rotated.statusCode, 200, rotated.body);
  const second = rotated.json().secret;
  assert.notEqual(second, first);
  assert.equal(await secretOf(org, manager.token), second);
  const history = await s.core.db.selectFrom('organization_events').select(['type', 'actor_user_id']).where('organization_id', '=', org.id).execute();
  assert.deepEqual(history, [{ type: 'webhook_secret.rotated', actor_user_id: manager.id }]);

  await queueWebhookEvent(s.core, org.id, 'stack.deployment.succeeded', STACK);
  await s.core.jobs.idle();
  await r.waitFor(1);
  verify(second, r.received[0]!);
  assert.throws(() => verify(first, r.received[0]!), /signature/i);
});

test('re-send: the same webhook-id, to the webhook_url as it is now, with a fresh count; none without a URL', async () => {
  const old = await receiver();
  const moved = await receiver();
  const { org, manager } = await orgWithManager(old.url);
  await queueWebhookEvent(s.core, org.id, 'application.destruction.succeeded', { id: 9 });
  await s.core.jobs.idle();
  await old.receiver.waitFor(1);
  const id = (await s.request({ method: 'GET', url: `/account/organizations/${org.id}/webhook-deliveries`, token: manager.token })).json().data[0].id;

  await setUrl(org, moved.url);
  const resent = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/webhook-deliveries/${id}/resend`, token: manager.token });
  assert.equal(resent.statusCode, 202, resent.body);
  assert.equal(resent.json().state, 'pending');
  assert.equal(resent.json().attempts, 0);
  assert.equal(resent.json().url, moved.url);
  await s.core.jobs.idle();
  await moved.receiver.waitFor(1);
  assert.equal(moved.receiver.received[0]!.headers['webhook-id'], old.receiver.received[0]!.headers['webhook-id']);
  verify(await secretOf(org, manager.token), moved.receiver.received[0]!);
  const detail = (await s.request({ method: 'GET', url: `/account/organizations/${org.id}/webhook-deliveries/${id}`, token: manager.token })).json();
  assert.equal(detail.state, 'delivered');
  // A try that timed out on a loaded machine is tried again: count from the re-send on.
  assert.equal(detail.attempts, moved.receiver.received.length);
  const urls = detail.attempt_log.map((a: { url: string }) => a.url);
  assert.deepEqual(urls, [...old.receiver.received.map(() => old.url), ...moved.receiver.received.map(() => moved.url)]);

  await setUrl(org, null);
  const nowhere = await s.request({ method: 'POST', url: `/account/organizations/${org.id}/webhook-deliveries/${id}/resend`, token: manager.token });
  assert.equal(nowhere.statusCode, 409);
  assert.equal(nowhere.json().code, 'webhook.no_url');
  const unchanged = (await s.request({ method: 'GET', url: `/account/organizations/${org.id}/webhook-deliveries/${id}`, token: manager.token })).json();
  assert.equal(unchanged.state, 'delivered');
});

test('who may: managers, partners and the broker\'s managers; a contributor is refused (403), an unrelated user sees nothing (404)', async () => {
  const { org, manager } = await orgWithManager();
  const contributor = await s.user();
  await grantRole(s, org, contributor.id, 'contributor');
  const partnerRole = await s.user();
  await grantRole(s, org, partnerRole.id, 'partner');
  const stranger = await s.user();
  const paths = [
    ['GET', `/account/organizations/${org.id}/webhook-secret`],
    ['POST', `/account/organizations/${org.id}/webhook-secret`],
    ['GET', `/account/organizations/${org.id}/webhook-deliveries`],
  ] as const;
  for (const [method, url] of paths) {
    assert.equal((await s.request({ method, url, token: manager.token })).statusCode, 200, `${method} ${url} manager`);
    assert.equal((await s.request({ method, url, token: partnerRole.token })).statusCode, 200, `${method} ${url} partner`);
    assert.equal((await s.request({ method, url, token: s.admin.token })).statusCode, 200, `${method} ${url} broker`);
    const refused = await s.request({ method, url, token: contributor.token });
    assert.equal(refused.statusCode, 403, `${method} ${url} contributor`);
    assert.deepEqual(Object.keys(refused.json()).sort(), ['code', 'description', 'message']);
    assert.equal((await s.request({ method, url, token: stranger.token })).statusCode, 404, `${method} ${url} stranger`);
    assert.equal((await s.request({ method, url })).statusCode, 401, `${method} ${url} anonymous`);
  }
  // Another organization's delivery is not this one's: 404, as for an unknown id.
  const { receiver: r, url } = await receiver();
  const other = await orgWithManager(url);
  await queueWebhookEvent(s.core, other.org.id, 'stack.deployment.succeeded', STACK);
  await s.core.jobs.idle();
  await r.waitFor(1);
  const theirs = (await s.request({ method: 'GET', url: `/account/organizations/${other.org.id}/webhook-deliveries`, token: other.manager.token })).json().data[0].id;
  for (const [method, path] of [['GET', ''], ['POST', '/resend']] as const) {
    const mine = await s.request({ method, url: `/account/organizations/${org.id}/webhook-deliveries/${theirs}${path}`, token: manager.token });
    assert.equal(mine.statusCode, 404);
    assert.equal(mine.json().code, 'delivery.not_found');
    const strange = await s.request({ method, url: `/account/organizations/${other.org.id}/webhook-deliveries/${theirs}${path}`, token: stranger.token });
    assert.equal(strange.statusCode, 404);
    assert.equal(strange.json().code, 'organization.not_found');
  }
  const unknownOrg = await s.request({ method: 'GET', url: '/account/organizations/987654321/webhook-secret', token: manager.token });
  assert.equal(unknownOrg.statusCode, 404);
});

test('bad input: a clear 400 naming the field, and nothing changed', async () => {
  const { org, manager } = await orgWithManager();
  const before = await secretOf(org, manager.token);
  const base = `/account/organizations/${org.id}`;
  const malformed = await s.request({ method: 'POST', url: `${base}/webhook-secret`, token: manager.token, body: '{"x":' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().code, 'field.invalid');
  assert.match(malformed.json().description, /Malformed JSON/);
  const unexpected = await s.request({ method: 'POST', url: `${base}/webhook-secret`, token: manager.token, body: { secret: 'whsec_mine' } });
  assert.equal(unexpected.statusCode, 400);
  assert.match(unexpected.json().description, /secret/);
  assert.equal(await secretOf(org, manager.token), before);

  const wrongId = await s.request({ method: 'GET', url: '/account/organizations/abc/webhook-secret', token: manager.token });
  assert.equal(wrongId.statusCode, 400);
  assert.match(wrongId.json().description, /organization_id/);
  const wrongDelivery = await s.request({ method: 'POST', url: `${base}/webhook-deliveries/0/resend`, token: manager.token });
  assert.equal(wrongDelivery.statusCode, 400);
  assert.match(wrongDelivery.json().description, /delivery_id/);
  const unknownDelivery = await s.request({ method: 'GET', url: `${base}/webhook-deliveries/99999999`, token: manager.token });
  assert.equal(unknownDelivery.statusCode, 404);
  assert.equal(unknownDelivery.json().code, 'delivery.not_found');
  const badFilter = await s.request({ method: 'GET', url: `${base}/webhook-deliveries?id[eq]=abc`, token: manager.token });
  assert.equal(badFilter.statusCode, 400);
  assert.match(badFilter.json().description, /id\[eq\]/);
  const badSort = await s.request({ method: 'GET', url: `${base}/webhook-deliveries?sort=-body`, token: manager.token });
  assert.equal(badSort.statusCode, 400);
  assert.match(badSort.json().description, /sort/);
  const sorted = await s.request({ method: 'GET', url: `${base}/webhook-deliveries?sort=-created_at&state[in]=pending,failed&event[ss]=stack`, token: manager.token });
  assert.equal(sorted.statusCode, 200, sorted.body);
  assert.deepEqual(sorted.json().sort, ['-created_at']);
});

test('with WEBHOOK_ALLOW_PRIVATE off, a delivery to a loopback address is refused at once and never connects', async () => {
  const strict = await startService();
  try {
    const { receiver: r, url } = await receiver();
    const org = await makeOrganization(strict);
    await strict.core.db.updateTable('organizations').set({ webhook_url: url }).where('id', '=', org.id).execute();
    await queueWebhookEvent(strict.core, org.id, 'stack.deployment.succeeded', STACK);
    await strict.core.jobs.idle();
    const row = await strict.core.db.selectFrom('webhook_deliveries').selectAll().where('organization_id', '=', org.id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'failed');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error!, /loopback, private or link-local/);
    assert.equal(r.received.length, 0);
  } finally {
    await strict.stop();
  }
});
