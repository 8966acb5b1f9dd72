// The baseline: a bare node:http server answering a small JSON body. Plain JavaScript
// run by plain `node`, so its start-up time is node's own.
import { createServer } from 'node:http';
import { answerProbes } from './probe.mjs';

const body = JSON.stringify({ hello: 'world' });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
answerProbes();
process.on('SIGTERM', () => server.close(() => process.exit(0)));
