// Accountcentral: capabilities.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const capabilityRoutes: FastifyPluginAsyncTypebox = async () => {};
