// The building blocks of the native API's schemas: nullable values, slugs, references to
// named shapes, and the error answers every operation lists.
import { Type, type Static, type TSchema, type TUnsafe } from '@fastify/type-provider-typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Slug = Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\w.@+-]+$' });

/**
 * A reference to a named shape (one registered with addSchema, listed in ./index.ts), typed
 * as the shape itself. OpenAPI shows it as `#/components/schemas/<$id>`; `description` says
 * what this use of the shape is (for a response, it is the response's description).
 */
export function ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(description ? { $ref: id, description } : { $ref: id });
}

/** What every error answer looks like: `detail`, the stable `error_code`, and for invalid fields `{field: [messages]}`. */
export const ErrorBody = Type.Object({
  detail: Type.String({ description: 'Describes the reason for the error in plain text.' }),
  error_code: Type.String({
    description: 'Stable, dotted machine code of the error (`organization.suspended`, `field.invalid`): branch on it, never on `detail`.',
  }),
}, {
  $id: 'Error',
  additionalProperties: Type.Array(Type.String()),
  description: 'An error: `detail`, `error_code` and, for each invalid field, the field\'s name with its messages.',
});

export const Detail = Type.Object({ detail: Type.String({ description: 'A message in plain text.' }) }, {
  $id: 'Detail', description: 'A message in plain text.',
});

export const TokenBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 4096, description: 'Token used to authenticate the user on every HTTP request.' }),
}, { $id: 'Token', additionalProperties: false, description: 'A JSON Web Token.' });

export const UserParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 150, description: 'Username (slug) of the user.' }) });
export const OrganizationParams = Type.Object({
  organization: Type.String({ minLength: 1, maxLength: 150, description: 'Slug of the organization (billing profile).' }),
});

/** What each error status means on this API; a route may say more for its own case. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid or cannot be honoured as it stands: `detail` says why, and each field at fault lists its messages.',
  401: 'Authentication is required: no credential was sent, or it is not valid (any longer).',
  403: 'The caller may not do this (or an organization involved is suspended).',
  404: 'Nothing matches: it does not exist, or the caller may not see it.',
  405: 'Not allowed in the current state of what is named (a refund of a charge that is not paid).',
  409: 'It conflicts with the current state (a duplicate, the last manager, a state that changed).',
  413: 'The request body is too large.',
  415: 'The request body must be JSON.',
  429: 'Too many requests: retry after the number of seconds in the Retry-After header.',
  503: 'A service this depends on (the payment processor) could not be reached; nothing was changed. Retry later.',
};

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/**
 * The error answers of an operation, each a reference to the shared `Error` shape: a status
 * alone uses its usual meaning, `[status, description]` says what it means for this route.
 */
export function errors(...answers: (ErrorStatus | [ErrorStatus, string])[]): Record<number, TUnsafe<Static<typeof ErrorBody>>> {
  return Object.fromEntries(answers.map((answer) => {
    const [status, description] = Array.isArray(answer) ? answer : [answer, ERROR_DESCRIPTIONS[answer]];
    if (!description) throw new Error(`No description for error status ${status}`);
    return [status, ref(ErrorBody, description)];
  }));
}

/** The answer of a route that answers nothing (204). */
export const NoContent = (description: string) => Type.Null({ description });
