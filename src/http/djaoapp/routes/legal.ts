// /api/legal/...: the agreements a user is asked to sign (terms of use...), their versions,
// and the signature that checkout may require.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const legalRoutes: FastifyPluginAsyncTypebox = async () => {
};
