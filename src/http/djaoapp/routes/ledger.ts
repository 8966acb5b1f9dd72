// /api/billing/...: the statements of the ledger (a subscriber's balance due and history, a
// provider's receivables and transfers, the broker's whole ledger) and the money that
// moves without a card (write-offs, offline payments).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { decimalAmount, parseCurrencyAmount } from '../../../core/billing/amounts.js';
import {
  TRANSACTION_LIST, getStatementBalance, ledgerTransactions, providerReceivables, providerTransfers, subscriberHistory,
  type Statement,
} from '../../../core/billing/statements.js';
import { importOfflinePayment, settleBalanceDue } from '../../../core/billing/settlements.js';
import { Invalid } from '../../../core/errors.js';
import type { Config } from '../../../config.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, OrganizationParams, errors, ref } from '../schemas/common.js';
import { Transaction } from '../schemas/ledger.js';
import { iso } from '../shapes/common.js';
import { transactionJson } from '../shapes/ledger.js';

const TAGS = ['billing'];

const Transactions = (description: string) => PageOf(ref(Transaction), description).properties;
const range = {
  start_at: Nullable(Type.String({ format: 'date-time', description: 'Start of the period the list covers (start_at parameter), if any.' })),
  ends_at: Type.String({ format: 'date-time', description: 'End of the period the list covers: the ends_at parameter, or now.' }),
};

const HistoryPage = Type.Object({
  ...range,
  ...Transactions(''),
  balance: Type.Integer({ description: 'The balance due at ends_at, in minor units of unit.' }),
  unit: Type.String({ description: 'Three-letter ISO 4217 code of the balance\'s currency unit.' }),
}, { description: 'A page of the organization\'s orders, payments and refunds, with its balance due.' });

const ReceivablesPage = Type.Object({
  ...range,
  ...Transactions(''),
  total: Type.String({ description: 'The sum of every receivable in the list (all pages), in minor units of unit.' }),
  unit: Type.String({ description: 'Three-letter ISO 4217 code of the total\'s currency unit.' }),
}, { description: 'A page of the provider\'s sales, with their total.' });

const TransfersPage = Type.Object({ ...Transactions('') }, { description: 'A page of the provider\'s funds movements.' });

const LedgerPage = Type.Object({
  ...range,
  ...Transactions(''),
  balance: Type.Integer({ description: 'What went into the selected accounts minus what came out, over the whole list, in minor units of unit.' }),
  unit: Type.String({ description: 'Three-letter ISO 4217 code of the balance\'s currency unit.' }),
}, { description: 'A page of ledger transactions.' });

const LedgerParams = Type.Object({
  ...ListParams.properties,
  selector: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Only transactions into or out of an account whose name contains this (Funds, Receivable...).' })),
});

const Balance = Type.Object({
  balance_amount: Type.String({ description: 'The balance due, in minor units of balance_unit ("1200" is $12.00).' }),
  balance_unit: Type.String({ description: 'Three-letter ISO 4217 code of the currency unit.' }),
}, { description: 'The statement balance due of the organization.' });

const SettleQuery = Type.Object({
  paid: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')], {
    description: '1: the balance was paid offline (a check, a wire) and is booked as an offline payment, not written off.',
  })),
});

const OfflineImportBody = Type.Object({
  subscription: Type.String({ minLength: 3, maxLength: 310, description: 'The subscription paid: subscriber and plan slugs, as `subscriber:plan` or `subscriber-plan`.' }),
  created_at: Type.String({ format: 'date-time', description: 'When the payment was received (not in the future).' }),
  amount: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1e11 }), Type.String({ minLength: 1, maxLength: 20, pattern: '^\\d+(\\.\\d{1,2})?$' })], {
    description: 'The amount received, in currency units of the plan ("10.00" is ten dollars on a plan in usd).',
  }),
  descr: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'What the payment was (ex: Paid by check).' }))),
}, { additionalProperties: false });

const OfflineImport = Type.Object({
  subscription: Type.String({ description: 'The subscription paid, as sent.' }),
  created_at: Type.String({ format: 'date-time', description: 'When the payment was received.' }),
  amount: Type.String({ description: 'The amount booked, in currency units with two decimals ("10.00").' }),
  descr: Nullable(Type.String({ description: 'What the payment was, as sent.' })),
}, { description: 'The offline payment, as booked.' });

function statementEnvelope(request: FastifyRequest, config: Config, list: ReturnType<typeof toListQuery>, statement: Statement) {
  return pageEnvelope(request, config, list, statement, (row) => transactionJson(row, statement.organizationId));
}

function rangeOf(statement: Statement) {
  return { start_at: statement.startAt ? iso(statement.startAt) : null, ends_at: iso(statement.endsAt) };
}

export const ledgerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/billing/:organization/balance/', {
    schema: {
      operationId: 'getBalanceDue',
      tags: TAGS,
      summary: 'Retrieves a customer balance',
      description: 'What the organization owes now: its orders not yet paid, written off or settled offline, summed. Anyone who may read the organization\'s billing may ask.',
      params: OrganizationParams,
      response: { 200: Balance, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const balance = await getStatementBalance(core, request.caller, { slug: request.params.organization });
    return { balance_amount: String(balance.amount), balance_unit: balance.unit };
  });

  for (const [url, operationId, alias] of [
    ['/billing/:organization/balance/', 'cancelBalanceDue', false],
    ['/billing/:organization/balance/cancel/', 'cancelBalanceDueAlias', true],
  ] as const) {
    app.delete(url, {
      schema: {
        operationId,
        tags: TAGS,
        summary: 'Cancels a balance due',
        description: `${alias ? 'Same as DELETE /api/billing/{organization}/balance/ (the path of the older reference). ' : ''}The broker's managers settle every balance due of the organization: written off as lost (the provider books it as a write-off and it is no longer due), or, with \`paid=1\`, booked as paid offline. Nothing to settle is not an error. Only the broker's managers may.`,
        params: OrganizationParams,
        querystring: SettleQuery,
        response: { 204: NoContent('The balance due is settled.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request, reply) => {
      const paid = request.query.paid === '1' || request.query.paid === 'true';
      await settleBalanceDue(core, request.caller, { slug: request.params.organization }, { paid });
      return reply.code(204).send(null);
    });
  }

  app.get('/billing/:organization/history/', {
    schema: {
      operationId: 'listBillingHistory',
      tags: TAGS,
      summary: 'Lists subscriber transactions',
      description: 'A page of what the organization ordered, paid and got refunded as a subscriber, with its balance due at the end of the period. `q` searches descriptions and the names of both sides; `o` orders by description, amount, orig_organization, orig_account, dest_organization, dest_account or created_at (default).',
      params: OrganizationParams,
      querystring: ListParams,
      response: { 200: HistoryPage, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, TRANSACTION_LIST, config);
    const statement = await subscriberHistory(core, request.caller, { slug: request.params.organization }, list);
    return { ...rangeOf(statement), ...statementEnvelope(request, config, list, statement), balance: statement.amount, unit: statement.unit };
  });

  app.get('/billing/:organization/receivables/', {
    schema: {
      operationId: 'listReceivables',
      tags: TAGS,
      summary: 'Lists provider receivables',
      description: 'A page of the provider\'s sales, paid or not (write-offs left out), with the total of the whole list. Its managers and members may read it.',
      params: OrganizationParams,
      querystring: ListParams,
      response: { 200: ReceivablesPage, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, TRANSACTION_LIST, config);
    const statement = await providerReceivables(core, request.caller, { slug: request.params.organization }, list);
    return { ...rangeOf(statement), ...statementEnvelope(request, config, list, statement), total: String(statement.amount), unit: statement.unit };
  });

  app.get('/billing/:organization/transfers/', {
    schema: {
      operationId: 'listTransfers',
      tags: TAGS,
      summary: 'Lists provider payouts',
      description: 'A page of every movement of the provider\'s funds: card payments distributed to it, refunds taken back, offline payments and payouts to its bank.',
      params: OrganizationParams,
      querystring: ListParams,
      response: { 200: TransfersPage, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, TRANSACTION_LIST, config);
    const statement = await providerTransfers(core, request.caller, { slug: request.params.organization }, list);
    return statementEnvelope(request, config, list, statement);
  });

  app.post('/billing/:organization/transfers/import/', {
    // Money moves: a retry with the same Idempotency-Key books it once.
    config: { idempotent: true },
    schema: {
      operationId: 'importOfflineTransaction',
      tags: TAGS,
      summary: 'Inserts an offline transactions.',
      description: 'The provider records a payment it received outside the processor (a check, a wire) for one of its active subscriptions, so its statements and metrics count it. It pays the subscription\'s balance due first; any amount beyond is booked as a sale paid offline. The provider\'s managers may.',
      params: OrganizationParams,
      body: OfflineImportBody,
      response: { 200: OfflineImport, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { subscription, created_at: createdAt, amount, descr } = request.body;
    const cents = parseCurrencyAmount(amount);
    if (cents === null || cents <= 0) throw new Invalid('amount', 'Must be an amount of currency units with at most two decimals, more than zero.');
    const booked = await importOfflinePayment(core, request.caller, { slug: request.params.organization }, {
      subscription, createdAt: new Date(createdAt), amount: cents, descr,
    });
    return { subscription: booked.subscription, created_at: iso(booked.createdAt), amount: decimalAmount(booked.amount), descr: descr ?? null };
  });

  app.get('/billing/transactions/', {
    schema: {
      operationId: 'listLedgerTransactions',
      tags: TAGS,
      summary: 'Lists ledger transactions',
      description: 'The broker\'s managers read the whole ledger, a page at a time; `selector` keeps the rows into or out of accounts whose name contains it, and `balance` is then what went into them minus what came out.',
      querystring: LedgerParams,
      response: { 200: LedgerPage, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const { selector, ...params } = request.query;
    const list = toListQuery(params, TRANSACTION_LIST, config);
    const statement = await ledgerTransactions(core, request.caller, list, selector);
    return { ...rangeOf(statement), ...statementEnvelope(request, config, list, statement), balance: statement.amount, unit: statement.unit };
  });
};
