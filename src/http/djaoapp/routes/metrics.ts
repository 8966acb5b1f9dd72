// /api/metrics/...: figures computed from the ledger (balances, funds, customers, plans,
// coupon uses, registered users) and the broker's balance sheets with their editable lines.
// The active and churned lists stay with the subscriptions (routes/subscriptions.ts).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  COUPON_USE_LIST, MAX_SELECTOR, MAX_TITLE, REGISTERED_LIST, balanceSheet, balancesTable, createBalanceLine, customersTable,
  deleteBalanceLine, fundsTable, getBalanceLine, listBalanceLines, listCouponUses, listRegisteredUsers, moveBalanceLines,
  plansTable, updateBalanceLine, type MetricsQuery,
} from '../../../core/billing/metrics/index.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, OrganizationParams, errors } from '../schemas/common.js';
import { BalanceLine, BalanceSheet, CouponUse, MetricsTable, PlansTable, UserBrief } from '../schemas/metrics.js';
import { balanceSheetJson, couponUseJson, metricsTableJson, plansTableJson, userBriefJson } from '../shapes/metrics.js';

const TAGS = ['metrics'];

const TableParams = Type.Object({
  ends_at: Type.Optional(Type.String({ format: 'date-time', description: 'End of the last period (ISO 8601); now when absent.' })),
  timezone: Type.Optional(Type.String({
    minLength: 1, maxLength: 64,
    description: 'IANA timezone the months are cut in (ex: America/New_York); the organization\'s default_timezone when absent, else UTC.',
  })),
});

function tableQuery(query: { ends_at?: string; timezone?: string }): MetricsQuery {
  return { endsAt: query.ends_at ? new Date(query.ends_at) : undefined, timezone: query.timezone };
}

const CouponParams = Type.Object({
  ...OrganizationParams.properties,
  coupon: Type.String({ minLength: 1, maxLength: 50, pattern: '^[-a-zA-Z0-9_]+$', description: 'Code of the coupon.' }),
});

const Report = Type.String({ minLength: 1, maxLength: 50, pattern: '^[-a-zA-Z0-9_]+$', description: 'Name of the balance sheet (letters, digits, - and _).' });
const ReportParams = Type.Object({ report: Report });
const Rank = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Position of the line in the report, from 1.' });
const LineParams = Type.Object({ report: Report, rank: Rank });

const LineBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: MAX_TITLE, description: 'Title for the line.' }),
  selector: Type.Optional(Nullable(Type.String({ maxLength: MAX_SELECTOR, description: 'Which ledger accounts the line adds up: every account whose name contains it, ignoring case (Receivable, Funds...); empty or null: all.' }))),
  rank: Type.Optional(Rank),
}, { additionalProperties: false });

const MovesBody = Type.Array(Type.Object({
  oldpos: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Rank of the line to move.' }),
  newpos: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Rank it moves to; the lines between shift by one.' }),
}, { additionalProperties: false }), { minItems: 1, maxItems: 1000, description: 'Moves, applied in order.' });

const LinesPage = PageOf(BalanceLine, 'The lines of the report, in rank order.');

const providerTable = (operationId: string, summary: string, description: string) => ({
  operationId, tags: TAGS, summary,
  description: `${description} Months are cut at midnight on the 1st in \`timezone\`; the table covers the 12 months up to \`ends_at\`, the last one partial when \`ends_at\` is not a month's start. The provider's members may read it.`,
  params: OrganizationParams,
  querystring: TableParams,
});

export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/metrics/:organization/balances/', {
    schema: {
      ...providerTable('getBalancesMetrics', 'Retrieves the provider\'s balances',
        'The provider\'s Income, Backlog and Receivable balances (absolute values, in cents) at each month\'s start and at `ends_at`.'),
      response: { 200: { ...MetricsTable, description: 'The balances.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => metricsTableJson(await balancesTable(core, request.caller, { slug: request.params.organization }, tableQuery(request.query))));

  app.get('/metrics/:organization/funds/', {
    schema: {
      ...providerTable('getFundsMetrics', 'Retrieves 12-month trailing revenue',
        'Per month, in cents: Total Sales (orders booked), New Sales (from payers who had none in the span one plan period earlier), Churned Sales (that earlier span\'s, from payers who have none now), Payments (orders paid) and Refunds.'),
      response: { 200: { ...MetricsTable, description: 'Sales, payments and refunds per month.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => metricsTableJson(await fundsTable(core, request.caller, { slug: request.params.organization }, tableQuery(request.query))));

  app.get('/metrics/:organization/customers/', {
    schema: {
      ...providerTable('getCustomersMetrics', 'Retrieves 12-month trailing customer counts',
        'Per month: the payers of orders, the new ones (none in the span one plan period earlier), the churned ones (some then, none now), the net change, and (extra) the churned as a percentage of the earlier span\'s payers.'),
      response: { 200: { ...MetricsTable, description: 'Customer counts per month.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => metricsTableJson(await customersTable(core, request.caller, { slug: request.params.organization }, tableQuery(request.query))));

  app.get('/metrics/:organization/plans/', {
    schema: {
      ...providerTable('getPlansMetrics', 'Retrieves 12-month trailing plans performance',
        'Per plan of the provider, the subscriptions active at each month\'s start and at `ends_at`; extra `churn`: the subscriptions to its plans that ended in each month.'),
      response: { 200: { ...PlansTable, description: 'Active subscribers per plan.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => plansTableJson(await plansTable(core, request.caller, { slug: request.params.organization }, tableQuery(request.query))));

  app.get('/metrics/:organization/coupons/:coupon/', {
    schema: {
      operationId: 'listCouponUses', tags: TAGS, summary: 'Lists the uses of a coupon',
      description: 'The items checked out with the coupon, newest first. `q` searches the user\'s username, name and e-mail and the plan; `o` orders by created_at, user or plan; start_at/ends_at bound the items\' creation. The provider\'s members may read them; the users\' e-mail addresses (shown and searched) only those who manage its sales.',
      params: CouponParams,
      querystring: ListParams,
      response: { 200: PageOf(CouponUse, 'A page of the coupon\'s uses.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, COUPON_USE_LIST, config);
    const page = await listCouponUses(core, request.caller, { slug: request.params.organization }, request.params.coupon, list);
    return pageEnvelope(request, config, list, page, couponUseJson);
  });

  app.get('/metrics/registered/', {
    schema: {
      operationId: 'listRegisteredUsers', tags: TAGS, summary: 'Lists registered users who subscribe to nothing',
      description: 'The top of the funnel: users with no role on an organization that has or had a subscription, newest first. `q` searches username, name and e-mail; `o` orders by created_at, slug, email or full_name; start_at/ends_at bound their registration. For the broker\'s managers.',
      querystring: ListParams,
      response: { 200: PageOf(UserBrief, 'A page of users.'), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, REGISTERED_LIST, config);
    return pageEnvelope(request, config, list, await listRegisteredUsers(core, request.caller, list), userBriefJson);
  });

  // ------------------------------------------------------------ the broker's balance sheets

  app.get('/metrics/balances/:report/', {
    schema: {
      operationId: 'getBalanceSheet', tags: TAGS, summary: 'Retrieves a balance sheet',
      description: 'Each line of the report, in rank order, with the balance of its accounts over every organization (in cents) at each month\'s start and at `ends_at` (months cut in `timezone`, default UTC). A report without lines has an empty table. For the broker\'s managers.',
      params: ReportParams,
      querystring: TableParams,
      response: { 200: { ...BalanceSheet, description: 'The balance sheet.' }, ...errors(400, 401, 403) },
    },
  }, async (request) => balanceSheetJson(await balanceSheet(core, request.caller, request.params.report, tableQuery(request.query))));

  app.get('/metrics/balances/:report/lines/', {
    schema: {
      operationId: 'listBalanceLines', tags: TAGS, summary: 'Lists the lines of a balance sheet',
      description: 'The lines of the report in rank order, all in one page. For the broker\'s managers.',
      params: ReportParams,
      response: { 200: LinesPage, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const page = await listBalanceLines(core, request.caller, request.params.report);
    return { count: page.count, next: null, previous: null, results: page.results };
  });

  app.post('/metrics/balances/:report/lines/', {
    schema: {
      operationId: 'createBalanceLine', tags: TAGS, summary: 'Adds a line to a balance sheet',
      description: 'Adds a line at `rank` (the lines from there move down one), or at the end when `rank` is absent or past it. For the broker\'s managers.',
      params: ReportParams,
      body: LineBody,
      response: { 201: { ...BalanceLine, description: 'The line, added.' }, ...errors(400, 401, 403) },
    },
  }, async (request, reply) => reply.code(201).send(await createBalanceLine(core, request.caller, request.params.report, request.body)));

  app.patch('/metrics/balances/:report/lines/', {
    schema: {
      operationId: 'moveBalanceLines', tags: TAGS, summary: 'Re-orders the lines of a balance sheet',
      description: 'Moves lines, one move after the other: each takes the line at `oldpos` to `newpos`, shifting those between. All moves or none. Answers the lines in their new order. For the broker\'s managers.',
      params: ReportParams,
      body: MovesBody,
      response: { 200: LinesPage, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const page = await moveBalanceLines(core, request.caller, request.params.report, request.body);
    return { count: page.count, next: null, previous: null, results: page.results };
  });

  app.get('/metrics/balances/:report/lines/:rank/', {
    schema: {
      operationId: 'getBalanceLine', tags: TAGS, summary: 'Retrieves a line of a balance sheet',
      description: 'The line at `rank`. For the broker\'s managers.',
      params: LineParams,
      response: { 200: { ...BalanceLine, description: 'The line.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => getBalanceLine(core, request.caller, request.params.report, request.params.rank));

  app.put('/metrics/balances/:report/lines/:rank/', {
    schema: {
      operationId: 'updateBalanceLine', tags: TAGS, summary: 'Updates a line of a balance sheet',
      description: 'Sets the line\'s title and selector; a different `rank` moves it there (past the end: last). For the broker\'s managers.',
      params: LineParams,
      body: LineBody,
      response: { 200: { ...BalanceLine, description: 'The line, updated.' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => updateBalanceLine(core, request.caller, request.params.report, request.params.rank, request.body));

  app.delete('/metrics/balances/:report/lines/:rank/', {
    schema: {
      operationId: 'deleteBalanceLine', tags: TAGS, summary: 'Removes a line of a balance sheet',
      description: 'Removes the line; the lines after it move up one. For the broker\'s managers.',
      params: LineParams,
      response: { 204: NoContent('The line was removed.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await deleteBalanceLine(core, request.caller, request.params.report, request.params.rank);
    return reply.code(204).send(null);
  });
};
