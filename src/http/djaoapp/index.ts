// The native API, DjaoApp's, mounted under /api.
import type { FastifyPluginAsync } from 'fastify';
import { authRoutes } from './auth.js';
import { profileRoutes } from './profiles.js';
import { accountRoutes } from './accounts.js';
import { roleRoutes } from './roles.js';
import { accessibleRoutes } from './accessibles.js';
import { domainRoutes } from './domains.js';
import { userAdminRoutes } from './user-admin.js';
import { usersRoutes } from './users.js';
import { sessionRoutes } from './sessions.js';
import { contactsRoutes } from './contacts.js';
import { contactRoutes } from './contact.js';

export const djaoappRoutes: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes);
  await app.register(profileRoutes);
  await app.register(accountRoutes);
  await app.register(roleRoutes);
  await app.register(accessibleRoutes);
  await app.register(domainRoutes);
  await app.register(userAdminRoutes);
  await app.register(usersRoutes);
  await app.register(sessionRoutes);
  await app.register(contactsRoutes);
  await app.register(contactRoutes);
};
