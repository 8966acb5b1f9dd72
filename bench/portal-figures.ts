// j. The web portal on a cold browser (Debian's Chromium, a new context each time: empty
// cache, no connection kept): time from navigation to the page's h1 being visible, for
// /login and for /me (logged in by the API first, as a person would be), as a ratio to a
// bare static HTML page served by node:http to the same Chromium in the same run. And the
// bytes the login page downloads: what went over the wire (compressed, headers included,
// from Chromium's own network accounting) and what it unpacks to.
import { fork, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { FigureContext } from './getchat-figures.js';

const RUNS = Number(process.env.BENCH_PORTAL_RUNS ?? 7);
const BARE_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare</title></head><body><h1>Hello</h1></body></html>';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Visit { ms: number; transferred: number; decoded: number; requests: number }

/** One cold visit: a new context, `before` (a login), then navigation until the h1 shows. */
async function visit(browser: Browser, url: string, before?: (request: { post(url: string, options: { data: unknown }): Promise<{ ok(): boolean }> }) => Promise<void>): Promise<Visit> {
  const context = await browser.newContext();
  try {
    if (before) await before(context.request);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let transferred = 0;
    let decoded = 0;
    let requests = 0;
    const sizes = new Map<string, number>();
    cdp.on('Network.dataReceived', (e: { requestId: string; dataLength: number }) => { sizes.set(e.requestId, (sizes.get(e.requestId) ?? 0) + e.dataLength); });
    cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
      transferred += e.encodedDataLength;
      decoded += sizes.get(e.requestId) ?? 0;
      requests += 1;
    });
    const began = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('h1').first().waitFor({ state: 'visible', timeout: 30_000 });
    const ms = performance.now() - began;
    // What the page still fetches once drawn (fonts, the theme) counts in its download.
    await page.waitForLoadState('networkidle');
    return { ms, transferred, decoded, requests };
  } finally {
    await context.close();
  }
}

export async function portalFigures(ctx: FigureContext & { admin: { username: string; password: string } }): Promise<void> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    ctx.report(`j. portal first render: skipped, no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return;
  }
  if (!existsSync(join(ctx.root, 'dist/web/index.html'))) {
    console.log('   building the pages (dist/web missing)...');
    spawnSync('npm', ['run', 'build:web', '--silent'], { cwd: ctx.root, stdio: 'inherit' });
  }
  const bare = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BARE_PAGE); });
  await new Promise<void>((done) => bare.listen(0, '127.0.0.1', done));
  const env = { ...ctx.env };
  delete env.BENCH_CHECKOUT_ORDERS;
  const child = fork(join(ctx.root, 'bench/service.ts'), [], { cwd: ctx.root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  ctx.children.add(child);
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  try {
    const { port } = await new Promise<{ port: number }>((done, reject) => {
      child.once('message', (m) => done(m as { port: number }));
      child.once('exit', (code) => reject(new Error(`bench/service.ts exited with ${code}`)));
    });
    const origin = `http://127.0.0.1:${port}`;
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
    const login = async (request: { post(url: string, options: { data: unknown }): Promise<{ ok(): boolean }> }) => {
      const answer = await request.post(`${origin}/api/auth/`, { data: { username: ctx.admin.username, password: ctx.admin.password } });
      if (!answer.ok()) throw new Error('the bench administrator could not log in');
    };
    // One visit of each first: Chromium's own start-up costs are not the pages'.
    await visit(browser, bareUrl);
    await visit(browser, `${origin}/login`);
    const runs: Record<'bare' | 'login' | 'me', Visit[]> = { bare: [], login: [], me: [] };
    for (let i = 0; i < RUNS; i++) {
      runs.bare.push(await visit(browser, bareUrl));
      runs.login.push(await visit(browser, `${origin}/login`));
      runs.me.push(await visit(browser, `${origin}/me`, login));
    }
    const base = median(runs.bare.map((v) => v.ms));
    const line = (visits: Visit[]) => {
      const ms = median(visits.map((v) => v.ms));
      return `${ctx.fmt(ms)} ms = ${ctx.fmt(ms / base, 1)}×`;
    };
    ctx.report(`j. cold Chromium, navigation → h1 visible (median of ${RUNS}): bare static page ${ctx.fmt(base, 1)} ms = 1.0; /login ${line(runs.login)}; /me (logged in) ${line(runs.me)}`);
    const page = runs.login.at(-1)!;
    ctx.report(`j. /login downloads ${ctx.fmt(page.transferred / 1024, 1)} KiB over the wire (compressed, headers included; ${page.requests} requests), ${ctx.fmt(page.decoded / 1024, 1)} KiB unpacked`);
  } finally {
    await browser.close();
    await ctx.stop(child);
    ctx.children.delete(child);
    await new Promise<void>((done) => bare.close(() => done()));
  }
}
