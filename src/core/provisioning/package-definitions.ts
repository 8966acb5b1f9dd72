// What a package is made of, whoever defines it (the data folder's packages file or the
// administrator API): its name and type, the JSON Schema of its settings, and per setting
// the rule the seed's tables give (which get.chat roles may pass it, within which limits,
// its default, whether it is a secret, which extra check it takes). One validator for
// both sources, so a package the file defines is held to the same rules as one the API makes.
import { createHash } from 'node:crypto';
import Ajv2019Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { Invalid, type FieldErrors } from '../errors.js';

// ajv and ajv-formats are CommonJS: their default export sits one level down under NodeNext.
const Ajv2019 = Ajv2019Module.default;
const addFormats = addFormatsModule.default;

/** get.chat's roles, least privileged first: Maintainer (contributor), Owner (manager), Partner. */
export const GETCHAT_ROLES = ['maintainer', 'owner', 'partner'] as const;
export type GetChatRole = (typeof GETCHAT_ROLES)[number];

export const DEPLOYERS = ['local', 'command', 'http'] as const;
export type Deployer = (typeof DEPLOYERS)[number];

/** Extra checks a setting's value takes beyond its schema. */
export const SETTING_CHECKS = ['public_url', 'headers'] as const;
export type SettingCheck = (typeof SETTING_CHECKS)[number];

export interface SettingRule {
  /** The roles that may pass the setting (the seed's 🔓 Access column). */
  roles: GetChatRole[];
  /** The default range (the seed's 🚫 Restrictions); the broker may move it per organization. */
  minimum?: number;
  maximum?: number;
  /** A value filled in when none is passed; `caller_email`: the e-mail of whoever creates the application. */
  default?: unknown;
  default_from?: 'caller_email';
  /** Stored sealed; the deployer reads it back with openApplicationSettings. */
  secret?: boolean;
  /** `public_url`: an address the service will call (SSRF check); `headers`: HTTP headers, as an object or its JSON text. */
  check?: SettingCheck;
}

export interface PackageDefinition {
  /** Stable identity across renames; derived from the type when a file leaves it out. */
  uuid: string;
  name: string;
  type: string;
  settings_schema: SettingsSchema;
  setting_rules: Record<string, SettingRule>;
  deployer: Deployer;
  deployer_config: Record<string, unknown>;
}

export interface SettingsSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  [keyword: string]: unknown;
}

const TYPE_PATTERN = /^[a-z0-9_][a-z0-9_-]{0,99}$/;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One ajv for settings: JSON Schema 2019-09 (for dependentRequired), strict, every error reported. */
export const settingsAjv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: true });
addFormats(settingsAjv);

const compiled = new Map<string, ValidateFunction>();

/** The compiled validator of a settings schema, kept per schema text (packages change rarely). */
export function settingsValidator(schema: SettingsSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = settingsAjv.compile(schema);
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/** A uuid made from the type, for packages a file defines without one: the same type, the same row. */
export function uuidFromType(type: string): string {
  const hex = createHash('sha256').update(`getchat-package:${type}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberType(property: Record<string, unknown>): boolean {
  const type = property.type;
  return type === 'integer' || type === 'number' || (Array.isArray(type) && type.some((t) => t === 'integer' || t === 'number'));
}

/** Whether a setting's schema takes numbers, so a range applies to it (and the broker may move it). */
export function isRangedSetting(definition: Pick<PackageDefinition, 'settings_schema'>, setting: string): boolean {
  const property = Object.hasOwn(definition.settings_schema.properties, setting) ? definition.settings_schema.properties[setting] : undefined;
  return !!property && isNumberType(property);
}

function checkRule(name: string, raw: unknown, property: Record<string, unknown> | undefined, errors: FieldErrors, prefix: string): SettingRule | null {
  const at = `${prefix}.${name}`;
  const fail = (message: string) => { (errors[at] ??= []).push(message); return null; };
  if (!property) return fail('No such setting in settings_schema.properties.');
  if (!isObject(raw)) return fail('Expected an object.');
  const known = new Set(['roles', 'minimum', 'maximum', 'default', 'default_from', 'secret', 'check']);
  const extra = Object.keys(raw).filter((k) => !known.has(k));
  if (extra.length) return fail(`Unknown rule fields: ${extra.join(', ')}.`);
  const roles = raw.roles;
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => (GETCHAT_ROLES as readonly unknown[]).includes(r))) {
    return fail(`roles: expected a non-empty list of ${GETCHAT_ROLES.join(', ')}.`);
  }
  const rule: SettingRule = { roles: GETCHAT_ROLES.filter((r) => roles.includes(r)) };
  for (const bound of ['minimum', 'maximum'] as const) {
    if (raw[bound] === undefined) continue;
    if (typeof raw[bound] !== 'number' || !Number.isFinite(raw[bound])) return fail(`${bound}: expected a number.`);
    if (!isNumberType(property)) return fail(`${bound}: only a setting of type integer or number has a range.`);
    rule[bound] = raw[bound];
  }
  if (rule.minimum !== undefined && rule.maximum !== undefined && rule.minimum > rule.maximum) return fail('minimum is above maximum.');
  if (raw.default !== undefined) rule.default = raw.default;
  if (raw.default_from !== undefined) {
    if (raw.default_from !== 'caller_email') return fail('default_from: only caller_email is known.');
    rule.default_from = 'caller_email';
  }
  if (raw.secret !== undefined) {
    if (typeof raw.secret !== 'boolean') return fail('secret: expected true or false.');
    rule.secret = raw.secret;
  }
  if (raw.check !== undefined) {
    if (!(SETTING_CHECKS as readonly unknown[]).includes(raw.check)) return fail(`check: expected one of ${SETTING_CHECKS.join(', ')}.`);
    rule.check = raw.check as SettingCheck;
  }
  return rule;
}

/**
 * Checks a package definition (from the file or the API) and returns it normalized: a 400
 * naming each field at fault (`settings_schema`, `setting_rules.seats`...), under `prefix`
 * when the file is read (`packages[2].type`).
 */
export function checkPackageDefinition(raw: unknown, prefix = '', { compile = true }: { compile?: boolean } = {}): PackageDefinition {
  const errors: FieldErrors = {};
  const field = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const fail = (name: string, message: string) => { (errors[field(name)] ??= []).push(message); };
  if (!isObject(raw)) throw new Invalid(prefix || 'package', 'Expected an object.');

  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) fail('name', 'Expected a name of 1 to 200 characters.');
  const type = raw.type;
  if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) fail('type', 'Expected lower-case letters, digits, _ and - (up to 100), not starting with -.');
  let uuid = raw.uuid;
  if (uuid === undefined && typeof type === 'string') uuid = uuidFromType(type);
  if (typeof uuid !== 'string' || !UUID.test(uuid)) fail('uuid', 'Expected a lower-case UUID.');
  const deployer = raw.deployer ?? 'local';
  if (!(DEPLOYERS as readonly unknown[]).includes(deployer)) fail('deployer', `Expected one of ${DEPLOYERS.join(', ')}.`);
  const deployerConfig = raw.deployer_config ?? {};
  if (!isObject(deployerConfig)) fail('deployer_config', 'Expected an object.');

  const schema = raw.settings_schema ?? { type: 'object', properties: {} };
  let settingsSchema: SettingsSchema | null = null;
  if (!isObject(schema) || schema.type !== 'object' || !isObject(schema.properties)) {
    fail('settings_schema', 'Expected a JSON Schema of type object with its properties.');
  } else if (Object.keys(schema.properties).some((k) => !SETTING_NAME.test(k) || !isObject((schema.properties as Record<string, unknown>)[k]))) {
    fail('settings_schema', 'Each property needs a name of letters, digits and _ (up to 100), and a schema object.');
  } else if (JSON.stringify(schema).length > 100_000) {
    fail('settings_schema', 'At most 100,000 characters.');
  } else {
    try {
      // `compile: false` for the built-in file only: compiling its schemas was 0.1 s of every
      // start, and a test compiles them (test/getchat/packages-file.test.ts).
      if (compile) settingsValidator(schema as SettingsSchema);
      settingsSchema = schema as SettingsSchema;
    } catch (error) {
      fail('settings_schema', `Not a valid JSON Schema: ${(error as Error).message}`);
    }
  }

  const rules: Record<string, SettingRule> = {};
  const rawRules = raw.setting_rules ?? {};
  if (!isObject(rawRules)) fail('setting_rules', 'Expected an object, by setting name.');
  else if (settingsSchema) {
    for (const [setting, rawRule] of Object.entries(rawRules)) {
      const property = Object.hasOwn(settingsSchema.properties, setting) ? settingsSchema.properties[setting] : undefined;
      const rule = checkRule(setting, rawRule, property, errors, field('setting_rules'));
      if (rule) rules[setting] = rule;
    }
  }
  const known = new Set(['uuid', 'name', 'type', 'settings_schema', 'setting_rules', 'deployer', 'deployer_config']);
  const extra = Object.keys(raw).filter((k) => !known.has(k));
  if (extra.length) fail(extra[0]!, `Unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}.`);
  if (Object.keys(errors).length) throw new Invalid(errors);
  return {
    uuid: uuid as string,
    name: (name as string).trim(),
    type: type as string,
    settings_schema: settingsSchema!,
    setting_rules: rules,
    deployer: deployer as Deployer,
    deployer_config: deployerConfig as Record<string, unknown>,
  };
}

/** A setting's rule; a setting without one may be passed by every role, with no range. */
export function ruleOf(definition: Pick<PackageDefinition, 'setting_rules'>, setting: string): SettingRule {
  return Object.hasOwn(definition.setting_rules, setting) ? definition.setting_rules[setting]! : { roles: [...GETCHAT_ROLES] };
}

/**
 * The settings schema partners see (PK1, PK2): the stored JSON Schema with, on each
 * property, its default range as `minimum`/`maximum` and who may pass it as `x-roles`
 * (`x-default: caller_email`, `x-secret` where they apply).
 */
export function publishedSettingsSchema(definition: Pick<PackageDefinition, 'settings_schema' | 'setting_rules'>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [setting, property] of Object.entries(definition.settings_schema.properties)) {
    const rule = ruleOf(definition, setting);
    properties[setting] = {
      ...property,
      ...(rule.minimum !== undefined ? { minimum: rule.minimum } : {}),
      ...(rule.maximum !== undefined ? { maximum: rule.maximum } : {}),
      ...(rule.default !== undefined ? { default: rule.default } : {}),
      'x-roles': rule.roles,
      ...(rule.default_from ? { 'x-default': rule.default_from } : {}),
      ...(rule.secret ? { 'x-secret': true } : {}),
    };
  }
  return { ...definition.settings_schema, properties };
}

/** ajv's errors as fields under `settings.`: `settings.seats: must be integer`. */
export function settingsErrors(errors: ErrorObject[] | null | undefined): FieldErrors {
  const fields: FieldErrors = {};
  for (const error of errors ?? []) {
    let path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'dependentRequired') {
      const params = error.params as { property: string; missingProperty: string };
      path = [params.missingProperty];
      message = `Required when ${params.property} is given.`;
    } else if (error.keyword === 'required') {
      path = [...path, (error.params as { missingProperty: string }).missingProperty];
      message = 'This setting is required.';
    } else {
      message = `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
    }
    const name = ['settings', ...path].join('.');
    (fields[name] ??= []).push(message);
  }
  return fields;
}
