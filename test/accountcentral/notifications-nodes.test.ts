// Across nodes (PostgreSQL only): a stream open on one node gets what another node commits,
// through the database's NOTIFY (notice_deliveries and application_statuses are watched
// tables). Node A is the test service, which enqueues, fans out and sets statuses; node B is a
// second service on the same database, which only serves the streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, type TestService } from '../support/service.js';
import { quickUser } from '../support/fixtures.js';
import { withDatabase } from '../support/templates.js';
import { openPostgres } from '../../src/db/database.js';
import { createService, type Service } from '../../src/server.js';
import { djaoappLinks } from '../../src/http/djaoapp/links.js';
import { openStream } from './event-stream.js';

const url = process.env.DATABASE_URL;
let a: TestService;
let b: Service;
/** Node B seen through the test helpers: its app, for openStream. */
let bView: TestService;

before(async () => {
  if (!url) return;
  a = await startService({ EVENT_STREAM_HEARTBEAT_MS: '200' });
  const name = (await sql<{ name: string }>`select current_database() as name`.execute(a.core.db)).rows[0]!.name;
  b = await createService(a.config, { log: false, database: await openPostgres(withDatabase(url, name), { max: 3 }), migrate: false, links: djaoappLinks(a.config.baseUrl) });
  bView = { app: b.app } as TestService;
});
after(async () => {
  if (!url) return;
  await b.close();
  await a.stop();
});

test('a notification fanned out on one node reaches a stream open on another', { skip: !url && 'PostgreSQL only (DATABASE_URL)' }, async () => {
  const user = await quickUser(a, 'nodes');
  const stream = await openStream(bView, '/accountcentral/notifications/subscribe', { token: user.token });
  try {
    assert.equal(stream.status, 200);
    await stream.comment('stream open');
    const res = await a.request({ method: 'POST', url: '/accountcentral/notifications', token: a.admin.token, body: { destination: { userPks: [user.id] }, notification: { title: 'Across', message: 'From node A.' } } });
    assert.equal(res.statusCode, 200, res.body);
    await a.core.jobs.idle();
    assert.equal(JSON.parse((await stream.next()).data).title, 'Across');
    // Suspended on node A: node B ends the stream.
    await a.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', user.id).execute();
    await stream.ended();
  } finally {
    stream.close();
  }
});

test('a status set on one node reaches a status stream open on another', { skip: !url && 'PostgreSQL only (DATABASE_URL)' }, async () => {
  const user = await quickUser(a, 'nodes');
  const stream = await openStream(bView, '/accountcentral/applications/eddie/status/subscribe', { token: user.token });
  try {
    assert.equal(stream.status, 200);
    assert.equal(JSON.parse((await stream.next()).data).status, 'UP');
    const res = await a.request({ method: 'PUT', url: '/accountcentral/applications/eddie/status', token: a.admin.token, body: { status: 'DOWN' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(JSON.parse((await stream.next()).data).status, 'DOWN');
  } finally {
    stream.close();
  }
});
