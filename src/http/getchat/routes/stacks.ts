// Stacks S1-S5, and the deprecated creation without an organization in the path.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  STACK_LIST, createStack, deleteStack, getStack, listStacks, updateStack,
} from '../../../core/provisioning/stacks.js';
import { Id, TAGS, errors, ref } from '../schemas/common.js';
import { GetChatStack, PartnerMeta } from '../schemas/stacks.js';
import { stackJson } from '../shapes/stacks.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';

const OrganizationParams = Type.Object({ organization_id: Id('Organization ID.') });
const StackParams = Type.Object({ stack_id: Id('ID of the Stack.') });

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'Custom stack name. A 12-digit hex name is generated when none is given.' });
const Subdomain = Type.String({
  minLength: 1, maxLength: 63, pattern: '^[a-z0-9-]+$',
  description: 'Subdomain of the stack. [Attention] changing it will re-deploy all applications installed on the stack and change their domains. Derived from the name when none is given; 409 `stack.subdomain_taken` when another stack has it.',
});
const StackBody = Type.Object({
  name: Type.Optional(Name),
  subdomain: Type.Optional(Subdomain),
  partner_meta: Type.Optional(PartnerMeta()),
}, { additionalProperties: false, description: 'Every field is optional; unexpected fields are refused.' });

const FILTERS: FilterDeclaration = {
  name: { type: 'string', ops: ['eq', 'ss'] },
  subdomain: { type: 'string', ops: ['eq', 'ss'] },
  is_deployed: { type: 'boolean', ops: ['eq', 'ne'] },
  organization_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
};
const LIST_OPTIONS = { paginated: true, softDelete: true };

const LIFECYCLE = 'It answers at once with `user_status: REQUESTED` and `is_locked: true`; poll `GET /integration/stacks/{stack_id}` '
  + 'until `user_status` is `READY` (or `FAILED`, with `error`). The outcome is also sent to the webhook_url of the organization and of its partners '
  + '(`stack.{deployment|modification|destruction}.{succeeded|failed}`; the seed spells `stack.deployemnt.failed`, we send `stack.deployment.failed`).';

export const stackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  // Every field is optional: a POST without a body creates a stack with generated names.
  const emptyBody = async (request: { body: unknown }) => { request.body ??= {}; };

  app.post('/integration/organizations/:organization_id/stacks', {
    schema: {
      operationId: 'getchatCreateStack',
      summary: 'Creates a stack for the given organization',
      description: `Creates a stack for the given organization, within its \`stack_quota\` (403 \`quota.stacks_exceeded\`). ${LIFECYCLE} `
        + 'Members of the organization (Maintainer and up) and the managers of its partners may.',
      tags: [TAGS.stacks],
      params: OrganizationParams, body: StackBody,
      response: { 201: ref(GetChatStack, 'The stack, REQUESTED.'), ...errors(400, 401, 403, 404, [409, 'The subdomain is taken.']) },
    },
    preValidation: emptyBody,
  }, async (request, reply) => {
    const stack = await createStack(core, request.caller, { id: request.params.organization_id }, request.body);
    return reply.code(201).send(stackJson(stack));
  });

  app.post('/integration/stacks', {
    schema: {
      operationId: 'getchatCreateStackDeprecated',
      summary: 'Creates a stack for the authenticated user\'s organization (deprecated)',
      description: 'Deprecated: use `POST /integration/organizations/{organization_id}/stacks`. It uses the organization of the authenticated user: '
        + `the oldest one they manage (as Owner or Partner), else the oldest they belong to (400 when none). ${LIFECYCLE}`,
      tags: [TAGS.stacks, TAGS.inferred],
      deprecated: true,
      body: StackBody,
      response: { 201: ref(GetChatStack, 'The stack, REQUESTED.'), ...errors(400, 401, 403, [409, 'The subdomain is taken.']) },
    },
    preValidation: emptyBody,
  }, async (request, reply) => {
    const stack = await createStack(core, request.caller, null, request.body);
    return reply.code(201).send(stackJson(stack));
  });

  app.get('/integration/organizations/:organization_id/stacks', {
    schema: {
      operationId: 'getchatListStacks',
      summary: 'Shows a list of selected stacks',
      description: 'The organization\'s stacks, deleted ones hidden unless `deleted_at[eq]`/`deleted_at[ne]` says otherwise. '
        + 'The deprecated `paginated` (default false) answers a bare array; filtering and sorting work either way.',
      tags: [TAGS.stacks, TAGS.inferred],
      params: OrganizationParams,
      querystring: listQuery(FILTERS, LIST_OPTIONS),
      response: { 200: ListOf(ref(GetChatStack), 'The stacks.', true), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, FILTERS, STACK_LIST, core.config, LIST_OPTIONS);
    const page = await listStacks(core, request.caller, { id: request.params.organization_id }, asked.list);
    return listAnswer(asked, page, stackJson);
  });

  app.get('/integration/stacks/:stack_id', {
    schema: {
      operationId: 'getchatGetStack',
      summary: 'Gets a stack by the ID',
      description: 'Gets a stack by the ID: poll it until `user_status` is `READY`. A deleted stack answers 404.',
      tags: [TAGS.stacks],
      params: StackParams,
      response: { 200: ref(GetChatStack, 'The stack.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => stackJson(await getStack(core, request.caller, request.params.stack_id)));

  app.patch('/integration/stacks/:stack_id', {
    schema: {
      operationId: 'getchatUpdateStack',
      summary: 'Updates a stack by the ID',
      description: 'Updates a stack by the ID. A new `name` or `subdomain` is deployed (a new subdomain then re-deploys every application of the stack, '
        + `whose domains change). ${LIFECYCLE} \`partner_meta\` alone is saved at once, nothing is deployed. Refused with 409 \`stack.locked\` while a deployment is under way.`,
      tags: [TAGS.stacks, TAGS.inferred],
      params: StackParams, body: StackBody,
      response: { 200: ref(GetChatStack, 'The stack.'), ...errors(400, 401, 403, 404, [409, 'A deployment is under way, or the subdomain is taken.']) },
    },
  }, async (request) => stackJson(await updateStack(core, request.caller, request.params.stack_id, request.body)));

  app.delete('/integration/stacks/:stack_id', {
    schema: {
      operationId: 'getchatDeleteStack',
      summary: 'Deletes a stack by the ID',
      description: `Deletes a stack by the ID: its applications must be deleted first (400 \`stack.not_empty\`). ${LIFECYCLE} `
        + 'Once destroyed the stack is soft-deleted: `GET` answers 404 and lists show it with `deleted_at[ne]=null`.',
      tags: [TAGS.stacks, TAGS.inferred],
      params: StackParams,
      response: { 200: ref(GetChatStack, 'The stack, being destroyed.'), ...errors(400, 401, 403, 404, [409, 'A deployment is under way.']) },
    },
  }, async (request) => stackJson(await deleteStack(core, request.caller, request.params.stack_id)));
};
