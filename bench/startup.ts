// `npm run bench -- --startup`: start to ready with the built service (`node dist/cli.js
// serve`), against a bare node:http spawned the same way, on a new data folder and on an
// existing one; and where the time goes, step by step, from the `phases` the service logs
// in its 'ready' line. Beside each wall time, the CPU the process used until ready: on a
// machine shared with other work the wall time stretches, the CPU time much less.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FigureContext } from './getchat-figures.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);

interface Start {
  wallMs: number;
  /** User + system CPU of the process until ready (Linux: /proc), or NaN. */
  cpuMs: number;
  phases: Record<string, number>;
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

function cpuMsOf(pid: number): number {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks, after the command name in parentheses.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function newestMtime(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
  }));
}

/** Spawns `args`, polls `path` until 200, and reads the 'ready' line's phases when it logs one. */
async function timeToReady(ctx: FigureContext, args: string[], env: NodeJS.ProcessEnv, path: string): Promise<Start> {
  const port = await freePort();
  const began = performance.now();
  const child = spawn(process.execPath, args, { cwd: ctx.root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  // The bench pins itself to core 0 and children inherit it: a start may use every core.
  if (child.pid) spawnSync('taskset', ['-a', '-p', '-c', `0-${cpus().length - 1}`, String(child.pid)], { stdio: 'ignore' });
  ctx.children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { if (output.length < 1_000_000) output += chunk.toString(); });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status === 200, () => false);
      if (ok) {
        const wallMs = performance.now() - began;
        const cpuMs = cpuMsOf(child.pid!);
        const ready = output.split('\n').map((line) => { try { return JSON.parse(line) as { msg?: string; phases?: Record<string, number> }; } catch { return {}; } })
          .find((line) => line.msg === 'ready');
        return { wallMs, cpuMs, phases: ready?.phases ?? {} };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await ctx.stop(child);
    ctx.children.delete(child);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function medianPhases(runs: Start[]): string {
  const names = Object.keys(runs[0]?.phases ?? {});
  return names.map((name) => `${name} ${median(runs.map((r) => r.phases[name] ?? 0))}`).join(', ');
}

export async function startupFigures(ctx: FigureContext): Promise<void> {
  const distCli = join(ctx.root, 'dist/cli.js');
  if (!existsSync(distCli) || statSync(distCli).mtimeMs < newestMtime(join(ctx.root, 'src'))) {
    console.log('   building dist/ (older than src/)...');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ctx.root, stdio: 'inherit' });
    if (build.status !== 0) console.warn('   warning: the build reported errors; timing the emitted dist/');
  }
  const template = readdirSync(join(ctx.root, 'dist/db')).some((f) => /^pglite-template-.*\.tar\.gz$/.test(f));
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  ctx.report(`e. start to ready (${RUNS} runs each, median; load average ${load()} at the start)`);
  const bare: Start[] = [];
  for (let i = 0; i < RUNS; i++) bare.push(await timeToReady(ctx, [join(ctx.root, 'bench/hello.mjs')], process.env, '/'));
  const bareMs = median(bare.map((r) => r.wallMs));
  ctx.report(`e. bare node:http spawn → first 200: ${ctx.fmt(bareMs)} ms (CPU ${ctx.fmt(median(bare.map((r) => r.cpuMs)))} ms) = 1.00`);

  // Info level, so the 'ready' line (and its phases) is logged; requests log to the pipe.
  const env = { ...ctx.env, LOG_LEVEL: 'info' };
  const dirs: string[] = [];
  const fresh: Start[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'ap-bench-start-'));
      dirs.push(dir);
      fresh.push(await timeToReady(ctx, [distCli, 'serve'], { ...env, DATA_DIR: dir }, '/ready'));
    }
    const freshMs = median(fresh.map((r) => r.wallMs));
    ctx.report(`e. node dist/cli.js serve, new DATA_DIR (${template ? 'from the build\'s template' : 'initdb, no template in dist/'} + migrate + admin) → /ready 200: ${ctx.fmt(freshMs)} ms (CPU ${ctx.fmt(median(fresh.map((r) => r.cpuMs)))} ms) = ${ctx.fmt(freshMs / bareMs, 1)}× (target ≤ 4,000 ms)`);
    ctx.report(`   steps, ms (median): ${medianPhases(fresh)}`);
    const again: Start[] = [];
    for (let i = 0; i < RUNS; i++) again.push(await timeToReady(ctx, [distCli, 'serve'], { ...env, DATA_DIR: dirs[0] }, '/ready'));
    const againMs = median(again.map((r) => r.wallMs));
    ctx.report(`e. node dist/cli.js serve, restart on an existing DATA_DIR → /ready 200: ${ctx.fmt(againMs)} ms (CPU ${ctx.fmt(median(again.map((r) => r.cpuMs)))} ms) = ${ctx.fmt(againMs / bareMs, 1)}× (target ≤ 2,000 ms)`);
    ctx.report(`   steps, ms (median): ${medianPhases(again)}; load average ${load()} at the end`);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
