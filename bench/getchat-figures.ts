// get.chat figures for `npm run bench`: (h) the time from creating a stack, then an Inbox
// application, to READY with the local deployer, as the partner tutorial polls it, against a
// GET round trip of the same service; (i) signed webhook deliveries per second into a real
// receiver, against bare POSTs per second to that receiver from a plain node:http client
// making a fresh connection each time, as the sender does.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';

export interface FigureContext {
  root: string;
  env: NodeJS.ProcessEnv;
  report(line: string): void;
  fmt(n: number, digits?: number): string;
  children: Set<ChildProcess>;
  stop(child: ChildProcess): Promise<void>;
}

const DELIVERIES = Number(process.env.BENCH_WEBHOOKS ?? 300);
const READY_RUNS = 5;

/** A receiver counting POSTs, waking whoever waits for the n-th; keeps the first to verify. */
function receiver() {
  let count = 0;
  let first: { headers: Record<string, string>; body: string } | null = null;
  let waiter: { n: number; resolve: () => void } | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // Only the timed events count (the deployments' own events may still arrive).
      if (!body.includes('"bench":true')) return void res.end('ok');
      count += 1;
      if (!first && req.headers['webhook-id']) first = { headers: req.headers as Record<string, string>, body };
      res.end('ok');
      if (waiter && count >= waiter.n) { waiter.resolve(); waiter = null; }
    });
  });
  return {
    server,
    async start() {
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    get count() { return count; },
    get first() { return first; },
    reset() { count = 0; first = null; },
    waitFor(n: number) {
      return count >= n ? Promise.resolve() : new Promise<void>((resolve) => { waiter = { n, resolve }; });
    },
  };
}

/** Plain sequential POSTs (a new connection each) for `seconds`: the receiver's ceiling for one sender. */
async function barePosts(url: string, seconds: number): Promise<number> {
  const body = JSON.stringify({ event: 'stack.deployment.succeeded', data: { id: 1, bench: true } });
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const began = performance.now();
  while (performance.now() < until) {
    await new Promise<void>((done, fail) => {
      const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', done); });
      req.on('error', fail);
      req.end(body);
    });
    n += 1;
  }
  return n / ((performance.now() - began) / 1000);
}

function startService(ctx: FigureContext, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; token: string; organizationId: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(ctx.root, 'bench/getchat-service.ts'), [], {
      cwd: ctx.root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    ctx.children.add(child);
    child.once('message', (m: { port: number; token: string; organizationId: number }) => resolve({ child, ...m }));
    child.once('exit', (code) => { ctx.children.delete(child); reject(new Error(`getchat-service exited with ${code}`)); });
  });
}

async function call(origin: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Polls `path` (as the tutorial does, here every 5 ms) until user_status is READY; the time from `began`. */
async function untilReady(origin: string, token: string, path: string, began: number): Promise<number> {
  for (;;) {
    const { status, json } = await call(origin, token, 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
    if (json.user_status === 'READY') return performance.now() - began;
    if (json.error) throw new Error(`${path} failed: ${JSON.stringify(json.error)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function getchatFigures(ctx: FigureContext): Promise<void> {
  const { report, fmt } = ctx;
  const rx = receiver();
  const hookUrl = await rx.start();
  // Jobs polled every 500 ms (the floor) as a backstop; a job queued here wakes its worker at once.
  const svc = await startService(ctx, { ...ctx.env, WEBHOOK_ALLOW_PRIVATE: 'on', BENCH_WEBHOOK_URL: hookUrl, JOB_POLL_INTERVAL_MS: '500' });
  const origin = `http://127.0.0.1:${svc.port}`;
  try {
    // h. create -> READY, local deployer
    const rounds: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await call(origin, svc.token, 'GET', '/account/profile');
      rounds.push(performance.now() - t);
    }
    const round = median(rounds);
    const stacks: number[] = [];
    const apps: number[] = [];
    let problem = '';
    try {
      const packages = await call(origin, svc.token, 'GET', '/integration/packages?paginated=true&type[eq]=inbox');
      const inbox = (packages.json.data as { id: number; type: string }[] | undefined)?.find((p) => p.type === 'inbox');
      for (let i = 0; i < READY_RUNS; i++) {
        let began = performance.now();
        const stack = await call(origin, svc.token, 'POST', `/integration/organizations/${svc.organizationId}/stacks`, { name: `bench${i}` });
        if (stack.status >= 300) throw new Error(`creating a stack answered ${stack.status} ${JSON.stringify(stack.json)}`);
        stacks.push(await untilReady(origin, svc.token, `/integration/stacks/${stack.json.id}`, began));
        if (!inbox) continue;
        began = performance.now();
        const app = await call(origin, svc.token, 'POST', `/integration/stacks/${stack.json.id}/applications`, { package_id: inbox.id, settings: {} });
        if (app.status >= 300) throw new Error(`creating an application answered ${app.status} ${JSON.stringify(app.json)}`);
        apps.push(await untilReady(origin, svc.token, `/integration/applications/${app.json.id}`, began));
      }
    } catch (error) {
      problem = (error as Error).message;
    }
    if (stacks.length) {
      report(`h. POST /integration/organizations/{id}/stacks → GET .../stacks/{id} READY (local deployer, a durable job): median ${fmt(median(stacks), 1)} ms of ${stacks.length} = ${fmt(median(stacks) / round, 1)}× a GET /account/profile round trip (${fmt(round, 2)} ms)`);
    }
    if (apps.length) {
      report(`h. POST /integration/stacks/{id}/applications (Inbox) → READY: median ${fmt(median(apps), 1)} ms of ${apps.length} = ${fmt(median(apps) / round, 1)}× a GET round trip`);
    }
    if (problem) report(`h. create → READY: ${problem.slice(0, 300)}`);

    // i. webhook deliveries per second
    const bare = await barePosts(hookUrl, 2);
    rx.reset();
    const began = performance.now();
    const queued = new Promise<void>((resolve) => svc.child.once('message', () => resolve()));
    svc.child.send({ webhooks: DELIVERIES });
    await queued;
    const queuedMs = performance.now() - began;
    await rx.waitFor(DELIVERIES);
    const seconds = (performance.now() - began) / 1000;
    const perSecond = DELIVERIES / seconds;
    const secret = (await call(origin, svc.token, 'GET', `/account/organizations/${svc.organizationId}/webhook-secret`)).json.secret as string;
    let verified = 'not verified';
    try {
      new Webhook(secret).verify(rx.first!.body, rx.first!.headers);
      verified = 'signature verified';
    } catch (error) {
      verified = `signature NOT verified: ${(error as Error).message}`;
    }
    report(`i. webhook deliveries (row + job queued per event, signed, pinned POST, try logged), ${DELIVERIES} events: ${fmt(perSecond, 1)} deliveries/s = ${fmt(perSecond / bare, 2)}× bare sequential POSTs to the same receiver (${fmt(bare)} /s); queueing alone ${fmt(DELIVERIES / (queuedMs / 1000), 1)} events/s; ${verified}`);
  } finally {
    await ctx.stop(svc.child);
    ctx.children.delete(svc.child);
    await new Promise<void>((done) => rx.server.close(() => done()));
  }
}
