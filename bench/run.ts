// `npm run bench`: load figures for the service, each as a ratio to a baseline measured
// in the same run on the same machine. Every server runs in its own child process, so
// the load generator (autocannon, here in the parent) never shares its event loop.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { getchatFigures } from './getchat-figures.js';
import { portalFigures } from './portal-figures.js';
import { ledgerFigures } from './ledger-figures.js';
import { billingScale } from './scale/billing.js';
import { scaleFigures } from './scale/figures.js';
import { startupFigures } from './startup.js';
import { floodFigures, loginFigures } from './logins.js';
import { nodeFigures } from './nodes.js';
import type { Probed } from './probe.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = 1;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PROFILE = process.argv.includes('--cpu-prof');
/** `npm run bench -- --portal`: only the web portal's figures (j). */
const PORTAL_ONLY = process.argv.includes('--portal');
/** `npm run bench -- --ledger`: only the ledger's figures (k), on PostgreSQL. */
const LEDGER_ONLY = process.argv.includes('--ledger');
/** `npm run bench -- --scale-billing`: only billing at scale (l), on PostgreSQL (bench/scale/billing.ts). */
const SCALE_BILLING_ONLY = process.argv.includes('--scale-billing');
/** `npm run bench -- --scale`: only the figures at a million users (s), on PostgreSQL (bench/scale/). */
const SCALE_ONLY = process.argv.includes('--scale');
/** `npm run bench -- --startup`: only start to ready (e), step by step. */
const STARTUP_ONLY = process.argv.includes('--startup');
/** `npm run bench -- --logins`: only logins per core and the read beside them (l). */
const LOGINS_ONLY = process.argv.includes('--logins');
/** `npm run bench -- --flood`: only a flood of logins against the bounded password-hashing line (m). */
const FLOOD_ONLY = process.argv.includes('--flood');
/** `npm run bench -- --nodes`: only two service processes on one PostgreSQL against one (n). */
const NODES_ONLY = process.argv.includes('--nodes');
/** `npm run bench -- --hotpath`: only the per-request figures (a–c, /health, allocations). */
const HOTPATH_ONLY = process.argv.includes('--hotpath');
const ADMIN = { username: 'benchadmin', email: 'bench@example.com', password: 'Bench-Pa55word-correct-horse' };
const USER_PASSWORD = 'Bench-User-Pa55word-long';
/** Checkouts timed for the orders-per-second figure, and the size of the cart priced. */
const CHECKOUT_ORDERS = Number(process.env.BENCH_CHECKOUT_ORDERS ?? 200);
const CART_SIZE = 50;
const temps: string[] = [];
const children = new Set<ChildProcess>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ap-bench-'));
  temps.push(dir);
  return dir;
}

function serviceEnv(dataDir: string, logLevel: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    SECRET_KEY: 'bench-secret-key-0123456789-abcdefghijklmnop',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: logLevel,
    // The login figure is about hashing, not about the rate limit.
    AUTH_RATE_LIMIT: '1000000',
    NODE_ENV: 'production',
    BENCH_USER_PASSWORD: USER_PASSWORD,
    ...(HOTPATH_ONLY ? {} : { BENCH_CHECKOUT_ORDERS: String(CHECKOUT_ORDERS) }),
    BENCH_CART_SIZE: String(CART_SIZE),
  };
  delete env.DATABASE_URL;
  return env;
}

interface Started {
  child: ChildProcess; port: number; token?: string; userToken?: string;
  checkout?: { buyers: { token: string; org: string }[]; pricer: { token: string; org: string } };
}

/** Forks a server script and waits for the port it reports over IPC. */
// With two cores or more, the load generator (this process) runs on core 0 and every
// server on core 1, so neither steals the other's time and the ratios compare servers only.
const PIN = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
function pin(pid: number, core: number): void {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

function start(script: string, env: NodeJS.ProcessEnv, execArgv: string[], quiet: boolean): Promise<Started> {
  return new Promise((resolveStart, reject) => {
    const child = fork(script, [], {
      cwd: root, env, execArgv,
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
    });
    if (child.pid) pin(child.pid, 1);
    children.add(child);
    child.once('message', (m: Omit<Started, 'child'>) => resolveStart({ child, ...m }));
    child.once('exit', (code) => { children.delete(child); reject(new Error(`${script} exited with ${code}`)); });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** Sends a message to a server child and waits for its answer (the first message carrying `probe: answer`). */
function ask<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  return new Promise((done) => {
    const listen = (m: { probe?: string }) => {
      if (m?.probe !== answer) return;
      child.off('message', listen);
      done(m as T);
    };
    child.on('message', listen);
    child.send(message);
  });
}

async function load(url: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections?: number; duration?: number; expect404?: boolean; server?: ChildProcess } = {}) {
  const run = (duration: number) => autocannon({
    url, duration,
    connections: options.connections ?? CONNECTIONS,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
  });
  await run(WARMUP);
  // The server's heap allocations and CPU time over the measured run only (bench/probe.mjs).
  if (options.server) await ask(options.server, { probe: 'start' }, 'started');
  const result = await run(options.duration ?? DURATION);
  const probed = options.server ? await ask<Probed>(options.server, { probe: 'stop' }, 'stopped') : undefined;
  const total = result.requests.total || 1;
  if ((result.non2xx && !options.expect404) || result.errors) {
    console.warn(`  warning: ${url}: ${result.non2xx} non-2xx and ${result.errors} errors out of ${total}`);
  }
  return {
    rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx,
    bytesPerRequest: probed ? probed.bytes / total : undefined,
    cpuUsPerRequest: probed ? probed.cpuUs / total : undefined,
    gcs: probed?.gcs, scavengeMaxUs: probed?.scavengeMaxUs,
  };
}

/** A route that is not registered yet answers the app's own 404 "Not found: ..." body. */
async function routeMissing(url: string, init: RequestInit): Promise<boolean> {
  const res = await fetch(url, init);
  if (res.status !== 404) return false;
  const body = (await res.json().catch(() => ({}))) as { detail?: string };
  return /^Not found: /.test(body.detail ?? '');
}




/** The bare node:http baseline's server CPU per request, for the CPU ratios. */
let baseCpuUs: number | undefined;

/**
 * The per-request budget and the tail, for a line: bytes allocated and server CPU per
 * request (and the CPU ratio to the baseline's, which other load on the machine moves less
 * than req/s), p99/p50.
 */
function budget(r: { p50: number; p99: number; bytesPerRequest?: number; cpuUsPerRequest?: number; gcs?: number; scavengeMaxUs?: number }): string {
  const parts = [`p99/p50 ${r.p50 > 0 ? fmt(r.p99 / r.p50, 1) : '∞'}×`];
  if (r.bytesPerRequest !== undefined) parts.push(`${fmt(r.bytesPerRequest / 1024, 1)} KiB allocated per request (${r.gcs} GCs, longest scavenge ${fmt((r.scavengeMaxUs ?? 0) / 1000, 2)} ms)`);
  if (r.cpuUsPerRequest !== undefined) parts.push(`${fmt(r.cpuUsPerRequest, 1)} µs CPU per request${baseCpuUs ? ` (CPU ratio ${fmt(baseCpuUs / r.cpuUsPerRequest, 2)})` : ''}`);
  return parts.join('; ');
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const lines: string[] = [];
function report(line: string) {
  console.log(line);
  lines.push(line);
}

/**
 * f. Checkouts placed and charged (test processor), each buyer's cart one plan, 4 at a time:
 * orders per second, as a ratio to logins per second (d) in the same run.
 * g. GET .../checkout/ of a cart of CART_SIZE plans, each with two advance discounts.
 */
async function checkoutFigures(origin: string, seed: Started['checkout'], figures: Record<string, number>): Promise<void> {
  if (!seed) return;
  const url = (org: string) => `${origin}/api/billing/${org}/checkout/`;
  if (await routeMissing(url(seed.pricer.org), { headers: { authorization: `Bearer ${seed.pricer.token}` } })) {
    report('f. checkout: route missing');
    return;
  }
  const queue = [...seed.buyers];
  let failed = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let buyer = queue.shift(); buyer; buyer = queue.shift()) {
      const res = await fetch(url(buyer.org), {
        method: 'POST',
        headers: { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ processor_token: 'tok_visa' }),
      });
      if (res.status !== 200) failed += 1;
      await res.arrayBuffer();
    }
  }));
  const perSecond = seed.buyers.length / ((performance.now() - began) / 1000);
  const versus = figures.d ? ` = ${fmt(perSecond / figures.d, 2)}× logins/s` : '';
  report(`f. POST .../checkout/ (order booked, test processor charged, payment booked, receipt queued), 4 at a time: ${fmt(perSecond, 1)} orders/s${versus}${failed ? ` — ${failed} failed` : ''}`);
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    const res = await fetch(url(seed.pricer.org), { headers: { authorization: `Bearer ${seed.pricer.token}` } });
    const body = (await res.json()) as { results?: unknown[] };
    if (i > 0) times.push(performance.now() - t);
    if (!res.ok || body.results?.length !== CART_SIZE) throw new Error(`pricing a cart answered ${res.status} with ${body.results?.length} results`);
  }
  times.sort((a, b) => a - b);
  report(`g. GET .../checkout/ pricing a cart of ${CART_SIZE} plans (3 options each): median ${fmt(times[10]!, 1)} ms, worst ${fmt(times[times.length - 1]!, 1)} ms (of 20)`);
}

/**
 * b on PostgreSQL: the same service and read with DATABASE_URL, in a database of its own made
 * for this run on BENCH_PG_URL's server (else DATABASE_URL's, else the local one) and dropped after.
 */
async function postgresRead(baseRps: number): Promise<void> {
  const serverUrl = process.env.BENCH_PG_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `ap_bench_hotpath_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    report(`b-pg. skipped: no PostgreSQL at ${serverUrl.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message})`);
    return;
  }
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const svc = await start(join(root, 'bench/service.ts'), { ...serviceEnv(tempDir(), 'warn'), DATABASE_URL: url.toString() }, ['--import', 'tsx'], true);
    try {
      const origin = `http://127.0.0.1:${svc.port}`;
      const login = await fetch(`${origin}/api/auth/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'benchuser', password: USER_PASSWORD }) });
      const token = login.ok ? ((await login.json()) as { token: string }).token : svc.userToken!;
      const r = await load(`${origin}/api/users/benchuser/`, { headers: { authorization: `Bearer ${token}` }, server: svc.child });
      report(`b-pg. b on PostgreSQL (DATABASE_URL): ${fmt(r.rps)} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms) = ${fmt(r.rps / baseRps, 2)} (target ≥ 0.45)`);
      report(`   b-pg budget: ${budget(r)}`);
    } finally {
      await stop(svc.child);
    }
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}

async function main() {
  const tsx = ['--import', 'tsx'];
  report(`Account Portal benchmark — ${new Date().toISOString()}`);
  pin(process.pid, 0);
  report(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${DURATION} s per figure after ${WARMUP} s warm-up, ${CONNECTIONS} connections${PIN ? '; load generator on core 0, servers on core 1' : ''}`);

  const portal = () => portalFigures({ root, env: serviceEnv(tempDir(), 'warn'), report, fmt, children, stop, admin: ADMIN });
  if (PORTAL_ONLY) return portal();
  // The env keeps DATABASE_URL out (the services run on PGlite); the ledger's figures name
  // their PostgreSQL server themselves (BENCH_PG_URL, else DATABASE_URL, else the local one).
  const ledger = () => ledgerFigures({ root, env: serviceEnv(tempDir(), 'warn'), report, fmt, children, stop });
  if (LEDGER_ONLY) return ledger();
  if (SCALE_BILLING_ONLY) { await billingScale(undefined, report); return; }
  if (SCALE_ONLY) return scaleFigures({ root, env: serviceEnv(tempDir(), 'warn'), report, fmt, children, stop });
  const startup = () => startupFigures({ root, env: serviceEnv(tempDir(), 'warn'), report, fmt, children, stop });
  if (STARTUP_ONLY) return startup();
  const logins = () => loginFigures({ root, env: { ...serviceEnv(tempDir(), 'warn'), BENCH_CHECKOUT_ORDERS: '' }, report, fmt, children, stop, admin: ADMIN });
  if (LOGINS_ONLY) return logins();
  if (FLOOD_ONLY) return floodFigures({ root, env: { ...serviceEnv(tempDir(), 'warn'), BENCH_CHECKOUT_ORDERS: '' }, report, fmt, children, stop, admin: ADMIN });
  const nodes = () => nodeFigures({ root, env: serviceEnv(tempDir(), 'warn'), report, fmt, children, stop, userPassword: USER_PASSWORD });
  if (NODES_ONLY) return nodes();

  // (a) baseline
  const hello = await start(join(root, 'bench/hello.mjs'), process.env, [], true);
  report(`   load average ${loadavg().map((l) => fmt(l, 2)).join(', ')} (uptime)`);
  const base = await load(`http://127.0.0.1:${hello.port}/`, { server: hello.child });
  baseCpuUs = base.cpuUsPerRequest;
  await stop(hello.child);
  report(`a. node:http hello-world: ${fmt(base.rps)} req/s (p50 ${base.p50} ms, p99 ${base.p99} ms) = 1.00`);
  report(`   a budget: ${budget(base)}`);
  const bareFastify = await start(join(root, 'bench/fastify-hello.mjs'), process.env, [], true);
  const framework = await load(`http://127.0.0.1:${bareFastify.port}/`, { server: bareFastify.child });
  await stop(bareFastify.child);
  report(`a'. bare Fastify hello-world (the framework's ceiling): ${fmt(framework.rps)} req/s = ${fmt(framework.rps / base.rps, 2)}`);
  report(`   a' budget: ${budget(framework)}`);

  // (b)–(d) on the service, quiet logs
  const prof = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/profiles')}`] : [];
  const svc = await start(join(root, 'bench/service.ts'), serviceEnv(tempDir(), 'warn'), [...tsx, ...prof], true);
  const origin = `http://127.0.0.1:${svc.port}`;
  const loginBody = JSON.stringify({ username: ADMIN.username, password: ADMIN.password });
  const json = { 'content-type': 'application/json' };
  let token = svc.token!;
  let tokenFrom = 'issued by the service\'s TokenService (login route missing)';
  if (!(await routeMissing(`${origin}/api/auth/`, { method: 'POST', headers: json, body: loginBody }))) {
    const res = await fetch(`${origin}/api/auth/`, { method: 'POST', headers: json, body: loginBody });
    const body = (await res.json()) as { token?: string };
    if (res.ok && body.token) { token = body.token; tokenFrom = 'from POST /api/auth/'; }
    else tokenFrom = `issued by TokenService (login answered ${res.status})`;
  }
  report(`   token: ${tokenFrom}`);
  const bearer = { authorization: `Bearer ${token}` };
  // b is measured as a plain user reading their own profile (log in as them when the route is there).
  let userToken = svc.userToken!;
  const userLogin = await fetch(`${origin}/api/auth/`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'benchuser', password: USER_PASSWORD }) });
  if (userLogin.ok) userToken = ((await userLogin.json()) as { token: string }).token;
  const userUrl = `${origin}/api/users/benchuser/`;
  const userAuth = { authorization: `Bearer ${userToken}` };

  const ratio = (rps: number) => fmt(rps / base.rps, 2);
  const figures: Record<string, number> = {};
  if (await routeMissing(userUrl, { headers: userAuth })) {
    report('b. GET /api/users/{user}/ with a JWT: route missing');
  } else {
    const r = await load(userUrl, { headers: userAuth, server: svc.child });
    figures.b = r.rps;
    report(`b. GET /api/users/{user}/ with a JWT (a plain user, own profile): ${fmt(r.rps)} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms) = ${ratio(r.rps)} (target ≥ 0.5)`);
    report(`   b budget: ${budget(r)} (targets: p99 ≤ 3× p50)`);
    const a = await load(`${origin}/api/users/${ADMIN.username}/`, { headers: bearer });
    report(`   (the same read by the broker's manager, whose answer adds the activities: ${fmt(a.rps)} req/s = ${ratio(a.rps)})`);
  }
  const verifyUrl = `${origin}/api/auth/tokens/verify/`;
  const verifyBody = JSON.stringify({ token });
  if (await routeMissing(verifyUrl, { method: 'POST', headers: json, body: verifyBody })) {
    report('c. POST /api/auth/tokens/verify/: route missing');
  } else {
    const r = await load(verifyUrl, { method: 'POST', headers: json, body: verifyBody, server: svc.child });
    figures.c = r.rps;
    report(`c. POST /api/auth/tokens/verify/: ${fmt(r.rps)} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms) = ${ratio(r.rps)} (target ≥ 0.7)`);
    report(`   c budget: ${budget(r)}`);
  }
  // The authenticated request path without a route's own work: the auth hook on a 404.
  {
    const r = await load(`${origin}/api/bench-no-such-route/`, { headers: bearer, expect404: true });
    report(`   (auth hook alone: GET of an unknown route with a JWT: ${fmt(r.rps)} req/s = ${ratio(r.rps)}; /health without one follows)`);
    const h = await load(`${origin}/health`, { server: svc.child });
    report(`h0. GET /health, no credentials: ${fmt(h.rps)} req/s (p50 ${h.p50} ms, p99 ${h.p99} ms) = ${ratio(h.rps)} (target ≥ 0.85)`);
    report(`   /health budget: ${budget(h)}`);
  }
  if (HOTPATH_ONLY) {
    await stop(svc.child);
    return postgresRead(base.rps);
  }
  if (await routeMissing(`${origin}/api/auth/`, { method: 'POST', headers: json, body: loginBody })) {
    report('d. POST /api/auth/ logins, 1 connection: route missing');
  } else {
    const r = await load(`${origin}/api/auth/`, { method: 'POST', headers: json, body: loginBody, connections: 1, duration: 3 });
    figures.d = r.rps;
    report(`d. POST /api/auth/ logins, 1 connection: ${fmt(r.rps, 1)} logins/s (p50 ${r.p50} ms)${r.non2xx ? ` — ${r.non2xx} refused` : ''}`);
  }
  await checkoutFigures(origin, svc.checkout, figures);
  await stop(svc.child);
  await postgresRead(base.rps);
  await getchatFigures({ root, env: serviceEnv(tempDir(), 'warn'), report, fmt, children, stop });
  await portal();
  await ledger();

  const hashing = await new Promise<{ argon2PerSecond: number; sha256PerSecond: number }>((done, reject) => {
    const child = fork(join(root, 'bench/hashing.ts'), ['3'], { cwd: root, execArgv: tsx, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => done(m as never));
    child.once('exit', (code) => code && reject(new Error(`hashing exited with ${code}`)));
  });
  report(`d. argon2id verifyPassword on one core: ${fmt(hashing.argon2PerSecond, 1)} /s (target ≥ 30; ${cpus().length} cores → about ${fmt(hashing.argon2PerSecond * cpus().length, 0)} /s at most); sha256 of the same input: ${fmt(hashing.sha256PerSecond)} /s (argon2id costs ${fmt(hashing.sha256PerSecond / hashing.argon2PerSecond)}×)`);

  // (b) again with the default logging (info, one JSON line per request to /dev/null).
  if (figures.b !== undefined && !PROFILE) {
    const noisy = await start(join(root, 'bench/service.ts'), serviceEnv(tempDir(), 'info'), tsx, true);
    const r = await load(`http://127.0.0.1:${noisy.port}/api/users/benchuser/`, { headers: { authorization: `Bearer ${noisy.userToken}` } });
    await stop(noisy.child);
    report(`b'. same as b with LOG_LEVEL=info (logs to /dev/null): ${fmt(r.rps)} req/s = ${ratio(r.rps)}`);
  }

  await logins();
  await nodes();
  // (e) start-up to ready with the built service (bench/startup.ts).
  await startup();
}

try {
  await main();
} finally {
  await Promise.all([...children].map(stop));
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}
