// Accountcentral: provisioning.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const provisioningRoutes: FastifyPluginAsyncTypebox = async () => {};
