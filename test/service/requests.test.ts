// What every route shares: body limits, content types, malformed JSON, e-mail templates
// overridden from the data folder, and the same work whether or not an account exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, unique, type TestService } from '../support/service.js';
import { recordStatements } from '../support/statements.js';
import { jobHandlers } from '../../src/jobs/handlers.js';

let s: TestService;
before(async () => { s = await startService({ BODY_LIMIT_BYTES: '2048', LOGIN_MAX_ATTEMPTS: '1000' }); });
after(async () => { await s.stop(); });

test('a body over BODY_LIMIT_BYTES is a 413 naming the limit, and changes nothing', async () => {
  const before = await s.core.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email: 'big@example.com', full_name: 'x'.repeat(4000) } });
  assert.equal(res.statusCode, 413);
  assert.match(res.json().detail, /2048 bytes/);
  const after = await s.core.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(after.n), Number(before.n));
});

test('a body that is not JSON is a 415 in DjaoApp style', async () => {
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: 'username=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(res.statusCode, 415);
  assert.match(res.json().detail, /application\/json/);
});

test('malformed JSON is a 400 with non_field_errors; __proto__ keys are dropped', async () => {
  const bad = await s.request({ method: 'POST', url: '/api/auth/', body: '{"username": "a",', headers: { 'content-type': 'application/json' } });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().non_field_errors, ['Malformed JSON in the request body.']);
  const sneaky = await s.request({ method: 'POST', url: '/api/auth/', body: '{"__proto__": {"admin": true}, "username": "nobody", "password": "whatever-long"}', headers: { 'content-type': 'application/json' } });
  assert.equal(sneaky.statusCode, 400);
  assert.equal(({} as Record<string, unknown>).admin, undefined);
  // The key is dropped whether written plainly or escaped: the answer is the one without it,
  // where any other unknown key is refused by name.
  const answer = async (extra: string) => (await s.request({
    method: 'POST', url: '/api/auth/', headers: { 'content-type': 'application/json' },
    body: `{${extra}"username": "nobody", "password": "whatever-long"}`,
  })).json();
  const plain = await answer('');
  assert.deepEqual(await answer('"__proto__": {"a": 1}, '), plain);
  assert.deepEqual(await answer('"\\u005f_proto__": {"a": 1}, '), plain);
  assert.deepEqual(await answer('"__pr\\u006fto__": {"a": 1}, '), plain);
  assert.ok('zz' in await answer('"zz": {"a": 1}, '));
});

test('an e-mail template in DATA_DIR/templates/email overrides the built-in one', async () => {
  const u = await s.user();
  const dir = join(s.config.dataDir, 'templates', 'email');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'password_reset.txt'), 'Subject: Our own reset for {{username}}\n\nFollow {{link}} soon.\n');
  try {
    const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } });
    assert.equal(res.statusCode, 200);
    await s.core.jobs.idle();
    const mail = await s.smtp.waitFor(u.email, (m) => m.subject.startsWith('Our own reset'));
    assert.equal(mail.subject, `Our own reset for ${u.username}`);
    assert.match(mail.text, /^Follow http:\/\/portal\.test\/api\/auth\/reset\/[^/]+\/[^/]+\/ soon\./);
  } finally {
    rmSync(join(dir, 'password_reset.txt'));
  }
});

test('register and recover do the same work and answer the same for a known and an unknown address', async () => {
  // Structural, not timed: the statements each request runs (parameters aside) must be
  // identical, since any extra work on one path is a timing oracle. Login has its own such
  // test in test/identity/lockout.test.ts. The queue's worker is paused so that no job runs
  // while a request is being recorded.
  const known = await s.user();
  await s.core.jobs.stopWorking();
  try {
    const probes = {
      register: (email: string) => ({ method: 'POST' as const, url: '/api/auth/register/', body: { email, full_name: 'Probe', password: 'Some-long-passphrase-1' } }),
      recover: (email: string) => ({ method: 'POST' as const, url: '/api/auth/recover/', body: { email } }),
    };
    for (const [route, probe] of Object.entries(probes)) {
      const ghost = `${unique('ghost')}@example.com`;
      const runs: { statements: string[]; status: number; body: string }[] = [];
      for (const email of [known.email, ghost]) {
        const recorder = recordStatements(s);
        const res = await s.request(probe(email));
        // The sweep of expired send-limit counters runs on a random 1% of requests, whatever
        // the address: it is noise, not a difference between the two paths.
        const statements = recorder.stop().filter((sql) => !sql.startsWith('delete from "send_limits"'));
        runs.push({ statements, status: res.statusCode, body: res.body.replaceAll(email, 'ADDRESS') });
      }
      assert.equal(runs[0].status, 200, `${route}: ${runs[0].body}`);
      assert.ok(runs[0].statements.length > 0, `${route} ran no statement: the recorder saw nothing`);
      assert.deepEqual(runs[0], runs[1], route);
    }
  } finally {
    await s.core.jobs.work(jobHandlers(s.core));
  }
  await s.core.jobs.idle();
});
