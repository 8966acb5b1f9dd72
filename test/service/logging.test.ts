// The log the real `serve` command writes: JSON lines, a request id on every request line
// that matches the X-Request-Id header, and never a password, a token or a one-time key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { databaseEnv, freePort } from '../support/processes.js';
import { TestSmtp, linkIn } from '../support/smtp.js';
import { startService } from '../support/service.js';
import { PUBLIC_PATH_PARAMS, SECRET_PARAM, pathParams } from '../../src/http/logging.js';

const PASSWORD = 'Logging-Pa55word-for-tests';
let child: ChildProcess;
let base: string;
let stdout = '';
let cleanup: () => Promise<void>;
const smtp = new TestSmtp();

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-logging-'));
  const database = await databaseEnv();
  const smtpUrl = await smtp.start();
  cleanup = async () => { await database.drop(); await smtp.stop(); rmSync(dataDir, { recursive: true, force: true }); };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env, DATABASE_URL: undefined, ...database.env,
    PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info',
    SECRET_KEY: 'logging-test-secret-0123456789-abcdefghij',
    ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: PASSWORD,
    AUTH_RATE_LIMIT: '1000',
    // The tests call from 127.0.0.1: here it stands for the reverse proxy in front.
    TRUST_PROXY: '127.0.0.1',
    SMTP_URL: smtpUrl, BASE_URL: 'http://portal.test',
  };
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited early with ${child.exitCode}:\n${stdout}`);
    const ready = await fetch(`${base}/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await cleanup();
});

type Line = Record<string, unknown> & { msg?: string; request_id?: string; req?: unknown; res?: unknown };

/** Every line so far, each parsed as JSON (a line that is not JSON fails the test). */
function lines(): Line[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => {
    try {
      return JSON.parse(l) as Line;
    } catch {
      throw new assert.AssertionError({ message: `log line is not JSON: ${l}` });
    }
  });
}

/** The log is written asynchronously: wait until a line about this request has "request completed". */
async function completed(requestId: string): Promise<Line[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mine = lines().filter((l) => l.request_id === requestId);
    if (mine.some((l) => l.msg === 'request completed')) return mine;
    if (Date.now() > deadline) throw new Error(`no "request completed" line for ${requestId}:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('every line is JSON and every request line carries the request id of the X-Request-Id header', async () => {
  const res = await fetch(`${base}/health`);
  assert.equal(res.status, 200);
  const id = res.headers.get('x-request-id');
  assert.match(id ?? '', /^[0-9a-f-]{36}$/, 'a generated UUID');
  const mine = await completed(id!);
  // One line per request, carrying both the request and the response.
  assert.deepEqual(mine.map((l) => l.msg), ['request completed']);
  const incoming = mine[0] as { req: { method: string; url: string } };
  assert.equal(incoming.req.method, 'GET');
  assert.equal(incoming.req.url, '/health');
  assert.equal((mine[0] as { res: { statusCode: number } }).res.statusCode, 200);

  const all = lines();
  assert.ok(all.some((l) => l.msg === 'ready'), 'the start-up line is there');
  for (const line of all) {
    assert.equal(typeof line.level, 'number');
    assert.equal(typeof line.time, 'number');
    if (line.req || line.res || /request/.test(line.msg ?? '')) {
      if (line.msg?.startsWith('shutting down')) continue;
      assert.ok(line.request_id, `request line without request_id: ${JSON.stringify(line)}`);
    }
  }
});

test("a trusted proxy's plain x-request-id is reused in the answer and the log; any other is replaced", async () => {
  const supplied = `trace-${randomBytes(6).toString('hex')}`;
  const res = await fetch(`${base}/api/nothing-here/`, { headers: { 'x-request-id': supplied } });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('x-request-id'), supplied);
  const mine = await completed(supplied);
  assert.equal((mine.at(-1) as { res: { statusCode: number } }).res.statusCode, 404);

  // Not a plain token (a fake log field, too long): a fresh id, and the text never reaches the log.
  for (const bad of [`x","msg":"forged ${randomBytes(4).toString('hex')}`, `long${'a'.repeat(64)}${randomBytes(4).toString('hex')}`]) {
    const other = await fetch(`${base}/health`, { headers: { 'x-request-id': bad } });
    const id = other.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    await completed(id);
    assert.ok(!stdout.includes(bad), `the supplied id reached the log: ${bad}`);
  }
});

test('passwords and tokens never reach the log', async () => {
  // A real token from a login, then requests that carry it and passwords in every way.
  const login = await fetch(`${base}/api/auth/`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  assert.equal(login.status, 200);
  const { token } = (await login.json()) as { token: string };
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const cookie = login.headers.get('set-cookie') ?? '';

  const wrongPassword = `Not-the-password-${randomBytes(6).toString('hex')}`;
  const ids: string[] = [login.headers.get('x-request-id')!];
  const calls: Array<[string, RequestInit]> = [
    ['/api/auth/', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) }],
    ['/api/auth/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: wrongPassword }) }],
    // Malformed JSON: the raw body must not be echoed into an error line either.
    ['/api/auth/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"username": "admin", "password": "${wrongPassword}"` }],
    ['/api/auth/tokens/verify/', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ token }) }],
    ['/api/nothing-here/', { headers: { authorization: `Bearer ${token}`, cookie } }],
    ['/api/nothing-here/', { headers: { authorization: `Basic ${Buffer.from(`${wrongPassword}:`).toString('base64')}` } }],
  ];
  for (const [path, init] of calls) {
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    ids.push(res.headers.get('x-request-id')!);
  }
  for (const id of ids) await completed(id);

  const secrets = [PASSWORD, wrongPassword, token, token.split('.')[2], Buffer.from(`${wrongPassword}:`).toString('base64')];
  for (const line of stdout.split('\n')) {
    for (const secret of secrets) assert.ok(!line.includes(secret), `a secret reached the log: ${line}`);
  }
  // The log still says what happened, without the secrets.
  const statuses = ids.map((id) => (lines().find((l) => l.request_id === id && l.msg === 'request completed') as { res: { statusCode: number } }).res.statusCode);
  assert.equal(statuses[0], 200);
  assert.equal(statuses[2], 400);
  assert.equal(statuses[3], 400);
  assert.equal(statuses[6], 401);
});

/** The path of a link in a mail (the service's BASE_URL is not where it listens here). */
function pathOf(link: string): string {
  return new URL(link).pathname;
}

test('one-time keys in paths (activation, reset, invitation, join request) never reach the log', async () => {
  const keys: string[] = [];
  const ids: string[] = [];
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    assert.ok(res.status < 500, `${init.method ?? 'GET'} ${path} answered ${res.status}`);
    ids.push(res.headers.get('x-request-id')!);
    return res;
  };
  const json = (body: unknown, token?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const login = await fetch(`${base}/api/auth/`, json({ username: 'admin', password: PASSWORD }));
  const { token: adminToken } = (await login.json()) as { token: string };

  // Activation: the mail links to the portal's page, which calls the API with the key.
  const username = `logme${randomBytes(3).toString('hex')}`;
  const email = `${username}@example.com`;
  await call('/api/auth/register/', json({ username, email, password: `Reg-${randomBytes(6).toString('hex')}-long`, full_name: 'Log Me' }));
  const activation = pathOf(linkIn(await smtp.waitFor(email), '/activate/'));
  const activationKey = activation.split('/').filter(Boolean).at(-1)!;
  keys.push(activationKey);
  await call(activation);
  await call(`/api/auth/activate/${activationKey}/`);
  await call(`/api/auth/activate/${activationKey}/`, json({ new_password: `Act-${randomBytes(6).toString('hex')}-long` }));

  // Password reset: the page /reset/<uidb64>/<token>, then /api/auth/reset/<uidb64>/<token>/.
  await call('/api/auth/recover/', json({ email }));
  const reset = pathOf(linkIn(await smtp.waitFor(email, (m) => m.text.includes('/reset/')), '/reset/'));
  const [uid, resetKey] = reset.split('/').filter(Boolean).slice(1);
  keys.push(resetKey!);
  await call(reset);
  await call(`/api/auth/reset/${uid}/${resetKey}/`, json({ new_password: `Reset-${randomBytes(6).toString('hex')}-long` }));

  // Invitation: the page /invitations/<user>/<key>, then the API's accept, with a ?token= query for good measure.
  await call('/api/profile/', json({ full_name: `Log Org ${randomBytes(3).toString('hex')}`, email: 'org@example.com' }, adminToken));
  const orgs = await fetch(`${base}/api/users/admin/accessibles/`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json()) as { results: Array<{ slug: string }> };
  const org = orgs.results.map((r) => r.slug).find((slug) => slug.startsWith('log-org'))!;
  const invitee = `inv${randomBytes(3).toString('hex')}@example.com`;
  await call(`/api/profile/${org}/roles/manager/`, json({ email: invitee, full_name: 'Invited Person' }, adminToken));
  const invitation = pathOf(linkIn(await smtp.waitFor(invitee), '/invitations/'));
  const [invitedUser, invitationKey] = invitation.split('/').filter(Boolean).slice(1);
  keys.push(invitationKey!);
  const querySecret = randomBytes(8).toString('hex');
  keys.push(querySecret);
  await call(invitation);
  await call(`/api/users/${invitedUser}/accessibles/accept/${invitationKey}/?token=${querySecret}`, { ...json({}, adminToken), method: 'PUT' });

  // A join request's key: /api/profile/<org>/roles/accept/<request_key>/ (any key: the URL is what is logged).
  const requestKey = randomBytes(16).toString('hex');
  keys.push(requestKey);
  await call(`/api/profile/${org}/roles/accept/${requestKey}/`, json({}, adminToken));

  for (const id of ids) await completed(id);
  for (const line of stdout.split('\n')) {
    for (const key of keys) assert.ok(!line.includes(key), `a one-time key reached the log: ${line}`);
  }
  // The lines still say which page or route was called, with the key taken out.
  const urls = ids.map((id) => (lines().find((l) => l.request_id === id && l.msg === 'request completed') as { req: { url: string } }).req.url);
  for (const expected of [
    '/activate/[redacted]',
    '/api/auth/activate/[redacted]/',
    '/reset/[redacted]/[redacted]',
    '/api/auth/reset/[redacted]/[redacted]/',
    `/invitations/${invitedUser}/[redacted]`,
    `/api/users/${invitedUser}/accessibles/accept/[redacted]/?token=[redacted]`,
    `/api/profile/${org}/roles/accept/[redacted]/`,
  ]) assert.ok(urls.includes(expected), `${expected} in:\n${urls.join('\n')}`);
});

test('every path parameter of every route is either a secret (redacted in logs) or listed as public', async () => {
  const s = await startService();
  try {
    const routes = s.app.printRoutes({ commonPrefix: false });
    const names = new Set(pathParams(routes));
    assert.ok(names.has('verification_key') && names.has('user'), routes);
    const unclassified = [...names].filter((name) => !SECRET_PARAM.test(name) && !PUBLIC_PATH_PARAMS.has(name));
    assert.deepEqual(unclassified, [],
      'A route has a path parameter that is neither named as a secret (…key, …token, …secret: redacted in the request log) ' +
      'nor listed in PUBLIC_PATH_PARAMS in src/http/logging.ts. Name it for what it is, or list it there.');
  } finally {
    await s.stop();
  }
});

test('a one-time link opened with the wrong method (a click in a mail client: GET) keeps its key out of the log', async () => {
  // Only POST is routed for most of these links, so the GET matches no route; its path
  // must still be redacted by the route that has that shape under another method.
  const keys = Array.from({ length: 5 }, () => randomBytes(16).toString('hex'));
  const paths = [
    `/api/auth/reset/MTA/${keys[0]}/`,
    `/api/auth/email/${keys[1]}/`,
    `/api/auth/email/${keys[2]}/undo/`,
    `/api/profile/some-org/roles/accept/${keys[3]}/`,
    `/api/users/someone/accessibles/accept/${keys[4]}/`,
  ];
  const ids: string[] = [];
  for (const path of paths) {
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    assert.ok(res.status < 500, `GET ${path} answered ${res.status}`);
    ids.push(res.headers.get('x-request-id')!);
  }
  for (const id of ids) await completed(id);
  for (const line of stdout.split('\n')) {
    for (const key of keys) assert.ok(!line.includes(key), `a one-time key reached the log: ${line}`);
  }
  const urls = ids.map((id) => (lines().find((l) => l.request_id === id && l.msg === 'request completed') as { req: { url: string } }).req.url);
  assert.ok(urls.includes('/api/auth/reset/[redacted]/[redacted]/'), urls.join('\n'));
  assert.ok(urls.includes('/api/auth/email/[redacted]/undo/'), urls.join('\n'));
});
