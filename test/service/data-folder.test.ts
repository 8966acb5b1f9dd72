// One process per embedded data folder: a second `serve`, or a CLI command beside a running
// service, is refused at once, naming the folder and the holder's PID; a dead holder's lock
// is taken over; a folder never migrated is said so in one line. PostgreSQL needs no lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/processes.js';

// The lock is the embedded database's; with DATABASE_URL the suite runs on PostgreSQL and
// these processes would share a server database, which is fine.
const skip = process.env.DATABASE_URL ? 'PostgreSQL mode needs no lock' : false;
const SECRET_KEY = 'data-folder-test-secret-0123456789-abcdef';
let dataDir: string;
const children: ChildProcess[] = [];

before(() => { dataDir = mkdtempSync(join(tmpdir(), 'ap-datadir-')); });
after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function env(dir: string, port = 0): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, SECRET_KEY, LOG_LEVEL: 'silent', PORT: String(port) };
  for (const name of ['DATABASE_URL', 'ADMIN_USERNAME', 'ADMIN_EMAIL', 'ADMIN_PASSWORD']) delete e[name];
  return e;
}

function cli(dir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: env(dir) }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function serve(dir: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  // Ready when it says so: its 'ready' log line comes once it listens.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'],
    { env: { ...env(dir, port), LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  await new Promise<void>((ready, failed) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"msg":"ready"')) ready();
    });
    child.once('exit', (code) => failed(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  child.stdout!.resume();
  return { child, base: `http://127.0.0.1:${port}` };
}

/** One line on stderr, no stack trace, naming the folder and the holder. */
function assertRefused(result: { code: number; stdout: string; stderr: string }, holder: number): void {
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^account-portal: the data folder /);
  assert.ok(lines[0]!.includes(dataDir), `names the folder: ${lines[0]}`);
  assert.ok(lines[0]!.includes(`process ${holder} `), `names the holder's PID ${holder}: ${lines[0]}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

test('a second serve, create-admin, migrate and outbox on a folder in use are refused at once, naming it and the PID', { skip }, async () => {
  const { child, base } = await serve(dataDir);
  const holder = JSON.parse(readFileSync(join(dataDir, 'lock'), 'utf8')) as { pid: number };
  assert.equal(holder.pid, child.pid);

  const second = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { env: env(dataDir, await freePort()), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(second);
  let stdout = '';
  let stderr = '';
  second.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
  second.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const code = await new Promise<number>((r) => second.once('exit', (c) => r(c ?? 1)));
  assertRefused({ code, stdout, stderr }, child.pid!);

  assertRefused(await cli(dataDir, 'create-admin', '--username', 'boss', '--email', 'boss@example.com', '--password', 'Correct-Horse-42-battery-staple'), child.pid!);
  assertRefused(await cli(dataDir, 'outbox'), child.pid!);
  assertRefused(await cli(dataDir, 'migrate'), child.pid!);

  // The first one never noticed.
  assert.equal((await fetch(`${base}/ready`)).status, 200);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  assert.equal(existsSync(join(dataDir, 'lock')), false, 'a clean stop removes the lock');
});

test("a dead process's lock is taken over", { skip }, async () => {
  const { child } = await serve(dataDir);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(existsSync(join(dataDir, 'lock')), true, 'a killed process leaves its lock');
  const outbox = await cli(dataDir, 'outbox');
  assert.equal(outbox.code, 0, outbox.stderr);
  assert.equal(existsSync(join(dataDir, 'lock')), false);

  // A lock naming a PID that no process has is stale too.
  writeFileSync(join(dataDir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 7, host: (await import('node:os')).hostname(), command: 'serve', since: new Date().toISOString() }));
  const made = await cli(dataDir, 'create-admin', '--username', 'boss', '--email', 'boss@example.com', '--password', 'Correct-Horse-42-battery-staple');
  assert.equal(made.code, 0, made.stderr);
});

test('outbox on a folder never migrated says so in one line', { skip }, async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'ap-fresh-'));
  try {
    const result = await cli(fresh, 'outbox');
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^account-portal: the database in .* was never migrated: run "npx account-portal migrate"/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
