// `npm run build` runs this after compiling: it makes the folder of the migrated embedded
// database, with the job queue's schema and queues, that a new data folder is copied from
// (src/db/pglite-template.ts). The service still migrates and opens the queue on it.
import pino from 'pino';
import { JobQueue } from '../jobs/queue.js';
import { writeTemplate } from './pglite-template.js';

const path = await writeTemplate(undefined, async (db) => {
  const jobs = new JobQueue(db, { log: pino({ level: 'silent' }), pollIntervalMs: 1000 });
  await jobs.open();
  await jobs.close();
});
console.log(`PGlite template for new data folders: ${path}`);
