// The durable job queue: work deferred past an answer is a row in the database, not a
// timer in one process, so it survives a restart and runs once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/db/database.js';
import { createService, type Service } from '../../src/server.js';
import { hashPassword } from '../../src/core/identity/passwords.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { JobQueue, QUEUES } from '../../src/jobs/queue.js';
import { makeLogger } from '../../src/server.js';
import { startService, unique, type TestService } from '../support/service.js';
import { TestSmtp } from '../support/smtp.js';
import { databaseEnv } from '../support/processes.js';
import { pgliteTemplatePath } from '../support/templates.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

async function count(table: 'one_time_tokens' | 'mail_outbox' | 'security_events'): Promise<number> {
  const row = await s.core.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}

async function recoveryJobs(): Promise<Array<{ email: string }>> {
  const { rows } = await sql<{ data: { email: string } }>`select data from pgboss.job where name = 'password-recovery' order by created_on`.execute(s.core.db);
  return rows.map((r) => r.data);
}

test('recover does the same work for a known and an unknown address: one durable job, nothing else', async () => {
  const known = await s.user();
  const ghost = `${unique('ghost')}@example.com`;
  await s.core.jobs.stopWorking();
  try {
    const before = { tokens: await count('one_time_tokens'), mails: await count('mail_outbox'), events: await count('security_events') };
    const jobsBefore = (await recoveryJobs()).length;
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    for (const email of [known.email, ghost]) {
      const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email } });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { email });
    }
    // No timer per request: deferred work is a row, not a setTimeout. (The pool's idle
    // connections may time out meanwhile, taking their timers: fewer is fine, more is not.)
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.ok(timersAfter <= timersBefore, `${timersAfter} timers after the requests, ${timersBefore} before`);
    const jobs = (await recoveryJobs()).slice(jobsBefore);
    assert.deepEqual(jobs.map((j) => j.email), [known.email, ghost]);
    assert.deepEqual(Object.keys(jobs[0]).sort(), Object.keys(jobs[1]).sort());
    assert.deepEqual({ tokens: await count('one_time_tokens'), mails: await count('mail_outbox'), events: await count('security_events') }, before);
  } finally {
    await s.core.jobs.work(jobHandlers(s.core));
  }
  await s.core.jobs.idle();
  const mail = await s.smtp.waitFor(known.email, (m) => /Reset your/.test(m.subject));
  assert.match(mail.text, /\/api\/auth\/reset\//);
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(ghost).length, 0);
});

/** A database that outlives one service: a PGlite folder, or a PostgreSQL database. */
async function durableDatabase(): Promise<{ open(): Promise<DatabaseHandle>; drop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const { env, drop } = await databaseEnv();
    return { open: () => openPostgres(env.DATABASE_URL!, { max: 3 }), drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'ap-jobs-'));
  let first = true;
  return {
    open: async () => {
      const template = first ? new Blob([readFileSync(pgliteTemplatePath())]) : undefined;
      first = false;
      return openPGlite(dir, template);
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a job survives a restart: enqueued, service stopped, started again, it runs once', async () => {
  const smtp = new TestSmtp();
  const database = await durableDatabase();
  const config = loadConfig({
    SECRET_KEY: 'jobs-test-secret-0123456789-abcdefghijklmnop',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'ap-jobs-data-')),
    BASE_URL: 'http://portal.test',
    SMTP_URL: await smtp.start(),
    LOG_LEVEL: 'silent',
    JOB_POLL_INTERVAL_MS: '500',
  });
  let service: Service | null = null;
  try {
    // First life: the request is answered and the job stored; no worker runs it.
    service = await createService(config, { log: false, database: await database.open() });
    const email = `restart-${randomBytes(3).toString('hex')}@example.com`;
    await service.core.db.insertInto('users').values({
      slug: unique('restart'), email, full_name: 'Re Start', password_hash: await hashPassword('Restart-Pa55word-long'),
      password_changed_at: new Date(Date.now() - 5000), email_verified_at: new Date(),
    }).execute();
    const res = await service.app.inject({ method: 'POST', url: '/api/auth/recover/', payload: { email } });
    assert.equal(res.statusCode, 200);
    await service.close();
    service = null;
    assert.equal(smtp.to(email).length, 0);

    // Second life: the worker finds the job and runs it, once.
    service = await createService(config, { log: false, database: await database.open() });
    await service.core.jobs.work(jobHandlers(service.core));
    await service.core.jobs.idle();
    await smtp.waitFor(email, (m) => /Reset your/.test(m.subject));
    await service.core.jobs.idle();
    assert.equal(smtp.to(email).length, 1);
    const tokens = await service.core.db.selectFrom('one_time_tokens').select('id').where('purpose', '=', 'password_reset').execute();
    assert.equal(tokens.length, 1);
  } finally {
    await service?.close();
    await smtp.stop();
    await database.drop();
    rmSync(config.dataDir, { recursive: true, force: true });
  }
});

test('a restart leaves the cron rows alone when they hold our schedule, and puts back one that differs', async () => {
  const database = await durableDatabase();
  const handle = await database.open();
  const rows = () => sql<{ name: string; cron: string; updated_on: Date }>`select name, cron, updated_on from pgboss.schedule order by name`
    .execute(handle.db).then((r) => r.rows);
  const open = async () => {
    const queue = new JobQueue(handle.db, { log: makeLogger({ logLevel: 'silent' }), pollIntervalMs: 60_000, schedule: true });
    await queue.open();
    await queue.close();
  };
  try {
    await open();
    const first = await rows();
    const crons = Object.entries(QUEUES).filter(([, q]) => q.cron).map(([name, q]) => [name, q.cron]).sort();
    assert.deepEqual(first.map((r) => [r.name, r.cron]), crons);

    await open();
    assert.deepEqual(await rows(), first, 'nothing rewritten');

    const [changed] = crons[0]!;
    await sql`update pgboss.schedule set cron = '0 0 1 1 *' where name = ${changed}`.execute(handle.db);
    await open();
    const after = await rows();
    assert.deepEqual(after.map((r) => [r.name, r.cron]), crons, 'the changed row holds our cron again');
    assert.ok(after.find((r) => r.name === changed)!.updated_on > first.find((r) => r.name === changed)!.updated_on);
  } finally {
    await handle.close();
    await database.drop();
  }
});
