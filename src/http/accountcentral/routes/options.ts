// Accountcentral: options.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const optionRoutes: FastifyPluginAsyncTypebox = async () => {};
