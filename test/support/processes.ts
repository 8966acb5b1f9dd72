// For tests that run the real `account-portal serve` in a child process.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { postgresTemplateName, withDatabase } from './templates.js';

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** With DATABASE_URL the child gets its own copy of the migrated template database. */
export async function databaseEnv(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) return { env: {}, drop: async () => {} };
  const name = `ap_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const pg = (await import('pg')).default;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await run(`create database "${name}" template "${postgresTemplateName()}"`);
  return { env: { DATABASE_URL: withDatabase(url, name) }, drop: () => run(`drop database if exists "${name}" with (force)`) };
}

export interface ServeProcess {
  port: number;
  base: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `account-portal serve` with env on a free port and waits until /ready answers 200. */
export async function startServe(env: Record<string, string | undefined>): Promise<ServeProcess> {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited early with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${base}/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    base,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Served {
  child: import('node:child_process').ChildProcess;
  base: string;
  /** Settles when the process has exited, by itself or killed. */
  exited: Promise<void>;
  output(): string;
}

/**
 * Real `serve` processes a crash test starts and kills (`child.kill('SIGKILL')`), and what
 * to clean up after them: `close()` (in `after`) kills any still running, then cleans up.
 */
export class ProcessHarness {
  readonly #children: Served['child'][] = [];
  readonly #cleanups: Array<() => Promise<void>> = [];

  onCleanup(cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  /** Starts `serve` with exactly `env` (plus PORT) and waits for its 'ready' log line, which comes once it listens. */
  async serve(env: NodeJS.ProcessEnv): Promise<Served> {
    const { spawn } = await import('node:child_process');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'],
      { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    await new Promise<void>((ready, failed) => {
      child.stdout!.on('data', () => { if (output.includes('"msg":"ready"')) ready(); });
      child.once('exit', (code, signal) => failed(new Error(`serve exited (${code ?? signal}):\n${output}`)));
    });
    return { child, base: `http://127.0.0.1:${port}`, exited, output: () => output };
  }

  async close(): Promise<void> {
    for (const child of this.#children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    }
    for (const cleanup of this.#cleanups) await cleanup();
  }
}

/** A JSON request to a served process; an empty answer is `{}`. */
export async function callJson(
  base: string, method: string, path: string, body?: unknown, token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}
