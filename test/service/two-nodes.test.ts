// Two service processes on one PostgreSQL database: what one of them changes is enforced on
// the very next request to the other (no waiting, no retry). Each node caches session
// state and broker roles; a change made through the other node reaches it by NOTIFY, and
// a cached answer on the auth path waits for a fence (docs/architecture.md, "Read cache").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { databaseEnv, startServe, type ServeProcess } from '../support/processes.js';
import { hashPassword } from '../../src/core/identity/passwords.js';

const enabled = Boolean(process.env.DATABASE_URL);
const ADMIN_PASSWORD = 'Two-Nodes-Admin-Pa55word';
let a: ServeProcess;
let b: ServeProcess;
let cleanup = async () => {};
let query: (text: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

before(async () => {
  if (!enabled) return;
  const database = await databaseEnv();
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-two-nodes-'));
  const env = {
    ...database.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SECRET_KEY: 'two-nodes-test-secret-0123456789-abcdefghij',
    ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD,
    AUTH_RATE_LIMIT: '1000',
    LOGIN_MAX_ATTEMPTS: '3',
    SMTP_URL: undefined,
  };
  a = await startServe(env);
  b = await startServe(env);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: database.env.DATABASE_URL });
  await client.connect();
  query = async (text, values) => (await client.query(text, values)).rows;
  cleanup = async () => {
    await client.end();
    await Promise.all([a.stop(), b.stop()]);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
});

after(async () => { await cleanup(); });

async function call(node: ServeProcess, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${node.base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

async function login(node: ServeProcess, username: string, password: string): Promise<string> {
  const answer = await call(node, 'POST', '/api/auth/', undefined, { username, password });
  assert.ok(answer.status === 200 || answer.status === 201, JSON.stringify(answer.json));
  return answer.json.token as string;
}

/** An active user with a password, made in the database (registration needs a mailbox). */
async function user(): Promise<{ id: number; username: string; password: string }> {
  const username = `node-${randomBytes(4).toString('hex')}`;
  const password = `Pw-${randomBytes(6).toString('hex')}-long`;
  const [row] = await query(
    `insert into users (slug, email, full_name, password_hash, password_changed_at, email_verified_at)
     values ($1, $2, $3, $4, now() - interval '5 seconds', now()) returning id`,
    [username, `${username}@example.com`, `User ${username}`, await hashPassword(password)],
  );
  return { id: Number(row.id), username, password };
}

/** Reads on `node` twice, so its answer comes from that node's cache the second time. */
async function warm(node: ServeProcess, path: string, token: string, status = 200): Promise<void> {
  for (let i = 0; i < 2; i++) assert.equal((await call(node, 'GET', path, token)).status, status);
}

test('a suspension made through one node ends the user\'s token on the next request to the other', { skip: !enabled && 'needs DATABASE_URL (PGlite is one process)' }, async () => {
  const admin = await login(a, 'admin', ADMIN_PASSWORD);
  const u = await user();
  const token = await login(b, u.username, u.password);
  await warm(b, `/api/users/${u.username}/`, token);
  const suspended = await call(a, 'POST', `/api/users/${u.username}/status/suspend/`, admin, { reason: 'Audit' });
  assert.equal(suspended.status, 200, JSON.stringify(suspended.json));
  const refused = await call(b, 'GET', `/api/users/${u.username}/`, token);
  assert.equal(refused.status, 401);
  assert.match(String(refused.json.detail), /suspended/);
});

test('a role removal made through one node is enforced on the next request to the other', { skip: !enabled && 'needs DATABASE_URL (PGlite is one process)' }, async () => {
  const admin = await login(a, 'admin', ADMIN_PASSWORD);
  const u = await user();
  await query(
    `insert into roles (organization_id, user_id, role_description_id, accepted_at)
     select o.id, $1, d.id, now() from organizations o, role_descriptions d
      where o.is_broker and d.slug = 'manager' and d.organization_id is null`, [u.id]);
  const token = await login(b, u.username, u.password);
  await warm(b, '/api/users/', token);
  const removed = await call(a, 'DELETE', `/api/profile/broker/roles/manager/${u.username}/`, admin);
  assert.equal(removed.status, 204, JSON.stringify(removed.json));
  assert.equal((await call(b, 'GET', '/api/users/', token)).status, 403);
});

test('a password change made through one node ends the user\'s other sessions on the next request to the other', { skip: !enabled && 'needs DATABASE_URL (PGlite is one process)' }, async () => {
  const u = await user();
  const onB = await login(b, u.username, u.password);
  const onA = await login(a, u.username, u.password);
  await warm(b, `/api/users/${u.username}/`, onB);
  const changed = await call(a, 'PUT', `/api/users/${u.username}/password/`, onA, { password: u.password, new_password: `New-${u.password}` });
  assert.equal(changed.status, 200, JSON.stringify(changed.json));
  assert.equal((await call(b, 'GET', `/api/users/${u.username}/`, onB)).status, 401);
  // The session that changed it goes on, on either node, with the token it got back.
  assert.equal((await call(b, 'GET', `/api/users/${u.username}/`, changed.json.token as string)).status, 200);
});

test('login lockouts are shared: failures counted on both nodes lock the address out on either', { skip: !enabled && 'needs DATABASE_URL (PGlite is one process)' }, async () => {
  const u = await user();
  // LOGIN_MAX_ATTEMPTS is 3: three wrong passwords, spread over both nodes, lock this address
  // out (the third failure answers with the lock).
  for (let i = 0; i < 3; i++) {
    const answer = await call(i % 2 ? b : a, 'POST', '/api/auth/', undefined, { username: u.username, password: `wrong-${i}-password` });
    assert.equal(answer.status, i < 2 ? 400 : 429, `attempt ${i + 1}: ${JSON.stringify(answer.json)}`);
  }
  for (const node of [a, b]) {
    assert.equal((await call(node, 'POST', '/api/auth/', undefined, { username: u.username, password: u.password })).status, 429);
  }
});
