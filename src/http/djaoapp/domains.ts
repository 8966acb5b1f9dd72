// /api/profile/{organization}/domains/...: the e-mail domains an organization proved, which
// its implicit roles (implicit_create_on_none) enroll users of. An addition to DjaoApp.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import { addDomain, approveDomain, listDomains, listSiteDomains, removeDomain, type DomainView } from '../../core/memberships/domains.js';
import { Nullable, Slug, errors } from './schemas.js';

const Domain = Type.Object({
  organization: Type.String({ description: 'Slug of the organization that claims the domain.' }),
  domain: Type.String({ description: 'The e-mail domain, lower case.' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified')], {
    description: 'verified: implicit roles enroll users with a verified address there; pending: waiting for the site\'s managers.',
  }),
  verified_how: Nullable(Type.Union([Type.Literal('broker')], {
    description: 'broker: the site\'s managers verified it (the only way today; a DNS challenge may follow).',
  })),
  requested_by: Nullable(Type.String({ description: 'Username of the manager who asked for it.' })),
  verified_by: Nullable(Type.String({ description: 'Username of whoever proved or approved it.' })),
  created_at: Type.String({ format: 'date-time' }),
  verified_at: Nullable(Type.String({ format: 'date-time' })),
});
const OrgParams = Type.Object({ organization: Slug });
const DomainParams = Type.Object({ organization: Slug, domain: Type.String({ minLength: 1, maxLength: 253, pattern: '^[\\w.-]+$' }) });
const DomainBody = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253, description: 'An e-mail domain such as example.com.' }) });

function domainShape(d: DomainView) {
  return {
    ...d, created_at: d.created_at.toISOString(), verified_at: d.verified_at ? new Date(d.verified_at).toISOString() : null,
  };
}

export const domainRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;
  const tags = ['roles'];

  app.get('/domains/', {
    schema: {
      tags, summary: "Lists organizations' e-mail domains (addition)",
      description: "The site's (broker's) managers see the domains organizations claim, pending ones by default (`status=verified` or `status=all` for others), to approve them.",
      querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('all')])) }),
      response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(Domain) }), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const status = request.query.status ?? 'pending';
    const results = await listSiteDomains(core, request.caller, status === 'all' ? null : status);
    return { count: results.length, results: results.map(domainShape) };
  });

  app.get('/profile/:organization/domains/', {
    schema: {
      tags, summary: "Lists an organization's e-mail domains (addition)",
      description: 'The domains the organization proved or asked for. Implicit roles only enroll users of verified ones; '
        + "the organization's own e-mail address proves nothing. Members of the organization may read it.",
      params: OrgParams,
      response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(Domain) }), ...errors(401, 403, 404) },
    },
  }, async (request) => {
    const results = await listDomains(core, request.caller, request.params.organization);
    return { count: results.length, results: results.map(domainShape) };
  });

  app.post('/profile/:organization/domains/', {
    schema: {
      tags, summary: 'Claims an e-mail domain (addition)',
      description: 'A manager claims a domain. It is verified at once when the manager has a verified address at that domain (never a free-mail '
        + "domain such as gmail.com) or manages the site; otherwise it stays pending until the site's managers approve it. A domain another "
        + 'organization proved answers 409. 201 for a new claim, 200 for one already known. Managers only.',
      params: OrgParams, body: DomainBody,
      response: { 200: Domain, 201: Domain, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const { view, created } = await addDomain(core, request.caller, request.params.organization, request.body.domain);
    return reply.code(created ? 201 : 200).send(domainShape(view));
  });

  app.post('/profile/:organization/domains/:domain/approve/', {
    schema: {
      tags, summary: 'Approves an e-mail domain (addition)',
      description: "The site's (broker's) managers approve a pending domain; others get 403.",
      params: DomainParams, response: { 200: Domain, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => domainShape(await approveDomain(core, request.caller, request.params.organization, request.params.domain)));

  app.delete('/profile/:organization/domains/:domain/', {
    schema: {
      tags, summary: 'Gives up an e-mail domain (addition)',
      description: 'Implicit roles stop enrolling users of the domain; those already enrolled keep their role. Managers only.',
      params: DomainParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await removeDomain(core, request.caller, request.params.organization, request.params.domain);
    return reply.code(204).send(null);
  });
};
