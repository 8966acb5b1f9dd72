// No validator text reaches a client: a request that fails its schema, whatever the
// keyword, answers 400 with one plain sentence per field it names, never Ajv's wording
// ("must match a schema in anyOf", "must be equal to constant") or a schema path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser, type RequestOptions } from '../support/service.js';
import { fieldErrors, validatorCompiler } from '../../src/http/validation.js';

let s: TestService;
let u: TestUser;
before(async () => { s = await startService(); u = await s.user(); });
after(async () => { await s.stop(); });

// Ajv's sentences start with a lowercase "must"; ours never do.
const JARGON = /anyOf|oneOf|allOf|schema|#\/|^must |\bshould\b|instancePath|keyword|constant|allowed values|NaN|undefined|\[object/;

function assertPlain(fields: Record<string, unknown>, label: string): void {
  for (const [field, messages] of Object.entries(fields)) {
    const list = Array.isArray(messages) ? messages : [messages];
    assert.ok(list.length > 0, `${label}: ${field} has no message`);
    for (const message of list) {
      assert.equal(typeof message, 'string', `${label}: ${field}`);
      assert.doesNotMatch(message as string, JARGON, `${label}: ${field}: ${message}`);
      assert.match(message as string, /^[A-Z"].*\.$/, `${label}: ${field}: a sentence, not a fragment: ${message}`);
    }
  }
}

/** Sends the request and checks it fails on `field` with exactly `messages`. */
async function refused(call: RequestOptions, field: string, messages: string[], label: string): Promise<void> {
  const res = await s.request(call);
  assert.equal(res.statusCode, 400, `${label}: ${res.body}`);
  const { detail, error_code: code, ...fields } = res.json();
  assert.equal(detail, 'Invalid request.', label);
  assertPlain({ detail, ...fields }, label);
  assert.equal(code, 'field.invalid', label);
  assert.deepEqual(fields[field], messages, `${label}: ${res.body}`);
}

test('each keyword a route uses answers a plain message naming the field', async () => {
  const login = (body: unknown): RequestOptions => ({ method: 'POST', url: '/api/auth/', body });
  await refused(login({ password: 'x' }), 'username', ['This field is required.'], 'required');
  await refused(login({ username: 5, password: 'x' }), 'username', ['Expected text.'], 'type');
  await refused(login({ username: '', password: 'x' }), 'username', ['This field may not be blank.'], 'minLength');
  await refused(login({ username: 'x'.repeat(300), password: 'x' }), 'username', ['Ensure this field has no more than 254 characters.'], 'maxLength');
  await refused(login({ username: 'a\u0000b', password: 'x' }), 'username', ['Null characters are not allowed.'], 'NUL');
  // anyOf: a whole number, six digits as text, or a recovery code.
  await refused(login({ username: 'x', password: 'x', code: true }), 'code', ['Expected a whole number or text.'], 'anyOf of types');
  await refused(login({ username: 'x', password: 'x', code: 1234567 }), 'code', ['Ensure this value is less than or equal to 999999.'], 'anyOf, maximum');
  await refused(login({ username: 'x', password: 'x', code: 'abc' }), 'code', ['This value has characters that are not allowed.'], 'anyOf, pattern');

  const profile = (body: unknown): RequestOptions => ({ method: 'POST', url: '/api/profile/', token: u.token, body });
  await refused(profile({ full_name: 'Acme', type: 'company' }), 'type', ['Expected one of: "organization", "personal".'], 'anyOf of consts');
  await refused(profile({ full_name: 'Acme', email: 'not-an-address' }), 'email', ['Enter a valid email address.'], 'nullable union, format');
  await refused(profile({ full_name: 'Acme', email: 5 }), 'email', ['Expected text or null.'], 'nullable union, type');
  await refused(profile({ full_name: 'Acme\nInc' }), 'full_name', ['Must be a single line without control characters.'], 'custom format');
  await refused(profile({ full_name: 'Acme', slug: 'no spaces here' }), 'slug', ['This value has characters that are not allowed.'], 'pattern');
  await refused(profile({ full_name: 'Acme', bogus: 1 }), 'bogus', ['This field is not allowed here.'], 'additionalProperties');
  await refused({ method: 'POST', url: '/api/profile/', token: u.token, body: [1, 2] }, 'non_field_errors', ['Expected an object.'], 'type of the body');

  const list = (query: string): RequestOptions => ({ method: 'GET', url: `/api/users/?${query}`, token: u.token });
  await refused(list('page=0'), 'page', ['Ensure this value is greater than or equal to 1.'], 'minimum (query)');
  await refused(list('page_size=100000000'), 'page_size', ['Ensure this value is less than or equal to 10000.'], 'maximum (query)');
  await refused(list('page=abc'), 'page', ['Expected a whole number.'], 'type (query)');
  await refused(list('ot=sideways'), 'ot', ['Expected one of: "asc", "desc".'], 'anyOf of consts (query)');
});

/** What the surface answers for `value` against `schema`, through the app's own compiler. */
function answerFor(schema: object, value: unknown): Record<string, string[]> {
  const validate = validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '/' } as never) as unknown as
    ((data: unknown) => boolean) & { errors?: never };
  assert.equal(validate(value), false, JSON.stringify(schema));
  return { ...fieldErrors(validate.errors!, 'body') };
}

test('every Ajv keyword, used by a route today or not, has a plain message', () => {
  const cases: Array<[string, object, unknown]> = [
    ['enum', { type: 'object', properties: { a: { enum: ['x', 'y'] } } }, { a: 'z' }],
    ['const', { type: 'object', properties: { a: { const: 'x' } } }, { a: 'z' }],
    ['oneOf, none', { type: 'object', properties: { a: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } }, { a: true }],
    ['oneOf, several', { type: 'object', properties: { a: { oneOf: [{ type: 'number' }, { type: 'integer' }] } } }, { a: 1 }],
    ['anyOf of objects', { type: 'object', properties: { a: { anyOf: [{ type: 'object', required: ['b'] }, { type: 'object', required: ['c'] }] } } }, { a: {} }],
    ['allOf', { type: 'object', properties: { a: { allOf: [{ type: 'string' }, { minLength: 3 }] } } }, { a: 'x' }],
    ['not', { type: 'object', properties: { a: { not: { type: 'string' } } } }, { a: 'x' }],
    ['multipleOf', { type: 'object', properties: { a: { multipleOf: 5 } } }, { a: 7 }],
    ['exclusiveMinimum', { type: 'object', properties: { a: { exclusiveMinimum: 5 } } }, { a: 5 }],
    ['exclusiveMaximum', { type: 'object', properties: { a: { exclusiveMaximum: 5 } } }, { a: 5 }],
    ['minProperties', { type: 'object', properties: { a: { type: 'object', minProperties: 1 } } }, { a: {} }],
    ['maxProperties', { type: 'object', properties: { a: { type: 'object', maxProperties: 1 } } }, { a: { b: 1, c: 2 } }],
    ['propertyNames', { type: 'object', properties: { a: { type: 'object', propertyNames: { pattern: '^[a-z]+$' } } } }, { a: { B1: 1 } }],
    ['dependencies', { type: 'object', dependencies: { a: ['b'] } }, { a: 1 }],
    ['if/then', { type: 'object', if: { required: ['a'] }, then: { required: ['b'] } }, { a: 1 }],
    ['contains', { type: 'object', properties: { a: { type: 'array', contains: { type: 'string' } } } }, { a: [1] }],
    ['minItems', { type: 'object', properties: { a: { type: 'array', minItems: 2 } } }, { a: [1] }],
    ['maxItems', { type: 'object', properties: { a: { type: 'array', maxItems: 1 } } }, { a: [1, 2] }],
    ['uniqueItems', { type: 'object', properties: { a: { type: 'array', uniqueItems: true } } }, { a: [1, 1] }],
    ['items', { type: 'object', properties: { a: { type: 'array', items: { type: 'string' } } } }, { a: ['x', 2] }],
    ['additionalItems', { type: 'object', properties: { a: { type: 'array', items: [{ type: 'string' }], additionalItems: false } } }, { a: ['x', 2] }],
    ['false schema', { type: 'object', properties: { a: false } }, { a: 1 }],
    ['format date-time', { type: 'object', properties: { a: { type: 'string', format: 'date-time' } } }, { a: 'yesterday' }],
    ['format uri', { type: 'object', properties: { a: { type: 'string', format: 'uri' } } }, { a: 'not a url' }],
    ['format of an unusual kind', { type: 'object', properties: { a: { type: 'string', format: 'json-pointer' } } }, { a: 'x' }],
    ['required, nested', { type: 'object', properties: { a: { type: 'object', required: ['b'] } } }, { a: {} }],
    ['a field whose name has a slash', { type: 'object', properties: { 'a/b': { type: 'string' } } }, { 'a/b': 1 }],
  ];
  for (const [label, schema, value] of cases) {
    const fields = answerFor(schema, value);
    assert.ok(Object.keys(fields).length > 0, label);
    assertPlain(fields, label);
  }
  assert.deepEqual(answerFor(cases[0]![1], cases[0]![2]), { a: ['Expected one of: "x", "y".'] });
  assert.deepEqual(answerFor(cases[2]![1], cases[2]![2]), { a: ['Expected text or a whole number.'] });
  assert.deepEqual(answerFor(cases[25]![1], cases[25]![2]), { 'a.b': ['This field is required.'] });
  assert.deepEqual(answerFor(cases[26]![1], cases[26]![2]), { 'a/b': ['Expected text.'] });
});
