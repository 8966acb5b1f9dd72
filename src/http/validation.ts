// Two validators: request bodies are checked strictly (a number where a string is
// expected is an error, never silently converted), while query strings and path
// parameters, which are always text on the wire, are coerced to their declared types.
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isEmailAddress, isSingleLine } from '../core/notify/addresses.js';

function makeAjv(coerce: boolean) {
  const ajv = new Ajv.default({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv);
  // One definition of an address for every field that takes one, stricter than the
  // library's (no display names, no angle brackets): src/core/notify/addresses.ts.
  ajv.addFormat('email', { type: 'string', validate: isEmailAddress });
  // Names that can end up in a mail's subject: one line, no control characters.
  ajv.addFormat('single-line', { type: 'string', validate: isSingleLine });
  return ajv;
}

const strict = makeAjv(false);
const coercing = makeAjv(true);

/**
 * Where the first NUL character is in `value` (a JSON pointer), or null. PostgreSQL
 * refuses U+0000 in text, so a string holding one would fail at the database as a 500;
 * it is refused here instead, for every body, query string and path parameter.
 */
export function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path}/${key.replace(/\u0000/g, '')}`;
      const found = findNul(item, `${path}/${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

type Validate = ((data: unknown, context?: unknown) => boolean) & { errors?: ErrorObject[] | null; schemaEnv?: unknown };

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  const validate = ajv.compile(schema as object) as unknown as Validate;
  const checked: Validate = (data, context) => {
    const nul = findNul(data);
    if (nul !== null) {
      checked.errors = [{ keyword: 'nul', instancePath: nul, schemaPath: '#', params: {} }];
      return false;
    }
    const ok = validate(data, context);
    checked.errors = validate.errors;
    return ok;
  };
  // Fastify passes the parent object to Ajv validators (so defaults can apply to the root).
  checked.schemaEnv = validate.schemaEnv;
  return checked as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
};

const messages: Record<string, (e: ErrorObject) => string> = {
  nul: () => 'Null characters are not allowed.',
  required: () => 'This field is required.',
  type: (e) => `Expected ${String(e.params.type).replace(/,/g, ' or ')}.`,
  minLength: (e) => (e.params.limit === 1 ? 'This field may not be blank.' : `Ensure this field has at least ${e.params.limit} characters.`),
  maxLength: (e) => `Ensure this field has no more than ${e.params.limit} characters.`,
  format: (e) => (e.params.format === 'email' ? 'Enter a valid email address.'
    : e.params.format === 'single-line' ? 'Must be a single line without control characters.'
    : `Enter a valid ${e.params.format}.`),
  pattern: () => 'This value has characters that are not allowed.',
  enum: (e) => `Expected one of: ${(e.params.allowedValues as unknown[]).join(', ')}.`,
  minimum: (e) => `Ensure this value is greater than or equal to ${e.params.limit}.`,
  maximum: (e) => `Ensure this value is less than or equal to ${e.params.limit}.`,
  additionalProperties: () => 'This field is not allowed here.',
  minItems: (e) => `Ensure this list has at least ${e.params.limit} items.`,
  maxItems: (e) => `Ensure this list has no more than ${e.params.limit} items.`,
  uniqueItems: () => 'Items must be unique.',
};

/** Turns validation errors into `{field: [messages]}`, the native API's shape. */
export function fieldErrors(errors: ErrorObject[], part: string): Record<string, string[]> {
  // A value that fits no branch of a union (a string or null, say) fails every branch;
  // when one branch says what is wrong, the others' "expected null" is only noise.
  const precise = new Set(errors.filter((e) => !isUnionNoise(e)).map((e) => e.instancePath));
  // No prototype: a field named "constructor" or "toString" is a field like any other.
  const out: Record<string, string[]> = Object.create(null);
  for (const error of errors) {
    if (isUnionNoise(error) && precise.has(error.instancePath)) continue;
    let path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (error.keyword === 'required') path = [path, String(error.params.missingProperty)].filter(Boolean).join('.');
    if (error.keyword === 'additionalProperties') path = [path, String(error.params.additionalProperty)].filter(Boolean).join('.');
    const field = path || (part === 'body' ? 'non_field_errors' : part);
    const format = Object.hasOwn(messages, error.keyword) ? messages[error.keyword] : (e: ErrorObject) => e.message ?? 'Invalid value.';
    const message = format(error);
    const list = (out[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return out;
}

function isUnionNoise(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'const'
    || (error.keyword === 'type' && error.params.type === 'null');
}
