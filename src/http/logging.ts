// Request logging at a price that fits the hot path.
// - One line per request at `info`, when it completes, carrying both the request and the response
//   (Fastify's default writes two), each with the request id.
// - The per-request child logger is made on its first use: most requests below `info`
//   never log, and making a pino child costs more than the rest of a cached request.
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

export class OneLineLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  /** At `debug` only: useful to see a slow request arrive, too costly for every request. */
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

const LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

type LogMethod = (...args: unknown[]) => void;

export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  let child: FastifyBaseLogger | null = null;
  const real = () => (child ??= logger.child(bindings, options));
  const lazy = {
    get level() {
      return child?.level ?? logger.level;
    },
    set level(value: string) {
      real().level = value;
    },
    child: (more: Bindings, moreOptions?: ChildLoggerOptions) => real().child(more, moreOptions),
    silent: () => {},
  } as Record<string, unknown>;
  for (const level of LEVELS) {
    lazy[level] = (...args: unknown[]) => {
      const enabled = (logger as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled;
      if (child || !enabled || enabled.call(logger, level)) (real()[level] as LogMethod)(...args);
    };
  }
  return lazy as unknown as FastifyBaseLogger;
}
