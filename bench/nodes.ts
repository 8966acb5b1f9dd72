// `npm run bench -- --nodes`: two service processes on one PostgreSQL database against one.
// The load is split between the nodes as a load balancer would (half the connections on
// each, at the same time); the figure is the authenticated read's requests per second with
// two processes as a ratio to one, in the same run. Nothing is pinned here: the point is
// whether a second process uses the second core, with PostgreSQL and the load generator
// sharing the machine in both cases alike. The database is created for the run and dropped.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import type { FigureContext } from './getchat-figures.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Ready { port: number; token: string }

/** The bench pins itself to core 0, and children inherit that: give a process every core back. */
function unpin(pid: number): void {
  spawnSync('taskset', ['-a', '-p', '-c', `0-${cpus().length - 1}`, String(pid)], { stdio: 'ignore' });
}

function startNode(ctx: FigureContext, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; origin: string }> {
  const child = fork(join(ctx.root, 'bench/service.ts'), [], { cwd: ctx.root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  if (child.pid) unpin(child.pid);
  ctx.children.add(child);
  child.once('exit', () => ctx.children.delete(child));
  return new Promise((done, failed) => {
    child.once('message', (m) => done({ child, origin: `http://127.0.0.1:${(m as Ready).port}` }));
    child.once('exit', (code) => failed(new Error(`bench/service.ts exited with ${code}`)));
  });
}

async function read(origins: string[], token: string, duration = DURATION) {
  const each = Math.max(1, Math.floor(CONNECTIONS / origins.length));
  const results = await Promise.all(origins.map((origin) => autocannon({
    url: `${origin}/api/users/benchuser/`, duration, connections: each,
    headers: { authorization: `Bearer ${token}` },
  })));
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    bad: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

export async function nodeFigures(ctx: FigureContext & { userPassword: string }): Promise<void> {
  const serverUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ap_bench_nodes_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    ctx.report(`n. two nodes: skipped, no PostgreSQL at ${serverUrl.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message})`);
    return;
  }
  await admin.query(`create database ${name}`);
  unpin(process.pid);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const env = { ...ctx.env, DATABASE_URL: url.toString(), BENCH_CHECKOUT_ORDERS: '' };
  const nodes: ChildProcess[] = [];
  try {
    // One after the other: the first migrates and makes the administrator.
    const a = await startNode(ctx, env);
    nodes.push(a.child);
    const b = await startNode(ctx, env);
    nodes.push(b.child);
    const res = await fetch(`${a.origin}/api/auth/`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'benchuser', password: ctx.userPassword }),
    });
    const { token } = (await res.json()) as { token?: string };
    if (!token) throw new Error(`logging in as benchuser answered ${res.status}`);
    const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
    ctx.report(`n. several nodes: the read on PostgreSQL (${cpus().length} cores, nothing pinned, ${CONNECTIONS} connections in all; load average ${load()})`);
    await read([a.origin, b.origin], token, 1);
    const one = await read([a.origin], token);
    ctx.report(`n. GET /api/users/{user}/ with a JWT, one process: ${ctx.fmt(one.rps)} req/s (p50 ${one.p50} ms, p99 ${one.p99} ms) = 1.00`);
    // The connections the nodes hold while loaded, sampled half-way through.
    let held = 0;
    const sample = setTimeout(() => {
      void admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name])
        .then((r) => { held = r.rows[0]!.n; }, () => {});
    }, (DURATION * 1000) / 2);
    const two = await read([a.origin, b.origin], token);
    clearTimeout(sample);
    ctx.report(`n. the same, two processes on the same database, half the connections each: ${ctx.fmt(two.rps)} req/s (worst p50 ${two.p50} ms, worst p99 ${two.p99} ms) = ${ctx.fmt(two.rps / one.rps, 2)}; load average ${load()}`);
    if (one.bad || two.bad) ctx.report(`   warning: ${one.bad + two.bad} non-2xx answers or errors`);
    ctx.report(`   PostgreSQL connections the two processes held under that load: ${held} (each: a pool of up to 10, plus one LISTEN connection)`);
  } finally {
    await Promise.all(nodes.map((child) => ctx.stop(child)));
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}
