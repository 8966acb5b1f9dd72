// Login lockout: race-free counting, a per-address component (one address locks itself
// out long before it can lock the account for everyone), locks that grow, counts that are
// forgotten, and failed logins that do the same work whether the account exists or not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { recordStatements } from '../support/statements.js';
import { withDatabase } from '../support/templates.js';
import * as passwords from '../../src/core/identity/passwords.js';
import pg from 'pg';
import { sql } from 'kysely';
import { clearAfterSuccess, throttleKeys } from '../../src/core/identity/throttle.js';

let s: TestService;
before(async () => {
  s = await startService({
    LOGIN_MAX_ATTEMPTS: '3',
    LOGIN_ACCOUNT_MAX_ATTEMPTS: '6',
    LOGIN_LOCKOUT_SECONDS: '600',
    LOGIN_LOCKOUT_MAX_SECONDS: '2000',
    LOGIN_FAILURE_RESET_SECONDS: '3600',
  });
});
after(async () => { await s.stop(); });

const login = (username: string, password: string, ip: string) =>
  s.request({ method: 'POST', url: '/api/auth/', body: { username, password }, ip });

async function failures(userId: number): Promise<number> {
  const rows = await s.core.db.selectFrom('security_events').select('type')
    .where('user_id', '=', userId).where('type', '=', 'login.failed').execute();
  return rows.length;
}

test('parallel wrong logins: no more password checks than the limit', async () => {
  const u = await s.user();
  const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => login(u.username, `wrong-password-${i}`, '10.20.0.1')));
  const statuses = answers.map((a) => a.statusCode);
  assert.ok(statuses.every((code) => code === 400 || code === 429), String(statuses));
  // Each checked password that failed is one login.failed event: exactly the limit of 3.
  assert.equal(await failures(u.id), 3);
  assert.equal(statuses.filter((code) => code === 400).length <= 3, true, String(statuses));
  // Afterwards the address stays locked, right password or not.
  const locked = await login(u.username, u.password, '10.20.0.1');
  assert.equal(locked.statusCode, 429);
  assert.equal(locked.json().error_code, 'login.locked');
});

test('parallel re-checks of the caller\'s password share the same limit', async () => {
  const u = await s.user();
  const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => s.request({
    method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: `wrong-${i}` }, ip: '10.20.0.2',
  })));
  assert.ok(answers.every((a) => a.statusCode === 400 || a.statusCode === 429));
  assert.equal(await failures(u.id), 3);
});

/** Runs the same story against an account and an unknown identifier; answers must match. */
async function story(username: string, password: string | null) {
  const out: Array<{ status: number; detail: unknown; retry: unknown }> = [];
  const record = async (p: Promise<{ statusCode: number; json(): any; headers: Record<string, unknown> }>) => {
    const res = await p;
    out.push({ status: res.statusCode, detail: res.json().detail, retry: res.headers['retry-after'] });
  };
  // One attacker address: locked out of the account after 3 failures.
  for (let i = 0; i < 4; i += 1) await record(login(username, 'attacker-guess-1', '10.30.0.1'));
  // The owner, elsewhere, still logs in (or for a ghost: is still merely refused).
  if (password) {
    const owner = await login(username, password, '10.30.0.9');
    assert.equal(owner.statusCode, 200);
  }
  return out;
}

test('one address locks itself out of the account, not the owner; answers equal for an unknown identifier', async () => {
  const u = await s.user();
  const known = await story(u.username, u.password);
  const ghost = await story(unique('ghost'), null);
  assert.deepEqual(known.map((a) => a.status), [400, 400, 429, 429]);
  assert.deepEqual(known, ghost);
  assert.ok(Number(known[3].retry) > 590 && Number(known[3].retry) <= 600);
});

test('failures from many addresses lock the account for everyone at LOGIN_ACCOUNT_MAX_ATTEMPTS', async () => {
  const u = await s.user();
  const ghost = unique('ghost');
  for (const name of [u.username, ghost]) {
    const statuses: number[] = [];
    for (const ip of ['10.40.0.1', '10.40.0.2']) {
      for (let i = 0; i < 3; i += 1) statuses.push((await login(name, 'distributed-guess', ip)).statusCode);
    }
    assert.deepEqual(statuses, [400, 400, 429, 400, 400, 429]);
    // Now a third address, the owner's, is refused too.
    assert.equal((await login(name, name === ghost ? 'anything-at-all' : u.password, '10.40.0.3')).statusCode, 429);
  }
  const status = await s.request({ method: 'GET', url: `/api/users/${u.username}/status/`, token: s.admin.token });
  assert.equal(status.json().locked, true);
  // The owner is told once the account locks.
  const mail = await s.smtp.waitFor(u.email, (m) => /failed attempts/.test(m.subject) && /for everyone/.test(m.text));
  assert.match(mail.text, /10\.40\.0\.2/);
});

test('each lock in a row lasts twice the one before, up to LOGIN_LOCKOUT_MAX_SECONDS', async () => {
  const u = await s.user();
  const retries: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    let last;
    for (let i = 0; i < 3; i += 1) last = await login(u.username, 'wrong-guess-again', '10.50.0.1');
    assert.equal(last!.statusCode, 429);
    retries.push(Number(last!.headers['retry-after']));
    s.clock.advance(retries.at(-1)! + 1);
  }
  assert.ok(retries[0] > 590 && retries[0] <= 600, String(retries));
  assert.ok(retries[1] > 1190 && retries[1] <= 1200, String(retries));
  assert.ok(retries[2] > 1990 && retries[2] <= 2000, String(retries));
  // A success ends the streak: the next lock is the first one again.
  assert.equal((await login(u.username, u.password, '10.50.0.1')).statusCode, 200);
  let last;
  for (let i = 0; i < 3; i += 1) last = await login(u.username, 'wrong-guess-again', '10.50.0.1');
  assert.ok(Number(last!.headers['retry-after']) <= 600);
});

test('failures are forgotten after LOGIN_FAILURE_RESET_SECONDS without one', async () => {
  const u = await s.user();
  for (let i = 0; i < 2; i += 1) assert.equal((await login(u.username, 'wrong-guess', '10.60.0.1')).statusCode, 400);
  s.clock.advance(3601);
  for (let i = 0; i < 2; i += 1) assert.equal((await login(u.username, 'wrong-guess', '10.60.0.1')).statusCode, 400);
});

test('a right password with a second factor still to come does not use up an attempt', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ email_verification_enabled: true }).where('id', '=', u.id).execute();
  for (let i = 0; i < 5; i += 1) {
    const res = await login(u.username, u.password, '10.70.0.1');
    assert.equal(res.statusCode, 400);
    assert.ok(res.json().code, res.body);
  }
});


test('a failed login does the same database work whether the account exists or not', async () => {
  const u = await s.user();
  const ghost = `${unique('ghost')}@example.com`;
  // By e-mail, by username, and the failure that starts a lock.
  const runs: Record<string, string[][]> = { known: [], unknown: [] };
  for (const [kind, names] of [['known', [u.email, u.username]], ['unknown', [ghost, unique('nobody')]]] as const) {
    for (const name of names) {
      for (let i = 0; i < 3; i += 1) {
        const recorder = recordStatements(s);
        const res = await login(name, 'not-the-password', `10.80.${kind === 'known' ? 1 : 2}.${names.indexOf(name)}`);
        runs[kind].push(recorder.stop());
        assert.ok(res.statusCode === 400 || res.statusCode === 429);
      }
    }
  }
  assert.ok(runs.known[0].length >= 4, runs.known[0].join('\n'));
  assert.deepEqual(runs.known, runs.unknown);
});

test('an unknown account is checked against a decoy hash that costs what a real one does', async () => {
  // Same algorithm and cost parameters as a stored password, and nothing computed at first use.
  const decoy = (passwords as Record<string, unknown>).DECOY_HASH;
  assert.equal(typeof decoy, 'string');
  const params = (h: string) => h.split('$').slice(1, 4).join('$');
  assert.equal(params(decoy as string), params(await passwords.hashPassword('any password at all')));
});

test('a success clearing the throttle rows locks them in a claim\'s order: the two never deadlock', { skip: !process.env.DATABASE_URL && 'PostgreSQL only (DATABASE_URL)' }, async () => {
  const keys = throttleKeys(unique('deadlock'), '10.99.0.1');
  // Both rows, the account's stored first: a scan in either order (by heap or by index) meets it first.
  for (const address of ['', keys.address]) {
    await s.core.db.insertInto('login_throttle').values({ identifier: keys.identifier, address, failures: 1, last_failure_at: s.core.now() }).execute();
  }
  const database = (await sql<{ name: string }>`select current_database() as name`.execute(s.core.db)).rows[0]!.name;
  const claim = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL!, database) });
  await claim.connect();
  try {
    await claim.query('begin');
    // A claim takes the address's row first...
    await claim.query('select 1 from login_throttle where identifier = $1 and address = $2 for update', [keys.identifier, keys.address]);
    // ...while a successful login clears both rows...
    const clearing = clearAfterSuccess(s.core.db, keys);
    const waiting = async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query like '%login_throttle%'`.execute(s.core.db)).rows[0]!.n > 0;
    while (!(await waiting())) await new Promise((resolve) => setImmediate(resolve));
    // ...and the claim then takes the account's row: had the clear taken it first, this is a deadlock.
    await claim.query("select 1 from login_throttle where identifier = $1 and address = '' for update", [keys.identifier]);
    await claim.query('commit');
    await clearing;
  } finally {
    await claim.end();
  }
  assert.deepEqual(await s.core.db.selectFrom('login_throttle').select('address').where('identifier', '=', keys.identifier).execute(), []);
});
