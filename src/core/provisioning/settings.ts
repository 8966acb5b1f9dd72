// Application settings (get.chat): validated against the package's JSON Schema (ajv), with
// each setting's role rule (which callers may pass it) and limits (raised per organization
// by the broker). The order of the checks is the order of the answers: an unknown setting
// (400 setting.unknown), then one the caller's role may not pass (403 setting.not_allowed),
// then the schema (400 field.invalid), the organization's limits (400 setting.out_of_range)
// and the extra checks (an address the service will call: 400 url.not_allowed). Each names
// the settings at fault as `settings.<name>`. Secrets are sealed before they are stored.
import type { Core } from '../context.js';
import type { OrganizationAccess } from '../access/policy.js';
import { Forbidden, Invalid, NotFound, type FieldErrors } from '../errors.js';
import { decrypt, deriveKey, encrypt } from '../identity/secrets.js';
import { assertPublicUrl } from '../notify/outbound.js';
import {
  ruleOf, settingsErrors, settingsValidator, type GetChatRole, type PackageDefinition, type SettingRule, type SettingsSchema,
} from './package-definitions.js';

export interface SettingsCheck {
  /** The package the application installs. */
  packageId: number;
  /** The organization the application belongs to (its limits apply). */
  organizationId: number;
  /** What the caller may do on that organization (partner-only settings ask it). */
  access: OrganizationAccess;
  /** The caller's e-mail, the default of settings that default to it (admin_email). */
  callerEmail: string | null;
  /** The settings passed. On an update, `previous` holds the stored ones; the result merges both. */
  settings: Record<string, unknown>;
  previous?: Record<string, unknown>;
}

const ROLE_TITLES: Record<GetChatRole, string> = { maintainer: 'Maintainer', owner: 'Owner', partner: 'Partner' };
const SEAL_PURPOSE = 'application-settings';

/**
 * The caller's get.chat role on the organization, from what the access table lets them do:
 * Partner when they may pass partner-only settings (a partner of it or above it, or the
 * broker: the seed's "Partner+"), Owner when they manage it, Maintainer otherwise.
 */
export function getChatRoleOf(access: OrganizationAccess): GetChatRole {
  if (access.may('organization.deployments.partner_settings')) return 'partner';
  if (access.may('organization.members.manage')) return 'owner';
  return 'maintainer';
}

/** A package's settings rules, as stored. */
export async function packageSettingsDefinition(core: Core, packageId: number, options: { retired: boolean }): Promise<Pick<PackageDefinition, 'settings_schema' | 'setting_rules'> & { type: string }> {
  const row = await core.db.selectFrom('packages').select(['type', 'settings_schema', 'setting_rules', 'deleted_at'])
    .where('id', '=', packageId).executeTakeFirst();
  if (!row || (row.deleted_at && !options.retired)) throw new NotFound('package');
  return { type: row.type, settings_schema: row.settings_schema as SettingsSchema, setting_rules: row.setting_rules as Record<string, SettingRule> };
}

/** The range a setting has on one organization: the broker's limit where set, else the package's. */
export interface EffectiveLimit { minimum: number | null; maximum: number | null }

/** The broker's limits of one package on one organization, by setting. */
export async function organizationLimits(core: Core, organizationId: number, packageId: number): Promise<Map<string, EffectiveLimit>> {
  const rows = await core.db.selectFrom('package_setting_limits').select(['setting', 'minimum', 'maximum'])
    .where('organization_id', '=', organizationId).where('package_id', '=', packageId).execute();
  return new Map(rows.map((row) => [row.setting, {
    minimum: row.minimum === null ? null : Number(row.minimum),
    maximum: row.maximum === null ? null : Number(row.maximum),
  }]));
}

/** A limit row overrides each bound it sets; a bound it leaves null keeps the package's. */
export function effectiveLimit(rule: SettingRule, limit: EffectiveLimit | undefined): EffectiveLimit {
  return {
    minimum: limit?.minimum ?? rule.minimum ?? null,
    maximum: limit?.maximum ?? rule.maximum ?? null,
  };
}

function isSealed(value: unknown): value is { $sealed: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as { $sealed?: unknown }).$sealed === 'string';
}

function seal(core: Core, value: unknown): { $sealed: string } {
  return { $sealed: encrypt(JSON.stringify(value), deriveKey(core.config.secretKeys[0]!, SEAL_PURPOSE)) };
}

function unseal(core: Core, value: { $sealed: string }): unknown {
  // Former keys (SECRET_KEY_FALLBACKS) still open what they sealed.
  for (const secret of core.config.secretKeys) {
    try {
      return JSON.parse(decrypt(value.$sealed, deriveKey(secret, SEAL_PURPOSE)));
    } catch {
      // try the next key
    }
  }
  throw new Error('an application setting is sealed with a key the service no longer has');
}

/**
 * The settings as the deployer needs them: secrets (`{"$sealed": ...}` at rest) opened.
 * Deployer drivers read stored settings through this, never the column directly.
 */
export function openApplicationSettings(core: Core, stored: unknown): Record<string, unknown> {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return {};
  return Object.fromEntries(Object.entries(stored).map(([name, value]) => [name, isSealed(value) ? unseal(core, value) : value]));
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers the HTTP client sets itself: a setting must not change how the request is framed or where it goes. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'expect']);

/** HTTP headers given as an object or as its JSON text (the seed's `"{\"Authorization\": \"Basic 123\"}"`), as an object. */
function headersOf(field: string, value: unknown): Record<string, string> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Invalid(field, 'Expected a JSON object of header names and values, such as {"Authorization": "Basic 123"}.');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Invalid(field, 'Expected a JSON object of header names and values, such as {"Authorization": "Basic 123"}.');
  }
  const entries = Object.entries(parsed);
  if (entries.length > 50) throw new Invalid(field, 'At most 50 headers.');
  for (const [name, text] of entries) {
    if (!HEADER_NAME.test(name)) throw new Invalid(field, `${JSON.stringify(name.slice(0, 100))} is not a header name.`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new Invalid(field, `The ${name} header is set by the service.`);
    if (typeof text !== 'string' || text.length > 8192 || /[\r\n\0]/.test(text)) {
      throw new Invalid(field, `The ${name} header needs a single-line text value (up to 8192 characters).`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function describeRange(limit: EffectiveLimit): string {
  const format = (n: number) => n.toLocaleString('en-US');
  if (limit.minimum !== null && limit.maximum !== null) return `between ${format(limit.minimum)} and ${format(limit.maximum)}`;
  if (limit.minimum !== null) return `at least ${format(limit.minimum)}`;
  return `at most ${format(limit.maximum!)}`;
}

/**
 * The settings to store, defaults filled in; refuses (400/403 naming `settings.<name>`) an
 * unknown setting, a value the schema or the organization's limits refuse, or a setting
 * the caller's role may not pass. On an update a setting passed as null is removed; only
 * the settings passed are checked against the caller's role and the limits (the stored
 * ones passed these checks when they were set), the whole result against the schema.
 * Secret settings (d360_api_key, configurator_webhook_headers) come back sealed as
 * `{"$sealed": "..."}`: the deployer opens them with openApplicationSettings.
 */
export async function validateApplicationSettings(core: Core, check: SettingsCheck): Promise<Record<string, unknown>> {
  const definition = await packageSettingsDefinition(core, check.packageId, { retired: check.previous !== undefined });
  const properties = definition.settings_schema.properties;
  const passed = check.settings;

  const unknown = Object.keys(passed).filter((name) => !Object.hasOwn(properties, name));
  if (unknown.length) {
    const known = Object.keys(properties).join(', ') || 'none';
    throw new Invalid(Object.fromEntries(unknown.map((name) => [`settings.${name}`.slice(0, 200),
      [`The ${definition.type} package has no such setting (its settings: ${known}).`]])), undefined, 'setting.unknown');
  }

  const role = getChatRoleOf(check.access);
  const refused = Object.keys(passed).filter((name) => !ruleOf(definition, name).roles.includes(role));
  if (refused.length) {
    const detail = refused.map((name) => `settings.${name} (${ruleOf(definition, name).roles.map((r) => ROLE_TITLES[r]).join(', ')})`).join(', ');
    throw new Forbidden(`Your role (${ROLE_TITLES[role]}) may not pass ${detail}.`, 'setting.not_allowed');
  }

  const merged: Record<string, unknown> = openApplicationSettings(core, check.previous ?? {});
  for (const [name, value] of Object.entries(passed)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  for (const name of Object.keys(properties)) {
    if (merged[name] !== undefined) continue;
    const rule = ruleOf(definition, name);
    if (rule.default_from === 'caller_email' && check.callerEmail) merged[name] = check.callerEmail;
    else if (rule.default !== undefined) merged[name] = structuredClone(rule.default);
  }

  const validate = settingsValidator(definition.settings_schema);
  if (!validate(merged)) throw new Invalid(settingsErrors(validate.errors));

  const limits = await organizationLimits(core, check.organizationId, check.packageId);
  const outOfRange: FieldErrors = {};
  for (const [name, value] of Object.entries(passed)) {
    if (typeof value !== 'number') continue;
    const limit = effectiveLimit(ruleOf(definition, name), limits.get(name));
    if ((limit.minimum !== null && value < limit.minimum) || (limit.maximum !== null && value > limit.maximum)) {
      outOfRange[`settings.${name}`] = [`Must be ${describeRange(limit)} for this organization.`];
    }
  }
  if (Object.keys(outOfRange).length) throw new Invalid(outOfRange, undefined, 'setting.out_of_range');

  for (const [name, value] of Object.entries(passed)) {
    if (value === null) continue;
    const rule = ruleOf(definition, name);
    if (rule.check === 'headers') merged[name] = headersOf(`settings.${name}`, value);
    if (rule.check === 'public_url' && typeof value === 'string') await assertPublicUrl(core, `settings.${name}`, value);
  }

  for (const [name, value] of Object.entries(merged)) {
    if (ruleOf(definition, name).secret) merged[name] = seal(core, value);
  }
  return merged;
}
