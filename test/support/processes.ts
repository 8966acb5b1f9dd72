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
