// Accountcentral: options. Public reference data: countries, the platform's applications
// and the sites related to the platform. The lists come from the core (built in, or the data
// folder's applications.json and sites.json), never from this file.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listCountries } from '../../../core/organizations/countries.js';
import { platformApplications } from '../../../core/team/platform-applications.js';
import { platformSites } from '../../../core/team/platform-sites.js';
import { AC, TAGS, errors, ref } from '../schemas/common.js';
import { AcCountries, AcPlatformApplication, AcSite, AcSites } from '../schemas/self.js';

const PUBLIC = 'Public: no authentication needed.';
/** These lists take no parameter: one sent (a typo of another operation's) is a 400 naming it, not silently ignored. */
const NoQuery = Type.Object({}, { additionalProperties: false });
const NO_QUERY = [400, 'A query parameter was sent: this list takes none.'] as const;
const SITES_FILE = 'The lists are the deployment\'s: `DATA_DIR/sites.json` (`{"applications": [...], "networkSites": [...], "socialSites": [...]}`, each entry `{code, name, url}`; a list left out keeps its default). Without it: the platform applications that have a URL, the portal at BASE_URL as the one network site, and no social sites.';

export const optionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/options/countries`, {
    schema: {
      operationId: 'acListCountries',
      tags: [TAGS.customers, TAGS.options],
      summary: 'Allowed options for customer preferences',
      description: `The values a customer's \`country\` accepts: the 249 countries of ISO 3166-1 by their alpha-2 code, named in \`lang\` (a BCP 47 language tag; English when not given or unknown) and sorted by that name. ${PUBLIC}`,
      security: [],
      querystring: Type.Object({
        lang: Type.Optional(Type.String({ minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$', description: 'The language of the names (`en`, `it`, `pt-BR`).' })),
      }),
      response: { 200: ref(AcCountries, 'The countries.'), ...errors(400) },
    },
  }, async (request) => ({ countries: [...listCountries(request.query.lang?.replace('_', '-'))] }));

  app.get(`${AC}/options/applications`, {
    schema: {
      operationId: 'acListPlatformApplications',
      tags: [TAGS.applications, TAGS.options],
      summary: 'Applications of contactlab platform',
      description: `Every application available on the platform, based on the environment: the deployment's \`DATA_DIR/applications.json\` when present, else the built-in catalog (accountcentral, hub, mc, cplan, send, content, flow, eddie, demo_client, cdata, srr). Each with its code, name, the roles a user may hold in it, whether a role in it may be given when a user is created, and its URL when configured. ${PUBLIC}`,
      security: [],
      querystring: NoQuery,
      response: { 200: Type.Array(ref(AcPlatformApplication), { description: 'The applications.' }), ...errors([...NO_QUERY]) },
    },
  }, async () => platformApplications(core).map((a) => ({ ...a, roles: [...a.roles] })));

  app.get(`${AC}/options/sites`, {
    schema: {
      operationId: 'acListSites',
      tags: [TAGS.options],
      summary: 'Sites related to contactlab',
      description: `Every site related to the platform: the applications', the network's and the social ones. ${SITES_FILE} ${PUBLIC}`,
      security: [],
      querystring: NoQuery,
      response: { 200: ref(AcSites, 'The sites.'), ...errors([...NO_QUERY]) },
    },
  }, async () => platformSites(core));

  app.get(`${AC}/options/sites/network`, {
    schema: {
      operationId: 'acListNetworkSites',
      tags: [TAGS.options],
      summary: 'network sites of contactlab',
      description: `The network's own sites (as \`networkSites\` of "Sites related to contactlab"). ${SITES_FILE} ${PUBLIC}`,
      security: [],
      querystring: NoQuery,
      response: { 200: Type.Array(ref(AcSite), { description: 'The network sites.' }), ...errors([...NO_QUERY]) },
    },
  }, async () => platformSites(core).networkSites);

  app.get(`${AC}/options/sites/social`, {
    schema: {
      operationId: 'acListSocialSites',
      tags: [TAGS.options],
      summary: 'social sites of contactlab',
      description: `The platform's pages on social networks (as \`socialSites\` of "Sites related to contactlab"). ${SITES_FILE} ${PUBLIC}`,
      security: [],
      querystring: NoQuery,
      response: { 200: Type.Array(ref(AcSite), { description: 'The social sites.' }), ...errors([...NO_QUERY]) },
    },
  }, async () => platformSites(core).socialSites);
};
