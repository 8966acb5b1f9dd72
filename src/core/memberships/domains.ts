// The e-mail domains an organization proved. Implicit roles (implicit_create_on_none)
// enroll users of a verified domain only: an organization's own e-mail address proves
// nothing (anyone can type it@victimcorp.test), and neither does one manager's mailbox (one
// student or employee would claim a whole university or company, and lock the real
// organization out, since a domain belongs to one organization). A manager asks; the site's
// (broker's) managers verify. A DNS challenge would let organizations prove a domain alone:
// it needs outgoing DNS, which this service does not do yet. Free-mail domains are refused
// outright: no one proves gmail.com's users.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { OrganizationDomainsTable } from '../../db/schema.js';
import type { Selectable } from 'kysely';
import { Conflict, Invalid, NotFound, Unauthenticated, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, authorizeSite, isBrokerManager } from '../access/policy.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { findOrganization, lockOrganization } from './role-views.js';

const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.net',
  'gmx.de', 'web.de', 'mail.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'zoho.com', 'fastmail.com', 'hey.com',
  'tutanota.com', 'qq.com', '163.com', '126.com', 'naver.com', 'free.fr', 'orange.fr', 'laposte.net', 'libero.it',
  't-online.de',
]);

/** A DNS domain name, lower-case, at least two labels, ending in an alphabetic label. */
export const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** The lower-case domain of an address, or null. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1).trim().toLowerCase() || null : null;
}

export interface DomainView {
  /** Slug of the organization that claims the domain. */
  organization: string;
  domain: string;
  status: 'pending' | 'verified';
  verified_how: 'broker' | null;
  requested_by: string | null;
  verified_by: string | null;
  created_at: Date;
  verified_at: Date | null;
}

type DomainRow = Selectable<OrganizationDomainsTable> & { organization: string };

async function toViews(core: Core, rows: DomainRow[]): Promise<DomainView[]> {
  const ids = [...new Set(rows.flatMap((r) => [r.requested_by, r.verified_by]).filter((id): id is number => id !== null))];
  const names = new Map((ids.length
    ? await core.db.selectFrom('users').select(['id', 'slug']).where('id', 'in', ids).execute()
    : []).map((u) => [u.id, u.slug]));
  return rows.map((r) => ({
    organization: r.organization, domain: r.domain, status: r.status, verified_how: r.verified_how,
    requested_by: r.requested_by === null ? null : names.get(r.requested_by) ?? null,
    verified_by: r.verified_by === null ? null : names.get(r.verified_by) ?? null,
    created_at: r.created_at, verified_at: r.verified_at,
  }));
}

function checkDomain(raw: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_NAME.test(domain)) throw new Invalid('domain', 'Enter a domain name such as example.com.');
  if (FREE_MAIL.has(domain)) throw new Invalid('domain', 'A free e-mail provider\'s domain cannot belong to an organization.', 'domain.free_mail');
  return domain;
}

export async function listDomains(core: Core, caller: Caller, orgRef: Ref): Promise<DomainView[]> {
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.read', org);
  const rows = await core.db.selectFrom('organization_domains').selectAll()
    .where('organization_id', '=', org.id).orderBy('domain').execute();
  return toViews(core, rows.map((r) => ({ ...r, organization: org.slug })));
}

/** Every organization's domains (pending ones to approve, by default): the broker's managers only. */
export async function listSiteDomains(core: Core, caller: Caller, status: DomainRow['status'] | null): Promise<DomainView[]> {
  await authorizeSite(core, caller, 'site.administer');
  let query = core.db.selectFrom('organization_domains')
    .innerJoin('organizations', 'organizations.id', 'organization_domains.organization_id')
    .selectAll('organization_domains').select('organizations.slug as organization')
    .where('organizations.status', '!=', 'closed');
  if (status) query = query.where('organization_domains.status', '=', status);
  return toViews(core, await query.orderBy('organization_domains.created_at').orderBy('organization_domains.id').limit(1000).execute());
}

const TAKEN = 'Another organization has proved this domain; ask the site\'s managers.';

/**
 * A manager claims a domain. Verified at once when the caller manages the broker; otherwise
 * pending until the broker's managers approve it. `created` tells a new claim from one
 * already known.
 */
export async function addDomain(
  core: Core, caller: Caller, orgRef: Ref, rawDomain: string,
): Promise<{ view: DomainView; created: boolean }> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const domain = checkDomain(rawDomain);
  const how = await proofOf(core, caller.userId);
  const now = core.now();
  try {
    const result = await core.transact(async (tx) => {
      await lockOrganization(tx, org.id);
      const elsewhere = await tx.selectFrom('organization_domains').select('id').where('domain', '=', domain)
        .where('status', '=', 'verified').where('organization_id', '!=', org.id).executeTakeFirst();
      if (elsewhere) throw new Conflict(TAKEN, 'domain.taken');
      const existing = await tx.selectFrom('organization_domains').selectAll()
        .where('organization_id', '=', org.id).where('domain', '=', domain).executeTakeFirst();
      if (existing && (existing.status === 'verified' || !how)) return { row: existing, created: false };
      const verified = how ? { status: 'verified' as const, verified_by: caller.userId, verified_how: how, verified_at: now } : {};
      const row = existing
        ? await tx.updateTable('organization_domains').set(verified).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow()
        : await tx.insertInto('organization_domains').values({
          organization_id: org.id, domain, requested_by: caller.userId, created_at: now, ...verified,
        }).returningAll().executeTakeFirstOrThrow();
      await recordOrganizationEvent(tx, {
        organizationId: org.id, type: how ? 'domain.verified' : 'domain.requested', actorId: caller.userId, now,
        detail: { domain, how },
      });
      return { row, created: !existing };
    });
    return { view: (await toViews(core, [{ ...result.row, organization: org.slug }]))[0], created: result.created };
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(TAKEN, 'domain.taken');
    throw error;
  }
}

/** Only the site's managers verify a domain; anyone else's claim waits for them. */
async function proofOf(core: Core, userId: number): Promise<DomainRow['verified_how']> {
  return (await isBrokerManager(core, userId)) ? 'broker' : null;
}

/** The broker's managers approve a pending domain. */
export async function approveDomain(core: Core, caller: Caller, orgRef: Ref, rawDomain: string): Promise<DomainView> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.read', org);
  await authorizeSite(core, caller, 'site.administer');
  const domain = checkDomain(rawDomain);
  const now = core.now();
  try {
    const row = await core.transact(async (tx) => {
      const updated = await tx.updateTable('organization_domains')
        .set({ status: 'verified', verified_by: caller.userId, verified_how: 'broker', verified_at: now })
        .where('organization_id', '=', org.id).where('domain', '=', domain).where('status', '=', 'pending')
        .returningAll().executeTakeFirst();
      const found = updated ?? await tx.selectFrom('organization_domains').selectAll()
        .where('organization_id', '=', org.id).where('domain', '=', domain).executeTakeFirst();
      if (!found) throw new NotFound('domain', `${org.slug} has not asked for ${domain}.`);
      if (updated) {
        await recordOrganizationEvent(tx, {
          organizationId: org.id, type: 'domain.verified', actorId: caller.userId, now, detail: { domain, how: 'broker' },
        });
      }
      return found;
    });
    return (await toViews(core, [{ ...row, organization: org.slug }]))[0];
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(TAKEN, 'domain.taken');
    throw error;
  }
}

/** A manager gives up a domain: its users are no longer enrolled (those enrolled stay). */
export async function removeDomain(core: Core, caller: Caller, orgRef: Ref, rawDomain: string): Promise<void> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganization(core, caller, 'organization.members.manage', org);
  const domain = checkDomain(rawDomain);
  await core.transact(async (tx) => {
    const removed = await tx.deleteFrom('organization_domains').where('organization_id', '=', org.id)
      .where('domain', '=', domain).returning('id').executeTakeFirst();
    if (!removed) throw new NotFound('domain', `${org.slug} has no domain ${domain}.`);
    await recordOrganizationEvent(tx, {
      organizationId: org.id, type: 'domain.removed', actorId: caller.userId, now: core.now(), detail: { domain },
    });
  });
}
