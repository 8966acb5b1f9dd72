// The password hashing line: one hash per core at a time, the others in line, and a hash
// that would wait longer than the bound refused at once (503 with Retry-After), never queued
// without end. Over HTTP: a login refused for that is answered in the surface's envelope, is
// not counted as a failed attempt, and the account logs in normally once the line is short.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HashLine, passwordHashLine } from '../../src/core/identity/passwords.js';
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

test('the expected wait follows how long hashes take here', async () => {
  const line = new HashLine(60_000, 1, () => 1);
  // Hashes of about 40 ms move the estimate from its first guess of 1 ms towards 40.
  for (let i = 0; i < 12; i++) await line.run(() => new Promise((resolve) => setTimeout(resolve, 40)));
  const work = pending();
  const running = line.run(() => work.done);
  assert.ok(line.expectedWaitMs() > 20, `expected wait ${line.expectedWaitMs()} ms`);
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
// Lockout far away: every login of the flood is either checked (a wrong password, 400) or refused (503).
before(async () => { s = await startService({ PASSWORD_HASH_MAX_WAIT_MS: '0', LOGIN_MAX_ATTEMPTS: '100', LOGIN_ACCOUNT_MAX_ATTEMPTS: '100' }); });
after(async () => { await s.stop(); });

test('PASSWORD_HASH_MAX_WAIT_MS sets the process\'s line', () => {
  assert.equal(passwordHashLine.maxWaitMs, 0);
});

test('logins beyond what the cores can check now are refused with 503, not counted, and the account still logs in', async () => {
  const u = await s.user();
  const logins = Array.from({ length: 40 }, () => s.request({
    method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'a-wrong-password' }, ip: '10.30.0.1',
  }));
  const answers = await Promise.all(logins);
  const busy = answers.filter((a) => a.statusCode === 503);
  assert.ok(busy.length > 0, `some logins found every core busy: ${answers.map((a) => a.statusCode)}`);
  for (const answer of busy) {
    assert.deepEqual(answer.json(), { detail: 'The service is too busy to check passwords now. Try again shortly.', error_code: 'server.busy' });
    assert.ok(Number(answer.headers['retry-after']) >= 1, String(answer.headers['retry-after']));
  }
  // Only the checked ones count: each is a failed login, and the throttle's count holds them
  // alone (the refused ones gave their attempt back).
  const checked = answers.filter((a) => a.statusCode === 400).length;
  assert.equal(checked + busy.length, 40, String(answers.map((a) => a.statusCode)));
  assert.ok(checked >= 1, 'a free core checked at least the first login');
  const failed = await s.core.db.selectFrom('security_events').select('id')
    .where('user_id', '=', u.id).where('type', '=', 'login.failed').execute();
  assert.equal(failed.length, checked);
  const counted = await s.core.db.selectFrom('login_throttle').select('failures')
    .where('identifier', '=', u.username).where('address', '=', '10.30.0.1').executeTakeFirstOrThrow();
  assert.equal(counted.failures, checked);

  // One at a time, every core is free: the right password works from the same address.
  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password }, ip: '10.30.0.1' });
  assert.equal(ok.statusCode, 200, ok.body);
});

test('get.chat\'s login answers the busy line in its own envelope', async () => {
  const u = await s.user();
  const answers = await Promise.all(Array.from({ length: 40 }, () => s.request({
    method: 'POST', url: '/account/login', body: { email: u.email, password: 'a-wrong-password' }, ip: '10.30.0.3',
  })));
  const busy = answers.find((a) => a.statusCode === 503);
  assert.ok(busy, String(answers.map((a) => a.statusCode)));
  assert.equal(busy.json().code, 'server.busy');
  assert.ok(busy.json().message);
  assert.ok(Number(busy.headers['retry-after']) >= 1);
});
