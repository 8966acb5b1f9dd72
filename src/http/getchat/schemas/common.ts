// The building blocks of get.chat's schemas: its error body, integer ids, timestamps, and
// references to named shapes. Every named shape of this surface has an `$id` starting with
// `GetChat`, so OpenAPI components never clash with another surface's.
import { Type, type Static, type TSchema, type TUnsafe } from '@fastify/type-provider-typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A row's id in a path: a positive integer (the seed's `{..._id}`, "integer, Default: null"). */
export const Id = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

export const DateTime = (description: string) => Type.String({ format: 'date-time', description });

/** A URL the service will call: absolute, http(s), 1..65536 characters (the seed's bounds). */
export const Url = (description: string) => Type.String({ format: 'uri', minLength: 1, maxLength: 65536, description });

/** A typed reference to a named shape registered with addSchema (./index.ts). */
export function ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(description ? { $ref: id, description } : { $ref: id });
}

/** get.chat's error (and message) body: `{message, code, description}`. */
export const GetChatError = Type.Object({
  message: Type.String({ description: 'What went wrong, in plain text.' }),
  code: Type.String({ description: 'Stable, dotted machine code (`stack.locked`, `field.invalid`): branch on it, never on the message.' }),
  description: Type.String({ description: 'More detail: for invalid input, each field at fault with its message (`settings.seats: ...`).' }),
}, { $id: 'GetChatError', description: 'An error or a message: `{message, code, description}`.' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid or cannot be honoured: `description` names each field at fault.',
  401: 'Authentication is required: send `Authorization: Bearer {access_token}` from `POST /account/login`.',
  403: 'The caller may not do this (a role, a partner-only setting, a quota, or a suspended organization).',
  404: 'Nothing matches: it does not exist, was deleted, or the caller may not see it.',
  409: 'It conflicts with the current state (a deployment under way, a taken subdomain).',
  413: 'The request body is too large.',
  415: 'The request body must be JSON.',
  429: 'Too many requests: retry after the number of seconds in the Retry-After header.',
  503: 'The service is too busy for this now (every core checking passwords, or the database): retry after the number of seconds in the Retry-After header.',
};
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers of an operation: a status alone uses its usual meaning, `[status, text]` says what it means here. */
export function errors(...answers: (ErrorStatus | [ErrorStatus, string])[]): Record<number, TUnsafe<Static<typeof GetChatError>>> {
  return Object.fromEntries(answers.map((answer) => {
    const [status, description] = Array.isArray(answer) ? answer : [answer, ERROR_DESCRIPTIONS[answer]];
    if (!description) throw new Error(`No description for error status ${status}`);
    return [status, ref(GetChatError, description)];
  }));
}

/** The seed's "Body data model ... forbid to load If any unexpected body variables received": an operation without a body. */
export const NoBody = Type.Object({}, { additionalProperties: false, description: 'No fields: unexpected body fields are refused.' });

/** Tags: one per resource, and one more on every operation whose path the seed lost (we chose it in the API's style). */
export const TAGS = {
  auth: 'get.chat: Authentication',
  organizations: 'get.chat: Organizations',
  users: 'get.chat: Users and accesses',
  oauth2: 'get.chat: OAuth2',
  packages: 'get.chat: Packages',
  stacks: 'get.chat: Stacks',
  applications: 'get.chat: Applications',
  routing: 'get.chat: Package routing',
  webhooks: 'get.chat: Webhooks',
  admin: 'get.chat: Administration',
  inferred: 'get.chat: paths chosen by us (lost from the seed)',
} as const;
