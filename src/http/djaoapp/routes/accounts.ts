// /api/accounts/...: searching organizations and users to fill auto-completion inputs.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ACCOUNT_LIST, searchAccounts } from '../../../core/organizations/accounts.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { errors, ref } from '../schemas/common.js';
import { AccountBrief, UserContact } from '../schemas/organizations.js';
import { accountBriefJson, userContactJson } from '../shapes/organizations.js';

const TAGS = ['profile'];

const visibility = 'Any signed-in user may search, so forms can offer colleagues and customers, but only among what they may already see: the broker\'s managers see every account; others see the organizations where they hold a role (plus the customers below those they manage) and the users holding a role on one of those. `q` matches slug, name and e-mail.';

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/accounts/', {
    schema: {
      tags: TAGS, operationId: 'searchAccounts', summary: 'Searches billing and login profiles',
      description: `Organizations and users together, for auto-completion. ${visibility}`,
      querystring: ListParams, response: { 200: PageOf(ref(AccountBrief), 'A page of the accounts found.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ACCOUNT_LIST, config);
    return pageEnvelope(request, config, list, await searchAccounts(core, request.caller, 'all', list), accountBriefJson);
  });

  app.get('/accounts/profiles/', {
    schema: {
      tags: TAGS, operationId: 'searchOrganizationAccounts', summary: 'Searches billing profiles',
      description: `Organizations only, for auto-completion (unlike /api/profile/, meant to list them). ${visibility}`,
      querystring: ListParams, response: { 200: PageOf(ref(AccountBrief), 'A page of the accounts found.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ACCOUNT_LIST, config);
    return pageEnvelope(request, config, list, await searchAccounts(core, request.caller, 'organizations', list), accountBriefJson);
  });

  app.get('/accounts/users/', {
    schema: {
      tags: TAGS, operationId: 'searchUserAccounts', summary: 'Searches login profiles',
      description: `Users only, for auto-completion. ${visibility}`,
      querystring: ListParams, response: { 200: PageOf(ref(UserContact), 'A page of the users found.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ACCOUNT_LIST, config);
    return pageEnvelope(request, config, list, await searchAccounts(core, request.caller, 'users', list), userContactJson);
  });
};
