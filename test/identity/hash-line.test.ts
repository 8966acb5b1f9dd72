// The password hashing line: one hash per core at a time, the others in line, and a hash
// that would wait longer than the bound refused at once (503 with Retry-After), never queued
// without end. Over HTTP: a login refused for that is answered in each surface's envelope
// before any query, is not counted as an attempt, and the account logs in once a core is free.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { HashLine, passwordHashLine } from '../../src/core/identity/passwords.js';
import { PasswordAttempt } from '../../src/core/identity/attempts.js';
import { Unavailable } from '../../src/core/errors.js';
import { startService, type TestService } from '../support/service.js';
import { loadConfig } from '../../src/config.js';

/** A piece of work the test finishes by hand. */
function pending() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  return { done, finish };
}

test('at most one hash per slot runs; the others wait their turn, first come first served', async () => {
  const line = new HashLine(10_000, 25, () => 2);
  const works = [pending(), pending(), pending(), pending()];
  const started: number[] = [];
  const runs = works.map((work, i) => line.run(async () => { started.push(i); await work.done; return i; }));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(line.load, { running: 2, waiting: 2 });
  works[1]!.finish();
  await runs[1];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1, 2], 'the freed slot goes to the first in line');
  for (const work of works) work.finish();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
  assert.deepEqual(line.load, { running: 0, waiting: 0 });
});

test('a hash that would wait longer than the bound is refused at once, with the wait as Retry-After', async () => {
  // Two slots and 1,000 ms per hash (the first guess): the 3rd and 4th would start in 1 s,
  // the 5th and 6th in 2 s, the 7th in 3 s.
  const line = new HashLine(2_000, 1_000, () => 2);
  const work = pending();
  const runs = Array.from({ length: 6 }, () => line.run(() => work.done));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(line.load, { running: 2, waiting: 4 });
  assert.equal(line.expectedWaitMs(), 3_000);
  await assert.rejects(line.run(() => work.done), (error: unknown) => {
    assert.ok(error instanceof Unavailable);
    assert.equal(error.code, 'server.busy');
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.retryAfter, 3);
    return true;
  });
  assert.deepEqual(line.load, { running: 2, waiting: 4 }, 'a refused hash takes no place in line');
  work.finish();
  await Promise.all(runs);
  // The line is short again: a new hash runs.
  assert.equal(await line.run(async () => 'ran'), 'ran');
});

test('bound 0 refuses any hash that would wait, never one that finds a free slot', async () => {
  const line = new HashLine(0, 25, () => 1);
  const work = pending();
  const first = line.run(() => work.done);
  await assert.rejects(line.run(async () => 'second'), Unavailable);
  work.finish();
  await first;
  assert.equal(await line.run(async () => 'third'), 'third');
});

test('the expected wait follows how long hashes take here, each measure capped at 8× the first guess', async () => {
  const line = new HashLine(60_000, 5, () => 1);
  // Hashes of about 60 ms move the estimate up from its first guess of 5 ms, but a measure
  // counts for 40 ms at most (a late event loop is not a slow hash).
  for (let i = 0; i < 12; i++) await line.run(() => new Promise((resolve) => setTimeout(resolve, 60)));
  const work = pending();
  const running = line.run(() => work.done);
  const estimate = line.expectedWaitMs();
  assert.ok(estimate > 20 && estimate <= 40, `expected wait ${estimate} ms`);
  work.finish();
  await running;
});

test('a failing hash frees its slot for the next in line', async () => {
  const line = new HashLine(10_000, 25, () => 1);
  const gate = pending();
  const failing = line.run(async () => { await gate.done; throw new Error('broken hash'); });
  const next = line.run(async () => 'next');
  gate.finish();
  await assert.rejects(failing, /broken hash/);
  assert.equal(await next, 'next');
  assert.deepEqual(line.load, { running: 0, waiting: 0 });
});

test('PASSWORD_HASH_MAX_WAIT_MS: 2 s unless told, 0 to 60 s', () => {
  const base = { SECRET_KEY: 'x'.repeat(40) };
  assert.equal(loadConfig(base).passwordHashMaxWaitMs, 2000);
  assert.equal(loadConfig({ ...base, PASSWORD_HASH_MAX_WAIT_MS: '0' }).passwordHashMaxWaitMs, 0);
  assert.equal(loadConfig({ ...base, PASSWORD_HASH_MAX_WAIT_MS: '60000' }).passwordHashMaxWaitMs, 60000);
  assert.throws(() => loadConfig({ ...base, PASSWORD_HASH_MAX_WAIT_MS: '60001' }), /PASSWORD_HASH_MAX_WAIT_MS must be at most 60000/);
  assert.throws(() => loadConfig({ ...base, PASSWORD_HASH_MAX_WAIT_MS: '-1' }), /PASSWORD_HASH_MAX_WAIT_MS/);
  assert.throws(() => loadConfig({ ...base, PASSWORD_HASH_MAX_WAIT_MS: 'soon' }), /PASSWORD_HASH_MAX_WAIT_MS/);
});

let s: TestService;
before(async () => { s = await startService({ PASSWORD_HASH_MAX_WAIT_MS: '0' }); });
after(async () => { await s.stop(); });

test('PASSWORD_HASH_MAX_WAIT_MS sets the process\'s line', () => {
  assert.equal(passwordHashLine.maxWaitMs, 0);
});

/** Holds every slot of the process's line, whatever the number of cores, until `free`. */
function holdEverySlot() {
  const gate = pending();
  const held = Array.from({ length: availableParallelism() }, () => passwordHashLine.run(() => gate.done));
  return { async free() { gate.finish(); await Promise.all(held); } };
}

const throttleRows = (username: string) => s.core.db.selectFrom('login_throttle').select(['address', 'failures'])
  .where('identifier', '=', username).execute();

test('a login that finds every core hashing is refused with 503 before any query; the account logs in once a core is free', async () => {
  const u = await s.user();
  const slots = holdEverySlot();
  try {
    const busy = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'a-wrong-password' }, ip: '10.30.0.1' });
    assert.equal(busy.statusCode, 503, busy.body);
    assert.deepEqual(busy.json(), { detail: 'The service is too busy to check passwords now. Try again shortly.', error_code: 'server.busy' });
    assert.ok(Number(busy.headers['retry-after']) >= 1, String(busy.headers['retry-after']));
    // get.chat's login answers the same in its own envelope.
    const getchat = await s.request({ method: 'POST', url: '/account/login', body: { email: u.email, password: 'a-wrong-password' }, ip: '10.30.0.1' });
    assert.equal(getchat.statusCode, 503, getchat.body);
    assert.equal(getchat.json().code, 'server.busy');
    assert.ok(Number(getchat.headers['retry-after']) >= 1);
  } finally {
    await slots.free();
  }
  // Refused before the attempt was counted, and no failure recorded.
  assert.deepEqual(await throttleRows(u.username), []);
  const failed = await s.core.db.selectFrom('security_events').select('id').where('user_id', '=', u.id).where('type', '=', 'login.failed').execute();
  assert.equal(failed.length, 0);
  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password }, ip: '10.30.0.1' });
  assert.equal(ok.statusCode, 200, ok.body);
});

test('an attempt already counted is given back when its check is refused', async () => {
  const u = await s.user();
  const stored = await s.core.db.selectFrom('users').select(['id', 'slug', 'email', 'full_name', 'password_hash']).where('id', '=', u.id).executeTakeFirstOrThrow();
  const attempt = new PasswordAttempt(s.core, { ip: '10.30.0.2' }, stored, u.username);
  await attempt.begin();
  assert.ok((await throttleRows(u.username)).some((row) => row.failures > 0), 'counted before the check');
  const slots = holdEverySlot();
  try {
    await assert.rejects(attempt.checkPassword(stored.password_hash, u.password), Unavailable);
  } finally {
    await slots.free();
  }
  assert.ok((await throttleRows(u.username)).every((row) => row.failures === 0), JSON.stringify(await throttleRows(u.username)));
});
