// /api/profile/...: billing profiles (organizations), their partner tree of customers,
// their lifecycle, quotas and history; and /api/users/{user}/profiles/.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createProfile, createProfileForUser, listProfiles, listUserProfiles, PROFILE_LIST,
} from '../../../core/organizations/profiles.js';
import { getProfileDetail, updateProfileDetail } from '../../../core/billing/subscriber-subscriptions.js';
import { createCustomer, listCustomers } from '../../../core/organizations/customers.js';
import {
  ORGANIZATION_EVENT_LIST, closeOrganization, listOrganizationEvents, reactivateOrganization, suspendOrganization,
} from '../../../core/organizations/lifecycle.js';
import { getQuotas, setQuotas } from '../../../core/organizations/quotas.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, OrganizationParams, Slug, UserParams, errors, ref } from '../schemas/common.js';
import { OrganizationDetail, OrganizationEvent, OrganizationProfile, Quotas } from '../schemas/organizations.js';
import { organizationDetailJson, organizationEventJson, organizationProfileJson } from '../shapes/organizations.js';

const TAGS = ['profile'];

const ProfileType = Type.Union([Type.Literal('organization'), Type.Literal('personal')], {
  description: "'organization', or 'personal' for the billing profile of the user it is created for.",
});

const optionalText = (description: string, maxLength = 255) => Type.Optional(Nullable(Type.String({ maxLength, description })));

const profileFields = {
  slug: Type.Optional(Type.String({ ...Slug, description: 'Unique identifier shown in the URL bar; derived from full_name when absent.' })),
  full_name: Type.Optional(Type.String({ maxLength: 150, format: 'single-line', description: 'Full name.' })),
  email: Type.Optional(Nullable(Type.Union([Type.Literal(''), Type.String({ format: 'email', maxLength: 254 })], { description: 'E-mail address.' }))),
  phone: optionalText('Phone number.', 50),
  street_address: optionalText('Street address.'),
  locality: optionalText('City/Town.'),
  region: optionalText('State/Province/County.'),
  postal_code: optionalText('Zip/Postal code.', 50),
  country: optionalText('Country.', 100),
  default_timezone: Type.Optional(Type.String({ maxLength: 64, description: 'Timezone to use when reporting metrics.' })),
  extra: optionalText('Extra meta data (can be stringified JSON).', 10_000),
  picture: optionalText('URL of the profile picture.', 2048),
};

const ProfileCreateBody = Type.Object({ ...profileFields, type: Type.Optional(ProfileType) }, { additionalProperties: false });

const changeFields = {
  ...profileFields,
  is_provider: Type.Optional(Type.Boolean({ description: 'The organization can fulfill the provider side of a subscription (broker managers only).' })),
  is_bulk_buyer: Type.Optional(Type.Boolean({ description: 'Enable GroupBuy (broker managers only).' })),
};
const ProfilePatchBody = Type.Object(changeFields, { additionalProperties: false });
const ProfilePutBody = Type.Object({
  ...changeFields,
  full_name: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Full name.' }),
  email: Type.String({ format: 'email', maxLength: 254, description: 'E-mail address.' }),
}, { additionalProperties: false });

const CustomerListParams = Type.Object({
  ...ListParams.properties,
  depth: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('all')], { description: '`1` (default): direct customers; `all`: customers at every level below.' })),
});

const CustomerCreateBody = Type.Object({
  ...profileFields,
  full_name: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Full name of the customer organization.' }),
  manager: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'E-mail or username of who should manage the customer. Recorded in its history only: invite them through the roles API.' })),
}, { additionalProperties: false });

const SuspendBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why; shown to the members in every refusal.' }),
}, { additionalProperties: false });
const CloseBody = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 500, description: 'Why; kept in the history.' })),
}, { additionalProperties: false });

const QuotaValue = (description: string) => Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description }));
const QuotasBody = Type.Object({
  customer_quota: QuotaValue('How many customer organizations it may have; null for no limit.'),
  seat_quota: QuotaValue('How many users may hold a role on it (accepted or pending); null for no limit.'),
}, { additionalProperties: false });
const Profile = (description: string) => ref(OrganizationProfile, description);
const Detail = (description: string) => ref(OrganizationDetail, description);
const Profiles = (description: string) => PageOf(ref(OrganizationProfile), description);

export const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/profile/', {
    schema: {
      operationId: 'listProfiles',
      tags: TAGS,
      summary: 'Lists billing profiles',
      description: 'A page of the organizations the caller may see: every one for the broker\'s managers; otherwise those where the caller holds an accepted role, plus the customers, at every depth, of the organizations the caller manages. `q` searches slug, name, e-mail, phone and address; `o` orders by slug, full_name, email or created_at.',
      querystring: ListParams,
      response: { 200: Profiles('A page of organizations.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, PROFILE_LIST, config);
    return pageEnvelope(request, config, list, await listProfiles(core, request.caller, list), organizationProfileJson);
  });

  app.post('/profile/', {
    schema: {
      operationId: 'createProfile',
      tags: TAGS,
      summary: 'Creates a billing profile',
      description: 'Creates an organization whose manager is the caller. The slug is derived from full_name when absent (made unique); a slug already taken is refused. With `type: personal` it is the caller\'s own billing profile (one per user), named and addressed after them unless told otherwise.',
      body: ProfileCreateBody,
      response: { 201: Profile('The organization, created.'), ...errors(400, 401) },
    },
  }, async (request, reply) => reply.code(201).send(organizationProfileJson(await createProfile(core, request.caller, request.body))));

  app.get('/profile/:organization/', {
    schema: {
      operationId: 'getProfile',
      tags: TAGS,
      summary: 'Retrieves a billing profile',
      description: 'The organization with its active subscriptions. Members, the managers of a partner above it and the broker\'s managers may read it; anyone else gets 404.',
      params: OrganizationParams,
      response: { 200: Detail('The organization.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationDetailJson(await getProfileDetail(core, request.caller, { slug: request.params.organization })));

  app.put('/profile/:organization/', {
    schema: {
      operationId: 'updateProfile',
      tags: TAGS,
      summary: 'Updates a billing profile',
      description: 'Replaces the profile\'s fields (full_name and email required). Its managers, a partner\'s managers above it and the broker\'s managers may; is_provider and is_bulk_buyer only change by the broker\'s managers.',
      params: OrganizationParams,
      body: ProfilePutBody,
      response: { 200: Detail('The organization, updated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationDetailJson(await updateProfileDetail(core, request.caller, { slug: request.params.organization }, request.body)));

  app.patch('/profile/:organization/', {
    schema: {
      operationId: 'patchProfile',
      tags: TAGS,
      summary: 'Updates some fields of a billing profile',
      description: 'Like PUT, but only the fields sent change.',
      params: OrganizationParams,
      body: ProfilePatchBody,
      response: { 200: Detail('The organization, updated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationDetailJson(await updateProfileDetail(core, request.caller, { slug: request.params.organization }, request.body)));

  app.delete('/profile/:organization/', {
    schema: {
      operationId: 'deleteProfile',
      tags: TAGS,
      summary: 'Deletes a billing profile',
      description: 'Closes the organization rather than erasing it, so the history of its subscriptions and transactions stays whole: its members are detached, pending invitations and requests removed, its name and contact details anonymized and its slug freed (it becomes `closed-<id>`). Irreversible.',
      params: OrganizationParams,
      response: { 204: NoContent('Closed.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await closeOrganization(core, request.caller, { slug: request.params.organization }, 'delete');
    return reply.code(204).send(null);
  });

  app.get('/profile/:organization/customers/', {
    schema: {
      operationId: 'listCustomers',
      tags: TAGS,
      summary: 'Lists customers of a partner',
      description: 'Not in DjaoApp. The organizations created as customers of {organization}: direct ones, or every level below with `?depth=all`. Readable by its members, the managers above it and the broker\'s managers.',
      params: OrganizationParams,
      querystring: CustomerListParams,
      response: { 200: Profiles('A page of customer organizations.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { depth, ...params } = request.query;
    const list = toListQuery(params, PROFILE_LIST, config);
    const page = await listCustomers(core, request.caller, { slug: request.params.organization }, depth === 'all', list);
    return pageEnvelope(request, config, list, page, organizationProfileJson);
  });

  app.post('/profile/:organization/customers/', {
    schema: {
      operationId: 'createCustomer',
      tags: TAGS,
      summary: 'Creates a customer organization',
      description: 'Not in DjaoApp (get.chat\'s partner customers). Creates an organization whose partner is {organization}. Nobody gets a role on it: the partner\'s managers manage it, and its own customers, through the tree. `manager` is only recorded in its history; invite people through its roles. Refused with 403 when the partner\'s customer_quota is reached, also when requests race for the last slot.',
      params: OrganizationParams,
      body: CustomerCreateBody,
      response: { 201: Profile('The customer organization, created.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => reply.code(201).send(organizationProfileJson(await createCustomer(core, request.caller, { slug: request.params.organization }, request.body))));

  const lifecycleNote = 'Only the broker\'s managers and the managers of a partner above the organization may; its own managers may not. Recorded in its events.';

  app.post('/profile/:organization/suspend/', {
    schema: {
      operationId: 'suspendOrganization',
      tags: TAGS,
      summary: 'Suspends an organization',
      description: `Not in DjaoApp. Keeps every data but refuses every request of its own members with 403 and the reason. ${lifecycleNote}`,
      params: OrganizationParams,
      body: SuspendBody,
      response: { 200: Profile('The organization, in its new state.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => organizationProfileJson(await suspendOrganization(core, request.caller, { slug: request.params.organization }, request.body.reason)));

  app.post('/profile/:organization/reactivate/', {
    schema: {
      operationId: 'reactivateOrganization',
      tags: TAGS,
      summary: 'Reactivates a suspended organization',
      description: `Not in DjaoApp. Lets its members in again. ${lifecycleNote}`,
      params: OrganizationParams,
      response: { 200: Profile('The organization, in its new state.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => organizationProfileJson(await reactivateOrganization(core, request.caller, { slug: request.params.organization })));

  app.post('/profile/:organization/close/', {
    schema: {
      operationId: 'closeOrganization',
      tags: TAGS,
      summary: 'Closes an organization for good',
      description: `Not in DjaoApp. Irreversible: members detached, pending invitations and requests removed, name and contact details anonymized, slug freed (it becomes \`closed-<id>\`), history kept. Afterwards only the broker's managers can still read it. ${lifecycleNote}`,
      params: OrganizationParams,
      body: CloseBody,
      response: { 200: Profile('The organization, in its new state.'), ...errors(400, 401, 403, 404, 409) },
    },
    // The body is optional: a POST without one closes with no reason.
    preValidation: async (request) => { request.body ??= {}; },
  }, async (request) => organizationProfileJson(await closeOrganization(core, request.caller, { slug: request.params.organization }, 'close', request.body.reason)));

  app.get('/profile/:organization/events/', {
    schema: {
      operationId: 'listOrganizationEvents',
      tags: TAGS,
      summary: 'Lists the history of an organization',
      description: 'Not in DjaoApp. Every creation, change, lifecycle step and quota change, newest first. Readable by its managers, the managers above it and the broker\'s managers.',
      params: OrganizationParams,
      querystring: ListParams,
      response: { 200: PageOf(ref(OrganizationEvent), 'A page of the history, newest first.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ORGANIZATION_EVENT_LIST, config);
    return pageEnvelope(request, config, list, await listOrganizationEvents(core, request.caller, { slug: request.params.organization }, list), organizationEventJson);
  });

  app.get('/profile/:organization/quotas/', {
    schema: {
      operationId: 'getQuotas',
      tags: TAGS,
      summary: 'Retrieves the quotas of an organization',
      description: 'Not in DjaoApp. How many customers and seats it may have, and how many it has. Readable by whoever may read the organization.',
      params: OrganizationParams,
      response: { 200: ref(Quotas, 'The quotas and their use.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => getQuotas(core, request.caller, { slug: request.params.organization }));

  app.put('/profile/:organization/quotas/', {
    schema: {
      operationId: 'setQuotas',
      tags: TAGS,
      summary: 'Sets the quotas of an organization',
      description: 'Not in DjaoApp. Only the broker\'s managers and the managers of a partner above it may. A quota below current use blocks new customers or seats without removing any.',
      params: OrganizationParams,
      body: QuotasBody,
      response: { 200: ref(Quotas, 'The quotas, as set, and their use.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => setQuotas(core, request.caller, { slug: request.params.organization }, request.body));

  app.get('/users/:user/profiles/', {
    schema: {
      operationId: 'listUserProfiles',
      tags: TAGS,
      summary: 'Lists billing profiles of a user',
      description: 'The organizations where {user} holds an accepted role. The user and the broker\'s managers see all of them; a manager of one of them sees only those they may see themselves.',
      params: UserParams,
      querystring: ListParams,
      response: { 200: Profiles('A page of organizations.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, PROFILE_LIST, config);
    return pageEnvelope(request, config, list, await listUserProfiles(core, request.caller, { slug: request.params.user }, list), organizationProfileJson);
  });

  app.post('/users/:user/profiles/', {
    schema: {
      operationId: 'createUserProfile',
      tags: TAGS,
      summary: 'Creates a profile managed by a user',
      description: 'Creates an organization whose manager is {user}; the user themselves or the broker\'s managers may. A slug already taken is refused: to join an existing organization, request access through /api/users/{user}/accessibles/.',
      params: UserParams,
      body: ProfileCreateBody,
      response: { 201: Profile('The organization, created.'), ...errors(400, 401, 404) },
    },
  }, async (request, reply) => reply.code(201).send(organizationProfileJson(await createProfileForUser(core, request.caller, { slug: request.params.user }, request.body))));
};
