// `npm run bench -- --logins`: logins per second on one core at OWASP's argon2id parameters
// (19 MiB, t=2, p=1), against argon2id verifies alone on that core; then the authenticated
// read alone, and the same read while a second load generator logs in at LOGIN_RATE per
// second. The server and all its threads are pinned to core 1, the load generators (this
// process) to core 0. Beside each figure: the server's CPU per request, read from
// /proc/<pid>/task/*/stat, split into the event loop's thread and the others (argon2 runs
// on libuv's threads), since the machine is shared and wall-clock rates move with its load.
//
// The read beside the logins can keep at most what the logins leave of the core: 1 minus
// (logins/s × CPU per login). "Expected from the hashes" counts the hashes only, as if the
// rest of a login were free; the gap between the two is the login's work on the event loop.
//
// BENCH_LOGINS_DB=pg runs the same on PostgreSQL (BENCH_PG_URL, else the local server): a
// database of its own, `ap_bench_logins_<pid>`, dropped at the end. PostgreSQL itself is not
// pinned: its share of a login runs outside the server's process.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import type { FigureContext } from './getchat-figures.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const LOGIN_RATE = Number(process.env.BENCH_LOGIN_RATE ?? 30);
const PIN = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
const pin = (pid: number, core: number) => {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
};
const TICK_MS = 1000 / 100; // USER_HZ: /proc counts CPU time in 10 ms ticks

interface Ready { port: number; token: string; userToken?: string }

function forkPinned(ctx: FigureContext, script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = fork(join(ctx.root, script), args, { cwd: ctx.root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  if (child.pid) pin(child.pid, 1);
  ctx.children.add(child);
  child.once('exit', () => ctx.children.delete(child));
  return child;
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((done, failed) => {
    child.once('message', (m) => done(m as T));
    child.once('exit', (code) => failed(new Error(`${what} exited with ${code}`)));
  });
}

/** CPU ms used so far by a process: its event loop's thread (tid = pid) and all its other threads. */
function cpuOf(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
    if (tid === String(pid)) main += ms;
    else others += ms;
  }
  return { main, others };
}

type Options = { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections: number; overallRate?: number; duration?: number };
function run(url: string, o: Options) {
  return autocannon({ url, duration: o.duration ?? DURATION, connections: o.connections, method: o.method ?? 'GET', headers: o.headers, body: o.body, ...(o.overallRate ? { overallRate: o.overallRate } : {}) });
}

export async function loginFigures(ctx: FigureContext & { admin: { username: string; password: string } }): Promise<void> {
  pin(process.pid, 0);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const hashing = forkPinned(ctx, 'bench/hashing.ts', ['3'], process.env);
  const { argon2PerSecond, argon2CpuMs } = await firstMessage<{ argon2PerSecond: number; argon2CpuMs: number }>(hashing, 'hashing');
  if (process.env.BENCH_LOGINS_DB === 'pg') return onPostgres(ctx, argon2PerSecond, argon2CpuMs);
  ctx.report(`l. logins and the read beside them, PGlite (server pinned to one core${PIN ? '' : ': taskset missing, NOT pinned'}; load average ${load()})`);
  return figures(ctx, ctx.env, argon2PerSecond, argon2CpuMs);
}

async function onPostgres(ctx: FigureContext & { admin: { username: string; password: string } }, argon2PerSecond: number, argon2CpuMs: number): Promise<void> {
  const serverUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ap_bench_logins_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    ctx.report(`l. logins on PostgreSQL: skipped, no server at ${serverUrl.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message})`);
    return;
  }
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    ctx.report(`l. logins and the read beside them, PostgreSQL (server pinned to one core, PostgreSQL not; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    await figures(ctx, { ...ctx.env, DATABASE_URL: url.toString() }, argon2PerSecond, argon2CpuMs);
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}

async function figures(ctx: FigureContext & { admin: { username: string; password: string } }, env: NodeJS.ProcessEnv, argon2PerSecond: number, argon2CpuMs: number): Promise<void> {
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  ctx.report(`l. argon2id verify alone, one at a time, on the server's core: ${ctx.fmt(argon2PerSecond, 1)} /s, ${ctx.fmt(argon2CpuMs, 1)} ms of CPU each = 1.00`);

  const service = forkPinned(ctx, 'bench/service.ts', [], env);
  try {
    const ready = await firstMessage<Ready>(service, 'bench/service.ts');
    const pid = service.pid!;
    // Threads started after the fork (libuv's pool, on first use) inherit the pinning.
    pin(pid, 1);
    const measured = async <T>(work: () => Promise<T>) => {
      const before = cpuOf(pid);
      const result = await work();
      const after = cpuOf(pid);
      return { result, main: after.main - before.main, others: after.others - before.others };
    };
    const origin = `http://127.0.0.1:${ready.port}`;
    const json = { 'content-type': 'application/json' };
    const loginBody = JSON.stringify({ username: ctx.admin.username, password: ctx.admin.password });
    const probe = await fetch(`${origin}/api/auth/`, { method: 'POST', headers: json, body: loginBody });
    if (!probe.ok) {
      ctx.report(`l. POST /api/auth/ answered ${probe.status}: login figures skipped`);
      return;
    }
    await probe.arrayBuffer();
    const login = (o: Partial<Options>) => run(`${origin}/api/auth/`, { method: 'POST', headers: json, body: loginBody, connections: 4, ...o });
    await login({ duration: 1 });
    const full = await measured(() => login({}));
    const perSecond = full.result.requests.total / DURATION;
    const loginMain = full.main / full.result.requests.total;
    const loginCpu = (full.main + full.others) / full.result.requests.total;
    ctx.report(`l. POST /api/auth/ logins, 4 connections, all the core can: ${ctx.fmt(perSecond, 1)} logins/s (p50 ${full.result.latency.p50} ms, p99 ${full.result.latency.p99} ms${full.result.non2xx ? `, ${full.result.non2xx} refused` : ''}) = ${ctx.fmt(perSecond / argon2PerSecond, 2)} of argon2 alone (target ≥ 30/s per core); CPU per login ${ctx.fmt(loginCpu, 1)} ms = ${ctx.fmt(loginCpu / argon2CpuMs, 2)}× a verify's (event loop ${ctx.fmt(loginMain, 1)} ms, other threads ${ctx.fmt(full.others / full.result.requests.total, 1)} ms)`);

    const readUrl = `${origin}/api/users/benchuser/`;
    const readHeaders = { authorization: `Bearer ${ready.userToken ?? ready.token}` };
    const read = (o: Partial<Options> = {}) => run(readUrl, { headers: readHeaders, connections: 32, ...o });
    await read({ duration: 1 });
    const alone = await measured(() => read());
    const readCpu = (alone.main + alone.others) / alone.result.requests.total;
    ctx.report(`l. GET /api/users/{user}/ with a JWT alone, 32 connections: ${ctx.fmt(alone.result.requests.average)} req/s (p50 ${alone.result.latency.p50} ms, p99 ${alone.result.latency.p99} ms), ${ctx.fmt(readCpu * 1000, 0)} µs of CPU each, server CPU ${ctx.fmt((alone.main + alone.others) / DURATION / 10, 0)} % of the core = 1.00`);
    const both = await measured(() => Promise.all([read(), login({ overallRate: LOGIN_RATE })]));
    const [beside, logins] = both.result;
    const achieved = logins.requests.total / DURATION;
    const ratio = beside.requests.average / alone.result.requests.average;
    // What the read can keep: the core minus the logins' CPU (hashes only, or whole logins).
    const fromHashes = Math.max(0, 1 - (achieved * argon2CpuMs) / 1000);
    const fromLogins = Math.max(0, 1 - (achieved * loginCpu) / 1000);
    const readCpuBeside = (both.main + both.others - logins.requests.total * loginCpu) / beside.requests.total;
    ctx.report(`l. the same read while logins run at ${LOGIN_RATE}/s (achieved ${ctx.fmt(achieved, 1)}/s, p99 ${logins.latency.p99} ms${logins.non2xx ? `, ${logins.non2xx} refused` : ''}): ${ctx.fmt(beside.requests.average)} req/s (p50 ${beside.latency.p50} ms, p99 ${beside.latency.p99} ms) = ${ctx.fmt(ratio, 2)} of the read alone (expected from the hashes' CPU: ${ctx.fmt(fromHashes, 2)}; from the whole logins' CPU: ${ctx.fmt(fromLogins, 2)}); server CPU ${ctx.fmt((both.main + both.others) / DURATION / 10, 0)} % of the core, about ${ctx.fmt(readCpuBeside * 1000, 0)} µs per read once the logins' share is taken out; load average ${load()}`);
    if (beside.non2xx || beside.errors || alone.result.non2xx || alone.result.errors) ctx.report(`   warning: the read had ${alone.result.non2xx + beside.non2xx} non-2xx and ${alone.result.errors + beside.errors} errors`);
  } finally {
    await ctx.stop(service);
  }
}

/**
 * `npm run bench -- --flood`: more logins than the core can check. Logins with the right
 * password arrive at BENCH_FLOOD_RATE per second (150, about three times what one core
 * checks) whatever the answers, as many clients would, for BENCH_DURATION seconds, against the
 * service with the default PASSWORD_HASH_MAX_WAIT_MS (2 s) and with the longest (60 s, an
 * unbounded line within the run). Reported per bound: logins accepted per second, how many
 * were refused (503 server.busy) and how long the accepted ones took. Without a bound the
 * line grows by the excess every second and so does every login's wait.
 */
export async function floodFigures(ctx: FigureContext & { admin: { username: string; password: string } }): Promise<void> {
  pin(process.pid, 0);
  const rate = Number(process.env.BENCH_FLOOD_RATE ?? 150);
  ctx.report(`m. a flood of logins: ${rate} per second for ${DURATION} s whatever the answers, the right password, server pinned to one core (one hash at a time); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const p99 = new Map<string, number>();
  for (const bound of ['2000', '60000']) {
    // The lockout is set out of the way: every login here is right, but a flood keeps more of
    // them in flight from one address than LOGIN_MAX_ATTEMPTS lets through at once.
    const service = forkPinned(ctx, 'bench/service.ts', [], {
      ...ctx.env, PASSWORD_HASH_MAX_WAIT_MS: bound, LOGIN_MAX_ATTEMPTS: '1000000', LOGIN_ACCOUNT_MAX_ATTEMPTS: '1000000',
    });
    try {
      const ready = await firstMessage<Ready>(service, 'bench/service.ts');
      pin(service.pid!, 1);
      const url = `http://127.0.0.1:${ready.port}/api/auth/`;
      const body = JSON.stringify({ username: ctx.admin.username, password: ctx.admin.password });
      const accepted: number[] = [];
      const refused: number[] = [];
      const others = new Map<string, number>();
      // Open loop: one login every 1000/rate ms, each on its own, whether or not the earlier ones were answered.
      const sent: Promise<void>[] = [];
      const started = performance.now();
      await new Promise<void>((done) => {
        const timer = setInterval(() => {
          const due = Math.min(rate * DURATION, Math.floor(((performance.now() - started) / 1000) * rate));
          while (sent.length < due) {
            const at = performance.now();
            sent.push(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (res) => {
              await res.arrayBuffer();
              const ms = performance.now() - at;
              if (res.status === 200) accepted.push(ms);
              else if (res.status === 503) refused.push(ms);
              else others.set(String(res.status), (others.get(String(res.status)) ?? 0) + 1);
            }, (error: Error) => { others.set(error.message, (others.get(error.message) ?? 0) + 1); }));
          }
          if (sent.length >= rate * DURATION) { clearInterval(timer); done(); }
        }, 5);
      });
      // Every login is waited for: the unbounded line's last ones are the point.
      await Promise.all(sent);
      const result = { sent: sent.length, seconds: (performance.now() - started) / 1000 };
      const pct = (values: number[], p: number) => {
        if (!values.length) return NaN;
        const sorted = [...values].sort((a, b) => a - b);
        return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
      };
      ctx.report(`m. PASSWORD_HASH_MAX_WAIT_MS=${bound}: of ${result.sent} logins, ${accepted.length} accepted (${ctx.fmt(accepted.length / result.seconds, 1)}/s over the ${ctx.fmt(result.seconds, 1)} s until the last answer; p50 ${ctx.fmt(pct(accepted, 50), 0)} ms, p99 ${ctx.fmt(pct(accepted, 99), 0)} ms, max ${ctx.fmt(pct(accepted, 100), 0)} ms), ${refused.length} refused with 503 (p50 ${ctx.fmt(pct(refused, 50), 0)} ms, p99 ${ctx.fmt(pct(refused, 99), 0)} ms)${others.size ? `, other answers ${JSON.stringify(Object.fromEntries(others))}` : ''}`);
      p99.set(bound, pct(accepted, 99));
    } finally {
      await ctx.stop(service);
    }
  }
  ctx.report(`m. p99 of an accepted login, bounded line ÷ unbounded: ${ctx.fmt(p99.get('2000')! / p99.get('60000')!, 2)}`);
}
