// The framework's ceiling: a bare Fastify hello-world, the same body as hello.mjs, no
// logger. The service cannot answer faster than this; the gap to it is our own work.
import Fastify from 'fastify';
import { answerProbes } from './probe.mjs';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.send?.({ port: Number(new URL(address).port) });
answerProbes();
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
