// Applications AP1-AP5, and the deprecated instant creation (AP6).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  APPLICATION_LIST, createApplication, deleteApplication, getApplication, instantCreateApplication, listApplications, updateApplication,
} from '../../../core/provisioning/applications.js';
import { Id, TAGS, errors, ref } from '../schemas/common.js';
import { PartnerMeta } from '../schemas/stacks.js';
import { GetChatApplication, GetChatApplicationWithPackage } from '../schemas/applications.js';
import { applicationJson, applicationWithPackageJson } from '../shapes/applications.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';

const StackParams = Type.Object({ stack_id: Id('ID of the Stack.') });
const ApplicationParams = Type.Object({ application_id: Id('ID of the Application.') });

const D360_NOTE = '⚠️ There is a temporary limitation that `d360_api_key` (360dialog API Key) for the Inbox package could be passed only by Partner+ roles (403 `setting.not_allowed` otherwise).';
const Settings = (verb: string) => Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), {
  maxProperties: 100,
  description: `Key-value pairs that will be passed to ${verb} the application, checked against the package's \`settings_schema\` and the caller's role; `
    + 'a refused or unknown setting is named in the error (`settings.<name>`).',
});

const CreateBody = Type.Object({
  package_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'ID of the Package.' }),
  settings: Type.Optional(Settings('install')),
  partner_meta: Type.Optional(PartnerMeta()),
}, { additionalProperties: false });
const UpdateBody = Type.Object({
  settings: Type.Optional(Settings('update')),
  partner_meta: Type.Optional(PartnerMeta()),
}, { additionalProperties: false });
const InstantBody = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254, description: 'Email of the user whom to invite (as the Owner of the new organization).' }),
  package_type: Type.String({ minLength: 1, maxLength: 100, description: 'Package type of the application to install.' }),
  settings: Type.Optional(Settings('install')),
  partner_meta: Type.Optional(PartnerMeta()),
}, { additionalProperties: false });

const FILTERS: FilterDeclaration = {
  id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
  user_status: { type: 'string', ops: ['eq', 'ne', 'in', 'nin'] },
  is_locked: { type: 'boolean', ops: ['eq', 'ne'] },
  is_deployed: { type: 'boolean', ops: ['eq', 'ne'] },
  domain: { type: 'string', ops: ['eq', 'ss'] },
  stack_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
  created_at: { type: 'datetime', ops: ['lte', 'lt', 'gte', 'gt'] },
  package_id: { type: 'integer', ops: ['eq'] },
  package_type: { type: 'string', ops: ['eq', 'ne', 'in', 'nin'] },
  organization_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
  partner_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
};
const LIST_OPTIONS = { paginated: true, softDelete: true };

const LIFECYCLE = 'It answers at once with `user_status: REQUESTED` and `is_locked: true`; poll `GET /integration/applications/{application_id}` '
  + 'until `user_status` is `READY` (or `FAILED`, with `error`). The outcome is sent to the webhook_url of the organization and of its partners '
  + '(`application.{deployment|modification|destruction}.{succeeded|failed}`; the seed spells `application.deployemnt.failed`, we send `application.deployment.failed`).';

export const applicationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.post('/integration/stacks/:stack_id/applications', {
    schema: {
      operationId: 'getchatCreateApplication',
      summary: 'Creates an application of the package on the stack',
      description: `Creates an application of the package on the stack (which must be READY: 409 \`stack.locked\` while it deploys), within the stack's `
        + `\`application_quota\` (403 \`quota.applications_exceeded\`); one application per package on a stack (409). ${D360_NOTE} ${LIFECYCLE} `
        + 'Once deployed, the owner at `admin_email` (by default the caller\'s e-mail) receives the activation mail, and with `configurator_user` '
        + 'the configurator token is POSTed as `{"token": ...}` to `configurator_webhook_url` with `configurator_webhook_headers`.',
      tags: [TAGS.applications],
      params: StackParams, body: CreateBody,
      response: {
        201: ref(GetChatApplication, 'The application, REQUESTED.'),
        ...errors(400, 401, [403, 'The caller may not, a partner-only setting, a quota, or a suspended organization.'], [404, 'No such stack or package.'], [409, 'The stack is deploying, or already has this package.']),
      },
    },
  }, async (request, reply) => {
    const application = await createApplication(core, request.caller, request.params.stack_id, request.body);
    return reply.code(201).send(applicationJson(application));
  });

  app.get('/integration/stacks/:stack_id/applications', {
    schema: {
      operationId: 'getchatListApplications',
      summary: 'Show a list of selected applications in the stack',
      description: 'The stack\'s applications, deleted ones hidden unless `deleted_at[eq]`/`deleted_at[ne]` says otherwise. '
        + 'The deprecated `paginated` (default false) answers a bare array; filtering and sorting work either way.',
      tags: [TAGS.applications, TAGS.inferred],
      params: StackParams,
      querystring: listQuery(FILTERS, LIST_OPTIONS),
      response: { 200: ListOf(ref(GetChatApplicationWithPackage), 'The applications.', true), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, FILTERS, APPLICATION_LIST, core.config, LIST_OPTIONS);
    const page = await listApplications(core, request.caller, request.params.stack_id, asked.list);
    return listAnswer(asked, page, applicationWithPackageJson);
  });

  app.get('/integration/applications/:application_id', {
    schema: {
      operationId: 'getchatGetApplication',
      summary: 'Gets application by the ID',
      description: 'Gets application by the ID: poll it until `user_status` is `READY`. A deleted application answers 404.',
      tags: [TAGS.applications],
      params: ApplicationParams,
      response: { 200: ref(GetChatApplicationWithPackage, 'The application.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => applicationWithPackageJson(await getApplication(core, request.caller, request.params.application_id)));

  app.patch('/integration/applications/:application_id', {
    schema: {
      operationId: 'getchatUpdateApplication',
      summary: 'Updates the existing application',
      description: `Updates the existing application. \`settings\` are merged over the stored ones, checked again and deployed. ${D360_NOTE} ${LIFECYCLE} `
        + '`partner_meta` alone is saved at once, nothing is deployed. Refused with 409 while the application or its stack is deploying.',
      tags: [TAGS.applications, TAGS.inferred],
      params: ApplicationParams, body: UpdateBody,
      response: { 200: ref(GetChatApplicationWithPackage, 'The application.'), ...errors(400, 401, 403, 404, [409, 'A deployment is under way.']) },
    },
  }, async (request) => applicationWithPackageJson(await updateApplication(core, request.caller, request.params.application_id, request.body)));

  app.delete('/integration/applications/:application_id', {
    schema: {
      operationId: 'getchatDeleteApplication',
      summary: 'Deletes applications by the ID',
      description: `Deletes the application by the ID. ${LIFECYCLE} Once destroyed it is soft-deleted (lists show it with \`deleted_at[ne]=null\`) and its package routing goes with it.`,
      tags: [TAGS.applications, TAGS.inferred],
      params: ApplicationParams,
      response: { 200: ref(GetChatApplicationWithPackage, 'The application, being destroyed.'), ...errors(400, 401, 403, 404, [409, 'A deployment is under way.']) },
    },
  }, async (request) => applicationWithPackageJson(await deleteApplication(core, request.caller, request.params.application_id)));

  app.post('/integration/applications', {
    schema: {
      operationId: 'getchatInstantCreateApplication',
      summary: 'Instant Create Application (deprecated)',
      description: 'This is a deprecated endpoint made in a fast manner and will be removed in the future: use `POST /account/organizations/{organization_id}/customers`, '
        + 'the invitation of a user, `POST /integration/organizations/{organization_id}/stacks` and `POST /integration/stacks/{stack_id}/applications` instead. '
        + 'Allows you to deploy any application skipping organization creation, user invitation and stack creation: in one step, a customer organization of '
        + 'the caller\'s own organization (named after `email`), the invitation of `email` as its Owner (mailed), a stack, and the application of the package '
        + `\`package_type\`, deployed once the stack is READY. \`admin_email\` defaults to \`email\`. ${D360_NOTE} ${LIFECYCLE}`,
      tags: [TAGS.applications, TAGS.inferred],
      deprecated: true,
      body: InstantBody,
      response: {
        201: ref(GetChatApplication, 'The application, REQUESTED.'),
        ...errors(400, 401, [403, 'The caller may not create customers, a partner-only setting, or a quota.'], [404, 'No package of this type.']),
      },
    },
  }, async (request, reply) => {
    const application = await instantCreateApplication(core, request.caller, request.body);
    return reply.code(201).send(applicationJson(application));
  });
};
