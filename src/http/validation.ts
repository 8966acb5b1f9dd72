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

/**
 * Each schema is compiled on its route's first request rather than at start: compiling the
 * few hundred routes' schemas up front was a large part of the time to ready, and a node
 * answers most routes rarely. A broken schema then fails its route's first request (a 500):
 * test/service/fuzz.test.ts calls every operation, so it shows there.
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  let validate: Validate | null = null;
  const checked: Validate = (data, context) => {
    const nul = findNul(data);
    if (nul !== null) {
      checked.errors = [{ keyword: 'nul', instancePath: nul, schemaPath: '#', params: {} }];
      return false;
    }
    validate ??= ajv.compile(schema as object) as unknown as Validate;
    const ok = validate(data, context);
    checked.errors = validate.errors;
    return ok;
  };
  // Fastify passes the parent object to a validator that has a schemaEnv (every Ajv one
  // does), so defaults can apply to the root; this one is Ajv's, compiled later.
  checked.schemaEnv = true;
  return checked as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
};

/** Types as a person reads them. */
const TYPE_WORDS: Record<string, string> = {
  string: 'text', integer: 'a whole number', number: 'a number', boolean: 'true or false',
  array: 'a list', object: 'an object', null: 'null',
};

function typeWords(types: string[]): string {
  return [...new Set(types)].map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

function listed(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value;
}

const FORMAT_MESSAGES: Record<string, string> = {
  email: 'Enter a valid email address.',
  'single-line': 'Must be a single line without control characters.',
  'date-time': 'Enter a date and time such as 2024-01-31T12:00:00Z.',
  date: 'Enter a date as YYYY-MM-DD.',
  time: 'Enter a time such as 12:00:00Z.',
  uri: 'Enter a valid URL.',
  url: 'Enter a valid URL.',
  uuid: 'Enter a valid UUID.',
  hostname: 'Enter a valid host name.',
  ipv4: 'Enter a valid IPv4 address.',
  ipv6: 'Enter a valid IPv6 address.',
};

/**
 * One plain sentence per Ajv keyword. Ajv's own wording ("must match a schema in anyOf",
 * "must be equal to constant", schema paths) is never used: a keyword missing here gets
 * the generic sentence at the end, not Ajv's message.
 */
const messages: Record<string, (e: ErrorObject) => string> = {
  nul: () => 'Null characters are not allowed.',
  required: () => 'This field is required.',
  dependentRequired: (e) => `This field is required when ${String(e.params.property)} is given.`,
  dependencies: (e) => `This field is required when ${String(e.params.property)} is given.`,
  type: (e) => `Expected ${typeWords(String(e.params.type).split(','))}.`,
  minLength: (e) => (e.params.limit === 1 ? 'This field may not be blank.' : `Ensure this field has at least ${e.params.limit} characters.`),
  maxLength: (e) => `Ensure this field has no more than ${e.params.limit} characters.`,
  format: (e) => FORMAT_MESSAGES[String(e.params.format)] ?? 'Enter a valid value.',
  pattern: () => 'This value has characters that are not allowed.',
  enum: (e) => `Expected one of: ${listed(e.params.allowedValues as unknown[])}.`,
  const: (e) => `Expected ${listed([e.params.allowedValue])}.`,
  minimum: (e) => `Ensure this value is greater than or equal to ${e.params.limit}.`,
  maximum: (e) => `Ensure this value is less than or equal to ${e.params.limit}.`,
  exclusiveMinimum: (e) => `Ensure this value is greater than ${e.params.limit}.`,
  exclusiveMaximum: (e) => `Ensure this value is less than ${e.params.limit}.`,
  multipleOf: (e) => `Ensure this value is a multiple of ${e.params.multipleOf}.`,
  additionalProperties: () => 'This field is not allowed here.',
  unevaluatedProperties: () => 'This field is not allowed here.',
  'false schema': () => 'This field is not allowed here.',
  propertyNames: (e) => `"${String(e.params.propertyName)}" is not an allowed field name.`,
  minProperties: (e) => `Ensure this object has at least ${e.params.limit} fields.`,
  maxProperties: (e) => `Ensure this object has no more than ${e.params.limit} fields.`,
  minItems: (e) => `Ensure this list has at least ${e.params.limit} items.`,
  maxItems: (e) => `Ensure this list has no more than ${e.params.limit} items.`,
  additionalItems: (e) => `Ensure this list has no more than ${e.params.limit} items.`,
  unevaluatedItems: (e) => `Ensure this list has no more than ${e.params.len} items.`,
  uniqueItems: () => 'Items must be unique.',
  contains: () => 'This list has no acceptable item.',
  minContains: () => 'This list has too few acceptable items.',
  maxContains: () => 'This list has too many items of one kind.',
  not: () => 'This value is not allowed.',
  anyOf: () => 'This value has none of the accepted forms.',
  oneOf: (e) => (Array.isArray(e.params.passingSchemas) ? 'This value fits more than one accepted form.' : 'This value has none of the accepted forms.'),
};

const GENERIC = 'This value is not valid.';

/** A JSON pointer as a dotted field name (`/items/0/name` → `items.0.name`). */
function fieldName(pointer: string): string {
  return pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** Turns validation errors into `{field: [messages]}`, the native API's shape. */
export function fieldErrors(errors: ErrorObject[], part: string): Record<string, string[]> {
  // No prototype: a field named "constructor" or "toString" is a field like any other.
  const byField: Record<string, ErrorObject[]> = Object.create(null);
  for (const error of errors) {
    // `if` only says the condition held (its `then` says what is missing); a field name's
    // own rule (`propertyNames`) speaks for the name, not its pattern.
    if (error.keyword === 'if' || (error.keyword !== 'propertyNames' && error.propertyName !== undefined)) continue;
    let path = fieldName(error.instancePath);
    if (error.keyword === 'required' || error.keyword === 'dependentRequired' || error.keyword === 'dependencies') {
      path = [path, String(error.params.missingProperty)].filter(Boolean).join('.');
    }
    if (error.keyword === 'additionalProperties') path = [path, String(error.params.additionalProperty)].filter(Boolean).join('.');
    if (error.keyword === 'unevaluatedProperties') path = [path, String(error.params.unevaluatedProperty)].filter(Boolean).join('.');
    (byField[path || (part === 'body' ? 'non_field_errors' : part)] ??= []).push(error);
  }
  const out: Record<string, string[]> = Object.create(null);
  for (const field of Object.keys(byField)) out[field] = messagesOf(byField[field]!);
  return out;
}

/** A union's branches each fail with their own error; these say only which branch. */
const BRANCH = new Set(['anyOf', 'oneOf', 'const', 'enum', 'type']);

function messagesOf(errors: ErrorObject[]): string[] {
  const union = errors.some((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && !Array.isArray(e.params.passingSchemas));
  let chosen = errors;
  if (union) {
    // A value of the right type that failed a finer rule (format, length) says what is
    // wrong; otherwise one sentence names what the union accepts (`M, F, or null`).
    const precise = errors.filter((e) => !BRANCH.has(e.keyword));
    if (precise.length) chosen = precise;
    else return [acceptedForms(errors)];
  }
  const out: string[] = [];
  for (const error of chosen) {
    const format = Object.hasOwn(messages, error.keyword) ? messages[error.keyword]! : () => GENERIC;
    const message = format(error);
    if (!out.includes(message)) out.push(message);
  }
  return out.length ? out : [GENERIC];
}

function acceptedForms(errors: ErrorObject[]): string {
  let values = errors.flatMap((e) => (e.keyword === 'const' ? [e.params.allowedValue] : e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : []));
  const types = errors.flatMap((e) => (e.keyword === 'type' ? String(e.params.type).split(',') : []));
  // `"" or text` says no more than `text`.
  values = values.filter((v) => !types.includes(typeOf(v)) && !(typeOf(v) === 'integer' && types.includes('number')));
  if (values.length && types.length) return `Expected one of: ${listed([...new Set(values)])}, or ${typeWords(types)}.`;
  if (values.length) return `Expected one of: ${listed([...new Set(values)])}.`;
  if (types.length) return `Expected ${typeWords(types)}.`;
  return messages.anyOf!(errors[0]!);
}
