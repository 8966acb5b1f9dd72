// Accountcentral's notifications: enqueue (who may send to whom, the fan-out job), list with
// its filters, mark read, and the server-sent event stream over a real connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization, quickUser } from '../support/fixtures.js';
import { acWorld, teamUser, type AcWorld } from './world.js';
import { openStream } from './event-stream.js';
import { fanOutNotice } from '../../src/core/notices/notifications.js';

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService({ EVENT_STREAM_HEARTBEAT_MS: '200' });
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

const note = (title: string, extra: Record<string, unknown> = {}) => ({ title, message: `About ${title}.`, ...extra });

async function enqueue(token: string | undefined, body: unknown) {
  return s.request({ method: 'POST', url: '/accountcentral/notifications', token, body });
}

async function list(token: string, query = '') {
  const res = await s.request({ method: 'GET', url: `/accountcentral/notifications${query ? `?${query}` : ''}`, token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Array<Record<string, unknown>>>();
}

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  const body = res.json();
  assert.equal(body.data.code, code);
  assert.equal(body.data.status, status);
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.logref, 'string');
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field.includes(field)), JSON.stringify(body.errors));
}

test('a manager notifies a user of their customer: enqueued as the seed answers it, delivered by the job, listed by the recipient only', async () => {
  const res = await enqueue(w.cm.token, {
    destination: { userPks: [w.tu.id] },
    notification: note('Maintenance', { priority: 'HIGH', application: 'hub', link: 'https://status.example.com/1' }),
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['destination', 'notification']);
  assert.deepEqual(body.destination, { userPks: [w.tu.id] });
  assert.equal(typeof body.notification.id, 'number');
  assert.equal(body.notification.title, 'Maintenance');
  assert.equal(body.notification.message, 'About Maintenance.');
  assert.equal(body.notification.priority, 'HIGH');
  assert.equal(body.notification.application, 'hub');
  assert.equal(body.notification.link, 'https://status.example.com/1');
  assert.ok(!Number.isNaN(Date.parse(body.notification.date)));

  // The notice and the job that delivers it were written together.
  const notice = await s.core.db.selectFrom('notices').select(['sender_id', 'destination']).where('id', '=', body.notification.id).executeTakeFirstOrThrow();
  assert.equal(notice.sender_id, w.cm.id);
  assert.deepEqual(notice.destination, { userPks: [w.tu.id] });
  await s.core.jobs.idle();
  const [got] = await list(w.tu.token);
  assert.ok(got);
  assert.deepEqual(Object.keys(got).sort(), ['application', 'date', 'id', 'link', 'message', 'priority', 'read', 'readDate', 'title']);
  assert.equal(got.title, 'Maintenance');
  assert.equal(got.message, 'About Maintenance.');
  assert.equal(got.priority, 'HIGH');
  assert.equal(got.application, 'hub');
  assert.equal(got.link, 'https://status.example.com/1');
  assert.equal(got.read, false);
  assert.equal(got.readDate, null);
  assert.equal(got.date, body.notification.date);
  assert.equal((await list(w.cm.token)).filter((n) => n.title === 'Maintenance').length, 0, 'the sender is not a recipient');
  assert.equal((await list(w.xm.token)).length, 0);
});

test('the fan-out writes each delivery once, however often the job runs', async () => {
  const res = await enqueue(w.staff.token, { destination: { userPks: [w.xm.id, w.xm.id] }, notification: note('Once') });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().destination, { userPks: [w.xm.id] });
  const id = res.json().notification.id as number;
  await Promise.all([fanOutNotice(s.core, id), fanOutNotice(s.core, id)]);
  await s.core.jobs.idle();
  await fanOutNotice(s.core, id);
  const rows = await s.core.db.selectFrom('notice_deliveries').select('user_id').where('notice_id', '=', id).execute();
  assert.deepEqual(rows.map((r) => r.user_id), [w.xm.id]);
  const notice = await s.core.db.selectFrom('notices').select(['recipients', 'fanned_out_at']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(notice.recipients, 1);
  assert.ok(notice.fanned_out_at);
});

test('a customer as destination reaches its accepted members and the accounts it made, not pending invitees nor other customers', async () => {
  const C = await makeOrganization(s);
  const manager = await quickUser(s, 'cmgr');
  await grantRole(s, C, manager.id, 'manager');
  const member = await quickUser(s, 'cmem');
  await grantRole(s, C, member.id, 'contributor');
  const invited = await quickUser(s, 'cinv');
  await grantRole(s, C, invited.id, 'contributor', true);
  const made = await teamUser(s, C, 'cteam');
  const res = await enqueue(manager.token, { destination: { groupPk: C.id }, notification: note('To the customer') });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().destination, { groupPk: C.id });
  await s.core.jobs.idle();
  const rows = await s.core.db.selectFrom('notice_deliveries').select('user_id').where('notice_id', '=', res.json().notification.id).execute();
  assert.deepEqual(rows.map((r) => r.user_id).sort((a, b) => a - b), [manager.id, member.id, made.id].sort((a, b) => a - b));
  // Its partner's manager may send to it too; a member may not; another customer's manager does not see it.
  assert.equal((await enqueue(w.pm.token, { destination: { groupPk: w.C.id }, notification: note('From the partner') })).statusCode, 200);
  assertError(await enqueue(member.token, { destination: { groupPk: C.id }, notification: note('Member') }), 403, 'access.denied');
  assertError(await enqueue(w.xm.token, { destination: { groupPk: C.id }, notification: note('Other') }), 404, 'organization.not_found');
});

test('an application\'s users: everyone who used it for the staff, a customer\'s users of it for its manager', async () => {
  const now = new Date();
  await s.core.db.insertInto('user_application_accesses').values([
    { user_id: w.tu.id, application: 'cplan', organization_id: w.C.id, first_access_at: now, last_access_at: now },
    { user_id: w.xm.id, application: 'cplan', organization_id: w.X.id, first_access_at: now, last_access_at: now },
  ]).execute();
  const all = await enqueue(w.staff.token, { destination: { application: 'cplan' }, notification: note('All of cplan') });
  assert.equal(all.statusCode, 200, all.body);
  const mine = await enqueue(w.cm.token, { destination: { groupPk: w.C.id, application: 'cplan' }, notification: note('C of cplan') });
  assert.equal(mine.statusCode, 200, mine.body);
  assert.deepEqual(mine.json().destination, { groupPk: w.C.id, application: 'cplan' });
  await s.core.jobs.idle();
  const recipients = async (id: number) => (await s.core.db.selectFrom('notice_deliveries').select('user_id').where('notice_id', '=', id).execute())
    .map((r) => r.user_id).sort((a, b) => a - b);
  assert.deepEqual(await recipients(all.json().notification.id), [w.tu.id, w.xm.id].sort((a, b) => a - b));
  assert.deepEqual(await recipients(mine.json().notification.id), [w.tu.id]);
  // Every user of an application, whatever their customer, is for the broker's staff only.
  assertError(await enqueue(w.cm.token, { destination: { application: 'cplan' }, notification: note('Broadcast') }), 403, 'access.denied');
});

test('who may notify whom: a team user or another customer\'s manager cannot reach a user; anonymous is 401', async () => {
  assertError(await enqueue(w.xm.token, { destination: { userPks: [w.tu.id] }, notification: note('No') }), 404, 'user.not_found');
  assertError(await enqueue(w.tu.token, { destination: { userPks: [w.cm.id] }, notification: note('No') }), 404, 'user.not_found');
  // One user out of reach refuses the whole notification: nothing is queued.
  const count = async () => Number((await s.core.db.selectFrom('notices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  assertError(await enqueue(w.cm.token, { destination: { userPks: [w.tu.id, w.xm.id] }, notification: note('Half') }), 404, 'user.not_found');
  assert.equal(await count(), before);
  assertError(await enqueue(undefined, { destination: { userPks: [w.tu.id] }, notification: note('No') }), 401, 'auth.required');
});

test('enqueue: malformed, missing, mistyped and unknown input is a 400 or 404 naming what is wrong', async () => {
  const malformed = await s.request({ method: 'POST', url: '/accountcentral/notifications', token: w.staff.token, body: '{"destination": ', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.statusCode, 400);
  assert.equal(typeof malformed.json().data.code, 'string');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id] } }), 400, 'field.invalid', 'notification');
  assertError(await enqueue(w.staff.token, { notification: note('x') }), 400, 'field.invalid', 'destination');
  assertError(await enqueue(w.staff.token, { destination: { groupPk: 'C' }, notification: note('x') }), 400, 'field.invalid', 'groupPk');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id] }, notification: { title: 'x', message: 5 } }), 400, 'field.invalid', 'message');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id] }, notification: note('x', { priority: 'URGENT' }) }), 400, 'field.invalid', 'priority');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id], extra: 1 }, notification: note('x') }), 400, 'field.invalid');
  assertError(await enqueue(w.staff.token, { destination: {}, notification: note('x') }), 400, 'field.invalid', 'destination');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id], groupPk: w.C.id }, notification: note('x') }), 400, 'field.invalid', 'destination');
  assertError(await enqueue(w.staff.token, { destination: { application: 'nope' }, notification: note('x') }), 400, 'field.invalid', 'destination.application');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id] }, notification: note('x', { application: 'nope' }) }), 400, 'field.invalid', 'notification.application');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id] }, notification: note('x', { link: 'javascript:alert(1)' }) }), 400, 'field.invalid', 'notification.link');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [w.tu.id] }, notification: { title: '   ', message: 'x' } }), 400, 'field.invalid', 'notification.title');
  assertError(await enqueue(w.staff.token, { destination: { userPks: [99_999_999] }, notification: note('x') }), 404, 'user.not_found');
  assertError(await enqueue(w.staff.token, { destination: { groupPk: 99_999_999 }, notification: note('x') }), 404, 'organization.not_found');
});

test('list: newest first, filters on notRead, priority and application, windows by page and size', async () => {
  const reader = await quickUser(s, 'reader');
  for (const [title, priority, application] of [['n1', 'LOW', 'hub'], ['n2', 'HIGH', 'send'], ['n3', 'HIGH', 'hub']] as const) {
    s.clock.advance(1);
    assert.equal((await enqueue(w.staff.token, { destination: { userPks: [reader.id] }, notification: note(title, { priority, application }) })).statusCode, 200);
  }
  await s.core.jobs.idle();
  assert.deepEqual((await list(reader.token)).map((n) => n.title), ['n3', 'n2', 'n1']);
  assert.deepEqual((await list(reader.token, 'priority=HIGH')).map((n) => n.title), ['n3', 'n2']);
  assert.deepEqual((await list(reader.token, 'application=hub')).map((n) => n.title), ['n3', 'n1']);
  assert.deepEqual((await list(reader.token, 'page=1&size=2')).map((n) => n.title), ['n1']);
  assert.deepEqual((await list(reader.token, 'page=0&size=2')).map((n) => n.title), ['n3', 'n2']);
  const n2 = (await list(reader.token)).find((n) => n.title === 'n2')!;
  const marked = await s.request({ method: 'PUT', url: '/accountcentral/notifications/read', token: reader.token, body: [n2.id] });
  assert.equal(marked.statusCode, 200, marked.body);
  assert.deepEqual((await list(reader.token, 'notRead=true')).map((n) => n.title), ['n3', 'n1']);
  assert.deepEqual((await list(reader.token, 'notRead=false')).map((n) => n.title), ['n3', 'n2', 'n1']);
  for (const bad of ['page=-1', 'size=0', 'size=101', 'notRead=maybe', 'priority=URGENT', 'unknown=1']) {
    assertError(await s.request({ method: 'GET', url: `/accountcentral/notifications?${bad}`, token: reader.token }), 400, 'field.invalid');
  }
  assertError(await s.request({ method: 'GET', url: '/accountcentral/notifications' }), 401, 'auth.required');
});

test('mark read: only the caller\'s own; others\' and unknown ids are ignored alike; the first reading time stays', async () => {
  const a = await quickUser(s, 'ra');
  const b = await quickUser(s, 'rb');
  const res = await enqueue(w.staff.token, { destination: { userPks: [a.id, b.id] }, notification: note('Shared') });
  assert.equal(res.statusCode, 200);
  await s.core.jobs.idle();
  const [mine] = await list(a.token);
  const [theirs] = await list(b.token);
  const mark = (token: string | undefined, body: unknown) => s.request({ method: 'PUT', url: '/accountcentral/notifications/read', token, body });
  const first = await mark(a.token, [mine!.id, theirs!.id, 99_999_999]);
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(Object.keys(first.json()).sort(), ['result', 'resultCode', 'timestamp']);
  assert.equal(first.json().resultCode, 'OK');
  assert.equal(first.json().result, '1 notification marked as read.');
  assert.equal(typeof first.json().timestamp, 'number');
  const [read] = await list(a.token);
  assert.equal(read!.read, true);
  assert.ok(read!.readDate);
  assert.equal((await list(b.token))[0]!.read, false, 'another user\'s notification is untouched');
  s.clock.advance(60);
  const again = await mark(a.token, [mine!.id]);
  assert.equal(again.json().result, '0 notifications marked as read.');
  assert.equal((await list(a.token))[0]!.readDate, read!.readDate);
  assert.equal((await mark(a.token, [99_999_999])).json().result, '0 notifications marked as read.');
  // Bad bodies.
  const malformed = await s.request({ method: 'PUT', url: '/accountcentral/notifications/read', token: a.token, body: '[1,', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.statusCode, 400);
  assertError(await mark(a.token, undefined), 400, 'field.invalid');
  assertError(await mark(a.token, []), 400, 'field.invalid');
  assertError(await mark(a.token, ['1']), 400, 'field.invalid');
  assertError(await mark(a.token, { ids: [1] }), 400, 'field.invalid');
  assertError(await mark(undefined, [1]), 401, 'auth.required');
});

test('the event stream pushes each notification as it is delivered, with heartbeats; Last-Event-ID resumes', async () => {
  const listener = await quickUser(s, 'listen');
  const stream = await openStream(s, '/accountcentral/notifications/subscribe', { token: listener.token });
  try {
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(stream.headers.get('x-content-type-options'), 'nosniff');
    await stream.comment('heartbeat');
    const res = await enqueue(w.staff.token, { destination: { userPks: [listener.id] }, notification: note('Pushed', { priority: 'LOW' }) });
    assert.equal(res.statusCode, 200);
    await s.core.jobs.idle();
    const event = await stream.next();
    const data = JSON.parse(event.data);
    assert.equal(data.title, 'Pushed');
    assert.equal(data.priority, 'LOW');
    assert.equal(data.read, false);
    assert.equal(event.id, String(data.id));
    assert.deepEqual(data, (await list(listener.token))[0]);
    // Someone else's notification does not reach this stream; the next own one does.
    await enqueue(w.staff.token, { destination: { userPks: [w.xm.id] }, notification: note('Not yours') });
    await enqueue(w.staff.token, { destination: { userPks: [listener.id] }, notification: note('Second') });
    await s.core.jobs.idle();
    assert.equal(JSON.parse((await stream.next()).data).title, 'Second');

    // A reconnecting client gets what came after the last id it saw.
    const resumed = await openStream(s, '/accountcentral/notifications/subscribe', { token: listener.token, headers: { 'last-event-id': event.id! } });
    try {
      assert.equal(JSON.parse((await resumed.next()).data).title, 'Second');
    } finally {
      resumed.close();
    }
  } finally {
    stream.close();
  }
  const bad = await openStream(s, '/accountcentral/notifications/subscribe', { token: listener.token, headers: { 'last-event-id': 'x' } });
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).data.code, 'field.invalid');
});

test('the event stream authenticates with the session cookie (an EventSource sends no header); anonymous is 401', async () => {
  const user = await quickUser(s, 'cookie');
  const stream = await openStream(s, '/accountcentral/notifications/subscribe', { headers: { cookie: `sessionid=${user.token}` } });
  try {
    assert.equal(stream.status, 200);
    await enqueue(w.staff.token, { destination: { userPks: [user.id] }, notification: note('By cookie') });
    await s.core.jobs.idle();
    assert.equal(JSON.parse((await stream.next()).data).title, 'By cookie');
  } finally {
    stream.close();
  }
  const anonymous = await openStream(s, '/accountcentral/notifications/subscribe');
  assert.equal(anonymous.status, 401);
  assert.equal(JSON.parse(anonymous.body).data.code, 'auth.required');
});

test('the event stream ends when the user is suspended, and when the session ends; the service\'s stop ends those left open', async () => {
  // Left open on purpose: stopping the service (after all tests) must end it, or it would hang.
  const open = await openStream(s, '/accountcentral/notifications/subscribe', { token: w.staff.token });
  assert.equal(open.status, 200);

  const suspended = await quickUser(s, 'susp');
  const stream = await openStream(s, '/accountcentral/notifications/subscribe', { token: suspended.token });
  assert.equal(stream.status, 200);
  await stream.comment('stream open');
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', suspended.id).execute();
  await stream.ended();
  const again = await openStream(s, '/accountcentral/notifications/subscribe', { token: suspended.token });
  assert.equal(again.status, 401);

  const leaving = await quickUser(s, 'leave');
  const second = await openStream(s, '/accountcentral/notifications/subscribe', { token: leaving.token });
  assert.equal(second.status, 200);
  await second.comment('stream open');
  const out = await s.request({ method: 'POST', url: '/api/auth/logout/', token: leaving.token });
  assert.ok(out.statusCode < 300, out.body);
  await second.ended();
});
