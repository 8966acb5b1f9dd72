// Packages and their limits as get.chat shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { Package } from '../../../core/provisioning/packages.js';
import type { SettingLimits } from '../../../core/provisioning/limits.js';
import { publishedSettingsSchema } from '../../../core/provisioning/package-definitions.js';
import type {
  GetChatPackage, GetChatPackageDefinition, GetChatPackageWithSchema, GetChatSettingLimits,
} from '../schemas/packages.js';

export function packageJson(pkg: Package): Static<typeof GetChatPackage> {
  return {
    id: pkg.id,
    created_at: pkg.created_at.toISOString(),
    modified_at: pkg.modified_at.toISOString(),
    name: pkg.name,
    type: pkg.type,
  };
}

export function packageWithSchemaJson(pkg: Package): Static<typeof GetChatPackageWithSchema> {
  return { ...packageJson(pkg), settings_schema: publishedSettingsSchema(pkg) };
}

export function packageDefinitionJson(pkg: Package): Static<typeof GetChatPackageDefinition> {
  return {
    ...packageJson(pkg),
    uuid: pkg.uuid,
    deleted_at: pkg.deleted_at?.toISOString() ?? null,
    source: pkg.source,
    settings_schema: pkg.settings_schema,
    setting_rules: pkg.setting_rules,
    deployer: pkg.deployer,
    deployer_config: pkg.deployer_config,
  };
}

export function settingLimitsJson(limits: SettingLimits): Static<typeof GetChatSettingLimits> {
  return {
    organization_id: limits.organization_id,
    package_id: limits.package_id,
    limits: limits.limits.map((limit) => ({ ...limit, modified_at: limit.modified_at?.toISOString() ?? null })),
  };
}
