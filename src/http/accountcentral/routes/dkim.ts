// Accountcentral: dkim.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const dkimRoutes: FastifyPluginAsyncTypebox = async () => {};
