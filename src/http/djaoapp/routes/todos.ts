// /api/todos/: what waits on the caller (DjaoApp 004: "Retrieves news and items to take care
// of"): invitations to accept, join requests and subscription grants or requests to answer.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TODO_LIST, listTodos, type Todo } from '../../../core/todos/todos.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { Nullable, errors } from '../schemas/common.js';

const TodoItem = Type.Object({
  created_at: Type.String({ format: 'date-time', description: 'When the item was made.' }),
  created_by: Nullable(Type.String({ description: 'Username of whoever made it: the inviter or the requester; null when not known.' })),
  text: Type.String({ description: 'What to take care of, in words.' }),
  account: Type.String({ description: 'Slug of the organization the item is handled in.' }),
  kind: Type.Union([
    Type.Literal('invitation'), Type.Literal('role_request'), Type.Literal('subscription_grant'), Type.Literal('subscription_request'),
  ], {
    description: 'invitation: a role granted to the caller, to accept with the key mailed to them; role_request: someone asks to join '
      + 'an organization the caller manages; subscription_grant: a provider offers a subscription to an organization the caller '
      + 'manages; subscription_request: an organization asks to subscribe to a plan of an organization the caller manages.',
  }),
  organization: Type.Object({ slug: Type.String(), printable_name: Type.String() }, { description: 'The organization the item is handled in.' }),
  key: Nullable(Type.String({
    description: 'The key that answers the item, the one its mail carries: a join request is accepted with '
      + '`POST /api/profile/{organization}/roles/accept/{key}/` (denied with DELETE), a subscription offer with '
      + '`POST /api/profile/{organization}/subscriptions/accept/{key}/`, a subscription request with '
      + '`POST /api/profile/{organization}/subscribers/accept/{key}/`. Null for an invitation: its key only goes to the invitee\'s mailbox.',
  })),
  url: Nullable(Type.String({ description: 'The page that handles the item; null for an invitation (the mailed link opens it).' })),
}, { description: 'Something waiting on the caller.' });

function todoJson(todo: Todo) {
  return {
    created_at: todo.created_at.toISOString(),
    created_by: todo.created_by,
    text: todo.text,
    account: todo.organization.slug,
    kind: todo.kind,
    organization: todo.organization,
    key: todo.key,
    url: todo.url,
  };
}

export const todoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  app.get('/todos/', {
    schema: {
      operationId: 'listTodos',
      tags: ['users'],
      summary: 'Lists the items the caller should take care of',
      description: 'A page of what waits on the caller, newest first: invitations to an organization to accept, requests to join an '
        + 'organization the caller manages, subscriptions offered to one, and subscription requests to a plan of one. An item '
        + 'disappears once handled (accepted, denied, withdrawn or expired). "Manages" means an accepted manager role on an active '
        + 'organization. `q` searches the organizations, people and plans named; `o=created_at` orders oldest first.',
      querystring: ListParams,
      response: { 200: PageOf(TodoItem, 'A page of to-dos.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, TODO_LIST, core.config);
    return pageEnvelope(request, core.config, list, await listTodos(core, request.caller, list), todoJson);
  });
};
