// /api/accounts/...: searching organizations and users to fill auto-completion inputs.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { App } from '../app.js';
import { searchAccounts, type AccountBrief } from '../../core/organizations/accounts.js';
import type { ListSpec } from '../../core/pagination.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from './pages.js';
import { Nullable, errors } from './schemas.js';
import { printableName } from '../../core/identity/users.js';

const TAGS = ['profile'];

// The orderable names, for validating `o`; the core maps them to columns.
const ORDER: ListSpec = {
  orderable: { slug: 'slug', full_name: 'full_name', email: 'email', created_at: 'created_at' },
  searchable: [], defaultOrder: ['slug'], tieBreaker: 'slug',
};

const ProfileBrief = Type.Object({
  slug: Type.String({ description: 'Username or organization slug.' }),
  full_name: Type.String(),
  printable_name: Type.String(),
  picture: Nullable(Type.String()),
  type: Type.String({ description: "One of 'organization', 'personal' or 'user'." }),
  credentials: Type.Boolean({ description: 'True when the account logs in (a user, or a personal profile).' }),
  email: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

const UserContact = Type.Object({
  slug: Type.String({ description: 'Username.' }),
  email: Type.String(),
  full_name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

function briefJson(a: AccountBrief): Static<typeof ProfileBrief> {
  return {
    slug: a.slug, full_name: a.full_name, printable_name: printableName(a), picture: a.picture,
    type: a.type, credentials: a.credentials, email: a.email ?? '', created_at: new Date(a.created_at).toISOString(),
  };
}

const visibility = 'Any signed-in user may search, so forms can offer colleagues and customers, but only among what they may already see: the broker\'s managers see every account; others see the organizations where they hold a role (plus the customers below those they manage) and the users holding a role on one of those. `q` matches slug, name and e-mail.';

export const accountRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;
  const { config } = core;

  app.get('/accounts/', {
    schema: {
      tags: TAGS, summary: 'Searches billing and login profiles',
      description: `Organizations and users together, for auto-completion. ${visibility}`,
      querystring: ListParams, response: { 200: PageOf(ProfileBrief), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ORDER, config);
    return pageEnvelope(request, config, list, await searchAccounts(core, request.caller, 'all', list), briefJson);
  });

  app.get('/accounts/profiles/', {
    schema: {
      tags: TAGS, summary: 'Searches billing profiles',
      description: `Organizations only, for auto-completion (unlike /api/profile/, meant to list them). ${visibility}`,
      querystring: ListParams, response: { 200: PageOf(ProfileBrief), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ORDER, config);
    return pageEnvelope(request, config, list, await searchAccounts(core, request.caller, 'organizations', list), briefJson);
  });

  app.get('/accounts/users/', {
    schema: {
      tags: TAGS, summary: 'Searches login profiles',
      description: `Users only, for auto-completion. ${visibility}`,
      querystring: ListParams, response: { 200: PageOf(UserContact), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ORDER, config);
    return pageEnvelope(request, config, list, await searchAccounts(core, request.caller, 'users', list), (a) => ({
      slug: a.slug, email: a.email ?? '', full_name: a.full_name, created_at: new Date(a.created_at).toISOString(),
    }));
  });
};
