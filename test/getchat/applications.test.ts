// Applications (AP1-AP5) and the deprecated instant creation (AP6): answered at once
// REQUESTED and locked, deployed by the job (local driver) to READY with a domain; the
// activation mail to admin_email; settings sealed at rest; quotas under races; a stack's new
// subdomain redeploys its applications; bad input and callers who may not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization } from '../support/fixtures.js';
import { deployWorld, makePackage, type DeployWorld } from './deploy-fixtures.js';

let s: TestService;
let w: DeployWorld;
let inbox: { id: number; type: string };
let hubspot: { id: number; type: string };
before(async () => {
  s = await startService({ DEPLOY_DOMAIN: 'inbox.test' });
  w = await deployWorld(s);
  inbox = await makePackage(s, { name: 'Inbox' });
  hubspot = await makePackage(s, { name: 'HubSpot' });
});
after(async () => { await s.stop(); });

async function readyStack(orgId: number, token: string, body: Record<string, unknown> = {}): Promise<{ id: number; subdomain: string }> {
  const res = await s.request({ method: 'POST', url: `/integration/organizations/${orgId}/stacks`, token, body });
  assert.equal(res.statusCode, 201, res.body);
  await s.core.jobs.idle();
  return res.json();
}

const appsOf = (stackId: number) => `/integration/stacks/${stackId}/applications`;

test('the tutorial\'s step 5: the built-in Inbox on a READY stack answers REQUESTED, becomes READY with its domain; the owner gets the activation mail', async () => {
  const stack = await readyStack(w.customer.id, w.partner.token);
  const builtIn = await s.core.db.selectFrom('packages').select(['id', 'name']).where('type', '=', 'inbox').where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  // d360_api_key is for partners only (for now): the customer's Owner is refused, nothing is written.
  const refused = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: builtIn.id, settings: { d360_api_key: 'k' } } });
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json().code, 'setting.not_allowed');
  const unknownSetting = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.partner.token, body: { package_id: builtIn.id, settings: { colour: 'red' } } });
  assert.equal(unknownSetting.statusCode, 400);
  assert.match(unknownSetting.json().description, /settings\.colour/);

  const created = await s.request({
    method: 'POST', url: appsOf(stack.id), token: w.partner.token,
    body: { package_id: builtIn.id, settings: { d360_api_key: 'example_api_key' }, partner_meta: { ref: 7 } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const application = created.json();
  assert.equal(application.user_status, 'REQUESTED');
  assert.equal(application.is_locked, true);
  assert.equal(application.stack_id, stack.id);
  assert.equal(application.package_id, builtIn.id);
  assert.deepEqual(application.partner_meta, { ref: 7 });
  assert.equal(application.package, undefined, 'the creation answer has no nested package, as the seed shows');
  assert.equal('settings' in application, false);

  // The API key is sealed at rest.
  const row = await s.core.db.selectFrom('applications').select('settings').where('id', '=', application.id).executeTakeFirstOrThrow();
  assert.doesNotMatch(JSON.stringify(row.settings), /example_api_key/);

  await s.core.jobs.idle();
  const polled = await s.request({ method: 'GET', url: `/integration/applications/${application.id}`, token: w.partner.token });
  assert.equal(polled.statusCode, 200);
  const ready = polled.json();
  assert.equal(ready.user_status, 'READY');
  assert.equal(ready.is_locked, false);
  assert.equal(ready.is_deployed, true);
  assert.equal(ready.domain, `${stack.subdomain}.inbox.test`);
  assert.deepEqual({ id: ready.package.id, name: ready.package.name, type: ready.package.type }, { id: builtIn.id, name: 'Inbox', type: 'inbox' });

  // admin_email defaulted to the caller's address: the partner gets the activation mail.
  const mail = await s.smtp.waitFor(w.partner.email, (m) => m.text.includes(`https://${stack.subdomain}.inbox.test/`));
  assert.match(mail.subject, /Inbox/);

  // The Owner and the Maintainer see it; a stranger does not.
  for (const who of [w.owner, w.maintainer]) {
    assert.equal((await s.request({ method: 'GET', url: `/integration/applications/${application.id}`, token: who.token })).statusCode, 200);
  }
  const hidden = await s.request({ method: 'GET', url: `/integration/applications/${application.id}`, token: w.stranger.token });
  assert.equal(hidden.statusCode, 404);
  assert.equal(hidden.json().code, 'application.not_found');
});

test('one application per package on a stack; none on a stack being deployed', async () => {
  const stack = await readyStack(w.customer.id, w.owner.token);
  const first = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: inbox.id } });
  assert.equal(first.statusCode, 201, first.body);
  const again = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: inbox.id } });
  assert.equal(again.statusCode, 409, again.body);
  assert.match(again.json().description, /package_id/);
  await s.core.jobs.idle();
  await s.core.db.updateTable('stacks').set({ is_locked: true }).where('id', '=', stack.id).execute();
  const locked = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: hubspot.id } });
  assert.equal(locked.statusCode, 409);
  assert.equal(locked.json().code, 'stack.locked');
  const lockedPatch = await s.request({ method: 'PATCH', url: `/integration/applications/${first.json().id}`, token: w.owner.token, body: { settings: { seats: 2 } } });
  assert.equal(lockedPatch.statusCode, 409);
  assert.equal(lockedPatch.json().code, 'stack.locked');
  await s.core.db.updateTable('stacks').set({ is_locked: false }).where('id', '=', stack.id).execute();
});

test('application_quota: racing creations never pass it', async () => {
  const stack = await readyStack(w.customer.id, w.owner.token);
  await s.core.db.updateTable('stacks').set({ application_quota: 1 }).where('id', '=', stack.id).execute();
  const packages = await Promise.all(Array.from({ length: 4 }, () => makePackage(s)));
  const answers = await Promise.all(packages.map((p) => s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: p.id } })));
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 403, 403, 403]);
  assert.equal(answers.find((a) => a.statusCode === 403)!.json().code, 'quota.applications_exceeded');
  const live = await s.core.db.selectFrom('applications').select('id').where('stack_id', '=', stack.id).execute();
  assert.equal(live.length, 1);
});

test('updating settings redeploys; partner_meta alone does not; deleting destroys and soft-deletes', async () => {
  const stack = await readyStack(w.customer.id, w.partner.token);
  const created = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.partner.token, body: { package_id: inbox.id, settings: { seats: 5 } } });
  const id = created.json().id;
  await s.core.jobs.idle();

  const meta = await s.request({ method: 'PATCH', url: `/integration/applications/${id}`, token: w.maintainer.token, body: { partner_meta: { x: 'y' } } });
  assert.equal(meta.statusCode, 200, meta.body);
  assert.equal(meta.json().user_status, 'READY');
  assert.deepEqual(meta.json().partner_meta, { x: 'y' });
  assert.equal(meta.json().package.id, inbox.id);

  const changed = await s.request({ method: 'PATCH', url: `/integration/applications/${id}`, token: w.partner.token, body: { settings: { seats: 10 } } });
  assert.equal(changed.statusCode, 200);
  assert.equal(changed.json().user_status, 'REQUESTED');
  assert.equal(changed.json().is_locked, true);
  await s.core.jobs.idle();
  assert.equal((await s.request({ method: 'GET', url: `/integration/applications/${id}`, token: w.partner.token })).json().user_status, 'READY');

  // A stack with an application cannot be deleted.
  const notEmpty = await s.request({ method: 'DELETE', url: `/integration/stacks/${stack.id}`, token: w.partner.token });
  assert.equal(notEmpty.statusCode, 400);
  assert.equal(notEmpty.json().code, 'stack.not_empty');

  const deleted = await s.request({ method: 'DELETE', url: `/integration/applications/${id}`, token: w.owner.token });
  assert.equal(deleted.statusCode, 200);
  assert.equal(deleted.json().is_locked, true);
  await s.core.jobs.idle();
  assert.equal((await s.request({ method: 'GET', url: `/integration/applications/${id}`, token: w.owner.token })).statusCode, 404);
  const listed = await s.request({ method: 'GET', url: `${appsOf(stack.id)}?paginated=true&deleted_at[ne]=null`, token: w.owner.token });
  assert.deepEqual(listed.json().data.map((a: { id: number; user_status: string }) => [a.id, a.user_status]), [[id, 'DELETED']]);
  const operations = await s.core.db.selectFrom('deployments').select(['operation', 'state']).where('target', '=', 'application').where('target_id', '=', id).orderBy('id').execute();
  assert.deepEqual(operations.map((o) => `${o.operation}:${o.state}`), ['deployment:succeeded', 'modification:succeeded', 'destruction:succeeded']);
  const emptied = await s.request({ method: 'DELETE', url: `/integration/stacks/${stack.id}`, token: w.partner.token });
  assert.equal(emptied.statusCode, 200);
});

test('a stack\'s new subdomain redeploys its applications to their new domain', async () => {
  const stack = await readyStack(w.customer.id, w.partner.token);
  const created = await s.request({ method: 'POST', url: appsOf(stack.id), token: w.partner.token, body: { package_id: inbox.id } });
  await s.core.jobs.idle();
  const sub = `moved-${unique('s').toLowerCase()}`;
  const moved = await s.request({ method: 'PATCH', url: `/integration/stacks/${stack.id}`, token: w.partner.token, body: { subdomain: sub } });
  assert.equal(moved.statusCode, 200, moved.body);
  await s.core.jobs.idle();
  const app = (await s.request({ method: 'GET', url: `/integration/applications/${created.json().id}`, token: w.partner.token })).json();
  assert.equal(app.domain, `${sub}.inbox.test`);
  assert.equal(app.user_status, 'READY');
});

test('listing a stack\'s applications: filters, the bare array, sorting', async () => {
  const stack = await readyStack(w.customer.id, w.owner.token);
  await s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: inbox.id } });
  await s.request({ method: 'POST', url: appsOf(stack.id), token: w.owner.token, body: { package_id: hubspot.id } });
  await s.core.jobs.idle();
  const bare = await s.request({ method: 'GET', url: appsOf(stack.id), token: w.owner.token });
  assert.equal(bare.statusCode, 200, bare.body);
  assert.equal(bare.json().length, 2);
  const byType = await s.request({ method: 'GET', url: `${appsOf(stack.id)}?paginated=true&package_type[eq]=${hubspot.type}`, token: w.owner.token });
  assert.deepEqual(byType.json().data.map((a: { package: { type: string } }) => a.package.type), [hubspot.type]);
  const byOrg = await s.request({ method: 'GET', url: `${appsOf(stack.id)}?paginated=true&organization_id[eq]=${w.customer.id}&partner_id[in]=${w.partnerOrg.id}&is_deployed[eq]=true&sort=-id`, token: w.owner.token });
  assert.equal(byOrg.json().pagination.total, 2);
  assert.ok(byOrg.json().data[0].id > byOrg.json().data[1].id);
  const domain = await s.request({ method: 'GET', url: `${appsOf(stack.id)}?paginated=true&domain[ss]=${stack.subdomain}&created_at[lte]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, token: w.owner.token });
  assert.equal(domain.json().pagination.total, 2);
  const bad = await s.request({ method: 'GET', url: `${appsOf(stack.id)}?created_at[lt]=yesterday`, token: w.owner.token });
  assert.equal(bad.statusCode, 400);
});

test('instant create: one call makes the customer, invites the owner, deploys stack and application', async () => {
  const email = `${unique('instant')}@example.com`;
  const created = await s.request({
    method: 'POST', url: '/integration/applications', token: w.partner.token,
    body: { email, package_type: 'inbox', settings: { d360_api_key: 'k' }, partner_meta: { deal: 1 } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const application = created.json();
  assert.equal(application.user_status, 'REQUESTED');
  const stack = await s.core.db.selectFrom('stacks').selectAll().where('id', '=', application.stack_id).executeTakeFirstOrThrow();
  const customer = await s.core.db.selectFrom('organizations').selectAll().where('id', '=', stack.organization_id).executeTakeFirstOrThrow();
  assert.equal(customer.partner_id, w.partnerOrg.id);
  assert.equal(customer.full_name, email);

  const invitation = await s.smtp.waitFor(email, (m) => /accessibles\/accept/.test(m.text));
  assert.ok(invitation);
  await s.core.jobs.idle();
  const ready = (await s.request({ method: 'GET', url: `/integration/applications/${application.id}`, token: w.partner.token })).json();
  assert.equal(ready.user_status, 'READY');
  assert.equal(ready.domain, `${stack.subdomain}.inbox.test`);
  const stackNow = (await s.request({ method: 'GET', url: `/integration/stacks/${stack.id}`, token: w.partner.token })).json();
  assert.equal(stackNow.user_status, 'READY');
  // admin_email defaults to the invited address: the new Owner gets the activation mail.
  await s.smtp.waitFor(email, (m) => m.text.includes(`https://${stack.subdomain}.inbox.test/`));

  // Nothing is half-written when a part fails: an unknown package type creates nothing.
  const before = await s.core.db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const unknown = await s.request({ method: 'POST', url: '/integration/applications', token: w.partner.token, body: { email: `${unique('x')}@example.com`, package_type: 'nothing-like-it' } });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().code, 'package.not_found');
  const after = await s.core.db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(after.n), Number(before.n));
  // A caller with no organization to act for: 400.
  const loner = await s.user();
  const none = await s.request({ method: 'POST', url: '/integration/applications', token: loner.token, body: { email: `${unique('y')}@example.com`, package_type: inbox.type } });
  assert.equal(none.statusCode, 400);
  // A Maintainer may not create customers: 403, and nothing is left behind.
  const maintainerOnly = await s.user();
  const org = await makeOrganization(s);
  await giveRole(s, org, maintainerOnly.id, 'contributor');
  const withOrg = Number(before.n) + 1;
  const refused = await s.request({ method: 'POST', url: '/integration/applications', token: maintainerOnly.token, body: { email: `${unique('z')}@example.com`, package_type: inbox.type } });
  assert.equal(refused.statusCode, 403);
  const still = await s.core.db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(still.n), withOrg, 'no refused request left an organization behind');
});

test('bad input: malformed JSON, missing and mistyped fields, unknown ids; callers who may not', async () => {
  const stack = await readyStack(w.customer.id, w.owner.token);
  const url = appsOf(stack.id);
  const count = async () => Number((await s.core.db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const malformed = await s.request({ method: 'POST', url, token: w.owner.token, body: '{"package_id": 1' });
  assert.equal(malformed.statusCode, 400);
  const missing = await s.request({ method: 'POST', url, token: w.owner.token, body: { settings: {} } });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.json().description, /package_id/);
  const wrongType = await s.request({ method: 'POST', url, token: w.owner.token, body: { package_id: String(inbox.id) } });
  assert.equal(wrongType.statusCode, 400);
  assert.match(wrongType.json().description, /package_id/);
  const badSettings = await s.request({ method: 'POST', url, token: w.owner.token, body: { package_id: inbox.id, settings: 'seats=5' } });
  assert.equal(badSettings.statusCode, 400);
  assert.match(badSettings.json().description, /settings/);
  const extra = await s.request({ method: 'POST', url, token: w.owner.token, body: { package_id: inbox.id, colour: 'red' } });
  assert.equal(extra.statusCode, 400);
  const unknownPackage = await s.request({ method: 'POST', url, token: w.owner.token, body: { package_id: 987654321 } });
  assert.equal(unknownPackage.statusCode, 404);
  assert.equal(unknownPackage.json().code, 'package.not_found');
  const unknownStack = await s.request({ method: 'POST', url: appsOf(987654321), token: w.owner.token, body: { package_id: inbox.id } });
  assert.equal(unknownStack.statusCode, 404);
  assert.equal(unknownStack.json().code, 'stack.not_found');
  const unknownApp = await s.request({ method: 'PATCH', url: '/integration/applications/987654321', token: w.owner.token, body: { settings: {} } });
  assert.equal(unknownApp.statusCode, 404);
  const badId = await s.request({ method: 'GET', url: '/integration/applications/0', token: w.owner.token });
  assert.equal(badId.statusCode, 400);
  const instantMissing = await s.request({ method: 'POST', url: '/integration/applications', token: w.partner.token, body: { email: 'not-an-email', package_type: inbox.type } });
  assert.equal(instantMissing.statusCode, 400);
  assert.match(instantMissing.json().description, /email/);

  const anonymous = await s.request({ method: 'POST', url, body: { package_id: inbox.id } });
  assert.equal(anonymous.statusCode, 401);
  const stranger = await s.request({ method: 'POST', url, token: w.stranger.token, body: { package_id: inbox.id } });
  assert.equal(stranger.statusCode, 404);
  const strangerList = await s.request({ method: 'GET', url, token: w.stranger.token });
  assert.equal(strangerList.statusCode, 404);
  const suspended = await makeOrganization(s);
  await giveRole(s, suspended, w.owner.id, 'manager');
  const suspendedStack = await readyStack(suspended.id, w.owner.token);
  await placeOrganization(s, suspended, { status: 'suspended' });
  const refused = await s.request({ method: 'POST', url: appsOf(suspendedStack.id), token: w.owner.token, body: { package_id: inbox.id } });
  assert.equal(refused.statusCode, 403);
  assert.equal(await count(), before);
});
