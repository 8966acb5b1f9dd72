// The building blocks of EmbedThis Builder's Account API (seed 003): string ids, its error
// body, `{data, next, prev}` cursor pages. Every named shape of this surface has an `$id`
// starting with `Et`, so OpenAPI components never clash with another surface's.
import { Type, type Static, type TSchema, type TUnsafe } from '@fastify/type-provider-typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A typed reference to a named shape registered with addSchema (./index.ts). */
export function ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(description ? { $ref: id, description } : { $ref: id });
}

/** Every error: `{error, code, fields}`. */
export const EtError = Type.Object({
  error: Type.String({ description: 'What went wrong, in plain words.' }),
  code: Type.String({ description: 'Stable, dotted machine code (`account.not_found`, `field.invalid`): branch on it, never on the message.' }),
  fields: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Each field at fault with its messages; empty when none is.' }),
}, { $id: 'EtError', description: 'An error: `{error, code, fields}`.' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid or cannot be honoured: `fields` names each field at fault.',
  401: 'Authentication is required: `Authorization: Bearer <token>`, or an API key given bare (`Authorization: <key>`).',
  403: 'The caller\'s role on the account does not allow this (`user` reads, `admin` changes, `support` closes).',
  404: 'No account matches, or the caller may not see it.',
  409: 'It conflicts with the account\'s state (closed).',
  413: 'The request body is too large.',
  415: 'The request body must be JSON.',
  429: 'Too many requests: retry after the number of seconds in the Retry-After header.',
};
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers of an operation: a status alone uses its usual meaning, `[status, text]` says what it means here. */
export function errors(...answers: (ErrorStatus | [ErrorStatus, string])[]): Record<number, TUnsafe<Static<typeof EtError>>> {
  return Object.fromEntries(answers.map((answer) => {
    const [status, description] = Array.isArray(answer) ? answer : [answer, ERROR_DESCRIPTIONS[answer]];
    if (!description) throw new Error(`No description for error status ${status}`);
    return [status, ref(EtError, description)];
  }));
}

/** The seed's resource, the one tag of this surface. */
export const TAG = 'EmbedThis: Account';

/** Where every path of this surface starts: `POST /embedthis/account/{operation}`. */
export const ET = '/embedthis';
