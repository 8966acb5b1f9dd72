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
/**
 * Another build's cli.js (an older commit compiled elsewhere, say) timed the same way in the
 * same run, for a before/after ratio that the machine's load does not skew.
 */
const OTHER_CLI = process.env.BENCH_STARTUP_COMPARE;

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
  const template = readdirSync(join(ctx.root, 'dist/db')).some((f) => /^pglite-template-[0-9a-f]{16}$/.test(f));
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
  const again: Start[] = [];
  const otherFresh: Start[] = [];
  const otherAgain: Start[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-bench-start-'));
    dirs.push(dir);
    return dir;
  };
  try {
    // Interleaved with the other build's runs, when there is one, so both see the same load.
    const ours = newDir();
    const theirs = OTHER_CLI ? newDir() : '';
    for (let i = 0; i < RUNS; i++) {
      fresh.push(await timeToReady(ctx, [distCli, 'serve'], { ...env, DATA_DIR: i === 0 ? ours : newDir() }, '/ready'));
      if (OTHER_CLI) otherFresh.push(await timeToReady(ctx, [OTHER_CLI, 'serve'], { ...env, DATA_DIR: i === 0 ? theirs : newDir() }, '/ready'));
    }
    for (let i = 0; i < RUNS; i++) {
      again.push(await timeToReady(ctx, [distCli, 'serve'], { ...env, DATA_DIR: ours }, '/ready'));
      if (OTHER_CLI) otherAgain.push(await timeToReady(ctx, [OTHER_CLI, 'serve'], { ...env, DATA_DIR: theirs }, '/ready'));
    }
    const line = (label: string, runs: Start[], target: number, versus?: Start[]) => {
      const ms = median(runs.map((r) => r.wallMs));
      const cpu = median(runs.map((r) => r.cpuMs));
      const compared = versus?.length ? `; ${ctx.fmt(ms / median(versus.map((r) => r.wallMs)), 2)}× the other build's wall, ${ctx.fmt(cpu / median(versus.map((r) => r.cpuMs)), 2)}× its CPU` : '';
      ctx.report(`e. ${label} → /ready 200: ${ctx.fmt(ms)} ms (CPU ${ctx.fmt(cpu)} ms) = ${ctx.fmt(ms / bareMs, 1)}× bare (target ≤ ${ctx.fmt(target)} ms${compared})`);
      ctx.report(`   steps, ms (median): ${medianPhases(runs) || 'none logged'}`);
    };
    line(`node dist/cli.js serve, new DATA_DIR (${template ? 'from the build\'s template' : 'initdb, no template in dist/'} + migrate + admin)`, fresh, 4000, otherFresh);
    if (OTHER_CLI) line(`the other build (${OTHER_CLI}), new DATA_DIR`, otherFresh, 4000);
    line('node dist/cli.js serve, restart on an existing DATA_DIR', again, 2000, otherAgain);
    if (OTHER_CLI) line(`the other build, restart`, otherAgain, 2000);
    ctx.report(`   load average ${load()} at the end`);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
