// /api/profile/{organization}/domains/...: the e-mail domains an organization proved, which
// its implicit roles (implicit_create_on_none) enroll users of. An addition to DjaoApp.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addDomain, approveDomain, listDomains, listSiteDomains, removeDomain } from '../../../core/memberships/domains.js';
import { NoContent, Slug, errors, ref } from '../schemas/common.js';
import { Domain } from '../schemas/roles.js';
import { domainJson } from '../shapes/roles.js';

const OrgParams = Type.Object({ organization: Slug });
const DomainParams = Type.Object({ organization: Slug, domain: Type.String({ minLength: 1, maxLength: 253, pattern: '^[\\w.-]+$' }) });
const DomainBody = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253, description: 'An e-mail domain such as example.com.' }) }, { additionalProperties: false });
const Domains = (description: string) => Type.Object({ count: Type.Integer(), results: Type.Array(ref(Domain)) }, { description });

export const domainRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const tags = ['roles'];

  app.get('/domains/', {
    schema: {
      operationId: 'listSiteDomains',
      tags, summary: "Lists organizations' e-mail domains (addition)",
      description: "The site's (broker's) managers see the domains organizations claim, pending ones by default (`status=verified` or `status=all` for others), to approve them.",
      querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('all')])) }),
      response: { 200: Domains('The domains claimed.'), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const status = request.query.status ?? 'pending';
    const results = await listSiteDomains(core, request.caller, status === 'all' ? null : status);
    return { count: results.length, results: results.map(domainJson) };
  });

  app.get('/profile/:organization/domains/', {
    schema: {
      operationId: 'listDomains',
      tags, summary: "Lists an organization's e-mail domains (addition)",
      description: 'The domains the organization proved or asked for. Implicit roles only enroll users of verified ones; '
        + "the organization's own e-mail address proves nothing. Members of the organization may read it.",
      params: OrgParams,
      response: { 200: Domains('The domains of the organization.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const results = await listDomains(core, request.caller, { slug: request.params.organization });
    return { count: results.length, results: results.map(domainJson) };
  });

  app.post('/profile/:organization/domains/', {
    schema: {
      operationId: 'addDomain',
      tags, summary: 'Claims an e-mail domain (addition)',
      description: 'A manager claims a domain (never a free-mail domain such as gmail.com). It is verified at once only when the caller '
        + "manages the site; otherwise it stays pending until the site's managers approve it (an address at the domain proves no ownership of it). A domain another "
        + 'organization proved answers 409. 201 for a new claim, 200 for one already known. Managers only.',
      params: OrgParams, body: DomainBody,
      response: { 200: ref(Domain, 'The domain was already claimed.'), 201: ref(Domain, 'The domain, claimed.'), ...errors(400, 401, 403, 404, [409, 'Another organization proved the domain.']) },
    },
  }, async (request, reply) => {
    const { view, created } = await addDomain(core, request.caller, { slug: request.params.organization }, request.body.domain);
    return reply.code(created ? 201 : 200).send(domainJson(view));
  });

  app.post('/profile/:organization/domains/:domain/approve/', {
    schema: {
      operationId: 'approveDomain',
      tags, summary: 'Approves an e-mail domain (addition)',
      description: "The site's (broker's) managers approve a pending domain; others get 403.",
      params: DomainParams, response: { 200: ref(Domain, 'The domain, verified.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => domainJson(await approveDomain(core, request.caller, { slug: request.params.organization }, request.params.domain)));

  app.delete('/profile/:organization/domains/:domain/', {
    schema: {
      operationId: 'removeDomain',
      tags, summary: 'Gives up an e-mail domain (addition)',
      description: 'Implicit roles stop enrolling users of the domain; those already enrolled keep their role. Managers only.',
      params: DomainParams, response: { 204: NoContent('Given up.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await removeDomain(core, request.caller, { slug: request.params.organization }, request.params.domain);
    return reply.code(204).send(null);
  });
};
