// The real `serve` command in its own process: SIGTERM lets requests in flight finish,
// then the process stops accepting connections and exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseEnv, freePort } from '../support/processes.js';

const PASSWORD = 'Shutdown-Pa55word-for-tests';
let child: ChildProcess;
let port: number;
let stdout = '';
let exited: Promise<number | null>;
let cleanup: () => Promise<void>;

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-shutdown-'));
  const database = await databaseEnv();
  cleanup = async () => { await database.drop(); rmSync(dataDir, { recursive: true, force: true }); };
  port = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env, DATABASE_URL: undefined, ...database.env,
    PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'debug', // debug: a line as each request arrives
    SECRET_KEY: 'shutdown-test-secret-0123456789-abcdefghij',
    ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: PASSWORD,
    AUTH_RATE_LIMIT: '1000',
  };
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  exited = new Promise((done) => child.once('exit', (code) => done(code)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited early with ${child.exitCode}:\n${stdout}`);
    // Answering /ready is not yet the whole start (the job workers start once the port is
    // open): the 'ready' line says the start is over.
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
    if (ready && stdout.includes('"msg":"ready"')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await cleanup();
});

interface Answer { status: number; body: string }

/** A request over its own connection; `hold` keeps the last byte of the body back until released. */
function send(method: string, path: string, body?: unknown, hold?: Promise<void>): Promise<Answer> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest({
      host: '127.0.0.1', port, method, path, agent: false,
      headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => done({ status: res.statusCode!, body: text }));
      res.on('error', fail);
    });
    req.on('error', fail);
    if (!payload) { req.end(); return; }
    if (!hold) { req.end(payload); return; }
    req.write(payload.subarray(0, payload.length - 1));
    void hold.then(() => req.end(payload.subarray(payload.length - 1)));
  });
}

/** Waits until the service has logged `count` more "incoming request" lines: the requests are then in its hands. */
async function received(before: number, count: number): Promise<void> {
  const incoming = () => stdout.split('\n').filter((l) => l.includes('"incoming request"')).length;
  const deadline = Date.now() + 20_000;
  while (incoming() < before + count) {
    if (Date.now() > deadline) throw new Error(`only ${incoming() - before} of ${count} requests arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the service has logged a line whose message starts with `prefix`. */
async function logged(prefix: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!stdout.split('\n').some((l) => l.includes(`"msg":"${prefix}`))) {
    if (Date.now() > deadline) throw new Error(`no "${prefix}" line:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('SIGTERM finishes the requests in flight, logs "stopped", exits 0, then refuses connections', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  const seen = stdout.split('\n').filter((l) => l.includes('"incoming request"')).length;
  // A request whose body is still arriving when the signal comes, plus logins that hash
  // passwords (tens of milliseconds each) and plain reads. Failures are kept, not thrown,
  // so that every answer is checked below.
  const settle = (p: Promise<Answer>) => p.then((a) => a, (e: Error) => ({ status: 0, body: String(e) }));
  const slow = settle(send('POST', '/api/auth/logout/', { everywhere: false }, held));
  const inFlight = [
    ...Array.from({ length: 4 }, () => settle(send('POST', '/api/auth/', { username: 'admin', password: PASSWORD }))),
    ...Array.from({ length: 4 }, () => settle(send('GET', '/ready'))),
  ];
  await received(seen, 9);
  child.kill('SIGTERM');
  // The slow body finishes only once the service has taken the signal in.
  await logged('shutting down');
  release();

  const slowAnswer = await slow;
  assert.equal(slowAnswer.status, 200, slowAnswer.body);
  assert.deepEqual(JSON.parse(slowAnswer.body), { detail: 'You have been logged out.' });
  for (const answer of await Promise.all(inFlight)) {
    // Complete answers: a status and a whole JSON body (a login route not there yet answers 404).
    assert.ok([200, 201, 404].includes(answer.status), `status ${answer.status}: ${answer.body}`);
    const body = JSON.parse(answer.body);
    if (answer.status === 200 && 'status' in body) assert.equal(body.status, 'ready');
  }

  assert.equal(await exited, 0);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg?: string });
  const messages = lines.map((l) => l.msg);
  assert.ok(messages.includes('ready'), 'logged "ready"');
  assert.ok(messages.some((m) => m?.startsWith('shutting down')), 'logged the shutdown');
  assert.equal(messages.at(-1), 'stopped');

  await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), (error: Error & { cause?: { code?: string } }) => {
    assert.equal(error.cause?.code, 'ECONNREFUSED');
    return true;
  });
});
