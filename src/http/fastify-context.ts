// What the service adds to Fastify's types, by declaration merging: the core on every
// instance and the authenticated caller on every request. Surfaces' route files rely on it
// without importing the app, so no route file depends on the module that registers it.
import type { Caller, Core } from '../core/context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks its own credential (/metrics): the authentication hook leaves it alone. */
    ownCredentials?: boolean;
  }
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyInstance {
    core: Core;
  }
}

export {};
