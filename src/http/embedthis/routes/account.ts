// EmbedThis: the Account resource's operations, `POST /embedthis/account/{operation}` each,
// the operation's name (camelCase, as in EmbedThis's URLs: `updateBilling`, `getId`) as the
// last segment and its fields in a JSON body. Roles as EmbedThis gives them, through the one
// policy: `user` (a member of the account) reads, `admin` (its managers, and whoever sits
// above it) changes, `support` (the broker's staff) closes.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { accountIdOf, findAccounts, getAccount } from '../../../core/organizations/account-details.js';
import {
  closeAccount, initAccount, makeAccount, newAccountId, removeAccount, setAccountSuspended,
  updateAccountBilling, updateAccountIdentity, updateAccountMetrics, updateAccountPayment,
} from '../../../core/organizations/account-changes.js';
import { createAccount } from '../../../core/memberships/account-creation.js';
import { ET, TAG, errors, ref } from '../schemas/common.js';
import {
  CreateBody, EtAccount, EtAccountPage, EtCreated, FindQuery, GetIdBody, GetQuery, IdBody, InitBody, KeyBody, MakeBody,
  SuspendBody, UpdateBillingBody, UpdateIdentityBody, UpdateMetricsBody, UpdatePaymentBody,
} from '../schemas/account.js';
import { accountJson, userJson } from '../shapes/account.js';

const A = `${ET}/account`;
const Account = (what: string) => ref(EtAccount, what);

/** A string answer as JSON (`"abc"`): Fastify would send a bare string as text/plain. */
function jsonString(reply: FastifyReply, value: string) {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}

const ROLES = 'Roles: `user` (any member of the account) reads; `admin` (its managers, a partner\'s managers above it, the broker\'s staff) changes; `support` (the broker\'s staff) closes.';

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.post(`${A}/aaaa`, {
    schema: {
      operationId: 'etAccountAaaa',
      summary: 'Aaaa',
      description: 'The seed lists this operation without a description (a placeholder entry of EmbedThis\'s reference): `id` in, '
        + '"a string" out. We serve it so generated clients keep working, and give it a plain meaning: it answers the id of the '
        + 'account named, as a JSON string, when the caller may read that account (a `user` of it); otherwise 404.',
      tags: [TAG],
      body: IdBody,
      response: { 200: Type.String({ description: 'The account\'s id.' }), ...errors(400, 401, 404) },
    },
  }, async (request, reply) => jsonString(reply, await accountIdOf(core, request.caller, request.body.id)));

  app.post(`${A}/create`, {
    schema: {
      operationId: 'etAccountCreate',
      summary: 'Create an account',
      description: 'Create an account and initial user. The account is an organization made as on `/api` (the caller becomes its '
        + 'manager, within their organization quota). The initial user is the owner of `email`: the caller when it is their own '
        + 'address; otherwise that address is invited by mail to manage the account (the invitation gives nothing until its owner '
        + 'accepts it, and the answer shows no id or name of whoever the address belongs to: `state: "invited"`, `invite: "pending"`).',
      tags: [TAG],
      body: CreateBody,
      response: { 200: ref(EtCreated, 'The account and its initial user.'), ...errors(400, 401, 403, 429) },
    },
  }, async (request) => {
    const created = await createAccount(core, request.caller, request.body);
    return { account: accountJson(created.account), user: userJson(created.user) };
  });

  app.post(`${A}/close`, {
    schema: {
      operationId: 'etAccountClose',
      summary: 'Close account',
      description: 'Close an account and remove all allocated resources. This operation cannot be reversed. For the `support` role '
        + 'only: the broker\'s staff. The organization is closed as on `/api`: every role, invitation and request removed, its name, '
        + 'contact and billing details and metrics cleared, its history kept. Answers the closed account (the seed lists no answer).',
      tags: [TAG],
      body: IdBody,
      response: { 200: Account('The closed account.'), ...errors(400, 401, 403, [404, 'No account has this id, or the caller may not see it.'], 409) },
    },
  }, async (request) => accountJson(await closeAccount(core, request.caller, request.body.id)));

  app.post(`${A}/get`, {
    schema: {
      operationId: 'etAccountGet',
      summary: 'Get account',
      description: 'Get an account given the account ID, or given its `email` (among the accounts the caller may see; 409 '
        + '`account.email_ambiguous` when several have it). Any member reads (`user`). Of the seed\'s query options, `index` '
        + 'is taken (`primary`: by id, `gs1`: by email); the list options belong to find.',
      tags: [TAG],
      querystring: GetQuery,
      body: KeyBody,
      response: { 200: Account('The account.'), ...errors(400, 401, 403, 404, [409, 'Several accounts the caller may see have this email (`account.email_ambiguous`): name it by id.']) },
    },
  }, async (request) => {
    const { index } = request.query;
    const key = index === 'gs1' ? { email: request.body.email ?? '' } : index === 'primary' ? { id: request.body.id ?? '' } : request.body;
    return accountJson(await getAccount(core, request.caller, key));
  });

  app.post(`${A}/find`, {
    schema: {
      operationId: 'etAccountFind',
      summary: 'Find',
      description: 'The accounts the caller relates to (a role on them, or a manager role above them); the broker\'s staff find '
        + 'every account, closed ones included. Oldest first, in cursor pages `{data, next, prev}`: pass a page\'s `next` as '
        + '`?next=` for the page after it, its `prev` as `?prev=` for the one before. The body may narrow to one `id` or `email`; '
        + '`?filter=` keeps accounts whose name or e-mail contains the text; `?where=` takes a condition in OneTable\'s syntax over '
        + '`${id}`, `${name}`, `${email}`, `${suspended}`, `${closed}`, `${created}`, `${activity}`: comparisons (`=`/`==`, `!=`/`<>`, '
        + '`<`, `<=`, `>`, `>=`) between a field and a value (`{text}`, `\'text\'`, a number, `true`, `false`; dates as 2026-01-31 '
        + 'or ISO 8601), `contains(${field}, {text})`, `begins_with(${field}, {text})`, joined with `and`, `or`, `not` and '
        + 'parentheses, e.g. `${suspended} == true and contains(${email}, {example.com})`. It is parsed, never evaluated; anything '
        + 'else is a 400 naming `where`. The seed\'s `hidden`, `index` and `log` options are not taken here (every field is always answered).',
      tags: [TAG],
      querystring: FindQuery,
      body: KeyBody,
      response: { 200: ref(EtAccountPage, 'A page of accounts.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const page = await findAccounts(core, request.caller, { ...request.body, ...request.query, limit: request.query.limit ?? 20 });
    return { data: page.data.map(accountJson), next: page.next, prev: page.prev };
  });

  app.post(`${A}/getId`, {
    schema: {
      operationId: 'etAccountGetId',
      summary: 'GetID',
      description: 'A new random id of `size` characters (16 when not given, at most 256), drawn uniformly from 0-9, A-Z and a-z by '
        + 'the system\'s cryptographic random generator, as a JSON string. Nothing is saved; any signed-in caller may ask.',
      tags: [TAG],
      body: GetIdBody,
      response: { 200: Type.String({ description: 'The id.' }), ...errors(400, 401) },
    },
  }, async (request, reply) => jsonString(reply, await newAccountId(core, request.caller, request.body.size ?? 16)));

  app.post(`${A}/init`, {
    schema: {
      operationId: 'etAccountInit',
      summary: 'Init',
      description: 'An empty account object (no id, no dates, empty billing and metrics), for a client to fill in: nothing is saved. '
        + 'Takes no fields. Any signed-in caller may ask.',
      tags: [TAG],
      body: InitBody,
      response: { 200: Account('An empty account object.'), ...errors(400, 401) },
    },
  }, async (request) => accountJson(await initAccount(core, request.caller)));

  app.post(`${A}/make`, {
    schema: {
      operationId: 'etAccountMake',
      summary: 'Make',
      description: 'An account object built from the fields given, checked as the updates check them (name not blank, e-mail '
        + 'addresses, a two-letter country, credit with two decimals at most, terms in days, metrics counters): nothing is saved and '
        + 'the object has no id (it names no account; create saves one). Any signed-in caller may ask.',
      tags: [TAG],
      body: MakeBody,
      response: { 200: Account('The account object.'), ...errors(400, 401) },
    },
  }, async (request) => accountJson(await makeAccount(core, request.caller, request.body)));

  app.post(`${A}/remove`, {
    schema: {
      operationId: 'etAccountRemove',
      summary: 'Remove',
      description: 'Removes an account that holds nothing (no subscription, ledger row, charge, customer, stack or plan), such as '
        + 'one created by mistake; by `id` or `email`. Its `admin` may (the account\'s managers, and whoever sits above). It is '
        + 'closed as a deletion on `/api` is (members detached, name and details cleared, history kept). An account that holds '
        + 'something is refused with 409 `account.not_empty`: that is `close`, for the broker\'s staff. Answers 204.',
      tags: [TAG],
      body: KeyBody,
      response: {
        204: Type.Null({ description: 'Removed.' }),
        ...errors(400, 401, 403, 404, [409, 'The account holds something (`account.not_empty`: close it instead), or several accounts have this email.']),
      },
    },
  }, async (request, reply) => {
    await removeAccount(core, request.caller, request.body);
    return reply.code(204).send(null);
  });

  app.post(`${A}/suspend`, {
    schema: {
      operationId: 'etAccountSuspend',
      summary: 'Suspend',
      description: 'Suspends the account (`suspended: true`: its members are refused until it is reactivated) or reactivates it '
        + '(`false`). This is the organization\'s lifecycle, decided from above it: a partner\'s managers or the broker\'s staff, '
        + 'not the account\'s own managers (403). Asking for the state it is already in changes nothing. `reason` (ours) is kept '
        + 'in its history. ' + ROLES,
      tags: [TAG],
      body: SuspendBody,
      response: { 200: Account('The account.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => accountJson(await setAccountSuspended(core, request.caller, request.body.id, request.body.suspended, request.body.reason)));

  app.post(`${A}/updateBilling`, {
    schema: {
      operationId: 'etAccountUpdateBilling',
      summary: 'Update account billing details',
      description: 'Update account billing details: the address, company, country (ISO 3166 two letters), invoice e-mail, purchase '
        + 'order and subject invoices carry. Only the fields given change; an empty string clears one. For the account\'s `admin`.',
      tags: [TAG],
      body: UpdateBillingBody,
      response: { 200: Account('An account object.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { id, ...changes } = request.body;
    return accountJson(await updateAccountBilling(core, request.caller, id, changes));
  });

  app.post(`${A}/updateIdentity`, {
    schema: {
      operationId: 'etAccountUpdateIdentity',
      summary: 'Update account name and email',
      description: 'Update account name and email: the organization\'s full name and e-mail, as its profile on `/api` shows them. '
        + 'For the account\'s `admin`.',
      tags: [TAG],
      body: UpdateIdentityBody,
      response: { 200: Account('An account object.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { id, ...changes } = request.body;
    return accountJson(await updateAccountIdentity(core, request.caller, id, changes));
  });

  app.post(`${A}/updateMetrics`, {
    schema: {
      operationId: 'etAccountUpdateMetrics',
      summary: 'Update account metrics',
      description: 'Update account metrics: `metrics` replaces the account\'s metrics as a whole (a field left out is back to 0, '
        + 'false, [] or {}); counters are whole numbers from 0, unknown fields are refused, 16 KiB at most as JSON. For the account\'s `admin`.',
      tags: [TAG],
      body: UpdateMetricsBody,
      response: { 200: Account('An account object.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => accountJson(await updateAccountMetrics(core, request.caller, request.body.id, request.body.metrics)));

  app.post(`${A}/updatePayment`, {
    schema: {
      operationId: 'etAccountUpdatePayment',
      summary: 'Update account payment information',
      description: 'Update account payment information. The payment terms (`agreement`, `canWire`, `credit`, `terms`, `wire`, and '
        + 'our `memo`) are the broker\'s to set: only its staff may change them (403 otherwise; sending the value they have is no '
        + 'change). The account\'s `admin` sets `renew` (a date) and `renewing`. `wire` needs `canWire`. `credit` is in the '
        + 'currency\'s units with two decimals at most (kept in minor units).',
      tags: [TAG],
      body: UpdatePaymentBody,
      response: { 200: Account('An account object.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { id, ...changes } = request.body;
    return accountJson(await updateAccountPayment(core, request.caller, id, changes));
  });
};
