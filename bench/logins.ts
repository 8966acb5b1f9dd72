// `npm run bench -- --logins`: logins per second on one core at OWASP's argon2id parameters
// (19 MiB, t=2, p=1), against argon2id verifies alone on that core; then the authenticated
// read alone, and the same read while a second load generator logs in at LOGIN_RATE per
// second. argon2 runs on libuv's threads (@node-rs/argon2 async), never on the event loop,
// so the read should lose only the CPU the hashes take on the shared core (the "expected"
// figure), not more, and its p99 should not jump. The server and all its threads are pinned
// to core 1, the load generators (this process) to core 0.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { FigureContext } from './getchat-figures.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const LOGIN_RATE = Number(process.env.BENCH_LOGIN_RATE ?? 30);
const PIN = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
const pin = (pid: number, core: number) => {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
};

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

type Options = { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections: number; overallRate?: number; duration?: number };
function run(url: string, o: Options) {
  return autocannon({ url, duration: o.duration ?? DURATION, connections: o.connections, method: o.method ?? 'GET', headers: o.headers, body: o.body, ...(o.overallRate ? { overallRate: o.overallRate } : {}) });
}

export async function loginFigures(ctx: FigureContext & { admin: { username: string; password: string } }): Promise<void> {
  pin(process.pid, 0);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  ctx.report(`l. logins and the read beside them (server pinned to one core${PIN ? '' : ': taskset missing, NOT pinned'}; load average ${load()})`);
  const hashing = forkPinned(ctx, 'bench/hashing.ts', ['3'], process.env);
  const { argon2PerSecond } = await firstMessage<{ argon2PerSecond: number }>(hashing, 'hashing');
  ctx.report(`l. argon2id verify alone, one at a time, on the server's core: ${ctx.fmt(argon2PerSecond, 1)} /s (${ctx.fmt(1000 / argon2PerSecond, 1)} ms of CPU each) = 1.00`);

  const service = forkPinned(ctx, 'bench/service.ts', [], ctx.env);
  try {
    const ready = await firstMessage<Ready>(service, 'bench/service.ts');
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
    const full = await login({});
    const perSecond = full.requests.total / DURATION;
    ctx.report(`l. POST /api/auth/ logins, 4 connections, all the core can: ${ctx.fmt(perSecond, 1)} logins/s (p50 ${full.latency.p50} ms, p99 ${full.latency.p99} ms${full.non2xx ? `, ${full.non2xx} refused` : ''}) = ${ctx.fmt(perSecond / argon2PerSecond, 2)} of argon2 alone (target ≥ 30/s per core)`);

    const readUrl = `${origin}/api/users/benchuser/`;
    const readHeaders = { authorization: `Bearer ${ready.userToken ?? ready.token}` };
    const read = (o: Partial<Options> = {}) => run(readUrl, { headers: readHeaders, connections: 32, ...o });
    await read({ duration: 1 });
    const alone = await read();
    ctx.report(`l. GET /api/users/{user}/ with a JWT alone, 32 connections: ${ctx.fmt(alone.requests.average)} req/s (p50 ${alone.latency.p50} ms, p99 ${alone.latency.p99} ms) = 1.00`);
    const [beside, logins] = await Promise.all([read(), login({ overallRate: LOGIN_RATE })]);
    const achieved = logins.requests.total / DURATION;
    // The share of the core left to reads when the hashes take theirs.
    const expected = Math.max(0, 1 - achieved / argon2PerSecond);
    ctx.report(`l. the same read while logins run at ${LOGIN_RATE}/s (achieved ${ctx.fmt(achieved, 1)}/s, p99 ${logins.latency.p99} ms${logins.non2xx ? `, ${logins.non2xx} refused` : ''}): ${ctx.fmt(beside.requests.average)} req/s (p50 ${beside.latency.p50} ms, p99 ${beside.latency.p99} ms) = ${ctx.fmt(beside.requests.average / alone.requests.average, 2)} (expected from the hashes' CPU share on one core: ${ctx.fmt(expected, 2)}); load average ${load()}`);
    if (beside.non2xx || beside.errors || alone.non2xx || alone.errors) ctx.report(`   warning: the read had ${alone.non2xx + beside.non2xx} non-2xx and ${alone.errors + beside.errors} errors`);
  } finally {
    await ctx.stop(service);
  }
}
