// The get.chat figures' service, in its own process on PGlite in DATA_DIR, job workers on
// (as `serve` runs them). Seeds a partner: a user managing (and partner of) an organization
// whose webhook_url is the parent's receiver (BENCH_WEBHOOK_URL), and reports its port,
// the partner's token and the organization over IPC. On {webhooks: n} it queues n events
// for that organization, each in its own unit of work as a deployment would, and answers
// once they are queued; the parent times their arrival at its receiver.
import { loadConfig } from '../src/config.js';
import { createService, makeLogger } from '../src/server.js';
import { openSession } from '../src/core/identity/sessions.js';
import { jobHandlers } from '../src/jobs/handlers.js';
import { queueWebhookEvent } from '../src/core/notify/webhooks.js';

const config = loadConfig();
const service = await createService(config, { log: makeLogger(config) });
await service.core.jobs.work(jobHandlers(service.core));
await service.app.listen({ port: 0, host: '127.0.0.1' });
const address = service.app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;

const { db } = service.core;
const user = await db.insertInto('users').values({
  slug: 'bench-partner', email: 'bench-partner@example.com', full_name: 'Bench Partner', password_hash: null, email_verified_at: new Date(),
}).returning(['id', 'slug', 'email', 'full_name']).executeTakeFirstOrThrow();
const org = await db.insertInto('organizations').values({
  slug: 'bench-partner-org', full_name: 'Bench Partner', webhook_url: process.env.BENCH_WEBHOOK_URL ?? null,
}).returning('id').executeTakeFirstOrThrow();
for (const slug of ['manager', 'partner']) {
  const description = await db.selectFrom('role_descriptions').select('id').where('slug', '=', slug).where('organization_id', 'is', null)
    .executeTakeFirstOrThrow();
  await db.insertInto('roles').values({ organization_id: org.id, user_id: user.id, role_description_id: description.id, accepted_at: new Date() }).execute();
}
const { token } = await openSession(service.core, db, user, 'password', {}, new Date(Date.now() + 1000));

process.on('message', (message: { webhooks?: number }) => {
  if (!message.webhooks) return;
  void (async () => {
    for (let i = 0; i < message.webhooks!; i++) {
      await queueWebhookEvent(service.core, org.id, 'stack.deployment.succeeded', { id: i + 1, name: `bench-${i}`, user_status: 'READY', bench: true });
    }
    process.send?.({ queued: message.webhooks });
  })();
});
process.send?.({ port, token, organizationId: org.id });
process.on('SIGTERM', () => { void service.close().then(() => process.exit(0)); });
