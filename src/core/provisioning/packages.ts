// Packages (get.chat): the software a stack can run. They come from two places: the data
// folder's `packages.json` (or, without one, the built-in `packages/default.json` with the
// Inbox and HubSpot), read at every start and upserted with source 'file'; and the
// administrator API (the broker's managers, site action `packages.administer`), source
// 'api'. A package the file defines is changed in the file, not through the API, since the
// next start would put the file's version back. Anyone may list and read packages (the
// seed's guide lists them without a token); their settings schema says who may pass what.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { BadRequest, Conflict, Invalid, NotFound, isUniqueViolation } from '../errors.js';
import { authorizeSite } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import {
  checkPackageDefinition, type Deployer, type PackageDefinition, type SettingRule, type SettingsSchema,
} from './package-definitions.js';

export interface Package {
  id: number;
  uuid: string;
  name: string;
  type: string;
  settings_schema: SettingsSchema;
  setting_rules: Record<string, SettingRule>;
  deployer: Deployer;
  deployer_config: Record<string, unknown>;
  source: 'file' | 'api';
  created_at: Date;
  modified_at: Date;
  deleted_at: Date | null;
}

export const PACKAGE_LIST_SPEC: ListSpec = {
  orderable: {
    id: 'packages.id', name: 'packages.name', type: 'packages.type',
    created_at: 'packages.created_at', modified_at: 'packages.modified_at',
  },
  searchable: ['packages.name', 'packages.type'],
  defaultOrder: ['id'],
  tieBreaker: 'packages.id',
  filterable: {
    id: { column: 'packages.id', type: 'integer' },
    name: { column: 'packages.name', type: 'string' },
    type: { column: 'packages.type', type: 'string' },
  },
  deletedColumn: 'packages.deleted_at',
};

function selectPackages(db: Db) {
  return db.selectFrom('packages').select([
    'packages.id', 'packages.uuid', 'packages.name', 'packages.type', 'packages.settings_schema', 'packages.setting_rules',
    'packages.deployer', 'packages.deployer_config', 'packages.source', 'packages.created_at', 'packages.modified_at', 'packages.deleted_at',
  ]);
}

function toPackage(row: Awaited<ReturnType<ReturnType<typeof selectPackages>['executeTakeFirstOrThrow']>>): Package {
  return {
    ...row,
    settings_schema: row.settings_schema as SettingsSchema,
    setting_rules: row.setting_rules as Record<string, SettingRule>,
    deployer_config: row.deployer_config as Record<string, unknown>,
  };
}

/** PK3: the packages, retired ones only when the list asks (`deleted_at` filters). */
export async function listPackages(core: Core, list: ListQuery): Promise<Page<Package>> {
  const page = await paginate(selectPackages(core.db), list, PACKAGE_LIST_SPEC);
  return { count: page.count, results: page.results.map(toPackage) };
}

/** A package by id; a retired one is not found unless `retired` is asked. */
export async function packageById(db: Db, id: number, options: { retired?: boolean } = {}): Promise<Package> {
  if (!Number.isSafeInteger(id)) throw new NotFound('package');
  const row = await selectPackages(db).where('packages.id', '=', id).executeTakeFirst();
  if (!row || (row.deleted_at && !options.retired)) throw new NotFound('package');
  return toPackage(row);
}

/** PK1. */
export async function getPackage(core: Core, id: number): Promise<Package> {
  return packageById(core.db, id);
}

/** PK2: the live package of a type (types are unique among live packages). */
export async function getPackageByType(core: Core, type: string): Promise<Package> {
  const row = await selectPackages(core.db).where('packages.type', '=', type).where('packages.deleted_at', 'is', null).executeTakeFirst();
  if (!row) throw new NotFound('package');
  return toPackage(row);
}

// ---- the administrator API ----

/** The fields an administrator may set (the uuid only on creation), checked by checkPackageDefinition. */
export type PackageInput = Partial<Record<keyof PackageDefinition, unknown>>;

function definitionOf(pkg: Package): PackageDefinition {
  return {
    uuid: pkg.uuid, name: pkg.name, type: pkg.type, settings_schema: pkg.settings_schema, setting_rules: pkg.setting_rules,
    deployer: pkg.deployer, deployer_config: pkg.deployer_config,
  };
}

function columnsOf(definition: PackageDefinition) {
  return {
    name: definition.name,
    type: definition.type,
    settings_schema: JSON.stringify(definition.settings_schema),
    setting_rules: JSON.stringify(definition.setting_rules),
    deployer: definition.deployer,
    deployer_config: JSON.stringify(definition.deployer_config),
  };
}

function typeTaken(type: string): Conflict {
  return new Conflict(`A package of type ${type} exists already.`, 'package.type_taken', { type: ['This type is taken.'] });
}

function refuseFileDefined(pkg: Package): void {
  if (pkg.source === 'file') {
    throw new BadRequest(`The ${pkg.type} package is defined in the data folder's packages file: change it there (the next start would put the file's version back).`, 'package.defined_in_file');
  }
}

/**
 * Refuses (400 package.in_use) while a live application uses the package. Locks the row
 * first, so an application being created on it either commits before (and is counted) or
 * finds the package changed.
 */
async function refuseInUse(tx: Db, pkg: Package, what: string): Promise<void> {
  await tx.selectFrom('packages').select('id').where('id', '=', pkg.id).forUpdate().executeTakeFirst();
  const used = await tx.selectFrom('applications').select('id').where('package_id', '=', pkg.id)
    .where('deleted_at', 'is', null).limit(1).executeTakeFirst();
  if (used) throw new BadRequest(`Applications still use the ${pkg.type} package, so it cannot ${what}: delete them first.`, 'package.in_use');
}

/** Creates a package (source 'api'). */
export async function createPackage(core: Core, caller: Caller, input: PackageInput): Promise<Package> {
  await authorizeSite(core, caller, 'packages.administer');
  // A random uuid unless one is given: the one a file derives from the type would clash with a retired package of that type.
  const definition = checkPackageDefinition({ ...input, uuid: input.uuid ?? randomUUID() });
  try {
    const row = await core.transact(async (tx) => {
      if (await tx.selectFrom('packages').select('id').where('uuid', '=', definition.uuid).executeTakeFirst()) {
        throw new Conflict('A package with this uuid exists already.', 'request.conflict', { uuid: ['This uuid is taken.'] });
      }
      return tx.insertInto('packages').values({ uuid: definition.uuid, ...columnsOf(definition), source: 'api', created_at: core.now(), modified_at: core.now() })
        .returning('id').executeTakeFirstOrThrow();
    });
    return packageById(core.db, row.id);
  } catch (error) {
    if (isUniqueViolation(error)) throw typeTaken(definition.type);
    throw error;
  }
}

/** Changes a package the API made; the whole definition is checked again (rules against the new schema). */
export async function updatePackage(core: Core, caller: Caller, id: number, changes: PackageInput): Promise<Package> {
  await authorizeSite(core, caller, 'packages.administer');
  if (changes.uuid !== undefined) throw new Invalid('uuid', 'A package keeps its uuid.');
  const current = await packageById(core.db, id);
  refuseFileDefined(current);
  const definition = checkPackageDefinition({ ...definitionOf(current), ...changes });
  try {
    await core.transact(async (tx) => {
      if (definition.type !== current.type) await refuseInUse(tx, current, 'change its type');
      await tx.updateTable('packages').set({ ...columnsOf(definition), modified_at: core.now() })
        .where('id', '=', current.id).where('deleted_at', 'is', null).execute();
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw typeTaken(definition.type);
    throw error;
  }
  return packageById(core.db, current.id);
}

/**
 * Retires a package the API made: it leaves the lists and nothing new installs it. Refused
 * while an application uses it (400 package.in_use): delete those first.
 */
export async function retirePackage(core: Core, caller: Caller, id: number): Promise<Package> {
  await authorizeSite(core, caller, 'packages.administer');
  const current = await packageById(core.db, id);
  refuseFileDefined(current);
  await core.transact(async (tx) => {
    await refuseInUse(tx, current, 'be retired');
    await tx.updateTable('packages').set({ deleted_at: core.now(), modified_at: core.now() }).where('id', '=', current.id).execute();
  });
  return packageById(core.db, current.id, { retired: true });
}

/** The full definition, for the administrators. */
export async function getPackageDefinition(core: Core, caller: Caller, id: number): Promise<Package> {
  await authorizeSite(core, caller, 'packages.administer');
  return packageById(core.db, id, { retired: true });
}

// ---- the packages file ----

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built-in packages (from src/ and from dist/ alike, both two folders below the root). */
export const DEFAULT_PACKAGES_FILE = join(existsSync(join(packageRoot, 'packages')) ? packageRoot : resolve(packageRoot, '..'), 'packages', 'default.json');

/** Which file defines the packages: the data folder's, else the built-in one. */
export function packagesFile(dataDir: string): string {
  const own = join(dataDir, 'packages.json');
  return existsSync(own) ? own : DEFAULT_PACKAGES_FILE;
}

/** Reads and checks a packages file: `{"packages": [...]}` (or the list alone). Throws naming the file and each fault. */
export function readPackagesFile(path: string): PackageDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read it as JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(list)) throw new Error(`${path}: expected {"packages": [...]}`);
  try {
    // The built-in file ships with the build: its settings schemas are compiled by its test
    // and on first use, not at every start. An operator's file is checked in full.
    const compile = path !== DEFAULT_PACKAGES_FILE;
    const definitions = list.map((entry, i) => checkPackageDefinition(entry, `packages[${i}]`, { compile }));
    for (const key of ['uuid', 'type'] as const) {
      const seen = new Set<string>();
      for (const definition of definitions) {
        if (seen.has(definition[key])) throw new Error(`two packages have the ${key} ${definition[key]}`);
        seen.add(definition[key]);
      }
    }
    return definitions;
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Invalid ? Object.entries(error.fields).map(([f, m]) => `${f}: ${m.join(' ')}`).join('; ') : (error as Error).message}`);
  }
}

/** JSON with keys sorted, to tell whether a stored package differs from the file's (jsonb reorders keys). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface PackagesLoaded {
  file: string;
  created: string[];
  updated: string[];
  retired: string[];
  /** Packages the file no longer has that applications still use: kept, to be retired once unused. */
  kept: string[];
}

/**
 * At start: makes the packages table say what the file says. Each package is matched by
 * uuid (updated only when it differs, so modified_at means something), a package the file
 * dropped is retired unless applications use it, and a type the API already took is an
 * error that stops the start. Several nodes starting at once take turns (advisory lock).
 */
export async function loadPackages(core: Core, path = packagesFile(core.config.dataDir)): Promise<PackagesLoaded> {
  const definitions = readPackagesFile(path);
  const loaded: PackagesLoaded = { file: path, created: [], updated: [], retired: [], kept: [] };
  await core.transact(async (tx) => {
    await sql`select pg_advisory_xact_lock(72130519)`.execute(tx);
    const now = core.now();
    const uuids = definitions.map((d) => d.uuid);
    for (const definition of definitions) {
      const clash = await tx.selectFrom('packages').select(['id', 'uuid']).where('type', '=', definition.type)
        .where('deleted_at', 'is', null).where('uuid', '<>', definition.uuid).executeTakeFirst();
      if (clash) throw new Error(`${path}: the type ${definition.type} is taken by package #${clash.id}, made through the API; retire it or rename one`);
      const row = await selectPackages(tx).where('packages.uuid', '=', definition.uuid).executeTakeFirst();
      if (!row) {
        await tx.insertInto('packages').values({ uuid: definition.uuid, ...columnsOf(definition), source: 'file', created_at: now, modified_at: now }).execute();
        loaded.created.push(definition.type);
        continue;
      }
      const same = row.source === 'file' && row.deleted_at === null && canonical(definitionOf(toPackage(row))) === canonical(definition);
      if (same) continue;
      await tx.updateTable('packages').set({ ...columnsOf(definition), source: 'file', deleted_at: null, modified_at: now })
        .where('id', '=', row.id).execute();
      loaded.updated.push(definition.type);
    }
    const dropped = await tx.selectFrom('packages').select(['id', 'type']).where('source', '=', 'file').where('deleted_at', 'is', null)
      .$if(uuids.length > 0, (qb) => qb.where('uuid', 'not in', uuids)).execute();
    for (const row of dropped) {
      const used = await tx.selectFrom('applications').select('id').where('package_id', '=', row.id).where('deleted_at', 'is', null).limit(1).executeTakeFirst();
      if (used) {
        loaded.kept.push(row.type);
        continue;
      }
      await tx.updateTable('packages').set({ deleted_at: now, modified_at: now }).where('id', '=', row.id).execute();
      loaded.retired.push(row.type);
    }
  });
  return loaded;
}
