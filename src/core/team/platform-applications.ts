// The platform's applications (Accountcentral's "applications available in contactlab, based
// on environment"): each one's code, name and the roles a user may hold in it. Built in below;
// an operator replaces the list with `DATA_DIR/applications.json` (`{"applications": [...]}`
// or the list alone), read once per process and checked entry by entry, so a deployment
// names only the applications it runs and the roles they know.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface PlatformApplication {
  /** The code used in role maps, access reports and paths (`hub`, `send`); lower case. */
  code: string;
  /** Its display name. */
  name: string;
  /** What it is, in one sentence. */
  description: string;
  /** Every role a user may be given in it, in the order a form offers them. */
  roles: string[];
  /** Whether a customer's manager may give a role in it when creating a user (Accountcentral's "app roles used during creation of user"). */
  atCreation: boolean;
  /** Where a user opens it, when the deployment says; null otherwise. */
  url: string | null;
}

/** The built-in catalog: Contactlab's platform as Accountcentral's seed names it. */
export const DEFAULT_PLATFORM_APPLICATIONS: readonly PlatformApplication[] = Object.freeze([
  { code: 'accountcentral', name: 'AccountCentral', description: 'Accounts, customers, security and signing keys of the platform.', roles: ['ADMIN', 'CUSTOMER_CARE', 'DKIM', 'USER'], atCreation: false, url: null },
  { code: 'hub', name: 'ContactHub', description: 'Customer data platform: customers, events and segments in workspaces and nodes.', roles: ['ADMIN', 'EDITOR', 'VIEWER'], atCreation: true, url: null },
  { code: 'mc', name: 'Marketing Cloud', description: 'The marketing cloud\'s home and dashboards.', roles: ['ADMIN', 'USER'], atCreation: false, url: null },
  { code: 'cplan', name: 'ContactPlan', description: 'Campaign planning and calendars.', roles: ['ADMIN', 'PLANNER', 'VIEWER'], atCreation: true, url: null },
  { code: 'send', name: 'ContactSend', description: 'E-mail and SMS sending.', roles: ['default', 'noSend', 'onlyStat'], atCreation: true, url: null },
  { code: 'content', name: 'Content provider', description: 'Content for messages, served to the other applications.', roles: ['ADMIN', 'EDITOR', 'VIEWER'], atCreation: false, url: null },
  { code: 'flow', name: 'ContactFlow', description: 'Automations: journeys triggered by customers\' events.', roles: ['ADMIN', 'EDITOR', 'VIEWER'], atCreation: true, url: null },
  { code: 'eddie', name: 'EmailDesigner', description: 'The e-mail template designer.', roles: ['ADMIN', 'DESIGNER'], atCreation: false, url: null },
  { code: 'demo_client', name: 'Demo client', description: 'The jQuery demonstration client of the platform\'s API.', roles: ['USER'], atCreation: false, url: null },
  { code: 'cdata', name: 'ContactData', description: 'Data exchanges: imports and exports of customer data.', roles: ['ADMIN', 'USER'], atCreation: false, url: null },
  { code: 'srr', name: 'Smart Relay', description: 'SMTP relay for transactional messages.', roles: ['ADMIN', 'USER'], atCreation: false, url: null },
].map((application) => Object.freeze({ ...application, roles: Object.freeze([...application.roles]) as string[] })));

const CODE = /^[a-z][a-z0-9_]{0,39}$/;
const ROLE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

function fault(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

function text(value: unknown, where: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) fault(where, `a non-empty string of at most ${max} characters`);
  return value.trim();
}

/** One entry of an applications file, checked; throws naming the entry and the field. */
function checkApplication(entry: unknown, where: string): PlatformApplication {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fault(where, 'expected an object');
  const e = entry as Record<string, unknown>;
  const known = new Set(['code', 'name', 'description', 'roles', 'atCreation', 'url']);
  for (const key of Object.keys(e)) if (!known.has(key)) fault(`${where}.${key}`, 'unknown field');
  const code = text(e.code, `${where}.code`, 40);
  if (!CODE.test(code)) fault(`${where}.code`, 'lower-case letters, digits and _ , starting with a letter');
  if (!Array.isArray(e.roles) || e.roles.length === 0) fault(`${where}.roles`, 'a non-empty list of role names');
  const roles = e.roles.map((role, i) => {
    if (typeof role !== 'string' || !ROLE.test(role)) fault(`${where}.roles[${i}]`, 'a role name: letters, digits and _, starting with a letter');
    return role;
  });
  if (new Set(roles).size !== roles.length) fault(`${where}.roles`, 'a role is listed twice');
  if (e.atCreation !== undefined && typeof e.atCreation !== 'boolean') fault(`${where}.atCreation`, 'true or false');
  let url: string | null = null;
  if (e.url !== undefined && e.url !== null) {
    url = text(e.url, `${where}.url`, 2000);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      fault(`${where}.url`, 'an absolute http(s) URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') fault(`${where}.url`, 'an absolute http(s) URL');
  }
  return {
    code,
    name: text(e.name, `${where}.name`, 200),
    description: e.description === undefined ? '' : text(e.description, `${where}.description`, 2000),
    roles,
    atCreation: e.atCreation === true,
    url,
  };
}

/** Reads and checks an applications file. Throws naming the file and the first fault. */
export function readApplicationsFile(path: string): PlatformApplication[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read it as JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { applications?: unknown } | null)?.applications;
  try {
    if (!Array.isArray(list)) throw new Error('expected {"applications": [...]}');
    const applications = list.map((entry, i) => checkApplication(entry, `applications[${i}]`));
    const seen = new Set<string>();
    for (const application of applications) {
      if (seen.has(application.code)) throw new Error(`two applications have the code ${application.code}`);
      seen.add(application.code);
    }
    return applications;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** The data folder's applications file, or null when it has none (the built-in catalog applies). */
export function applicationsFile(dataDir: string): string | null {
  const own = join(dataDir, 'applications.json');
  return existsSync(own) ? own : null;
}

const loaded = new Map<string, { mtimeMs: number; applications: readonly PlatformApplication[] }>();

/**
 * The platform's applications for this deployment: `DATA_DIR/applications.json` when present,
 * else the built-in catalog. The file is read again only when it changes, so an operator's edit
 * applies without a restart; a broken file throws (the start checks it first: checkPlatformApplications).
 */
export function platformApplications(core: { config: { dataDir: string } }): readonly PlatformApplication[] {
  const path = applicationsFile(core.config.dataDir);
  if (!path) return DEFAULT_PLATFORM_APPLICATIONS;
  const mtimeMs = statSync(path).mtimeMs;
  const cached = loaded.get(path);
  if (cached && cached.mtimeMs === mtimeMs) return cached.applications;
  const applications = Object.freeze(readApplicationsFile(path).map((a) => Object.freeze(a)));
  loaded.set(path, { mtimeMs, applications });
  return applications;
}

/** At start: reads the catalog once so a broken file stops the start, naming the fault. */
export function checkPlatformApplications(core: { config: { dataDir: string } }): { file: string | null; codes: string[] } {
  return { file: applicationsFile(core.config.dataDir), codes: platformApplications(core).map((a) => a.code) };
}

/** One application by its code, or undefined when the platform has none by that code. */
export function platformApplication(core: { config: { dataDir: string } }, code: string): PlatformApplication | undefined {
  return platformApplications(core).find((application) => application.code === code);
}

/** `{code: [roles]}` for every application (Accountcentral's role maps); `atCreation` keeps those a creation form offers. */
export function applicationRoles(core: { config: { dataDir: string } }, options: { atCreation?: boolean } = {}): Record<string, string[]> {
  return Object.fromEntries(platformApplications(core)
    .filter((application) => !options.atCreation || application.atCreation)
    .map((application) => [application.code, [...application.roles]]));
}

/** Whether `role` is one the application `code` accepts (case-sensitive, as the roles are written). */
export function isApplicationRole(core: { config: { dataDir: string } }, code: string, role: string): boolean {
  return platformApplication(core, code)?.roles.includes(role) ?? false;
}
