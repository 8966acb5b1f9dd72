// Organization slugs: derived from a name when none is given, unique case-insensitively.
import type { Db } from '../../db/database.js';
import { Invalid } from '../errors.js';

export const SLUG_PATTERN = /^[\w.@+-]+$/;

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return base || 'organization';
}

async function slugTaken(db: Db, slug: string): Promise<boolean> {
  const row = await db.selectFrom('organizations').select('id')
    .where((eb) => eb(eb.fn('lower', ['slug']), '=', slug.toLowerCase())).executeTakeFirst();
  return !!row;
}

/**
 * Words that are a route where an organization's slug goes too (/api/billing/charges/...,
 * /api/metrics/balances/...): an organization so named could never reach its own pages there.
 */
const ROUTE_WORDS = new Set(['charges', 'balances']);

/**
 * Closing an organization renames it `closed-<id>`: nobody else may take such a slug; nor
 * one of the route words.
 */
export function isReservedSlug(slug: string): boolean {
  return /^closed-\d+$/i.test(slug) || ROUTE_WORDS.has(slug.toLowerCase());
}

function reservedMessage(slug: string): string {
  return ROUTE_WORDS.has(slug.toLowerCase())
    ? `"${slug}" names a page of the API; choose another slug.`
    : '"closed-" followed by a number is reserved for closed organizations.';
}

/** `base`, or `base-2`, `base-3`... whichever is free first. */
export async function uniqueSlug(db: Db, base: string): Promise<string> {
  if (!isReservedSlug(base) && !(await slugTaken(db, base))) return base;
  const taken = await db.selectFrom('organizations').select('slug')
    .where((eb) => eb(eb.fn('lower', ['slug']), 'like', `${base.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}-%`))
    .execute();
  const used = new Set(taken.map((r) => r.slug.toLowerCase()));
  for (let n = 2; ; n += 1) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/** A slug the caller chose must be free: a clash is a field error, as DjaoApp answers. */
export async function assertSlugFree(db: Db, slug: string, exceptId?: number): Promise<void> {
  if (!SLUG_PATTERN.test(slug)) throw new Invalid('slug', 'Enter a valid slug: letters, digits and . @ + - _ only.');
  if (isReservedSlug(slug)) throw new Invalid('slug', reservedMessage(slug), 'slug.reserved');
  const row = await db.selectFrom('organizations').select('id')
    .where((eb) => eb(eb.fn('lower', ['slug']), '=', slug.toLowerCase())).executeTakeFirst();
  if (row && row.id !== exceptId) throw slugClash(slug);
}

export function slugClash(slug: string): Invalid {
  return new Invalid('slug', `An organization with slug "${slug}" already exists.`, 'slug.taken');
}
