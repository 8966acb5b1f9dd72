// Accountcentral's application status: read (UP until set), set by the broker's staff, and
// followed as server-sent events over a real connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { acWorld, type AcWorld } from './world.js';
import { openStream } from './event-stream.js';

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService({ EVENT_STREAM_HEARTBEAT_MS: '200' });
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

const url = (application: string) => `/accountcentral/applications/${application}/status`;
const get = (application: string, token?: string) => s.request({ method: 'GET', url: url(application), token });
const set = (application: string, body: unknown, token: string | null = w.staff.token) =>
  s.request({ method: 'PUT', url: url(application), token: token ?? undefined, body });

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.equal(res.json().data.code, code);
  assert.equal(res.json().data.status, status);
  if (field) assert.ok(res.json().errors.some((e: { field: string }) => e.field.includes(field)), JSON.stringify(res.json().errors));
}

test('an application is UP until the staff set it; the answer is the seed\'s {status} with the application and its last change', async () => {
  const first = await get('send', w.tu.token);
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(first.json(), { status: 'UP', application: 'send', lastChange: null });

  const res = await set('send', { status: 'DOWN' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(Object.keys(res.json()).sort(), ['result', 'resultCode', 'timestamp']);
  assert.equal(res.json().resultCode, 'OK');
  assert.equal(res.json().result, 'send is DOWN.');
  const down = (await get('send', w.xm.token)).json();
  assert.equal(down.status, 'DOWN');
  assert.ok(!Number.isNaN(Date.parse(down.lastChange)));

  // The same status again changes nothing, not even the time.
  s.clock.advance(30);
  assert.equal((await set('send', { status: 'DOWN' })).statusCode, 200);
  assert.equal((await get('send', w.tu.token)).json().lastChange, down.lastChange);
  assert.equal((await set('send', { status: 'UP' })).statusCode, 200);
  assert.equal((await get('send', w.tu.token)).json().status, 'UP');
});

test('only the broker\'s staff set a status; any signed-in user reads it; anonymous is 401', async () => {
  assertError(await set('hub', { status: 'DOWN' }, w.cm.token), 403, 'access.denied');
  assertError(await set('hub', { status: 'DOWN' }, w.pm.token), 403, 'access.denied');
  assertError(await set('hub', { status: 'DOWN' }, w.tu.token), 403, 'access.denied');
  assertError(await set('hub', { status: 'DOWN' }, null), 401, 'auth.required');
  assertError(await get('hub'), 401, 'auth.required');
  assert.equal((await get('hub', w.tu.token)).json().status, 'UP');
});

test('an unknown application is 404; a bad body is 400 naming the field', async () => {
  assertError(await get('nope', w.tu.token), 404, 'platform_application.not_found');
  assertError(await set('nope', { status: 'DOWN' }), 404, 'platform_application.not_found');
  assertError(await set('hub', { status: 'SIDEWAYS' }), 400, 'field.invalid', 'status');
  assertError(await set('hub', { status: 1 }), 400, 'field.invalid', 'status');
  assertError(await set('hub', {}), 400, 'field.invalid', 'status');
  assertError(await set('hub', { status: 'UP', extra: true }), 400, 'field.invalid');
  const malformed = await s.request({ method: 'PUT', url: url('hub'), token: w.staff.token, body: '{"status"', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.statusCode, 400);
  assertError(await get('x'.repeat(41), w.tu.token), 400, 'field.invalid', 'application');
});

test('the status stream sends the status at once, then each change; other applications\' changes do not reach it', async () => {
  const stream = await openStream(s, `${url('flow')}/subscribe`, { token: w.tu.token });
  try {
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const now = JSON.parse((await stream.next()).data);
    assert.deepEqual(Object.keys(now).sort(), ['application', 'lastChange', 'status']);
    assert.equal(now.application, 'flow');
    assert.equal(now.status, 'UP');
    await stream.comment('heartbeat');
    assert.equal((await set('cplan', { status: 'DOWN' })).statusCode, 200);
    assert.equal((await set('flow', { status: 'DOWN' })).statusCode, 200);
    const down = JSON.parse((await stream.next()).data);
    assert.equal(down.application, 'flow');
    assert.equal(down.status, 'DOWN');
    assert.deepEqual(down, (await get('flow', w.tu.token)).json());
    assert.equal((await set('flow', { status: 'UP' })).statusCode, 200);
    assert.equal(JSON.parse((await stream.next()).data).status, 'UP');
  } finally {
    stream.close();
  }
});

test('the status stream: cookie authentication, 401 without, 404 for an unknown application; it ends when the user is suspended', async () => {
  const byCookie = await openStream(s, `${url('hub')}/subscribe`, { headers: { cookie: `sessionid=${w.xm.token}` } });
  try {
    assert.equal(byCookie.status, 200);
    assert.equal(JSON.parse((await byCookie.next()).data).application, 'hub');
  } finally {
    byCookie.close();
  }
  const anonymous = await openStream(s, `${url('hub')}/subscribe`);
  assert.equal(anonymous.status, 401);
  assert.equal(JSON.parse(anonymous.body).data.code, 'auth.required');
  const unknown = await openStream(s, `${url('nope')}/subscribe`, { token: w.tu.token });
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body).data.code, 'platform_application.not_found');

  const stream = await openStream(s, `${url('hub')}/subscribe`, { token: w.cm.token });
  assert.equal(stream.status, 200);
  await stream.next();
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', w.cm.id).execute();
  await stream.ended();
});
