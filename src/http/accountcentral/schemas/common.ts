// The building blocks of Accountcentral's schemas (seed 002): its three envelopes (Result,
// Msg, Paged), integer `userPk`/`groupPk`, 0-based pages. Every named shape of this surface
// has an `$id` starting with `Ac`, so OpenAPI components never clash with another surface's.
import { Type, type Static, type TSchema, type TUnsafe } from '@fastify/type-provider-typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A row's integer key in a path (`userPk`, `groupPk`, `dkimId`). */
export const Pk = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

export const UserPkParams = Type.Object({ userPk: Pk('The user\'s key (`userPk`).') });
export const GroupPkParams = Type.Object({ groupPk: Pk('The customer\'s key (`groupPk`).') });

/** A typed reference to a named shape registered with addSchema (./index.ts). */
export function ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(description ? { $ref: id, description } : { $ref: id });
}

/** The seed's Result: what an operation without a resource to answer says it did. */
export const AcResult = Type.Object({
  timestamp: Type.Integer({ description: 'When it was done: milliseconds since 1970-01-01 UTC.' }),
  result: Type.String({ description: 'What was done, in plain words.' }),
  resultCode: Type.String({ description: 'A stable code: `OK` when it was done.' }),
}, { $id: 'AcResult', description: 'The outcome of an operation: `{timestamp, result, resultCode}`.' });

export const AcFieldError = Type.Object({
  field: Type.String({ description: 'The field at fault (`body.email`, `query.size`, or the parameter\'s name).' }),
  message: Type.String({ description: 'What is wrong with it.' }),
}, { $id: 'AcFieldError' });

/** The seed's Msg: the body of every error, and of the two operations that answer a message. */
export const AcMessage = Type.Object({
  message: Type.String({ description: 'What happened, in plain words.' }),
  logref: Type.String({ description: 'The request\'s id, as in the service\'s log: quote it when asking for help.' }),
  data: Type.Object({
    code: Type.String({ description: 'Stable, dotted machine code (`user.not_found`, `field.invalid`): branch on it, never on the message.' }),
    status: Type.Integer({ description: 'The HTTP status of the answer.' }),
  }, { additionalProperties: true, description: 'The machine-readable side: the code and the status.' }),
  errors: Type.Array(Type.Unsafe<Static<typeof AcFieldError>>({ $ref: 'AcFieldError' }), { description: 'Each field at fault; empty when none is.' }),
}, { $id: 'AcMessage', description: 'A message (and every error): `{message, logref, data, errors}`.' });

export const AcPage = Type.Object({
  size: Type.Integer({ description: 'The page size asked for.' }),
  number: Type.Integer({ description: 'This page\'s number, from 0.' }),
  totalElements: Type.Integer({ description: 'How many elements all pages hold.' }),
  totalPages: Type.Integer({ description: 'How many pages there are at this size.' }),
}, { $id: 'AcPage', description: 'Where a page stands in its collection.' });

/** The seed's Paged envelope of `element`. */
export function Paged<T extends TSchema>(element: T, description: string) {
  return Type.Object({
    page: Type.Unsafe<Static<typeof AcPage>>({ $ref: 'AcPage' }),
    elements: Type.Array(element),
  }, { description });
}

/** `page` (from 0) and `size` of a paged list; `size` defaults to 20 and is at most 100. */
export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'The page to answer, from 0.' })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'How many elements a page holds (1 to 100; 20 when not given).' })),
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid or cannot be honoured: `errors` names each field at fault.',
  401: 'Authentication is required: `Authorization: Bearer <token>` (a token from the service\'s login or its OAuth2 server).',
  403: 'The caller may not do this (its role on the customer, or a suspended customer).',
  404: 'Nothing matches: it does not exist, or the caller may not see it.',
  409: 'It conflicts with the current state.',
  413: 'The request body is too large.',
  415: 'The request body must be JSON.',
  429: 'Too many requests: retry after the number of seconds in the Retry-After header.',
};
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers of an operation: a status alone uses its usual meaning, `[status, text]` says what it means here. */
export function errors(...answers: (ErrorStatus | [ErrorStatus, string])[]): Record<number, TUnsafe<Static<typeof AcMessage>>> {
  return Object.fromEntries(answers.map((answer) => {
    const [status, description] = Array.isArray(answer) ? answer : [answer, ERROR_DESCRIPTIONS[answer]];
    if (!description) throw new Error(`No description for error status ${status}`);
    return [status, ref(AcMessage, description)];
  }));
}

/** The seed's tags, word for word; an operation lists every tag the seed lists it under. */
export const TAGS = {
  service: 'service',
  user: 'user',
  security: 'security',
  users: 'users',
  customers: 'customers',
  applications: 'applications',
  dkim: 'dkim',
  customer: 'customer',
  options: 'options',
  notifications: 'notifications',
  news: 'news',
  status: 'status',
  capabilities: 'capabilities',
  internal: 'internal',
  provisioning: 'provisioning',
  platform: 'platform',
} as const;

/** Where every path of this surface starts. */
export const AC = '/accountcentral';
