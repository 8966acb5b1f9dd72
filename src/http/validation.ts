// Two validators: request bodies are checked strictly (a number where a string is
// expected is an error, never silently converted), while query strings and path
// parameters, which are always text on the wire, are coerced to their declared types.
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(coerce: boolean) {
  const ajv = new Ajv.default({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

const strict = makeAjv(false);
const coercing = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

const messages: Record<string, (e: ErrorObject) => string> = {
  required: () => 'This field is required.',
  type: (e) => `Expected ${String(e.params.type).replace(/,/g, ' or ')}.`,
  minLength: (e) => (e.params.limit === 1 ? 'This field may not be blank.' : `Ensure this field has at least ${e.params.limit} characters.`),
  maxLength: (e) => `Ensure this field has no more than ${e.params.limit} characters.`,
  format: (e) => (e.params.format === 'email' ? 'Enter a valid email address.' : `Enter a valid ${e.params.format}.`),
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
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    let path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (error.keyword === 'required') path = [path, String(error.params.missingProperty)].filter(Boolean).join('.');
    if (error.keyword === 'additionalProperties') path = [path, String(error.params.additionalProperty)].filter(Boolean).join('.');
    const field = path || (part === 'body' ? 'non_field_errors' : part);
    const message = (messages[error.keyword] ?? ((e: ErrorObject) => e.message ?? 'Invalid value.'))(error);
    const list = (out[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return out;
}
