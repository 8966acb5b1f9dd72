// The native API, DjaoApp's, mounted under /api.
import type { FastifyPluginAsync } from 'fastify';
import { authRoutes } from './auth.js';

export const djaoappRoutes: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes);
};
