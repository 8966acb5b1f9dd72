// Accountcentral: status.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const statusRoutes: FastifyPluginAsyncTypebox = async () => {};
