// The service on the scale database (DATABASE_URL), in its own process, for the scale
// figures: migrates (0035 builds its indexes over the generated rows on first start),
// makes the broker and its administrator, reports its port over IPC, and answers
// `{ relations: { userId, organizationId, runs } }` messages with the time of each
// organizationRelations walk, so the 32-level check is timed without HTTP around it.
import { loadConfig } from '../../src/config.js';
import { createService, makeLogger } from '../../src/server.js';
import { organizationRelations } from '../../src/core/access/relations.js';

const began = performance.now();
const config = loadConfig();
const service = await createService(config, { log: makeLogger(config) });
await service.app.listen({ port: 0, host: '127.0.0.1' });
const address = service.app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.send?.({ port, startMs: performance.now() - began });

interface RelationsAsk { relations: { userId: number; organizationId: number; runs: number } }

process.on('message', (message: RelationsAsk) => {
  void (async () => {
    const { userId, organizationId, runs } = message.relations;
    const times: number[] = [];
    let relations: string[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      relations = (await organizationRelations(service.core, userId, organizationId)).relations;
      times.push(performance.now() - t);
    }
    process.send?.({ times, relations });
  })();
});
process.on('SIGTERM', () => { void service.close().then(() => process.exit(0)); });
