// The seed's partner tutorial, "Deploy your first inbox", command by command against the
// running service: log in, create a customer organization (and find its id in the list of
// organizations, as the guide says), create a stack and poll it until READY, list the
// packages to find the Inbox, create the Inbox application and poll it until READY; the
// partner's receiver gets the signed events of its customer (verified with the
// `standardwebhooks` package), and the owner at admin_email gets the activation mail.
// "Polling" is a GET repeated after the queued deployment jobs ran (core.jobs.idle()), never a sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { WebhookReceiver, type Received } from '../support/webhook-receiver.js';

let s: TestService;
const partnerHook = new WebhookReceiver();
const customerHook = new WebhookReceiver();
before(async () => {
  s = await startService({ WEBHOOK_ALLOW_PRIVATE: 'on', WEBHOOK_TIMEOUT_MS: '5000', DEPLOY_DOMAIN: 'inbox.platform.test' });
});
after(async () => {
  await s.stop();
  await partnerHook.stop();
  await customerHook.stop();
});

interface Event { event: string; data: Record<string, unknown> }

function verified(secret: string, received: Received): Event {
  return new Webhook(secret).verify(received.body, {
    'webhook-id': String(received.headers['webhook-id']),
    'webhook-timestamp': String(received.headers['webhook-timestamp']),
    'webhook-signature': String(received.headers['webhook-signature']),
  }) as Event;
}

/** GET `url` until its user_status is READY: once at once (REQUESTED), then after each round of jobs. */
async function pollUntilReady(url: string, token: string): Promise<Record<string, unknown>> {
  for (let round = 0; round < 5; round++) {
    const answer = await s.request({ method: 'GET', url, token });
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json();
    if (body.user_status === 'READY') return body;
    assert.equal(body.error ?? null, null, `${url} failed: ${JSON.stringify(body.error)}`);
    await s.core.jobs.idle();
  }
  assert.fail(`${url} never became READY`);
}

test('Deploy your first inbox: the partner tutorial, command by command', async () => {
  // An official partner: a user with get.chat's Partner role on its own organization
  // (granted by get.chat's team after the support@get.chat approval: a fixture here).
  const partner = await s.user({ email: `partner-${Date.now()}@partner.example.com` });
  const partnerOrg = await makeOrganization(s, { fullName: 'Partner Ltd' });
  await grantRole(s, partnerOrg, partner.id, 'partner');
  const partnerUrl = `${await partnerHook.start()}/get-chat/events`;
  const customerUrl = `${await customerHook.start()}/hooks`;

  // 1. Log in.
  const login = await s.request({ method: 'POST', url: '/account/login', body: { email: partner.email, password: partner.password } });
  assert.equal(login.statusCode, 200, login.body);
  const { access_token: token, token_type: tokenType, expires_in: expiresIn } = login.json();
  assert.equal(tokenType.toLowerCase(), 'bearer');
  assert.ok(expiresIn > 0);

  // The partner receives its own events and its customers' once its webhook_url is set (E9).
  const webhook = await s.request({ method: 'PATCH', url: `/account/organizations/${partnerOrg.id}`, token, body: { webhook_url: partnerUrl } });
  assert.equal(webhook.statusCode, 200, webhook.body);
  assert.equal(webhook.json().webhook_url, partnerUrl);

  // 2. Create a customer organization, then find its id in the list of organizations.
  const before = await s.request({ method: 'GET', url: '/account/organizations', token });
  assert.equal(before.statusCode, 200, before.body);
  const known = new Set(before.json().data.map((o: { id: number }) => o.id));
  const created = await s.request({ method: 'POST', url: `/account/organizations/${partnerOrg.id}/customers`, token, body: { name: 'Customer Co' } });
  assert.equal(created.statusCode, 201, created.body);
  const after = await s.request({ method: 'GET', url: `/account/organizations?partner_id[eq]=${partnerOrg.id}`, token });
  assert.equal(after.statusCode, 200, after.body);
  const customer = after.json().data.find((o: { id: number }) => !known.has(o.id));
  assert.ok(customer, 'the new customer is in the list');
  assert.equal(customer.id, created.json().id);
  assert.equal(customer.partner_id, partnerOrg.id);
  // The customer has a receiver of its own too: both get the customer's events.
  const customerWebhook = await s.request({ method: 'PATCH', url: `/account/organizations/${customer.id}`, token, body: { webhook_url: customerUrl } });
  assert.equal(customerWebhook.statusCode, 200, customerWebhook.body);

  // 3. Create a stack (with partner_meta), answered at once REQUESTED; poll until READY.
  const stack = await s.request({ method: 'POST', url: `/integration/organizations/${customer.id}/stacks`, token,
    body: { name: 'customerco', partner_meta: { crm_id: 'C-42' } } });
  assert.ok(stack.statusCode === 200 || stack.statusCode === 201, stack.body);
  assert.equal(stack.json().user_status, 'REQUESTED');
  assert.equal(stack.json().is_locked, true);
  assert.deepEqual(stack.json().partner_meta, { crm_id: 'C-42' });
  const readyStack = await pollUntilReady(`/integration/stacks/${stack.json().id}`, token);
  assert.equal(readyStack.is_locked, false);

  // 4. List the packages to find the Inbox's id.
  const packages = await s.request({ method: 'GET', url: '/integration/packages?paginated=true', token });
  assert.equal(packages.statusCode, 200, packages.body);
  const inbox = packages.json().data.find((p: { type: string }) => p.type === 'inbox');
  assert.ok(inbox, 'the Inbox package is listed');

  // 5. Create the Inbox application on the stack (a partner passes d360_api_key), then poll until READY.
  const owner = `owner-${Date.now()}@customer.example.com`;
  const app = await s.request({ method: 'POST', url: `/integration/stacks/${stack.json().id}/applications`, token, body: {
    package_id: inbox.id,
    settings: { d360_api_key: 'd360-test-key', admin_email: owner },
    partner_meta: { crm_id: 'C-42-inbox' },
  } });
  assert.ok(app.statusCode === 200 || app.statusCode === 201, app.body);
  assert.equal(app.json().user_status, 'REQUESTED');
  assert.equal(app.json().package_id, inbox.id);
  const readyApp = await pollUntilReady(`/integration/applications/${app.json().id}`, token);
  assert.ok(String(readyApp.domain).endsWith('.inbox.platform.test'), String(readyApp.domain));
  assert.equal((readyApp.package as { type: string }).type, 'inbox');

  // 6. The owner at admin_email receives the activation mail.
  const mail = await s.smtp.waitFor(owner);
  assert.match(mail.text ?? '', /activat/i);

  // Signed events: the stack's and the application's deployments, to the partner and to the customer.
  await s.core.jobs.idle();
  await Promise.all([partnerHook.waitFor(2), customerHook.waitFor(2)]);
  const partnerSecret = (await s.request({ method: 'GET', url: `/account/organizations/${partnerOrg.id}/webhook-secret`, token })).json().secret;
  const customerSecret = (await s.request({ method: 'GET', url: `/account/organizations/${customer.id}/webhook-secret`, token })).json().secret;
  assert.notEqual(partnerSecret, customerSecret);
  for (const [hook, secret] of [[partnerHook, partnerSecret], [customerHook, customerSecret]] as const) {
    const events = hook.received.map((r) => verified(secret, r));
    assert.deepEqual(events.map((e) => e.event).sort(), ['application.deployment.succeeded', 'stack.deployment.succeeded']);
    const stackEvent = events.find((e) => e.event === 'stack.deployment.succeeded')!;
    assert.equal(stackEvent.data.id, stack.json().id);
    assert.equal(stackEvent.data.user_status, 'READY');
    const appEvent = events.find((e) => e.event === 'application.deployment.succeeded')!;
    assert.equal(appEvent.data.id, app.json().id);
    assert.equal(appEvent.data.domain, readyApp.domain);
  }
  assert.equal(partnerHook.received[0]!.path, '/get-chat/events');

  // The deliveries are logged on the partner's side, about its customer.
  const deliveries = await s.request({ method: 'GET', url: `/account/organizations/${partnerOrg.id}/webhook-deliveries?subject_organization_id[eq]=${customer.id}`, token });
  assert.equal(deliveries.statusCode, 200, deliveries.body);
  assert.deepEqual(deliveries.json().data.map((d: { state: string }) => d.state), ['delivered', 'delivered']);
});
