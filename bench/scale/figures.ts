// `npm run bench -- --scale`: the service on PostgreSQL over a million users (the dataset of
// bench/scale/generate.ts, made or reused), each figure beside the size of the tables it
// reads. Read figures are sequential requests on one connection (p50/p99 of their times),
// as a ratio to the plain authenticated read (GET /api/users/{self}/) timed the same way in
// the same run; throughput figures are autocannon runs, the read's req/s their baseline.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import autocannon from 'autocannon';
import type { FigureContext } from '../getchat-figures.js';
import { SCALE_PASSWORD, SCALE_URL, SPEC, ensureScaleDataset, layout } from './generate.js';

const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 30);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ADMIN = { username: 'scaleadmin', email: 'scaleadmin@example.com', password: 'Scale-Admin-Pa55word-correct' };

interface Times { p50: number; p99: number; max: number; n: number }

function percentiles(times: number[]): Times {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** The sizes the figures stand beside, from the planner's statistics (exact counts would be a figure of their own). */
async function tableSizes(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ relname: string; n: string }>(`
      select relname, greatest(reltuples, 0)::bigint as n from pg_class
       where relkind = 'r' and relname in ('users','organizations','roles','security_events','sessions','stacks','deployments','ledger_transactions')`);
    return Object.fromEntries(r.rows.map((row) => [row.relname, Number(row.n)]));
  } finally {
    await client.end();
  }
}

function human(n: number): string {
  // Statistics are estimates: 999,873 users print as 1.0M, not 1000k.
  return n >= 995_000 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
}

export async function scaleFigures(ctx: FigureContext): Promise<void> {
  const { report, fmt } = ctx;
  const url = SCALE_URL;
  const made = await ensureScaleDataset((line) => report(`   ${line}`), url);
  const l = layout();

  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    DATABASE_URL: url,
    ADMIN_USERNAME: ADMIN.username, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
  };
  delete env.BENCH_USER_PASSWORD;
  delete env.BENCH_CHECKOUT_ORDERS;
  const child = fork(join(ctx.root, 'bench/scale/service.ts'), [], {
    cwd: ctx.root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  ctx.children.add(child);
  const ready = await new Promise<{ port: number; startMs: number }>((resolve, reject) => {
    child.once('message', (m: { port: number; startMs: number }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`bench/scale/service.ts exited with ${code}`)));
  });
  const origin = `http://127.0.0.1:${ready.port}`;
  const sizes = await tableSizes(url);
  report(`s. Scale, PostgreSQL (${url.replace(/^.*@/, '')}): ${Object.entries(sizes).map(([t, n]) => `${t} ${human(n)}`).join(', ')}`);
  report(`   dataset ${made.reused ? 'reused' : `made in ${fmt(made.ms / 1000)} s`}; service start (migrations included) ${fmt(ready.startMs)} ms`);

  const json = { 'content-type': 'application/json' };
  async function login(username: string, password = SCALE_PASSWORD): Promise<string> {
    const res = await fetch(`${origin}/api/auth/`, { method: 'POST', headers: json, body: JSON.stringify({ username, password }) });
    const body = (await res.json()) as { token?: string };
    if (!res.ok || !body.token) throw new Error(`login as ${username}: ${res.status} ${JSON.stringify(body)}`);
    return body.token;
  }
  const admin = await login(ADMIN.username, ADMIN.password);
  const plainId = 5;
  const plain = await login(l.userSlug(plainId));
  const partnerManager = await login(l.userSlug(l.partner));
  const treeManager = await login(l.userSlug(l.treeTop(0)));
  const manyRoles = await login(l.userSlug(l.manyRolesUser));

  /** Times GETs of `paths` (round robin) `runs` times each after one untimed pass; fails on a non-200. */
  async function timeGets(token: string, paths: string[], runs = RUNS): Promise<Times & { count?: number }> {
    const headers = { authorization: `Bearer ${token}` };
    const times: number[] = [];
    let count: number | undefined;
    for (let i = -1; i < runs; i++) {
      for (const path of paths) {
        const t = performance.now();
        const res = await fetch(`${origin}${path}`, { headers });
        const body = await res.text();
        if (i >= 0) times.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 300)}`);
        if (i < 0 && paths.length === 1) count = (JSON.parse(body) as { count?: number }).count;
      }
    }
    return { ...percentiles(times), count };
  }

  const base = await timeGets(plain, [`/api/users/${l.userSlug(plainId)}/`], RUNS * 3);
  report(`   baseline: GET /api/users/{self}/ (a plain user): p50 ${fmt(base.p50, 2)} ms, p99 ${fmt(base.p99, 2)} ms (${base.n} requests, one at a time) = 1.00`);
  // The read above is answered from the service's caches; this one goes to the database
  // (the organization and its partner chain, by primary key) whatever the table sizes.
  const dbBase = await timeGets(plain, [`/api/profile/${l.orgSlug(plainId)}/`], RUNS * 3);
  report(`   baseline 2: GET /api/profile/{own organization}/ (index lookups only): p50 ${fmt(dbBase.p50, 2)} ms, p99 ${fmt(dbBase.p99, 2)} ms`
    + ` = ${fmt(dbBase.p50 / base.p50, 1)}× the read`);
  const line = (name: string, t: Times & { count?: number }, size: string) => report(
    `   ${name}: p50 ${fmt(t.p50, 1)} ms, p99 ${fmt(t.p99, 1)} ms = ${fmt(t.p50 / base.p50, 1)}× / ${fmt(t.p99 / base.p50, 1)}× the read,`
    + ` ${fmt(t.p50 / dbBase.p50, 1)}× baseline 2`
    + `${t.count !== undefined ? `; ${t.count} matches` : ''} [${size}]`);

  const users = `${human(sizes.users ?? SPEC.users)} users`;
  const orgs = `${human(sizes.organizations ?? SPEC.organizations)} organizations`;
  // A surname (~1 % of users), a first and last name, a username prefix, an e-mail, nothing.
  const userTerms = ['Tanaka', 'Hiroshi Tanaka', 'su12345', `${l.userSlug(424240)}@example.com`, 'nobody-matches'];
  line(`s1. user search GET /api/users/?q= (${userTerms.length} terms)`,
    await timeGets(admin, userTerms.map((q) => `/api/users/?q=${encodeURIComponent(q)}`)), users);
  for (const q of userTerms) line(`    q=${q}`, await timeGets(admin, [`/api/users/?q=${encodeURIComponent(q)}`], 10), users);
  line('s1. users, first page (no search)', await timeGets(admin, ['/api/users/']), users);
  line('s1. users, page 1,000 (offset 25,000)', await timeGets(admin, ['/api/users/?page=1000'], 10), users);

  const orgTerms = ['Umbrella Robotics', 'Robotics', 'so4242', 'billing@so77777.test', 'nothing-like-it'];
  line(`s2. organization search GET /api/profile/?q= (${orgTerms.length} terms)`,
    await timeGets(admin, orgTerms.map((q) => `/api/profile/?q=${encodeURIComponent(q)}`)), orgs);
  for (const q of orgTerms) line(`    q=${q}`, await timeGets(admin, [`/api/profile/?q=${encodeURIComponent(q)}`], 10), orgs);
  line('s2. organizations, first page (no search)', await timeGets(admin, ['/api/profile/']), orgs);
  // Auto-completion searches users and organizations at once (a UNION ALL the search reaches into).
  line(`s2. auto-completion GET /api/accounts/?q= (${userTerms.length} terms)`,
    await timeGets(admin, userTerms.map((q) => `/api/accounts/?q=${encodeURIComponent(q)}`)), `${users} + ${orgs}`);

  const customers = `/api/profile/${l.orgSlug(l.partner)}/customers/`;
  const lastPage = Math.ceil(SPEC.partnerCustomers / 25);
  line('s3. a partner lists its customers, first page', await timeGets(partnerManager, [customers]), `${SPEC.partnerCustomers} customers of ${orgs}`);
  line(`s3. ... last page (${lastPage})`, await timeGets(partnerManager, [`${customers}?page=${lastPage}`]), `${SPEC.partnerCustomers} customers`);
  line('s3. the partner manager\'s organizations (its customers below it)', await timeGets(partnerManager, ['/api/profile/']), `${SPEC.partnerCustomers} customers`);

  const relations = (organizationId: number) => new Promise<{ times: number[]; relations: string[] }>((resolve) => {
    child.once('message', (m: { times: number[]; relations: string[] }) => resolve(m));
    child.send({ relations: { userId: l.treeTop(0), organizationId, runs: RUNS * 3 } });
  });
  const top = await relations(l.treeTop(0));
  const deep = await relations(l.treeBottom(0));
  const topT = percentiles(top.times.slice(5));
  const deepT = percentiles(deep.times.slice(5));
  report(`   s4. relation check (organizationRelations, in the process): ${SPEC.treeDepth} levels down p50 ${fmt(deepT.p50, 2)} ms, p99 ${fmt(deepT.p99, 2)} ms`
    + ` = ${fmt(deepT.p50 / topT.p50, 1)}× the same check on the tree's top (p50 ${fmt(topT.p50, 2)} ms); answers ${deep.relations.join(',')} [${orgs}, ${SPEC.trees} trees ${SPEC.treeDepth} deep]`);
  line(`s4. GET /api/profile/{org ${SPEC.treeDepth} levels down}/ by the top's manager`, await timeGets(treeManager, [`/api/profile/${l.orgSlug(l.treeBottom(0))}/`]), orgs);

  const accessibles = `/api/users/${l.userSlug(l.manyRolesUser)}/accessibles/`;
  line(`s5. a user's accessibles with ${SPEC.manyRoles} roles, first page`, await timeGets(manyRoles, [accessibles]), `${human(sizes.roles ?? 0)} roles`);
  line('s5. ... last page', await timeGets(manyRoles, [`${accessibles}?page=${Math.ceil(SPEC.manyRoles / 25)}`]), `${human(sizes.roles ?? 0)} roles`);
  line('s6. a user\'s security events', await timeGets(admin, [`/api/users/${l.userSlug(plainId)}/security-events/`]), `${human(sizes.security_events ?? 0)} security events`);

  // Throughput: the read as the baseline, then logins (a different user each) and refreshes.
  const cannon = (options: autocannon.Options) => new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
  const readR = await cannon({ url: `${origin}/api/users/${l.userSlug(plainId)}/`, duration: DURATION, connections: 32, headers: { authorization: `Bearer ${plain}` } });
  report(`   baseline: the read under 32 connections: ${fmt(readR.requests.average)} req/s [${users}]`);
  let next = 1000;
  const logins = await cannon({
    url: `${origin}/api/auth/`, duration: DURATION, connections: 4, method: 'POST', headers: json,
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: l.userSlug(next++), password: SCALE_PASSWORD }) }) }],
  });
  report(`   s7. logins POST /api/auth/ (argon2id, a different user each, 4 connections): ${fmt(logins.requests.average)} logins/s`
    + ` (p50 ${logins.latency.p50} ms), ${logins.non2xx} non-2xx [${users}, ${human(sizes.sessions ?? 0)} sessions, ${human(sizes.security_events ?? 0)} security events]`);
  // Each refresh writes its session's row: one token for all 32 connections would time a
  // queue on one row lock. 32 users, a session each, as 32 clients would be.
  const refreshTokens = await Promise.all(Array.from({ length: 32 }, (_, i) => login(l.userSlug(Math.floor(SPEC.users / 2) + i))));
  let turn = 0;
  const refresh = await cannon({
    url: `${origin}/api/auth/tokens/`, duration: DURATION, connections: 32, method: 'POST', headers: json,
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ token: refreshTokens[turn++ % refreshTokens.length] }) }) }],
  });
  report(`   s8. token refresh POST /api/auth/tokens/: ${fmt(refresh.requests.average)} req/s = ${fmt(refresh.requests.average / readR.requests.average, 2)} of the read`
    + ` (p50 ${refresh.latency.p50} ms, p99 ${refresh.latency.p99} ms), ${refresh.non2xx} non-2xx [${human(sizes.sessions ?? 0)} sessions]`);
  await ctx.stop(child);

  // The ledger lane's billing tables at matching size, in a database of their own, when its
  // bench/scale/billing.ts is there (imported by path, so this file compiles without it).
  const billing = join(ctx.root, 'bench/scale/billing.ts');
  if (!existsSync(billing)) {
    report('   billing at scale: bench/scale/billing.ts is not there (run `npm run bench -- --scale-billing` when it is)');
    return;
  }
  const mod = (await import(pathToFileURL(billing).href)) as { billingScale?: (url?: string, log?: (line: string) => void) => Promise<unknown> };
  if (typeof mod.billingScale !== 'function') report('   billing at scale: bench/scale/billing.ts exports no billingScale');
  else await mod.billingScale(undefined, (text) => report(`   ${text}`));
}
