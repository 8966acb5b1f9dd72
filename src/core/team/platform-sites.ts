// The sites related to the platform (Accountcentral's "Sites related to contactlab"): the
// applications' sites, the network's own sites (the portal, documentation, status page) and
// its social sites. A deployment names its own in `DATA_DIR/sites.json`
// (`{"applications": [...], "networkSites": [...], "socialSites": [...]}`, each entry
// `{code, name, url}`; a list left out keeps its default). Without the file: the platform
// applications that have a URL, the portal at BASE_URL, and no social sites (this service
// cannot know the operator's accounts).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { platformApplications } from './platform-applications.js';

export interface PlatformSite {
  /** A short stable name (`portal`, `linkedin`, an application's code). */
  code: string;
  name: string;
  /** Absolute http(s) URL. */
  url: string;
}

export interface PlatformSites {
  applications: PlatformSite[];
  networkSites: PlatformSite[];
  socialSites: PlatformSite[];
}

type SiteList = keyof PlatformSites;
const LISTS: readonly SiteList[] = ['applications', 'networkSites', 'socialSites'];

interface SitesCore {
  config: { dataDir: string; brokerName: string };
  links: { site(): string };
}

function checkSite(entry: unknown, where: string): PlatformSite {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${where}: expected {code, name, url}`);
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) if (!['code', 'name', 'url'].includes(key)) throw new Error(`${where}.${key}: unknown field`);
  if (typeof e.code !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(e.code)) throw new Error(`${where}.code: lower-case letters, digits, _ and -, starting with a letter`);
  if (typeof e.name !== 'string' || !e.name.trim() || e.name.length > 200) throw new Error(`${where}.name: a non-empty string of at most 200 characters`);
  let url: URL | null = null;
  try {
    url = typeof e.url === 'string' && e.url.length <= 2000 ? new URL(e.url) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new Error(`${where}.url: an absolute http(s) URL`);
  return { code: e.code, name: e.name.trim(), url: url.href };
}

/** Reads and checks a sites file; throws naming the file and the first fault. */
export function readSitesFile(path: string): Partial<PlatformSites> {
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read it as JSON (${(error as Error).message})`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('expected {"applications": [...], "networkSites": [...], "socialSites": [...]}');
    const out: Partial<PlatformSites> = {};
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (!LISTS.includes(key as SiteList)) throw new Error(`${key}: unknown list (applications, networkSites, socialSites)`);
      if (!Array.isArray(value)) throw new Error(`${key}: expected a list`);
      const sites = value.map((entry, i) => checkSite(entry, `${key}[${i}]`));
      const codes = new Set(sites.map((site) => site.code));
      if (codes.size !== sites.length) throw new Error(`${key}: two sites have the same code`);
      out[key as SiteList] = sites;
    }
    return out;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** The built-in lists for this deployment. */
export function defaultSites(core: SitesCore): PlatformSites {
  return {
    applications: platformApplications(core).filter((a) => a.url !== null).map((a) => ({ code: a.code, name: a.name, url: a.url! })),
    networkSites: [{ code: 'portal', name: core.config.brokerName, url: new URL(core.links.site()).href }],
    socialSites: [],
  };
}

const loaded = new Map<string, { mtimeMs: number; sites: Partial<PlatformSites> }>();

/** The data folder's sites file, or null when it has none. */
export function sitesFile(dataDir: string): string | null {
  const own = join(dataDir, 'sites.json');
  return existsSync(own) ? own : null;
}

/** The platform's sites: the data folder's lists where it gives them, the defaults elsewhere (re-read when the file changes). */
export function platformSites(core: SitesCore): PlatformSites {
  const defaults = defaultSites(core);
  const path = sitesFile(core.config.dataDir);
  if (!path) return defaults;
  const mtimeMs = statSync(path).mtimeMs;
  let cached = loaded.get(path);
  if (!cached || cached.mtimeMs !== mtimeMs) {
    cached = { mtimeMs, sites: readSitesFile(path) };
    loaded.set(path, cached);
  }
  return { ...defaults, ...cached.sites };
}

/** At start: a broken sites file stops the start, naming the fault. */
export function checkPlatformSites(core: SitesCore): { file: string | null } {
  platformSites(core);
  return { file: sitesFile(core.config.dataDir) };
}
