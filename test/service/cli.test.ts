// The command line: help, errors, migrate and create-admin, run as a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createService } from '../../src/server.js';
import { verifyPassword } from '../../src/core/identity/passwords.js';
import { cliSandbox } from '../support/cli-sandbox.js';

const sandbox = cliSandbox('ap-cli-');
const { cli, env } = sandbox;

test('--help prints the usage and exits 0', async () => {
  const { code, stdout } = await cli('--help');
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: account-portal <command> \[options\]/);
  for (const command of ['serve', 'migrate', 'create-admin', 'outbox']) assert.match(stdout, new RegExp(`^  ${command} `, 'm'));
});

test('an unknown command exits 2 and says which', async () => {
  const { code, stdout, stderr } = await cli('frobnicate');
  assert.equal(code, 2);
  assert.match(stderr, /Unknown command "frobnicate"/);
  assert.match(stderr, /Usage: account-portal/);
  assert.equal(stdout, '');
});

test('migrate applies the migrations to a fresh database, then has nothing to apply', async () => {
  const first = await cli('migrate');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^Applied: 0001_identity/);
  if (!sandbox.onPostgres()) assert.ok(existsSync(join(sandbox.dataDir(), 'db', 'PG_VERSION')), 'the embedded database lives in DATA_DIR/db');
  const second = await cli('migrate');
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.trim(), 'Nothing to apply.');
});

test('create-admin refuses a weak password with exit code 2 and creates nobody', async () => {
  const weak = await cli('create-admin', '--username', 'weakling', '--email', 'weak@example.com', '--password', 'password');
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /account-portal: .*\(password\.too_weak\)$/m);
  const numeric = await cli('create-admin', '--username', 'weakling', '--email', 'weak@example.com', '--password', '1234567890123');
  assert.equal(numeric.code, 2);
  const missing = await cli('create-admin', '--username', 'weakling');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /needs --username, --email and --password/);

  const database = await openDatabase(loadConfig(env()));
  try {
    const row = await database.db.selectFrom('users').select('id').where('slug', '=', 'weakling').executeTakeFirst();
    assert.equal(row, undefined);
  } finally {
    await database.close();
  }
});

test('create-admin makes an active manager of the broker who can log in', async () => {
  const password = 'Cli-Admin-Pa55word-long';
  const made = await cli('create-admin', '--username', 'chief', '--email', 'chief@example.com', '--password', password);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout.trim(), 'Created chief, manager of broker.');
  const again = await cli('create-admin', '--username', 'chief', '--email', 'chief@example.com', '--password', password);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), 'chief already exists; nothing changed.');

  const config = loadConfig(env());
  const service = await createService(config, { log: false });
  try {
    const db = service.core.db;
    const user = await db.selectFrom('users').selectAll().where('slug', '=', 'chief').executeTakeFirstOrThrow();
    assert.equal(user.email, 'chief@example.com');
    assert.equal(user.status, 'active');
    assert.ok(user.email_verified_at, 'the e-mail counts as verified');
    assert.ok(await verifyPassword(user.password_hash, password));
    assert.match(user.password_hash ?? '', /^\$argon2id\$/);
    const roles = await db.selectFrom('roles')
      .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
      .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
      .select(['organizations.slug as organization', 'organizations.is_broker', 'role_descriptions.slug as role', 'roles.accepted_at'])
      .where('roles.user_id', '=', user.id).execute();
    assert.equal(roles.length, 1);
    assert.equal(roles[0].organization, 'broker');
    assert.equal(roles[0].is_broker, true);
    assert.equal(roles[0].role, 'manager');
    assert.ok(roles[0].accepted_at);

    const login = await service.app.inject({ method: 'POST', url: '/api/auth/', payload: { username: 'chief', password } });
    assert.equal(login.statusCode, 200, login.body);
    const { token } = login.json() as { token: string };
    const claims = await service.core.tokens.verify(token, new Date());
    assert.equal(claims.username, 'chief');
    assert.equal(Number(claims.sub), user.id);
  } finally {
    await service.close();
  }
});

test('serve on a port another process holds exits 1, and leaves the data folder free for the next command', async () => {
  await sandbox.ready();
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const { port } = blocker.address() as AddressInfo;
  process.env.PORT = String(port);
  process.env.HOST = '127.0.0.1';
  try {
    const taken = await cli('serve');
    assert.equal(taken.code, 1, taken.stderr);
    assert.match(taken.stderr, /^account-portal: the service could not start: .*EADDRINUSE/m);
  } finally {
    delete process.env.PORT;
    delete process.env.HOST;
    await new Promise((done) => blocker.close(done));
  }
  // The embedded database's lock went with the process: the next command opens the folder.
  const after = await cli('migrate');
  assert.equal(after.code, 0, after.stderr);
});
