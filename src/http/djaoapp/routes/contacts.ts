// /api/contacts/...: the same profiles as /api/users/, seen as contacts the broker's team
// follows, with the activities recorded on them.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createContact, deleteAccount, updateProfile } from '../../../core/identity/accounts.js';
import { ACTIVITY_LIST_SPEC, listActivities, recordActivity } from '../../../core/identity/contacts.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, UserParams, errors, ref } from '../schemas/common.js';
import { Activity, UserProfile, UserProfileCreate, UserProfilePatch, UserProfileUpdate } from '../schemas/users.js';
import { activityJson, userProfileJson } from '../shapes/users.js';

const CONTACTS = ['contacts'];

const ActivityCreate = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 10_000, description: 'Free-form description of the activity.' }),
  account: Type.Optional(Nullable(Type.String({ maxLength: 150, description: 'Slug of the organization the activity is about, or null.' }))),
}, { additionalProperties: false });

export const contactsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.post('/contacts/', {
    schema: {
      operationId: 'createContact',
      tags: CONTACTS,
      summary: 'Creates a contact',
      description: 'Same as `POST /api/users/`: a user without login credentials, named after the e-mail address. For the broker\'s managers.',
      body: UserProfileCreate,
      response: { 201: ref(UserProfile, 'The contact, created.'), ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    reply.code(201);
    return userProfileJson(await createContact(core, request.caller, request.body));
  });

  const updateDescription = 'Same as `PUT /api/users/{user}/`: changing the e-mail address needs `password` (of the user making the request), '
    + 'and for an account that can log in the new address waits for the confirmation link mailed to it.';
  app.put('/contacts/:user/', {
    schema: { tags: CONTACTS, operationId: 'updateContact', summary: 'Updates a contact', description: updateDescription, params: UserParams, body: UserProfileUpdate, response: { 200: ref(UserProfile, 'The contact, updated.'), ...errors(400, 401, 404) } },
  }, async (request) => userProfileJson(await updateProfile(core, request.caller, { slug: request.params.user }, request.body)));
  app.patch('/contacts/:user/', {
    schema: { tags: CONTACTS, operationId: 'patchContact', summary: 'Updates part of a contact', description: `${updateDescription} Only the fields given change.`, params: UserParams, body: UserProfilePatch, response: { 200: ref(UserProfile, 'The contact, updated.'), ...errors(400, 401, 404) } },
  }, async (request) => userProfileJson(await updateProfile(core, request.caller, { slug: request.params.user }, request.body)));

  app.delete('/contacts/:user/', {
    schema: {
      operationId: 'deleteContact',
      tags: CONTACTS,
      summary: 'Deletes a contact',
      description: 'Same as `DELETE /api/users/{user}/`: the account is anonymized and its history kept.',
      params: UserParams,
      response: { 204: NoContent('Deleted.'), ...errors(400, 401, 404, [409, 'The user is the only manager of an organization.']) },
    },
  }, async (request, reply) => {
    await deleteAccount(core, request.caller, { slug: request.params.user });
    return reply.code(204).send(null);
  });

  app.get('/contacts/:user/activities/', {
    schema: {
      operationId: 'listContactActivities',
      tags: CONTACTS,
      summary: 'Lists activities with a contact',
      description: 'Calls, e-mails and other activities the broker\'s team recorded with a contact, newest first; `q` searches the text. For the broker\'s managers.',
      params: UserParams,
      querystring: ListParams,
      response: { 200: PageOf(ref(Activity), 'A page of activities, newest first.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ACTIVITY_LIST_SPEC, config);
    const page = await listActivities(core, request.caller, { slug: request.params.user }, list);
    return pageEnvelope(request, config, list, page, activityJson);
  });

  app.post('/contacts/:user/activities/', {
    schema: {
      operationId: 'recordContactActivity',
      tags: CONTACTS,
      summary: 'Records an activity with a contact',
      description: 'Adds a note about an exchange with the contact, optionally about one organization. The caller is recorded as its author.',
      params: UserParams,
      body: ActivityCreate,
      response: { 201: ref(Activity, 'The activity, recorded.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    reply.code(201);
    return activityJson(await recordActivity(core, request.caller, { slug: request.params.user }, request.body));
  });
};
