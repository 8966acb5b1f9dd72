// Application settings (get.chat): validated against the package's JSON Schema (ajv), with
// each setting's role rule (which callers may pass it) and limits (raised per organization
// by the broker). FOUNDATION STUB: the packages lane replaces the body; the signature is the contract.
import type { Core } from '../context.js';
import type { OrganizationAccess } from '../access/policy.js';

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

/**
 * The settings to store, defaults filled in; refuses (400/403 naming `settings.<name>`) an
 * unknown setting, a value the schema or the organization's limits refuse, or a setting
 * the caller's role may not pass.
 */
export async function validateApplicationSettings(core: Core, check: SettingsCheck): Promise<Record<string, unknown>> {
  void core;
  return { ...(check.previous ?? {}), ...check.settings };
}
