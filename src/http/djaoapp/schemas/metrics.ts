// The metrics tables and the balance sheets' lines as DjaoApp shows them.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable } from './common.js';

/** `[period end, figure]`: a JSON array of an ISO date-time and a number. */
const Datapoint = Type.Array(Type.Union([Type.String(), Type.Number()]), {
  minItems: 2, maxItems: 2,
  description: 'A pair: the end of the period (ISO 8601; the moment of a balance) and the figure for it.',
});
const Values = Type.Array(Datapoint, { description: 'The figures, oldest period first.' });

const tableFields = {
  title: Type.String({ description: 'Title for the table.' }),
  scale: Type.Optional(Type.Number({ description: 'What a figure is worth in units of `unit`: 0.01 when amounts are in cents.' })),
  unit: Type.Optional(Type.String({ description: 'Three-letter ISO 4217 code of the currency, lowercase (ex: usd).' })),
};

const Serie = (extra: Record<string, ReturnType<typeof Type.String> | ReturnType<typeof Type.Boolean>> = {}) => Type.Object({
  key: Type.String({ description: 'What the series measures; unique in the table.' }),
  ...extra,
  values: Values,
});

const Extra = Type.Optional(Type.Array(Serie(), { description: 'Series derived from the table (a percentage, a churn count).' }));

export const MetricsTable = Type.Object({
  ...tableFields,
  table: Type.Array(Serie(), { description: 'The series, one per figure.' }),
  extra: Extra,
}, { description: 'Figures per period over the trailing months: periods are [start, end[, each labelled by its end.' });

export const PlansTable = Type.Object({
  ...tableFields,
  table: Type.Array(Serie({
    title: Type.String({ description: 'Title of the plan.' }),
    is_active: Type.Boolean({ description: 'Whether customers can subscribe to the plan now.' }),
    location: Type.String({ description: 'Path of the plan in the API.' }),
  }), { description: 'One series per plan of the provider (by title): its subscribers active at each date.' }),
  extra: Extra,
}, { description: 'Active subscribers per plan at each date; extra `churn`: subscriptions ended in each period.' });

export const BalanceSheet = Type.Object({
  ...tableFields,
  table: Type.Array(Serie({
    selector: Type.String({ description: 'Which ledger accounts the line adds up (every account whose name contains it, ignoring case).' }),
  }), { description: 'One series per line of the report, in rank order: the balance at each date.' }),
}, { description: 'A balance sheet of the broker: each line\'s balance, over every organization, at each date.' });

export const BalanceLine = Type.Object({
  title: Type.String({ description: 'Title for the line.' }),
  selector: Type.String({ description: 'Which ledger accounts the line adds up (a part of their names, ignoring case; empty: all).' }),
  rank: Type.Integer({ description: 'Position of the line in the report, from 1.' }),
}, { description: 'A line of a balance sheet.' });

export const UserBrief = Type.Object({
  slug: Type.String({ description: 'The username.' }),
  email: Nullable(Type.String({ description: 'E-mail address of the user.' })),
  full_name: Type.String({ description: 'Full name of the user.' }),
  created_at: Type.String({ format: 'date-time', description: 'When the account was created.' }),
}, { description: 'A user, briefly.' });

export const CouponUse = Type.Object({
  user: UserBrief,
  plan: Type.String({ description: 'Slug of the plan the coupon was used on.' }),
  created_at: Type.String({ format: 'date-time', description: 'When the item carrying the coupon was put in the cart.' }),
}, { description: 'A use of a coupon: an item checked out with it.' });
