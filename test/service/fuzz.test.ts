// Schema-driven property-based fuzzing: every operation of /openapi.json, called by every
// kind of caller with values drawn from the operation's own schemas (path, query, headers,
// body) mixed with hostile ones (Object.prototype names, NUL bytes, lone surrogates,
// numbers beyond a double or a bigint, wrong types, broken JSON, other media types).
// The property: no answer is a 5xx, no request hangs, and every 4xx is in the surface's
// envelope (`{detail, error_code, ...}`). hostile-input.test.ts is the
// small fixed sweep; this one explores.
//
// Deterministic: each operation runs under its own seed, derived from FUZZ_SEED and the
// operation's method and path, so adding a route does not change what the others see.
// Bounded: FUZZ_RUNS runs per operation (one request each, plus a few to re-create the
// callers when a run logged them out or closed their organization).
//   FUZZ_SEED=<n>     another seed (the failure report prints the one to replay)
//   FUZZ_RUNS=<n>     runs per operation (default: BUDGET shared out, at least 20 each; about
//                     a minute per database)
//   FUZZ_ONLY=<text>  only the operations whose "METHOD /path" contains the text
//   FUZZ_SHRINK=1     shrink a failure to a small counterexample (slower, unbounded)
//   FUZZ_STATS=1      print the answers' status codes per operation (is the fuzz getting past validation?)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { openSession } from '../../src/core/identity/sessions.js';
import { apiKeyHeaders, giveRole, grantRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
/** Requests the whole sweep may make, shared out evenly between the operations. */
const BUDGET = 4500;
const ONLY = process.env.FUZZ_ONLY ?? '';
const SHRINK = process.env.FUZZ_SHRINK === '1';
const STATS = process.env.FUZZ_STATS === '1';
/** A request slower than this is a hang, reported like a 5xx. */
const HANG_MS = 15_000;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
}
interface Parameter { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: Schema }
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}
interface OpenApi { paths: Record<string, Partial<Record<Method, Operation>>>; components?: { schemas?: Record<string, Schema> } }

// ---- hostile values ----

const HOSTILE_STRINGS = [
  '', ' ', '\t\n', 'constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'then',
  'null', 'undefined', 'true', 'NaN', 'Infinity', '-Infinity', '0', '-0', '-1', '1.5', '1e400', '-1e400', '1e-400',
  '99999999999999999999999', '9223372036854775808', '-9223372036854775809', '2147483648', '0x10', '1_000',
  'x\u0000y', '\u0000', '\ud800', 'a\udfffb', '\ufeff', '\u202e', '\u200b', 'é', '\u00e9\u0301', '😀', '𝕏'.repeat(40),
  '%', '%00', '%zz', '%2F', '../..', '..', '.', '/', '//', '\\', '*', '?', '#', '&', '=', ';', ',', '"', "'",
  "' OR '1'='1", '"; drop table users; --', '$1', '\\x00', '<script>alert(1)</script>', '{{7*7}}', '${x}',
  '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00Z',
  '2026-02-30T00:00:00Z', '2026-13-01', '1970-01-01', 'T', 'now', 'a@b', '@', 'a@b@c.d', `${'a'.repeat(300)}@example.com`,
  'usd', 'USD', 'xxx', 'eur ', 'a'.repeat(256), 'a'.repeat(5000),
];
const HOSTILE_NUMBERS = [
  0, -0, -1, 1, 1.5, -1.5, 0.1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, 2 ** 64,
  1e21, 1e308, -1e308, Number.MIN_VALUE, Number.EPSILON, 1e-7,
];
const DROP = Symbol('drop');
/** In a path, the caller's own username (known only when the run is sent). */
const SELF = '~self~';
/** A deeply nested value, the kind that overflows a recursive walk. */
const DEEP = JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) as unknown;
const PROTO_OBJECT = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}') as unknown;

const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(70 * 1024)) },
);
const hostileNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [''], { a: 1 }, DEEP, PROTO_OBJECT) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
);

/**
 * Values a field of that name plausibly takes where its schema only says "a string"
 * (orderings, timezones, card tokens, currencies), so well-formed runs get past the
 * checks a schema cannot express.
 */
const PLAUSIBLE: Record<string, string[]> = {
  o: ['created_at', '-created_at', 'slug', 'full_name', 'email', 'username', 'title', 'amount', '-amount', 'description'],
  timezone: ['UTC', 'America/New_York', 'Europe/Paris'],
  default_timezone: ['UTC', 'America/Los_Angeles'],
  lang: ['en', 'fr'], language: ['en', 'fr'], country: ['US', 'FR'], region: ['CA', 'NY'], phone: ['+14155550123', '+33123456789'],
  unit: ['usd', 'eur'], currency: ['usd', 'eur'],
  token: ['tok_visa', 'tok_mastercard', 'tok_chargeDeclined', 'tok_chargeDeclinedInsufficientFunds', 'tok_chargeDeclinedExpiredCard'],
  processor_token: ['tok_visa', 'tok_chargeDeclined'],
  stripeToken: ['tok_visa', 'tok_chargeDeclined'],
  period_type: ['hourly', 'daily', 'weekly', 'monthly', 'yearly'],
  password: ['Quick-user-Pa55word', 'Another-Pa55word-long'],
  // Whole numbers in the ranges the rules accept, where the schema's bounds are wider.
  period_amount: ['1000', '2999'], setup_amount: ['0', '500'], period_length: ['1', '3'], amount: ['100', '1000'],
  discount_value: ['1000', '2500'], percent: ['10', '50'], nb_attempts: ['1', '5'], quantity: ['1', '2'], option: ['0', '1'],
  broker_fee_percent: ['0', '10'], page: ['1', '2'], page_size: ['1', '10'],
};

// ---- values drawn from a schema ----

/**
 * Builds arbitraries for the schemas of one document. `known(name)` answers values that
 * name things that exist (slugs, ids, codes), so some requests go past "not found".
 */
class Values {
  constructor(private doc: OpenApi, private known: (name: string) => string[]) {}

  resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; s.$ref && i < 10; i += 1) {
      const name = s.$ref.replace('#/components/schemas/', '');
      s = this.doc.components?.schemas?.[name] ?? {};
    }
    return s;
  }

  /** Mostly what the schema describes, sometimes anything hostile (or, in an object, nothing). */
  fuzzed(schema: Schema, name: string, depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof(
      { weight: 5, arbitrary: this.valid(schema, name, depth, true) },
      { weight: 1, arbitrary: hostileValue },
    );
  }

  /** A value the schema accepts (as far as a generator can tell); `deep` fuzzes inside it. */
  valid(schema: Schema, name: string, depth = 0, deep = false): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives?.length) return fc.oneof(...alternatives.map((a) => this.valid(a, name, depth, deep)));
    if (s.allOf?.length) {
      const merged: Schema = { type: 'object', properties: {}, required: [] };
      for (const part of s.allOf.map((p) => this.resolve(p))) {
        Object.assign(merged.properties!, part.properties ?? {});
        merged.required!.push(...(part.required ?? []));
        if (!part.properties && part.type !== 'object') return this.valid(part, name, depth, deep);
      }
      return this.valid(merged, name, depth, deep);
    }
    const types = Array.isArray(s.type) ? s.type : [s.type ?? (s.properties ? 'object' : 'string')];
    const arbitraries = types.map((t) => this.ofType(t, s, name, depth, deep));
    if (s.nullable) arbitraries.push(fc.constant(null));
    return arbitraries.length === 1 ? arbitraries[0] : fc.oneof(...arbitraries);
  }

  private ofType(type: string, s: Schema, name: string, depth: number, deep: boolean): fc.Arbitrary<unknown> {
    switch (type) {
      case 'null': return fc.constant(null);
      case 'boolean': return fc.boolean();
      case 'integer': {
        const min = Math.max(s.minimum ?? (s.exclusiveMinimum ?? -1e6 - 1) + 1, -1e9);
        const max = Math.min(s.maximum ?? (s.exclusiveMaximum ?? 1e6 + 1) - 1, 1e9);
        const known = this.known(name).map(Number).filter((n) => Number.isInteger(n) && n >= min && n <= max);
        return known.length ? fc.oneof(fc.integer({ min, max }), fc.constantFrom(...known)) : fc.integer({ min, max });
      }
      case 'number': {
        const min = Math.max(s.minimum ?? -1e6, -1e9);
        const max = Math.min(s.maximum ?? 1e6, 1e9);
        return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      }
      case 'array': {
        const items = s.items ?? {};
        if (depth > 3) return fc.constant([]);
        const item = deep ? this.fuzzed(items, name, depth + 1) : this.valid(items, name, depth + 1);
        return fc.array(item, { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 2, 2)) });
      }
      case 'object': return this.object(s, depth, deep);
      default: return this.string(s, name);
    }
  }

  private object(s: Schema, depth: number, deep: boolean): fc.Arbitrary<unknown> {
    if (depth > 3) return fc.constant({});
    const properties = Object.entries(s.properties ?? {});
    const required = new Set(s.required ?? []);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, schema] of properties) {
      const value = deep ? this.fuzzed(schema, key, depth + 1) : this.valid(schema, key, depth + 1);
      // A required field is sometimes missing; in the fuzzed variant only.
      model[key] = deep && required.has(key) ? fc.oneof({ weight: 12, arbitrary: value }, { weight: 1, arbitrary: fc.constant(DROP) }) : value;
    }
    const record = fc.record(model, { requiredKeys: properties.map(([k]) => k).filter((k) => required.has(k)) });
    if (!deep) return record;
    // Now and then a field the schema does not know, named to hurt.
    const extra = fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'toString', '', 'x\u0000', 'id', 'created_at'), hostileValue), { freq: 8 });
    return fc.tuple(record, extra).map(([r, e]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (v !== DROP) out[k] = v;
      // defineProperty: a plain assignment to "__proto__" would set the prototype, not a field.
      if (e) Object.defineProperty(out, e[0], { value: e[1], enumerable: true, writable: true, configurable: true });
      return out;
    });
  }

  private string(s: Schema, name: string): fc.Arbitrary<unknown> {
    const maxLength = s.maxLength ?? 60;
    const minLength = s.minLength ?? 0;
    const fits = (v: string) => v.length >= minLength && v.length <= maxLength;
    let base: fc.Arbitrary<string>;
    if (s.format === 'email') base = fc.emailAddress().filter(fits);
    else if (s.format === 'date-time') {
      base = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    } else if (s.format === 'date') {
      base = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    } else if (s.pattern) {
      try {
        base = fc.stringMatching(new RegExp(s.pattern)).filter(fits);
      } catch {
        base = fc.string({ minLength, maxLength: Math.min(maxLength, 40) });
      }
    } else {
      base = fc.string({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, 40)) });
    }
    const known = this.known(name).filter(fits);
    return known.length ? fc.oneof({ weight: 2, arbitrary: base }, { weight: 1, arbitrary: fc.constantFrom(...known) }) : base;
  }
}

// ---- the callers and what exists ----

type CallerName = 'anonymous' | 'garbage' | 'plain' | 'member' | 'manager' | 'partnerManager' | 'brokerManager' | 'apiKey';
const CALLERS: CallerName[] = ['anonymous', 'garbage', 'plain', 'member', 'manager', 'partnerManager', 'brokerManager', 'apiKey'];
type UserCallerName = Exclude<CallerName, 'anonymous' | 'garbage' | 'apiKey'>;
const USER_CALLERS: UserCallerName[] = ['plain', 'member', 'manager', 'partnerManager', 'brokerManager'];

/**
 * The people and organizations a run acts on: A is a customer of the partner P; the manager
 * manages A (also with an API key), the member contributes to A, the partner manager manages
 * P, the broker manager manages the broker. A run may log them out or close A: the world is
 * then made again.
 */
interface World {
  users: Record<UserCallerName, TestUser>;
  apiKey: Record<string, string>;
  a: TestOrg;
  p: TestOrg;
  description: string;
}

async function makeWorld(s: TestService, previous?: World): Promise<World> {
  // The broker's managers get every contact-us mail: one at a time, not one per world made.
  if (previous) await s.core.db.deleteFrom('roles').where('user_id', '=', previous.users.brokerManager.id).execute();
  const users = {} as Record<UserCallerName, TestUser>;
  for (const name of USER_CALLERS) users[name] = await quickUser(s, name.slice(0, 6).toLowerCase());
  // Organizations still active are kept, with what was made in them (plans, coupons, ...):
  // most worlds end because a run deleted or suspended a user.
  // (A run may have renamed one: its slug is read again.)
  const current = async (org: TestOrg | undefined) => (org ? s.core.db.selectFrom('organizations').select(['id', 'slug'])
    .where('id', '=', org.id).where('status', '=', 'active').executeTakeFirst() : undefined);
  const [keptA, keptP] = [await current(previous?.a), await current(previous?.p)];
  const keep = keptA && keptP;
  const p = keep ? keptP : await makeOrganization(s);
  await grantRole(s, p, users.partnerManager.id, 'manager');
  const a = keep ? keptA : await makeOrganization(s);
  if (!keep) {
    await placeOrganization(s, a, { partner: p });
    // A sells: the provider routes (plans, coupons, subscribers) have something to act on.
    await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', a.id).execute();
    await s.core.db.insertInto('role_descriptions').values({ organization_id: a.id, slug: `fuzzrole${a.id}`, title: `fuzzrole${a.id}` }).execute();
  }
  await giveRole(s, a, users.manager.id, 'manager');
  await giveRole(s, a, users.member.id, 'contributor');
  const broker = await s.core.db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', 'broker').executeTakeFirstOrThrow();
  await giveRole(s, broker, users.brokerManager.id, 'manager');
  return { users, apiKey: await apiKeyHeaders(s, users.manager.id), a, p, description: `fuzzrole${a.id}` };
}

function credentials(world: World, caller: CallerName): Record<string, string> {
  if (caller === 'anonymous') return {};
  if (caller === 'garbage') return { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.' };
  if (caller === 'apiKey') return world.apiKey;
  return { authorization: `Bearer ${world.users[caller].token}` };
}

/** New sessions and a new API key for the same people: what a logout or a password change undid. */
async function refreshWorld(s: TestService, world: World): Promise<void> {
  for (const name of USER_CALLERS) {
    const u = world.users[name];
    const { token } = await openSession(s.core, s.core.db, { id: u.id, slug: u.username, email: u.email, full_name: '' }, 'password', {}, s.clock.now);
    world.users[name] = { ...u, token };
  }
  world.apiKey = await apiKeyHeaders(s, world.users.manager.id);
}

/** Whether every caller can still act as itself on A; a run may have undone that. */
async function worldIntact(s: TestService, world: World): Promise<boolean> {
  for (const name of USER_CALLERS) {
    const me = await s.request({ method: 'GET', url: `/api/users/${world.users[name].username}/`, token: world.users[name].token });
    if (me.statusCode !== 200) {
      if (process.env.FUZZ_DEBUG_WORLD) console.log(`probe ${name}: ${me.statusCode} ${me.body.slice(0, 200)}`);
      return false;
    }
  }
  for (const headers of [world.apiKey, { authorization: `Bearer ${world.users.member.token}` }]) {
    const org = await s.request({ method: 'GET', url: `/api/profile/${world.a.slug}/`, headers });
    if (org.statusCode !== 200) {
      if (process.env.FUZZ_DEBUG_WORLD) console.log(`probe A: ${org.statusCode} ${org.body.slice(0, 200)}`);
      return false;
    }
  }
  const p = await s.request({ method: 'GET', url: `/api/profile/${world.p.slug}/`, token: world.users.partnerManager.token });
  return p.statusCode === 200;
}

// ---- requests ----

interface Call {
  caller: CallerName;
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** A path value: something that exists, or something hostile (raw ones are sent undecoded). */
function pathValue(known: string[]): fc.Arbitrary<string> {
  const hostile = fc.oneof(
    { weight: 4, arbitrary: hostileString.filter((v) => v.length < 6000).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '..', '.', '%2e%2e', 'a%2Fb', '%00', '%ff%fe') },
  );
  return known.length
    ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known).map(encode) }, { weight: 2, arbitrary: hostile })
    : hostile;
}

function queryValue(v: unknown): string[] {
  if (v === DROP || v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'object' && x !== null ? [JSON.stringify(x)] : [String(x)]));
  if (typeof v === 'object' && v !== null) return [JSON.stringify(v)];
  return [String(v)];
}

/** Raw bodies: broken JSON, JSON that is not an object, other media types. */
const RAW_BODIES: Array<{ type: string; payload: string }> = [
  { type: 'application/json', payload: '' },
  { type: 'application/json', payload: '{' },
  { type: 'application/json', payload: '{"a":' },
  { type: 'application/json', payload: 'null' },
  { type: 'application/json', payload: '[]' },
  { type: 'application/json', payload: '"x"' },
  { type: 'application/json', payload: '1e400' },
  { type: 'application/json', payload: '{"amount":1e400,"quantity":-1e400}' },
  { type: 'application/json', payload: '{"__proto__":{"isAdmin":true}}' },
  { type: 'application/json', payload: '{"constructor":{"prototype":{"isAdmin":true}}}' },
  { type: 'application/json', payload: '{"a":"\\ud800"}' },
  { type: 'application/json', payload: '\ufeff{}' },
  { type: 'application/json; charset=latin1', payload: '{}' },
  { type: 'text/plain', payload: 'hello' },
  { type: 'application/x-www-form-urlencoded', payload: 'a=b&c=%zz' },
  { type: 'multipart/form-data; boundary=xyz', payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nfull_name,email\r\nA,\u0000@x\r\n--xyz--\r\n' },
  { type: 'multipart/form-data; boundary=xyz', payload: '--xyz\r\nbroken' },
  { type: 'multipart/form-data', payload: 'no boundary' },
  { type: 'application/xml', payload: '<a/>' },
];

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is sent as the bytes
 * of its would-be UTF-8 encoding: invalid UTF-8 the server must refuse, not choke on.
 */
function encode(value: string): string {
  let out = '';
  let run = '';
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
      run += value[i] + value[i + 1];
      i += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += encodeURIComponent(run) + [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`).join('');
      run = '';
    } else {
      run += value[i];
    }
  }
  return out + encodeURIComponent(run);
}

/** get.chat's routes answer in its own error body. */
function isGetChatPath(path: string): boolean {
  return path.startsWith('/account/') || path.startsWith('/integration/') || path === '/account' || path === '/integration';
}

/** Whether an error answer is the surface's envelope: on /api, JSON with a `detail` and an `error_code`; each other surface's own. */
function inEnvelope(body: string, path: string): boolean {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    if (isGetChatPath(path)) return typeof json.message === 'string' && typeof json.code === 'string' && typeof json.description === 'string';
    if (path === '/accountcentral' || path.startsWith('/accountcentral/')) {
      const data = json.data as Record<string, unknown> | undefined;
      return typeof json.message === 'string' && typeof json.logref === 'string' && typeof data?.code === 'string' && Array.isArray(json.errors);
    }
    if (path === '/embedthis' || path.startsWith('/embedthis/')) {
      return typeof json.error === 'string' && typeof json.code === 'string' && typeof json.fields === 'object';
    }
    return typeof json.detail === 'string' && typeof json.error_code === 'string';
  } catch {
    return false;
  }
}

/** The path parameter a get.chat answer's `id` names: `/integration/stacks/...` -> stack_id. */
function getChatIdParam(path: string): string | null {
  const segments = path.split('/').filter((part) => part && !part.startsWith('{'));
  const last = segments[segments.length - 1];
  if (!last) return null;
  if (last === 'customers' || last === 'organizations') return 'organization_id';
  if (last === 'oauth2-clients' || last === 'clients') return 'oauth2_client_id';
  return `${last.replace(/-/g, '_').replace(/ies$/, 'y').replace(/s$/, '')}_id`;
}

function operationSeed(method: string, path: string): number {
  return createHash('sha256').update(`${SEED} ${method} ${path}`).digest().readInt32LE(0);
}

// ---- the test ----

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

test('no operation answers 5xx (or hangs) to any caller with fuzzed path, query, headers and body', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json<OpenApi>();
  let world = await makeWorld(s);

  // What exists, by the name a path parameter or a field gives it. Values are harvested
  // from successful answers: what a collection (`/plans/`) answers names what its item
  // route (`/plans/{plan}/`) takes.
  const harvested = new Map<string, string[]>();
  const remember = (name: string, value: unknown) => {
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') return;
    const list = harvested.get(name) ?? [];
    if (list.length < 12 && !list.includes(String(value))) harvested.set(name, [...list, String(value)]);
  };
  const known = (name: string): string[] => {
    const users = Object.values(world.users).map((u) => u.username);
    const orgs = [world.a.slug, world.p.slug, 'broker'];
    const fixed: Record<string, string[]> = {
      organization: orgs, profile: orgs, user: [...users, 'admin'], username: users, slug: [...orgs, ...users],
      // get.chat names rows by integer id.
      organization_id: [String(world.a.id), String(world.p.id)],
      user_id: Object.values(world.users).map((u) => String(u.id)),
      // Accountcentral too, as userPk and groupPk.
      userPk: Object.values(world.users).map((u) => String(u.id)),
      groupPk: [String(world.a.id), String(world.p.id)],
      role: ['manager', 'contributor', world.description], email: Object.values(world.users).map((u) => u.email),
      ...PLAUSIBLE,
      token: [...PLAUSIBLE.token, ...Object.values(world.users).map((u) => u.token)],
    };
    return [...(fixed[name] ?? []), ...(harvested.get(name) ?? [])];
  };
  const values = new Values(doc, known);

  const itemParam = new Map<string, string>();
  for (const path of Object.keys(doc.paths)) {
    const m = /^(.*\/)\{(\w+)\}\/?$/.exec(path);
    if (m) itemParam.set(m[1], m[2]);
  }
  const harvest = (path: string, body: unknown) => {
    if (isGetChatPath(path)) {
      // get.chat: `{data: [...]}`, a bare array or one row; ids by the resource, and every `*_id` field.
      const rows = Array.isArray(body) ? body : Array.isArray((body as { data?: unknown })?.data) ? (body as { data: unknown[] }).data : [body];
      const param = getChatIdParam(path);
      for (const row of rows.slice(0, 5)) {
        if (typeof row !== 'object' || row === null) continue;
        const r = row as Record<string, unknown>;
        if (param && 'id' in r) remember(param, r.id);
        for (const [key, value] of Object.entries(r)) if (key.endsWith('_id')) remember(key, value);
        if (typeof r.type === 'string' && param === 'package_id') remember('package_type', r.type);
      }
      return;
    }
    const param = itemParam.get(path);
    if (typeof body !== 'object' || body === null) return;
    const rows = Array.isArray((body as { results?: unknown }).results) ? (body as { results: unknown[] }).results : [body];
    for (const row of rows.slice(0, 5)) {
      if (typeof row !== 'object' || row === null) continue;
      const r = row as Record<string, unknown>;
      // A charge is named by its processor key wherever it is answered (a checkout, a list).
      if (typeof r.processor_key === 'string' && 'amount' in r) remember('charge', r.processor_key);
      if (!param) continue;
      for (const key of [param, 'slug', 'code', 'processor_key', 'key', 'id']) if (key in r) { remember(param, r[key]); break; }
    }
  };

  const operations = Object.entries(doc.paths)
    .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })))
    .filter(({ path, method }) => `${method.toUpperCase()} ${path}`.includes(ONLY));
  // Reads first, deletions last: what a run creates is there for the runs after it.
  const order: Record<Method, number> = { get: 0, post: 1, put: 2, patch: 3, delete: 4 };
  operations.sort((x, y) => order[x.method] - order[y.method] || x.path.localeCompare(y.path));
  assert.ok(ONLY || operations.length > 100, `only ${operations.length} operations`);
  const RUNS = Number(process.env.FUZZ_RUNS ?? Math.max(20, Math.floor(BUDGET / operations.length)));

  // An event stream answers for as long as the client listens: its status and headers are
  // read, its body only when it is an error; an opened stream is closed at once.
  type Answers = { responses?: Record<string, { content?: Record<string, unknown> }> };
  const streamPaths = Object.entries(doc.paths).filter(([, item]) => Object.values(item as Record<string, Answers>)
    .some((op) => op?.responses?.['200']?.content?.['text/event-stream']))
    .map(([path]) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`));
  const isEventStream = (url: string) => streamPaths.some((re) => re.test(url.split('?')[0]!));
  const injectStream = async (options: { method: 'GET'; url: string; headers?: Record<string, string>; payload?: string }) => {
    const res = await s.app.inject({ ...options, payloadAsStream: true } as never) as unknown as {
      statusCode: number; headers: Record<string, string>; stream(): NodeJS.ReadableStream & { destroy(): void }; raw: { res: { destroy(): void } };
    };
    let body = '';
    if (res.statusCode === 200) {
      res.raw.res.destroy();
      res.stream().destroy();
    } else {
      for await (const chunk of res.stream()) body += String(chunk);
    }
    return { statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body || '{}') } as unknown as Awaited<ReturnType<typeof s.app.inject>>;
  };

  let requests = 0;
  let worlds = 1;
  let lastCall = '';
  /** New sessions when that is enough, else new people and organizations. */
  const repair = async () => {
    await refreshWorld(s, world);
    if (await worldIntact(s, world)) return;
    if (process.env.FUZZ_DEBUG_WORLD) console.log(`world broken after ${lastCall}`);
    world = await makeWorld(s, world);
    worlds += 1;
  };

  const send = async (call: Call) => {
    requests += 1;
    lastCall = `${call.caller} ${call.method} ${call.url.slice(0, 100)}`;
    const self = USER_CALLERS.includes(call.caller as UserCallerName) ? world.users[call.caller as UserCallerName].username
      : call.caller === 'apiKey' ? world.users.manager.username : 'admin';
    const url = call.url.replaceAll(SELF, self);
    const request = isEventStream(url)
      ? injectStream({ method: call.method.toUpperCase() as 'GET', url, headers: call.headers, payload: call.payload })
      : s.app.inject({ method: call.method.toUpperCase() as 'GET', url, headers: call.headers, payload: call.payload });
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), HANG_MS); });
    try {
      return await Promise.race([request, hang]);
    } finally {
      clearTimeout(timer);
    }
  };

  // Before the sweep, a few well-formed creates on every collection by the managers, so the
  // item routes (and the reads, which go first) find something that exists.
  for (const { path, method, op } of [...operations].sort((x, y) => x.path.localeCompare(y.path))) {
    const jsonSchema = op.requestBody?.content?.['application/json']?.schema;
    if (method !== 'post' || !(itemParam.has(path) || isGetChatPath(path)) || !jsonSchema) continue;
    const sample = fc.sample(values.valid(jsonSchema, ''), { seed: operationSeed('seed', path), numRuns: 10 });
    for (const [i, body] of sample.entries()) {
      const caller: CallerName = i % 2 ? 'brokerManager' : 'manager';
      const url = path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(known(n)[0] ?? 'x'));
      const res = await send({ caller, method, url, headers: { ...credentials(world, caller), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      if (process.env.FUZZ_DEBUG && res !== 'hang') console.log(`seed ${caller} ${url} ${JSON.stringify(body).slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (res !== 'hang' && res.statusCode < 300) harvest(path, res.json());
    }
  }
  if (!(await worldIntact(s, world))) await repair();

  const failures: string[] = [];
  // Error answers not in the envelope ({detail, error_code}), one example per operation and status.
  const envelopeBreaks = new Map<string, string>();
  const timings: Array<[string, number]> = [];
  for (const { path, method, op } of operations) {
    const name = `${method.toUpperCase()} ${path}`;
    const started = Date.now();
    const parameters = op.parameters ?? [];
    const pathNames = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const query = parameters.filter((p) => p.in === 'query');
    const headerParams = parameters.filter((p) => p.in === 'header');
    const jsonSchema = op.requestBody?.content?.['application/json']?.schema;
    const hasBody = method !== 'get' && method !== 'delete';

    // A run is a well-formed request (what the schemas describe, naming things that exist),
    // that request with one value made hostile (a path value, a query value, a body field
    // at any depth, a missing or unknown field), a request fuzzed everywhere at once, or a
    // raw body (broken JSON, another media type).
    const fields = Object.entries(values.resolve(jsonSchema ?? {}).properties ?? {});
    const validPath = fc.tuple(...pathNames.map((n) => {
      const existing = known(n).length ? fc.constantFrom(...known(n)).map(encode) : pathValue([]);
      // A user's own routes are the ones that user may call: often, the caller itself.
      return n === 'user' ? fc.oneof(fc.constant(SELF), existing) : existing;
    }));
    const validQuery = fc.tuple(...query.map((p) => fc.option(values.valid(p.schema ?? {}, p.name), { freq: 2, nil: DROP })));
    const validBody = jsonSchema ? values.valid(jsonSchema, '') : fc.constant({});
    type Mutation =
      | { site: 'none' }
      | { site: 'path'; index: number; value: string }
      | { site: 'query'; index: number; value: unknown }
      | { site: 'field'; name: string; value: unknown }
      | { site: 'wild' }
      | { site: 'raw'; body: { type: string; payload: string } };
    const mutations: Array<{ weight: number; arbitrary: fc.Arbitrary<Mutation> }> = [
      { weight: 6, arbitrary: fc.constant({ site: 'none' as const }) },
      { weight: 2, arbitrary: fc.constant({ site: 'wild' as const }) },
    ];
    if (pathNames.length) {
      mutations.push({ weight: 3, arbitrary: fc.record({ site: fc.constant('path' as const), index: fc.nat(pathNames.length - 1), value: pathValue([]) }) });
    }
    if (query.length) {
      mutations.push({ weight: 3, arbitrary: fc.record({ site: fc.constant('query' as const), index: fc.nat(query.length - 1), value: hostileValue }) });
    }
    if (hasBody) {
      const fieldMutations: fc.Arbitrary<Mutation>[] = [
        // A field the schema does not know, named to hurt.
        fc.record({ site: fc.constant('field' as const), name: fc.constantFrom('__proto__', 'constructor', 'toString', '', 'x\u0000', 'id', 'created_at'), value: hostileValue }),
      ];
      for (const [field, schema] of fields) {
        fieldMutations.push(fc.record({
          site: fc.constant('field' as const),
          name: fc.constant(field),
          value: fc.oneof({ weight: 3, arbitrary: hostileValue }, { weight: 2, arbitrary: values.valid(schema, field, 1, true) }, { weight: 1, arbitrary: fc.constant(DROP) }),
        }));
      }
      mutations.push({ weight: 3 + fields.length, arbitrary: fc.oneof(...fieldMutations) });
      mutations.push({ weight: 1, arbitrary: fc.record({ site: fc.constant('raw' as const), body: fc.constantFrom(...RAW_BODIES) }) });
    }
    const headerArb = fc.tuple(...headerParams.map((p) => fc.option(values.valid(p.schema ?? {}, p.name), { freq: 3 })));
    // Any POST may move money: an Idempotency-Key, well-formed or not, now and then.
    const idempotencyArb = method === 'post'
      ? fc.option(fc.oneof(fc.uuid(), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 300 })
        .map((v) => v.replace(/[^\x21-\x7e]/g, 'x'))), { freq: 3 })
      : fc.constant(null);
    const callArb = fc.record({
      caller: fc.constantFrom(...CALLERS),
      mutation: fc.oneof(...mutations),
      pathValues: validPath,
      wildPath: fc.tuple(...pathNames.map((n) => pathValue(known(n)))),
      queryValues: validQuery,
      wildQuery: fc.tuple(...query.map((p) => fc.option(values.fuzzed(p.schema ?? {}, p.name), { freq: 2, nil: DROP }))),
      extraQuery: fc.option(fc.tuple(fc.constantFrom('page', 'o', 'q', '__proto__', 'constructor', 'x'), hostileString.filter((v) => v.length < 6000)), { freq: 8 }),
      body: validBody,
      wildBody: jsonSchema ? values.fuzzed(jsonSchema, '') : hostileValue,
      headerValues: headerArb,
      idempotency: idempotencyArb,
    }).map((r): Call => {
      const m = r.mutation;
      const wild = m.site === 'wild';
      const pathValues = wild ? r.wildPath : [...r.pathValues];
      if (m.site === 'path') pathValues[m.index] = m.value;
      const queryValues: unknown[] = wild ? r.wildQuery : [...r.queryValues];
      if (m.site === 'query') queryValues[m.index] = m.value;
      let i = 0;
      let url = path.replace(/\{(\w+)\}/g, () => pathValues[i++]);
      const pairs: string[] = [];
      query.forEach((p, j) => {
        for (const v of queryValue(queryValues[j])) pairs.push(`${encodeURIComponent(p.name)}=${encode(v)}`);
      });
      if (wild && r.extraQuery) pairs.push(`${encode(r.extraQuery[0])}=${encode(r.extraQuery[1])}`);
      if (pairs.length) url += `?${pairs.join('&')}`;
      const headers: Record<string, string> = {};
      headerParams.forEach((p, j) => {
        const v = r.headerValues[j];
        if (v !== null && v !== undefined) headers[p.name.toLowerCase()] = String(v).replace(/[^\x20-\x7e]/g, '?');
      });
      if (r.idempotency) headers['idempotency-key'] = r.idempotency;
      if (!hasBody) return { caller: r.caller, method, url, headers };
      let payload: string;
      if (m.site === 'raw') {
        headers['content-type'] = m.body.type;
        payload = m.body.payload;
      } else {
        let body: unknown = wild ? r.wildBody : r.body;
        if (m.site === 'field' && typeof body === 'object' && body !== null && !Array.isArray(body)) {
          body = { ...body };
          if (m.value === DROP) delete (body as Record<string, unknown>)[m.name];
          // defineProperty: a plain assignment to "__proto__" would set the prototype, not a field.
          else Object.defineProperty(body, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
        }
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body === DROP ? {} : body) ?? '{}';
      }
      return { caller: r.caller, method, url, headers, payload };
    });

    let broken = false;
    const statuses = new Map<number, number>();
    const property = fc.asyncProperty(callArb, async (call) => {
      if (broken) {
        await repair();
        broken = false;
      }
      // A checkout has something to sell: a plan in the caller's cart (carts empty as they are paid).
      if (path.endsWith('/checkout/') && known('plan').length) {
        await send({ caller: call.caller, method: 'post', url: '/api/cart/', headers: { ...credentials(world, call.caller), 'content-type': 'application/json' },
          payload: JSON.stringify({ plan: known('plan')[requests % known('plan').length], option: 1 }) });
      }
      const res = await send({ ...call, headers: { ...call.headers, ...credentials(world, call.caller) } });
      if (res === 'hang') return false;
      if (process.env.FUZZ_DEBUG) console.log(`${call.caller} ${call.method} ${call.url.slice(0, 200)} ${call.payload?.slice(0, 200) ?? ''} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) return false;
      if (res.statusCode >= 400 && !inEnvelope(res.body, path)) {
        const key = `${name}: ${res.statusCode}`;
        if (!envelopeBreaks.has(key)) envelopeBreaks.set(key, `${key} to ${call.method.toUpperCase()} ${call.url.slice(0, 200)}: ${res.body.slice(0, 200)}`);
      }
      if (res.statusCode < 300 && res.headers['content-type']?.toString().startsWith('application/json')) harvest(path, res.json());
      // A run that changed things (a logout, a closed organization) may have broken the callers.
      if (method !== 'get' && res.statusCode < 300) broken = !(await worldIntact(s, world));
      return true;
    });
    const details = await fc.check(property, { seed: operationSeed(method, path), numRuns: RUNS, endOnFailure: !SHRINK });
    if (broken) await repair();
    if (details.failed) {
      const call = details.counterexample?.[0];
      // Replay the counterexample once more to show the answer in the report.
      let answer = String(details.errorInstance ?? '');
      if (call) {
        const res = await send({ ...call, headers: { ...call.headers, ...credentials(world, call.caller) } });
        answer = res === 'hang' ? 'hang' : `${res.statusCode} ${res.body.slice(0, 300)}`;
      }
      failures.push(`${name} (replay: FUZZ_SEED=${SEED} FUZZ_ONLY='${name}'): ${call ? `${call.caller} ${call.method.toUpperCase()} ${call.url} ${JSON.stringify(call.headers)} ${call.payload?.slice(0, 300) ?? ''}` : ''} -> ${answer}`);
    }
    timings.push([name, Date.now() - started]);
    if (STATS) console.log(`${name}: ${[...statuses].sort((x, y) => x[0] - y[0]).map(([c, n]) => `${c}x${n}`).join(' ')}`);
  }
  timings.sort((x, y) => y[1] - x[1]);
  console.log(`fuzz: ${operations.length} operations x ${RUNS} runs, ${requests} requests, ${worlds} worlds; slowest: ${timings.slice(0, 5).map(([n, t]) => `${n} ${t}ms`).join(', ')}`);
  assert.deepEqual(failures, []);
  assert.deepEqual([...envelopeBreaks.values()], []);
});
