// What every route shares: body limits, content types, malformed JSON, e-mail templates
// overridden from the data folder, and answers that take the same time whether or not an
// account exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
// Lockout is off the table here: the timing test fails one account's login many times.
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

/** Median time of `n` calls of each, interleaved so machine noise hits both alike. */
async function medians(n: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now(); await a(); ta.push(performance.now() - t);
    t = performance.now(); await b(); tb.push(performance.now() - t);
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return [median(ta), median(tb)];
}

test('login, register and recover take about as long for an unknown account as for a known one', async () => {
  const known = await s.user();
  let i = 0;
  // Each call uses a fresh unknown name so the lockout never starts.
  const [loginKnown, loginUnknown] = await medians(7,
    () => s.request({ method: 'POST', url: '/api/auth/', body: { username: known.username, password: `wrong-password-${i++}` }, ip: `10.0.0.${i % 250}` }),
    () => s.request({ method: 'POST', url: '/api/auth/', body: { username: `ghost${i++}`, password: 'wrong-password' }, ip: `10.0.1.${i % 250}` }));
  // argon2id dominates both; an answer without it would be tens of times faster.
  assert.ok(loginUnknown > loginKnown / 2 && loginUnknown < loginKnown * 2, `login: known ${loginKnown} ms, unknown ${loginUnknown} ms`);

  const [registerTaken, registerNew] = await medians(5,
    () => s.request({ method: 'POST', url: '/api/auth/register/', body: { email: known.email, full_name: 'Again', password: 'Some-long-passphrase-1' } }),
    () => s.request({ method: 'POST', url: '/api/auth/register/', body: { email: `fresh${i++}@example.com`, full_name: 'New', password: 'Some-long-passphrase-1' } }));
  // Registration answers before it looks at the address (the work follows in the background),
  // so both run the same few milliseconds of checks: allow generous noise, as for recover.
  assert.ok(registerNew < registerTaken * 3 + 5 && registerTaken < registerNew * 3 + 5, `register: taken ${registerTaken} ms, new ${registerNew} ms`);

  const [recoverKnown, recoverUnknown] = await medians(5,
    () => s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: known.email } }),
    () => s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: `nobody${i++}@example.com` } }));
  // No hashing here: both are a few milliseconds of database work; allow generous noise.
  assert.ok(recoverUnknown < recoverKnown * 3 + 5 && recoverKnown < recoverUnknown * 3 + 5, `recover: known ${recoverKnown} ms, unknown ${recoverUnknown} ms`);
});
