// get.chat's Package shapes (PK1-PK3), the administrators' full definition and bodies, and
// the per-organization limits of numeric settings.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';

const JsonObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const PackageFields = {
  id: Type.Integer({ description: 'The package\'s id (`package_id` when creating an application).' }),
  created_at: DateTime('When the package was defined.'),
  modified_at: DateTime('When the package last changed.'),
  name: Type.String({ description: 'Its name, such as "Inbox".' }),
  type: Type.String({ description: 'Its type, unique among live packages: `inbox`, `_hubspot`.' }),
};

export const GetChatPackage = Type.Object(PackageFields, {
  $id: 'GetChatPackage', description: 'A package: a set of features that can be deployed on a stack for an organization.',
});

export const GetChatPackageWithSchema = Type.Object({
  ...PackageFields,
  settings_schema: JsonObject('JSON Schema of the application settings. Each property also says which roles may pass it (`x-roles`: maintainer, owner, partner), its default range (`minimum`, `maximum`; an organization may have other limits), `x-default: caller_email` where the caller\'s e-mail is the default, and `x-secret` for values stored sealed.'),
}, { $id: 'GetChatPackageWithSchema', description: 'A package with the JSON Schema of its settings.' });

const Role = Type.Union([Type.Literal('maintainer'), Type.Literal('owner'), Type.Literal('partner')]);

/** Inline (bodies are validated without the shared shapes). */
const SettingRule = Type.Object({
  roles: Type.Array(Role, { minItems: 1, maxItems: 3, description: 'The roles that may pass the setting (get.chat\'s Maintainer, Owner, Partner).' }),
  minimum: Type.Optional(Type.Number({ description: 'Default lower bound (numeric settings).' })),
  maximum: Type.Optional(Type.Number({ description: 'Default upper bound (numeric settings).' })),
  default: Type.Optional(Type.Unknown({ description: 'Value filled in when none is passed.' })),
  default_from: Type.Optional(Type.Literal('caller_email', { description: 'Fill in the e-mail of whoever creates the application.' })),
  secret: Type.Optional(Type.Boolean({ description: 'Stored sealed, never shown.' })),
  check: Type.Optional(Type.Union([Type.Literal('public_url'), Type.Literal('headers')], { description: '`public_url`: an address the service will call (no loopback or private address); `headers`: HTTP headers as an object or its JSON text.' })),
}, { additionalProperties: false, description: 'Who may pass one setting, and within which limits.' });

const Deployer = Type.Union([Type.Literal('local'), Type.Literal('command'), Type.Literal('http')], {
  description: 'How applications of the package are deployed: `local` (a domain under DEPLOY_DOMAIN), `command` (the operator\'s command), `http` (the operator\'s provisioning URL).',
});

const DefinitionFields = {
  settings_schema: JsonObject('JSON Schema (2019-09) of the settings: `type: object` with its `properties`. Ranges the broker may move per organization go in `setting_rules`, not here.'),
  setting_rules: Type.Record(Type.String(), SettingRule, { description: 'By setting name: who may pass it and its limits. A setting without a rule may be passed by every role.' }),
  deployer: Deployer,
  deployer_config: JsonObject('The deployer\'s configuration (command, provisioning URL...).'),
};

export const GetChatPackageDefinition = Type.Object({
  ...PackageFields,
  uuid: Type.String({ format: 'uuid', description: 'Stable identity (the package_uuid of package routings).' }),
  deleted_at: Nullable(DateTime('When it was retired; null while live.')),
  source: Type.Union([Type.Literal('file'), Type.Literal('api')], { description: '`file`: the data folder\'s packages file defines it (change it there); `api`: made through this API.' }),
  ...DefinitionFields,
}, { $id: 'GetChatPackageDefinition', description: 'A package as its administrators define it.' });

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'Its name.' });
const PackageType = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_][a-z0-9_-]*$', description: 'Its type: lower-case letters, digits, `_` and `-`.' });

export const PackageCreateBody = Type.Object({
  name: Name,
  type: PackageType,
  uuid: Type.Optional(Type.String({ format: 'uuid', description: 'Its uuid; a new one is made from the type when left out.' })),
  settings_schema: Type.Optional(DefinitionFields.settings_schema),
  setting_rules: Type.Optional(DefinitionFields.setting_rules),
  deployer: Type.Optional(Deployer),
  deployer_config: Type.Optional(DefinitionFields.deployer_config),
}, { additionalProperties: false, description: 'A new package.' });

export const PackageUpdateBody = Type.Object({
  name: Type.Optional(Name),
  type: Type.Optional(PackageType),
  settings_schema: Type.Optional(DefinitionFields.settings_schema),
  setting_rules: Type.Optional(DefinitionFields.setting_rules),
  deployer: Type.Optional(Deployer),
  deployer_config: Type.Optional(DefinitionFields.deployer_config),
}, { additionalProperties: false, description: 'The fields to change; the whole definition is checked again.' });

export const GetChatSettingLimit = Type.Object({
  setting: Type.String({ description: 'The numeric setting.' }),
  minimum: Nullable(Type.Number({ description: 'Lower bound on this organization; null: none.' })),
  maximum: Nullable(Type.Number({ description: 'Upper bound on this organization; null: none.' })),
  package_minimum: Nullable(Type.Number({ description: 'The package\'s own lower bound.' })),
  package_maximum: Nullable(Type.Number({ description: 'The package\'s own upper bound.' })),
  is_personalized: Type.Boolean({ description: 'Whether the broker set a limit for this organization.' }),
  modified_at: Nullable(DateTime('When the broker last set it.')),
}, { $id: 'GetChatSettingLimit', description: 'The range of one numeric setting on one organization.' });

export const GetChatSettingLimits = Type.Object({
  organization_id: Type.Integer({ description: 'The organization.' }),
  package_id: Type.Integer({ description: 'The package.' }),
  limits: Type.Array(Type.Unsafe({ $ref: 'GetChatSettingLimit' }), { description: 'Each numeric setting of the package.' }),
}, { $id: 'GetChatSettingLimits', description: 'The limits of a package\'s numeric settings on one organization.' });

/** A bound the broker sets: within what a numeric column holds exactly. */
const Bound = (description: string) => Type.Optional(Nullable(Type.Number({ minimum: -1e15, maximum: 1e15, description })));

export const SettingLimitChangeBody = Type.Object({
  minimum: Bound('Lower bound for this organization; null or left out: the package\'s.'),
  maximum: Bound('Upper bound for this organization; null or left out: the package\'s.'),
}, { additionalProperties: false, description: 'A limit for one organization; both null removes it.' });
