// k. The ledger's figures for `npm run bench`: on PostgreSQL, a generated ledger of
// 1,000,000 rows (10,000 subscribers of one provider's 3 plans over 3 years: each month an
// order, its charge, fee, payment, distribution and the income recognised), the time of
// each /api/metrics/ route over it, as a ratio to a plain authenticated read of the same
// service in the same run, and the renewals run over it (runRenewals) in subscriptions per
// second. The data goes into a database of its own, created and dropped here, so the tests'
// database is left alone.
//
// Run alone: `npx tsx bench/ledger-figures.ts` (BENCH_PG_URL, else DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/test names the server to create the database on).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import type { FigureContext } from './getchat-figures.js';
import { generateBillingData, MONTHS } from './scale/billing.js';

const ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 1_000_000);
const SUBSCRIBERS = Number(process.env.BENCH_LEDGER_SUBSCRIBERS ?? 10_000);
const RUNS = 7;

interface Ready {
  port: number;
  token: string;
  provider: string;
  coupon: string;
  rows: number;
  subscriptions: number;
  active: number;
  generateMs: number;
}

interface RenewalsAnswer { report: unknown; ms: number }

// ------------------------------------------------------------------ the child: service + data

async function child(): Promise<void> {
  const { loadConfig } = await import('../src/config.js');
  const { createService } = await import('../src/server.js');
  const { openSession } = await import('../src/core/identity/sessions.js');
  const { runRenewals } = await import('../src/core/billing/renewals/index.js');
  const { sql } = await import('kysely');
  const config = loadConfig();
  const service = await createService(config, { log: false });
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  const address = service.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const db = service.core.db;
  const admin = await db.selectFrom('users').select(['id', 'slug', 'email', 'full_name'])
    .where('slug', '=', config.admin?.username ?? '').executeTakeFirstOrThrow();
  const { token } = await openSession(service.core, db, admin, 'password', {}, new Date(Date.now() + 1000));

  const began = performance.now();
  // The same data as billing at scale (bench/scale/billing.ts), in this run's own database.
  await generateBillingData(db, ROWS, SUBSCRIBERS);
  const run = (text: string) => sql.raw(text).execute(db);
  const P = (await db.selectFrom('organizations').select('id').where('slug', '=', 'bench-provider').executeTakeFirstOrThrow()).id;
  // As autovacuum would after a bulk load: statistics, and the visibility map index-only scans rely on.
  await run('vacuum analyze');
  const count = async (text: string) => Number((await sql<{ n: string }>`${sql.raw(text)}`.execute(db)).rows[0]!.n);
  const ready: Ready = {
    port, token, provider: 'bench-provider', coupon: 'BENCH50',
    rows: await count('select count(*) as n from ledger_transactions'),
    subscriptions: await count(`select count(*) as n from subscriptions s join plans p on p.id = s.plan_id where p.organization_id = ${P}`),
    active: await count(`select count(*) as n from subscriptions s join plans p on p.id = s.plan_id where p.organization_id = ${P} and s.ends_at > now()`),
    generateMs: performance.now() - began,
  };
  process.send?.({ ready });
  process.on('message', (message: { renewals?: boolean }) => {
    if (!message.renewals) return;
    void (async () => {
      const t = performance.now();
      const report = await runRenewals(service.core, new Date());
      process.send?.({ renewals: { report, ms: performance.now() - t } satisfies RenewalsAnswer });
    })();
  });
  process.on('SIGTERM', () => { void service.close().then(() => process.exit(0)); });
}

// ------------------------------------------------------------------ the parent: timings

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeRoute(url: string, token: string): Promise<{ median: number; worst: number; status: number }> {
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    status = res.status;
    if (i > 0) times.push(performance.now() - t);
  }
  return { median: median(times), worst: Math.max(...times), status };
}

function message<T>(proc: ChildProcess, key: string): Promise<T> {
  return new Promise((done, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (key in m) { proc.off('message', onMessage); done(m[key] as T); }
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`the ledger bench's service exited with ${code}`)));
  });
}

export async function ledgerFigures(ctx: FigureContext): Promise<void> {
  const serverUrl = process.env.BENCH_PG_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `ap_bench_ledger_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    ctx.report(`k. ledger figures: skipped, no PostgreSQL at ${serverUrl.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message})`);
    return;
  }
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let proc: ChildProcess | undefined;
  try {
    proc = fork(join(ctx.root, 'bench/ledger-figures.ts'), ['child'], {
      cwd: ctx.root, env: { ...ctx.env, DATABASE_URL: url.toString() }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    ctx.children.add(proc);
    const ready = await message<Ready>(proc, 'ready');
    const origin = `http://127.0.0.1:${ready.port}`;
    ctx.report(`k. ledger on PostgreSQL: ${ctx.fmt(ready.rows)} rows, ${ctx.fmt(ready.subscriptions)} subscriptions of one provider over ${MONTHS} months (${ctx.fmt(ready.active)} active), generated in ${ctx.fmt(ready.generateMs / 1000, 1)} s`);
    const base = await timeRoute(`${origin}/api/users/benchadmin/`, ready.token);
    ctx.report(`   baseline: GET /api/users/{user}/ (an authenticated read of one row) median ${ctx.fmt(base.median, 1)} ms = 1.00`);
    const routes = [
      `/api/metrics/${ready.provider}/balances/`, `/api/metrics/${ready.provider}/funds/`, `/api/metrics/${ready.provider}/customers/`,
      `/api/metrics/${ready.provider}/plans/`, `/api/metrics/${ready.provider}/coupons/${ready.coupon}/`, '/api/metrics/registered/',
      '/api/metrics/balances/bench/',
    ];
    // The broker's balance sheet: three lines over every organization's accounts.
    for (const [title, selector] of [['Receivables', 'Receivable'], ['Cash', 'Funds'], ['Income', 'Income']]) {
      await fetch(`${origin}/api/metrics/balances/bench/lines/`, {
        method: 'POST', headers: { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title, selector }),
      });
    }
    for (const route of routes) {
      const r = await timeRoute(`${origin}${route}`, ready.token);
      const flag = r.status !== 200 ? ` — answered ${r.status}` : r.median >= 200 ? ' (over 200 ms)' : '';
      ctx.report(`k. GET ${route}: median ${ctx.fmt(r.median, 1)} ms, worst ${ctx.fmt(r.worst, 1)} ms (of ${RUNS}) = ${ctx.fmt(r.median / base.median, 1)}×${flag}`);
    }
    proc.send({ renewals: true });
    const renewals = await message<RenewalsAnswer>(proc, 'renewals');
    ctx.report(`k. runRenewals over it: ${ctx.fmt(renewals.ms / 1000, 2)} s for ${ctx.fmt(ready.subscriptions)} subscriptions = ${ctx.fmt(ready.subscriptions / (renewals.ms / 1000))} subscriptions/s; report ${JSON.stringify(renewals.report)}`);
  } finally {
    if (proc) { await ctx.stop(proc); ctx.children.delete(proc); }
    // BENCH_LEDGER_KEEP=1 keeps the database to study the queries' plans.
    if (process.env.BENCH_LEDGER_KEEP) ctx.report(`   (database ${name} kept)`);
    else await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  }
}

if (process.argv[2] === 'child') {
  await child();
} else if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const children = new Set<ChildProcess>();
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-bench-ledger-'));
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  await ledgerFigures({
    root, report: (line) => console.log(line), fmt, children,
    stop: (proc) => new Promise((done) => { if (proc.exitCode !== null) return done(); proc.once('exit', () => done()); proc.kill('SIGTERM'); }),
    env: {
      ...process.env, DATA_DIR: dataDir, SECRET_KEY: 'bench-secret-key-0123456789-abcdefghijklmnop',
      ADMIN_USERNAME: 'benchadmin', ADMIN_EMAIL: 'bench@example.com', ADMIN_PASSWORD: 'Bench-Pa55word-correct-horse', LOG_LEVEL: 'warn', NODE_ENV: 'production',
    },
  }).finally(() => rmSync(dataDir, { recursive: true, force: true }));
}
