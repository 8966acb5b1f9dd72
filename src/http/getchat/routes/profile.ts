// A8: the authenticated user's profile.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getOwnAccount } from '../../../core/identity/accounts.js';
import { GetChatProfile } from '../schemas/users.js';
import { TAGS, errors, ref } from '../schemas/common.js';
import { userJson } from '../shapes/users.js';

export const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/account/profile', {
    schema: {
      operationId: 'getchatGetProfile',
      summary: 'Get the user profile',
      description: 'Gets the profile of the authenticated user.',
      tags: [TAGS.auth, TAGS.inferred],
      response: { 200: ref(GetChatProfile, 'The profile.'), ...errors(401) },
    },
  }, async (request) => ({ profile: userJson(await getOwnAccount(request.server.core, request.caller)) }));
};
