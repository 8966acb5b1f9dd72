// The deployer drivers against real programs and servers: the command driver runs a real
// script (settings on stdin, JSON answer on stdout, a timeout, retries, refusals); the http
// driver calls a real local server and follows its answers (PENDING, READY, 4xx, 5xx); the
// configurator token reaches a real receiver with its headers; a deployment left running by
// a crash is finished once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startService, unique, type TestService } from '../support/service.js';
import { runDeployment } from '../../src/core/provisioning/deployments.js';
import { deployWorld, makePackage, type DeployWorld } from './deploy-fixtures.js';

let s: TestService;
let w: DeployWorld;
let stackId: number;
const dir = mkdtempSync(join(tmpdir(), 'deployers-'));

/** A real local HTTP server; each request is recorded and answered by `answer`. */
class Receiver {
  server: Server;
  requests: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  answer: (index: number, body: unknown) => { status: number; body?: unknown } = () => ({ status: 200, body: { status: 'READY' } });
  #waiters: (() => void)[] = [];
  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => { body += chunk; });
      req.on('end', () => {
        this.requests.push({ url: req.url ?? '', headers: req.headers, body });
        const reply = this.answer(this.requests.length - 1, body ? JSON.parse(body) : null);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const receiver = new Receiver();
let base = '';

before(async () => {
  s = await startService({ DEPLOY_DOMAIN: 'inbox.test', WEBHOOK_ALLOW_PRIVATE: 'on', DEPLOY_TIMEOUT_MS: '1000' });
  w = await deployWorld(s);
  base = await receiver.start();
  const stack = await s.request({ method: 'POST', url: `/integration/organizations/${w.customer.id}/stacks`, token: w.partner.token, body: {} });
  stackId = stack.json().id;
  await s.core.jobs.idle();
});
after(async () => {
  await s.stop();
  await receiver.stop();
});

/** A node script the command driver runs: `body` sees `request` (stdin, parsed) and `log(x)`. */
function script(name: string, body: string): string[] {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `
import { appendFileSync } from 'node:fs';
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', async () => {
  const request = JSON.parse(input);
  const log = (x) => appendFileSync(${JSON.stringify(join(dir, `${name}.log`))}, JSON.stringify(x) + '\\n');
  ${body}
});
`);
  return [process.execPath, path];
}

function logOf(name: string): Record<string, unknown>[] {
  const path = join(dir, `${name}.log`);
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [];
}

async function deploy(packageId: number, settings: Record<string, unknown> = {}): Promise<Record<string, any>> {
  // Each application on a stack of its own: one package per stack.
  const stack = await s.request({ method: 'POST', url: `/integration/organizations/${w.customer.id}/stacks`, token: w.partner.token, body: {} });
  await s.core.jobs.idle();
  const created = await s.request({ method: 'POST', url: `/integration/stacks/${stack.json().id}/applications`, token: w.partner.token, body: { package_id: packageId, settings } });
  assert.equal(created.statusCode, 201, created.body);
  await s.core.jobs.idle();
  const polled = await s.request({ method: 'GET', url: `/integration/applications/${created.json().id}`, token: w.partner.token });
  return polled.json();
}

async function deploymentsOf(applicationId: number) {
  return s.core.db.selectFrom('deployments').selectAll().where('target', '=', 'application').where('target_id', '=', applicationId).orderBy('id').execute();
}

test('command driver: the settings go in on stdin, the JSON answer comes back; the service\'s secrets stay out of its environment', async () => {
  const pkg = await makePackage(s, {
    deployer: 'command',
    deployerConfig: {
      command: script('ok', `log({ request, secret: process.env.SECRET_KEY ?? null, extra: process.env.DEPLOY_REGION ?? null });
        console.log('provisioning...');
        console.log(JSON.stringify({ status: 'READY', domain: 'cmd-' + request.application.id + '.example.net', platform_meta: { via: 'command' } }));`),
      env: { DEPLOY_REGION: 'eu-1' },
    },
  });
  const app = await deploy(pkg.id, { seats: 3 });
  assert.equal(app.user_status, 'READY');
  assert.equal(app.domain, `cmd-${app.id}.example.net`);
  const [entry] = logOf('ok') as { request: Record<string, any>; secret: unknown; extra: unknown }[];
  assert.equal(entry!.secret, null);
  assert.equal(entry!.extra, 'eu-1');
  assert.equal(entry!.request.operation, 'deployment');
  assert.equal(entry!.request.target, 'application');
  assert.deepEqual(entry!.request.application.settings, { seats: 3, admin_email: w.partner.email });
  assert.equal(entry!.request.application.package.type, pkg.type);
  assert.equal(entry!.request.attempt, 1);
  const row = await s.core.db.selectFrom('applications').select('platform_meta').where('id', '=', app.id).executeTakeFirstOrThrow();
  assert.deepEqual(row.platform_meta, { via: 'command' });
});

test('command driver: a crash is retried with the same deployment_id; a timeout is a failed try', async () => {
  const pkg = await makePackage(s, {
    deployer: 'command',
    deployerConfig: {
      command: script('flaky', `log({ id: request.deployment_id, attempt: request.attempt });
        if (request.attempt === 1) { console.error('kaboom'); process.exit(3); }
        if (request.attempt === 2) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); } // hangs until the driver's timeout kills it
        console.log(JSON.stringify({ status: 'READY' }));`),
    },
  });
  const app = await deploy(pkg.id);
  assert.equal(app.user_status, 'READY');
  assert.equal(app.error, null);
  const runs = logOf('flaky') as { id: number; attempt: number }[];
  assert.deepEqual(runs.map((r) => r.attempt), [1, 2, 3]);
  assert.equal(new Set(runs.map((r) => r.id)).size, 1);
  const [deployment] = await deploymentsOf(app.id);
  assert.equal(deployment!.attempts, 3);
  assert.equal(deployment!.state, 'succeeded');
});

test('command driver: a refusal fails at once; a command that always fails is given up after the last try', async () => {
  const refusing = await makePackage(s, { deployer: 'command', deployerConfig: { command: script('refuse', `log(request.attempt); console.log(JSON.stringify({ status: 'FAILED', error: 'no capacity left' }));`) } });
  const refused = await deploy(refusing.id);
  assert.equal(refused.user_status, 'FAILED');
  assert.equal(refused.is_locked, false);
  assert.equal(refused.is_deployed, false);
  assert.equal(refused.error.code, 'deployer.refused');
  assert.match(refused.error.message, /no capacity left/);
  assert.equal((await deploymentsOf(refused.id))[0]!.attempts, 1);

  const broken = await makePackage(s, { deployer: 'command', deployerConfig: { command: script('broken', `log(request.attempt); console.error('disk full'); process.exit(2);`) } });
  const failed = await deploy(broken.id);
  assert.equal(failed.user_status, 'FAILED');
  assert.equal(failed.error.code, 'deployer.failed');
  assert.match(failed.error.message, /disk full/);
  assert.equal(failed.error.attempts, 9);
  const [deployment] = await deploymentsOf(failed.id);
  assert.equal(deployment!.state, 'failed');
  assert.equal(deployment!.attempts, 9);
  assert.equal(logOf('broken').length, 9);

  // A failed application can be tried again by changing its settings.
  const retried = await s.request({ method: 'PATCH', url: `/integration/applications/${failed.id}`, token: w.partner.token, body: { settings: { seats: 2 } } });
  assert.equal(retried.statusCode, 200, retried.body);
  assert.equal(retried.json().user_status, 'REQUESTED');
});

test('http driver: follows PENDING then READY from the operator\'s service, with its headers and one deployment_id', async () => {
  const pkg = await makePackage(s, { deployer: 'http', deployerConfig: { url: `${base}/provision`, headers: { Authorization: 'Bearer operator-key' } } });
  const start = receiver.requests.length;
  receiver.answer = (index) => (index - start === 0
    ? { status: 202, body: { status: 'PENDING' } }
    : { status: 200, body: { status: 'READY', domain: 'http-inbox.example.net', platform_meta: { cluster: 'c1' } } });
  const app = await deploy(pkg.id, { seats: 4 });
  assert.equal(app.user_status, 'READY');
  assert.equal(app.domain, 'http-inbox.example.net');
  const calls = receiver.requests.slice(start);
  assert.equal(calls.length, 2);
  for (const call of calls) {
    assert.equal(call.url, '/provision');
    assert.equal(call.headers.authorization, 'Bearer operator-key');
    assert.equal(call.headers['content-type'], 'application/json');
  }
  const bodies = calls.map((c) => JSON.parse(c.body));
  assert.equal(bodies[0].deployment_id, bodies[1].deployment_id);
  assert.deepEqual(bodies[0].application.settings, { seats: 4, admin_email: w.partner.email });
});

test('http driver: a 4xx fails at once, a 5xx is retried', async () => {
  const pkg = await makePackage(s, { deployer: 'http', deployerConfig: { url: `${base}/provision` } });
  receiver.answer = () => ({ status: 422, body: { error: 'unknown region' } });
  const refused = await deploy(pkg.id);
  assert.equal(refused.user_status, 'FAILED');
  assert.equal(refused.error.code, 'deployer.refused');
  assert.match(refused.error.message, /422: unknown region/);

  const start = receiver.requests.length;
  receiver.answer = (index) => (index - start < 2 ? { status: 503 } : { status: 200, body: { status: 'READY' } });
  const pkg2 = await makePackage(s, { deployer: 'http', deployerConfig: { url: `${base}/provision` } });
  const app = await deploy(pkg2.id);
  assert.equal(app.user_status, 'READY');
  assert.equal((await deploymentsOf(app.id))[0]!.attempts, 3);
});

test('configurator: the token is POSTed as {"token": ...} with the configured headers', async () => {
  const pkg = await makePackage(s);
  const start = receiver.requests.length;
  receiver.answer = () => ({ status: 204 });
  const app = await deploy(pkg.id, {
    configurator_user: 'partner-bot',
    configurator_webhook_url: `${base}/configurator`,
    configurator_webhook_headers: '{"Authorization": "Basic 123"}',
  });
  assert.equal(app.user_status, 'READY');
  const calls = receiver.requests.slice(start).filter((r) => r.url === '/configurator');
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.headers.authorization, 'Basic 123');
  const body = JSON.parse(calls[0]!.body);
  assert.deepEqual(Object.keys(body), ['token']);
  assert.ok(body.token.length >= 20);
});

test('a deployment left running by a crash is finished once, however often its job comes back', async () => {
  const pkg = await makePackage(s);
  const email = `${unique('crash')}@example.com`;
  const now = new Date();
  const app = await s.core.db.insertInto('applications').values({
    uuid: randomUUID(), stack_id: stackId, package_id: pkg.id, settings: JSON.stringify({ admin_email: email }),
    partner_meta: '{}', created_at: now, modified_at: now,
  }).returning('id').executeTakeFirstOrThrow();
  // The state a crash leaves: claimed (one attempt, running), never finished, no job waiting.
  const deployment = await s.core.db.insertInto('deployments').values({
    target: 'application', target_id: app.id, operation: 'deployment', state: 'running', attempts: 1, started_at: new Date(now.getTime() - 3600_000),
  }).returning('id').executeTakeFirstOrThrow();
  await Promise.all([runDeployment(s.core, deployment.id), runDeployment(s.core, deployment.id)]);
  await runDeployment(s.core, deployment.id);
  const row = await s.core.db.selectFrom('deployments').selectAll().where('id', '=', deployment.id).executeTakeFirstOrThrow();
  assert.equal(row.state, 'succeeded');
  const mails = await s.core.db.selectFrom('mail_outbox').select('id').where('recipient', '=', email).where('template', '=', 'application_activation').execute();
  assert.equal(mails.length, 1, 'the activation mail is queued once');
  const application = await s.core.db.selectFrom('applications').select(['user_status', 'is_locked']).where('id', '=', app.id).executeTakeFirstOrThrow();
  assert.deepEqual(application, { user_status: 'READY', is_locked: false });
});
