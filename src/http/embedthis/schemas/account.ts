// EmbedThis's named shapes for accounts (Account, Billing, Metrics, User, pages), with the
// seed's field names; and the request bodies of its operations (inline, each closed to
// unknown fields).
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { Nullable, ref } from './common.js';

const date = (description: string) => Nullable(Type.String({ format: 'date-time', description }));
const text = (description: string) => Nullable(Type.String({ description }));

export const EtBilling = Type.Object({
  address: text('Billing address, as invoices show it.'),
  agreement: Type.Boolean({ description: 'Whether the account signed the broker\'s agreement (set by the broker\'s staff).' }),
  cardId: text('The card on file, by its last four digits; the card itself stays at the payment processor. Null without one.'),
  canWire: Type.Boolean({ description: 'Whether the account may pay by wire transfer (set by the broker\'s staff).' }),
  company: text('Company name on invoices.'),
  country: text('Billing country, ISO 3166 two-letter code.'),
  credit: Type.Number({ description: 'Credit granted by the broker, in the currency\'s units (two decimals at most).' }),
  error: text('Why the latest charge failed, while it is the latest; null otherwise.'),
  invoiceEmail: text('Where invoices are sent.'),
  memo: text('The broker\'s note on the payment terms.'),
  order: text('Purchase order reference invoices carry.'),
  renew: date('When the account\'s subscription renews next.'),
  renewing: Type.Boolean({ description: 'Whether it renews by itself.' }),
  stripeId: text('The payment processor\'s customer id (a Stripe `cus_…` id on Stripe); null before a card was saved.'),
  subject: text('The line invoices carry as their subject.'),
  terms: Type.Integer({ description: 'Payment terms in days (net 30 is 30), set by the broker\'s staff.' }),
  wire: Type.Boolean({ description: 'Whether the account pays by wire transfer (set by the broker\'s staff; needs canWire).' }),
}, { $id: 'EtBilling', additionalProperties: false, description: 'An account\'s billing details and payment terms.' });

const counter = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const metricFields = {
  agents: Type.Array(Type.Unknown(), { maxItems: 1000, description: 'Device agents in use.' }),
  balance: Type.Number({ description: 'Account balance.' }),
  connected: counter('Devices connected.'),
  clouds: counter('Device clouds.'),
  customer: Type.Boolean({ description: 'Whether the account is a paying customer.' }),
  dashboards: counter('Dashboards.'),
  devices: counter('Devices.'),
  developer: counter('Developer devices.'),
  emails: Type.Record(Type.String(), Type.Unknown(), { description: 'E-mail counters, by kind.' }),
  interest: Type.Array(Type.Unknown(), { maxItems: 1000, description: 'What the account said it is interested in.' }),
  notifications: counter('Notifications sent.'),
  plans: counter('Plans.'),
  products: counter('Products.'),
  software: counter('Software releases.'),
  support: counter('Support requests.'),
  users: counter('Users.'),
};

export const EtMetrics = Type.Object(metricFields, {
  $id: 'EtMetrics', additionalProperties: false, description: 'An account\'s metrics (the seed\'s 16 counters), replaced as a whole by updateMetrics.',
});

/** What updateMetrics and make take: the same fields, each optional (left out: its empty value). */
export const MetricsInput = Type.Partial(Type.Object(metricFields, { additionalProperties: false }), {
  additionalProperties: false, description: 'The metrics as a whole; a field left out is back to its empty value (0, false, [] or {}).',
});

export const EtAccount = Type.Object({
  activity: date('Last activity: the latest change recorded on the account, or its members\' latest login.'),
  billing: ref(EtBilling),
  closed: Type.Boolean({ description: 'Closed for good (close, or remove).' }),
  created: date('When the account was created; null in an object init or make built.'),
  email: text('The account\'s e-mail address.'),
  id: Type.String({ description: 'The account\'s id: its organization\'s id as a decimal string (the same number as on get.chat and Accountcentral); empty in an object init or make built.' }),
  metrics: ref(EtMetrics),
  name: Type.String({ description: 'The account\'s name (the organization\'s full name).' }),
  suspended: Type.Boolean({ description: 'Suspended: its members are refused until it is reactivated.' }),
}, { $id: 'EtAccount', additionalProperties: false, description: 'An account: an organization, with its billing details and metrics.' });

export const EtUser = Type.Object({
  accountId: Type.String({ description: 'The account the user was made the initial user of.' }),
  activity: date('The user\'s last login; null while invited.'),
  email: Type.String({ description: 'The address given.' }),
  first: text('First name; null while invited.'),
  id: text('The user\'s id; null while the invitation waits (it would tell whose address it is).'),
  invite: Type.Union([Type.Literal('none'), Type.Literal('pending')], {
    description: '`none`: the caller is the initial user; `pending`: an invitation was mailed to the address and waits for its owner (the key is only ever mailed).',
  }),
  last: text('Last name; null while invited.'),
  preferences: Type.Record(Type.String(), Type.String(), { description: 'The user\'s display preferences; empty while invited.' }),
  role: Type.Literal('admin', { description: 'The initial user administers the account.' }),
  state: Type.Union([Type.Literal('active'), Type.Literal('invited')], { description: '`active`, or `invited` until the invitation is accepted.' }),
}, { $id: 'EtUser', additionalProperties: false, description: 'The initial user of an account.' });

export const EtCreated = Type.Object({
  account: ref(EtAccount),
  user: ref(EtUser),
}, { $id: 'EtCreated', additionalProperties: false, description: 'An account and its initial user.' });

export const EtAccountPage = Type.Object({
  data: Type.Array(ref(EtAccount), { description: 'Array of items.' }),
  next: text('Paged cursor to use for the next page of items: pass it as `?next=`; null on the last page.'),
  prev: text('Paged cursor to use for the previous page of items: pass it as `?prev=`; null on the first page.'),
}, { $id: 'EtAccountPage', additionalProperties: false, description: 'A page of accounts.' });

export const ACCOUNT_SCHEMAS: TSchema[] = [EtBilling, EtMetrics, EtAccount, EtUser, EtCreated, EtAccountPage];

// ---- request bodies and query strings ----

const accountId = Type.String({ minLength: 1, maxLength: 40, description: 'The account\'s id (a decimal string).' });
const email = Type.String({ minLength: 3, maxLength: 254, description: 'E-mail address.' });

export const IdBody = Type.Object({ id: accountId }, { additionalProperties: false });

export const KeyBody = Type.Object({
  id: Type.Optional(accountId),
  email: Type.Optional({ ...email, description: 'The account\'s e-mail address (used when no id is given).' }),
}, { additionalProperties: false });

export const CreateBody = Type.Object({
  email: { ...email, description: 'The initial user\'s address: the caller\'s own, or someone to invite.' },
  name: Type.String({ minLength: 1, maxLength: 150, description: 'The account\'s name.' }),
}, { additionalProperties: false });

export const GetQuery = Type.Object({
  index: Type.Optional(Type.Union([Type.Literal('primary'), Type.Literal('gs1')], {
    description: '`primary` looks the account up by `id`, `gs1` by `email` (EmbedThis\'s index names); without it, `id` when given, else `email`.',
  })),
});

export const FindQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Accounts per page, 1 to 100 (20).' })),
  next: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The `next` cursor of the page before.' })),
  prev: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The `prev` cursor of the page after.' })),
  filter: Type.Optional(Type.String({ maxLength: 200, description: 'Only accounts whose name or e-mail contains this text (any case).' })),
  where: Type.Optional(Type.String({ maxLength: 1000, description: 'A condition over the account\'s fields, in OneTable\'s syntax: see the operation\'s description.' })),
});

export const SuspendBody = Type.Object({
  id: accountId,
  suspended: Type.Boolean({ description: 'true suspends, false reactivates.' }),
  reason: Type.Optional(Type.String({ maxLength: 500, description: 'Ours: why, kept in the organization\'s history (members see it when refused).' })),
}, { additionalProperties: false });

const shortText = (description: string) => Type.String({ maxLength: 500, description: `${description} An empty string clears it.` });

export const UpdateIdentityBody = Type.Object({
  id: accountId,
  email: Type.Optional(Type.String({ maxLength: 254, description: 'The account\'s e-mail address; an empty string clears it.' })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 150, description: 'The account\'s name.' })),
}, { additionalProperties: false });

export const UpdateBillingBody = Type.Object({
  id: accountId,
  address: Type.Optional(shortText('Billing address.')),
  company: Type.Optional(shortText('Company name.')),
  country: Type.Optional(Type.String({ maxLength: 2, description: 'ISO 3166 two-letter country code. An empty string clears it.' })),
  invoiceEmail: Type.Optional(Type.String({ maxLength: 254, description: 'Where invoices go. An empty string clears it.' })),
  order: Type.Optional(shortText('Purchase order reference.')),
  subject: Type.Optional(shortText('Invoice subject line.')),
}, { additionalProperties: false });

export const UpdatePaymentBody = Type.Object({
  id: accountId,
  agreement: Type.Optional(Type.Boolean({ description: 'Signed the agreement (broker\'s staff).' })),
  canWire: Type.Optional(Type.Boolean({ description: 'May pay by wire (broker\'s staff).' })),
  credit: Type.Optional(Type.Number({ minimum: 0, maximum: 1e13, description: 'Credit in the currency\'s units, two decimals at most (broker\'s staff).' })),
  renew: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Next renewal: a date (2026-12-31) or an ISO 8601 time; null clears it.' }))),
  renewing: Type.Optional(Type.Boolean({ description: 'Renews by itself.' })),
  terms: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: 'Payment terms in days (broker\'s staff).' })),
  wire: Type.Optional(Type.Boolean({ description: 'Pays by wire; needs canWire (broker\'s staff).' })),
  memo: Type.Optional(Type.String({ maxLength: 2000, description: 'Ours: the broker\'s note on the terms (broker\'s staff); an empty string clears it.' })),
}, { additionalProperties: false });

export const UpdateMetricsBody = Type.Object({
  id: accountId,
  metrics: MetricsInput,
}, { additionalProperties: false });

export const InitBody = Type.Object({}, { additionalProperties: false, description: 'Init takes no fields: `{}` (or no body).' });

export const MakeBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  suspended: Type.Optional(Type.Boolean()),
  billing: Type.Optional(Type.Object({
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    agreement: Type.Optional(Type.Boolean()),
    canWire: Type.Optional(Type.Boolean()),
    company: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    country: Type.Optional(Nullable(Type.String({ maxLength: 2 }))),
    credit: Type.Optional(Type.Number({ minimum: 0, maximum: 1e13 })),
    invoiceEmail: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    memo: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    order: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    renew: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    renewing: Type.Optional(Type.Boolean()),
    subject: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    terms: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    wire: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false, description: 'Billing fields; cardId, stripeId and error come from the payment processor and are not taken.' })),
  metrics: Type.Optional(MetricsInput),
}, { additionalProperties: false, description: 'The fields of the account object to build; every one optional.' });

export const GetIdBody = Type.Object({
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, default: 16, description: 'How many characters, 1 to 256 (16).' })),
}, { additionalProperties: false });
