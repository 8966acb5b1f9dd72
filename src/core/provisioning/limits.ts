// The limits of a package's numeric settings on one organization ("Each limitation could be
// personalized for the organization... please reach out to support"): the broker's managers
// move them (`organization.deployments.limits`), whoever may see the organization's
// deployments reads them. A bound left null follows the package's own.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization } from '../organizations/profiles.js';
import { isRangedSetting, ruleOf } from './package-definitions.js';
import { packageById, type Package } from './packages.js';

export interface SettingLimit {
  setting: string;
  /** The range that applies to this organization. */
  minimum: number | null;
  maximum: number | null;
  /** The package's own range. */
  package_minimum: number | null;
  package_maximum: number | null;
  /** Whether the broker set a limit of its own for this organization, and when. */
  is_personalized: boolean;
  modified_at: Date | null;
}

export interface SettingLimits {
  organization_id: number;
  package_id: number;
  limits: SettingLimit[];
}

/** The bounds the broker sets; null follows the package. */
export interface LimitChange {
  minimum: number | null;
  maximum: number | null;
}

async function limitsOf(core: Core, organizationId: number, pkg: Package): Promise<SettingLimits> {
  const rows = await core.db.selectFrom('package_setting_limits').select(['setting', 'minimum', 'maximum', 'modified_at'])
    .where('organization_id', '=', organizationId).where('package_id', '=', pkg.id).execute();
  const own = new Map(rows.map((row) => [row.setting, row]));
  const limits = Object.keys(pkg.settings_schema.properties).filter((name) => isRangedSetting(pkg, name)).map((setting) => {
    const rule = ruleOf(pkg, setting);
    const row = own.get(setting);
    const minimum = row?.minimum ?? null;
    const maximum = row?.maximum ?? null;
    return {
      setting,
      minimum: minimum !== null ? Number(minimum) : rule.minimum ?? null,
      maximum: maximum !== null ? Number(maximum) : rule.maximum ?? null,
      package_minimum: rule.minimum ?? null,
      package_maximum: rule.maximum ?? null,
      is_personalized: !!row,
      modified_at: row?.modified_at ?? null,
    };
  });
  return { organization_id: organizationId, package_id: pkg.id, limits };
}

/** The numeric settings of a package with the range each has on the organization. */
export async function getSettingLimits(core: Core, caller: Caller, organizationRef: Ref, packageId: number): Promise<SettingLimits> {
  const organization = await findOrganization(core.db, organizationRef);
  await authorizeOrganization(core, caller, 'organization.deployments.read', organization);
  return limitsOf(core, organization.id, await packageById(core.db, packageId));
}

/**
 * Sets (or, with both bounds null, removes) the organization's limit of one numeric
 * setting. The range that results must not be empty. Applications already deployed keep
 * their settings; the new range applies to the next values passed.
 */
export async function setSettingLimit(
  core: Core, caller: Caller, organizationRef: Ref, packageId: number, setting: string, change: LimitChange,
): Promise<SettingLimits> {
  const organization = await findOrganization(core.db, organizationRef);
  await authorizeOrganization(core, caller, 'organization.deployments.limits', organization);
  const pkg = await packageById(core.db, packageId);
  if (!isRangedSetting(pkg, setting)) {
    const ranged = Object.keys(pkg.settings_schema.properties).filter((name) => isRangedSetting(pkg, name));
    throw new Invalid('setting', `The ${pkg.type} package has no numeric setting of this name (its numeric settings: ${ranged.join(', ') || 'none'}).`, 'setting.unknown');
  }
  const rule = ruleOf(pkg, setting);
  const minimum = change.minimum ?? rule.minimum ?? null;
  const maximum = change.maximum ?? rule.maximum ?? null;
  if (minimum !== null && maximum !== null && minimum > maximum) {
    throw new Invalid(change.minimum !== null ? 'minimum' : 'maximum', `The range would be empty: minimum ${minimum} is above maximum ${maximum}.`);
  }
  const user = caller.kind === 'user' ? caller.userId : null;
  await core.transact(async (tx) => {
    if (change.minimum === null && change.maximum === null) {
      await tx.deleteFrom('package_setting_limits').where('organization_id', '=', organization.id)
        .where('package_id', '=', pkg.id).where('setting', '=', setting).execute();
      return;
    }
    const values = { minimum: change.minimum, maximum: change.maximum, created_by: user, modified_at: core.now() };
    await tx.insertInto('package_setting_limits').values({ organization_id: organization.id, package_id: pkg.id, setting, ...values })
      .onConflict((oc) => oc.columns(['organization_id', 'package_id', 'setting']).doUpdateSet(values)).execute();
  });
  return limitsOf(core, organization.id, pkg);
}
