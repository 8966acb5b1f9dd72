// Accountcentral's provisioning jobs: a preparation records, a deactivation does, and the
// effect is real (the customer and its sub-customers suspended, their members refused, the
// accounts they made suspended and their tokens dead). Each job runs once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { makeOrganization, placeOrganization, type TestOrg } from '../support/fixtures.js';
import { runProvisioningJob } from '../../src/core/organizations/customer-provisioning.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { acWorld, teamUser, type AcWorld } from './world.js';

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService();
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

const JOBS = '/accountcentral/provisioning/jobs';

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.equal(res.json().data.code, code);
  if (field) assert.ok(res.json().errors.some((e: { field: string }) => e.field.includes(field)), JSON.stringify(res.json().errors));
}

/** A customer of P with a sub-customer, each with a team account. */
async function tree(): Promise<{ C: TestOrg; D: TestOrg; cu: Awaited<ReturnType<typeof teamUser>>; du: Awaited<ReturnType<typeof teamUser>> }> {
  const C = await makeOrganization(s);
  await placeOrganization(s, C, { partner: w.P });
  const D = await makeOrganization(s);
  await placeOrganization(s, D, { partner: C });
  return { C, D, cu: await teamUser(s, C), du: await teamUser(s, D) };
}

async function job(id: string) {
  return (await s.request({ method: 'GET', url: `${JOBS}/${id}`, token: w.pm.token })).json();
}

test('PREPARE_DEACTIVATION records what deactivation will do, and does nothing', async () => {
  const { C, D, cu, du } = await tree();
  const res = await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'PREPARE_DEACTIVATION' }, token: w.pm.token });
  assert.equal(res.statusCode, 201, res.body);
  const created = res.json();
  assert.equal(typeof created.id, 'string');
  assert.equal(created.groupPk, C.id);
  assert.equal(created.operation, 'PREPARE_DEACTIVATION');
  assert.equal(created.status, 'NEW');
  assert.deepEqual(created.actions, []);
  await s.core.jobs.idle();
  const done = await job(created.id);
  assert.equal(done.status, 'DONE');
  assert.equal(typeof done.finishedAt, 'number');
  assert.deepEqual(done.actions.map((a: { type: string; groupPk: number; status: string }) => [a.type, a.groupPk, a.status]), [
    ['SUSPEND_USERS', D.id, 'PLANNED'], ['SUSPEND_CUSTOMER', D.id, 'PLANNED'],
    ['SUSPEND_USERS', C.id, 'PLANNED'], ['SUSPEND_CUSTOMER', C.id, 'PLANNED'],
  ]);
  assert.deepEqual(done.actions[0].userPks, [du.id]);
  assert.deepEqual(done.actions[2].userPks, [cu.id]);
  const orgs = await s.core.db.selectFrom('organizations').select('status').where('id', 'in', [C.id, D.id]).execute();
  assert.deepEqual(orgs.map((o) => o.status), ['active', 'active']);
  assert.equal((await s.request({ method: 'GET', url: `/accountcentral/customers/${C.id}`, token: cu.token })).statusCode, 200);
});

test('DEACTIVATE needs a finished preparation, then suspends the tree: members refused, team accounts suspended, tokens dead', async () => {
  const { C, D, cu, du } = await tree();
  assertError(await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: w.pm.token }), 400, 'provisioning.not_prepared');
  // A preparation not finished yet does not count.
  await s.core.jobs.stopWorking();
  const prep = (await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'PREPARE_DEACTIVATION' }, token: w.pm.token })).json();
  assertError(await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: w.pm.token }), 400, 'provisioning.not_prepared');
  await s.core.jobs.work(jobHandlers(s.core));
  await s.core.jobs.idle();
  const res = await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: w.pm.token });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().preparedBy, prep.id);
  await s.core.jobs.idle();
  const done = await job(res.json().id);
  assert.equal(done.status, 'DONE', JSON.stringify(done));
  assert.deepEqual(done.actions.map((a: { type: string; groupPk: number; status: string }) => [a.type, a.groupPk, a.status]), [
    ['SUSPEND_USERS', D.id, 'DONE'], ['SUSPEND_CUSTOMER', D.id, 'DONE'],
    ['SUSPEND_USERS', C.id, 'DONE'], ['SUSPEND_CUSTOMER', C.id, 'DONE'],
  ]);
  const orgs = await s.core.db.selectFrom('organizations').select(['id', 'status']).where('id', 'in', [C.id, D.id]).execute();
  assert.ok(orgs.every((o) => o.status === 'suspended'));
  assert.equal((await s.request({ method: 'GET', url: `/accountcentral/customers/${C.id}`, token: w.pm.token })).json().status, 'SUSPENDED');
  // Their tokens stop working at once, and they cannot log in.
  assert.equal((await s.request({ method: 'GET', url: `/accountcentral/customers/${C.id}`, token: cu.token })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: '/api/auth/session/', token: du.token })).statusCode, 401);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: cu.username, password: cu.password } });
  assert.ok(login.statusCode >= 400 && login.statusCode < 500, login.body);
  // A member who joined (not a team account) is refused on the customer, not everywhere.
  const joined = await s.user();
  await s.core.db.insertInto('roles').values({
    organization_id: C.id, user_id: joined.id, accepted_at: new Date(),
    role_description_id: (await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'contributor').where('organization_id', 'is', null).executeTakeFirstOrThrow()).id,
  }).execute();
  assertError(await s.request({ method: 'GET', url: `/accountcentral/customers/${C.id}`, token: joined.token }), 403, 'organization.suspended');
  // The preparation served once.
  assertError(await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: w.pm.token }), 400, 'provisioning.not_prepared');
});

test('two DEACTIVATE jobs asked at once: one is taken, the other refused', async () => {
  const { C } = await tree();
  await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'PREPARE_DEACTIVATION' }, token: w.pm.token });
  await s.core.jobs.idle();
  const both = await Promise.all([1, 2].map(() => s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: w.pm.token })));
  // The second finds the first waiting or running (409), or already done with the preparation it used (400).
  const refused = both.filter((r) => r.statusCode !== 201);
  assert.equal(refused.length, 1, both.map((r) => r.body).join('\n'));
  assert.ok(['provisioning.in_progress', 'provisioning.not_prepared'].includes(refused[0]!.json().data.code), refused[0]!.body);
  await s.core.jobs.idle();
  const jobs = await s.core.db.selectFrom('customer_provisioning_jobs').select(['operation', 'status']).where('organization_id', '=', C.id).execute();
  assert.deepEqual(jobs.map((j) => `${j.operation} ${j.status}`).sort(), ['DEACTIVATE DONE', 'PREPARE_DEACTIVATION DONE']);
});

test('a job delivered twice runs once', async () => {
  const { C, cu } = await tree();
  await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'PREPARE_DEACTIVATION' }, token: w.pm.token });
  await s.core.jobs.idle();
  const created = (await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: w.pm.token })).json();
  // Two deliveries at once, and a third after it finished.
  await Promise.all([runProvisioningJob(s.core, created.id), runProvisioningJob(s.core, created.id)]);
  await runProvisioningJob(s.core, created.id);
  await s.core.jobs.idle();
  const row = await s.core.db.selectFrom('customer_provisioning_jobs').select(['status', 'attempts']).where('id', '=', created.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'DONE');
  assert.equal(row.attempts, 1);
  const events = await s.core.db.selectFrom('organization_events').select('type').where('organization_id', '=', C.id)
    .where('type', 'in', ['suspended', 'provisioning.job']).execute();
  assert.deepEqual(events.map((e) => e.type).sort(), ['provisioning.job', 'provisioning.job', 'suspended']);
  const suspensions = await s.core.db.selectFrom('security_events').select('id').where('user_id', '=', cu.id).where('type', '=', 'account.suspended').execute();
  assert.equal(suspensions.length, 1);
});

test('a requester who lost the power since gets a FAILED job, and nothing is suspended', async () => {
  const { C, cu } = await tree();
  const partner = await makeOrganization(s);
  await placeOrganization(s, C, { partner });
  const pm2 = await s.user();
  await s.core.db.insertInto('roles').values({
    organization_id: partner.id, user_id: pm2.id, accepted_at: new Date(),
    role_description_id: (await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null).executeTakeFirstOrThrow()).id,
  }).execute();
  await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'PREPARE_DEACTIVATION' }, token: pm2.token });
  await s.core.jobs.idle();
  await s.core.jobs.stopWorking();
  const created = (await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'DEACTIVATE' }, token: pm2.token })).json();
  await s.core.db.deleteFrom('roles').where('user_id', '=', pm2.id).execute();
  await runProvisioningJob(s.core, created.id);
  await s.core.jobs.work(jobHandlers(s.core));
  await s.core.jobs.idle();
  const row = await s.core.db.selectFrom('customer_provisioning_jobs').select(['status', 'error']).where('id', '=', created.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'FAILED');
  // The first step, the team's accounts, is refused as the policy refuses it: nobody they may see.
  assert.equal((row.error as { code: string }).code, 'user.not_found');
  assert.equal((await s.core.db.selectFrom('organizations').select('status').where('id', '=', C.id).executeTakeFirstOrThrow()).status, 'active');
  assert.equal((await s.core.db.selectFrom('users').select('status').where('id', '=', cu.id).executeTakeFirstOrThrow()).status, 'active');
});

test('listing and reading jobs; bad input; who may', async () => {
  const { C } = await tree();
  const created = (await s.request({ method: 'POST', url: JOBS, body: { groupPk: C.id, operation: 'PREPARE_DEACTIVATION' }, token: w.pm.token })).json();
  const mine = await s.request({ method: 'GET', url: `${JOBS}?groupPk=${C.id}&size=1&page=0`, token: w.pm.token });
  assert.equal(mine.statusCode, 200);
  assert.equal(mine.json().page.number, 0);
  assert.equal(mine.json().elements[0].id, created.id);
  const all = (await s.request({ method: 'GET', url: `${JOBS}?size=100`, token: w.pm.token })).json();
  assert.ok(all.elements.some((j: { id: string }) => j.id === created.id));
  const others = (await w.call('other', 'GET', `${JOBS}?size=100`)).json();
  assert.ok(!others.elements.some((j: { id: string }) => j.id === created.id));
  assertError(await w.call('other', 'GET', `${JOBS}/${created.id}`), 404, 'provisioning_job.not_found');
  assertError(await w.call('staff', 'GET', `${JOBS}/nope`), 404, 'provisioning_job.not_found');
  assertError(await w.call('staff', 'POST', JOBS, { groupPk: C.id, operation: 'DELETE' }), 400, 'field.invalid', 'operation');
  assertError(await w.call('staff', 'POST', JOBS, { operation: 'DEACTIVATE' }), 400, 'field.invalid', 'groupPk');
  assertError(await w.call('staff', 'POST', JOBS, { groupPk: 'one', operation: 'DEACTIVATE' }), 400, 'field.invalid', 'groupPk');
  assertError(await w.call('staff', 'POST', JOBS, '{"groupPk"'), 400, 'field.invalid');
  assertError(await w.call('staff', 'POST', JOBS, { groupPk: 999999999, operation: 'PREPARE_DEACTIVATION' }), 404, 'organization.not_found');
  const broker = await s.core.db.selectFrom('organizations').select('id').where('is_broker', '=', true).executeTakeFirstOrThrow();
  assertError(await w.call('staff', 'POST', JOBS, { groupPk: broker.id, operation: 'PREPARE_DEACTIVATION' }), 400, 'organization.broker');
  assertError(await w.call('manager', 'POST', JOBS, { groupPk: w.C.id, operation: 'PREPARE_DEACTIVATION' }), 403, 'access.denied');
  assertError(await w.call('manager', 'GET', `${JOBS}?groupPk=x`), 400, 'field.invalid', 'groupPk');
});
