// Charges as the parties to them see them: the broker's list of every charge, one charge
// read by its payer, its providers or the broker (brought up to date with the processor
// first), and who may do what on a charge.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { ChargeRow } from './charges.js';
import { settleCharge } from './charges.js';
import { authorizeOrganization, authorizeSite, mayOnSite, type OrganizationAction } from '../access/policy.js';
import { DomainError, Forbidden, NotFound, Unauthenticated } from '../errors.js';
import { filterList, paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { ProcessorUnavailable } from './processors/processor.js';
import { DEFAULT_UNIT } from './statements.js';

export type { ChargeRow } from './charges.js';

/** A charge with its payer's name, as lists show it. */
export type ChargeListRow = ChargeRow & { payer_slug: string; payer_full_name: string };

/** The charge a URL names: by the processor's key (the newest, should two processors share one). */
export async function findCharge(core: Core, processorKey: string): Promise<ChargeRow> {
  const charge = await core.db.selectFrom('charges').selectAll().where('processor_key', '=', processorKey)
    .orderBy('id', 'desc').executeTakeFirst();
  if (!charge) throw new NotFound('charge');
  return charge;
}

/** The providers a charge pays, one per item (in item order). */
export async function chargeItems(core: Core, chargeId: number): Promise<{ id: number; position: number; amount: number; providerId: number; eventId: string | null; descr: string }[]> {
  const rows = await core.db.selectFrom('charge_items')
    .innerJoin('ledger_transactions as lt', 'lt.id', 'charge_items.invoiced_id')
    .select(['charge_items.id', 'charge_items.position', 'charge_items.amount', 'lt.orig_organization_id', 'lt.event_id', 'lt.descr'])
    .where('charge_items.charge_id', '=', chargeId).orderBy('charge_items.position').execute();
  return rows.map((row) => ({
    id: row.id, position: row.position, amount: Number(row.amount), providerId: row.orig_organization_id, eventId: row.event_id, descr: row.descr,
  }));
}

async function tryAuthorize(core: Core, caller: Caller, organizationId: number, action: OrganizationAction): Promise<DomainError | null> {
  try {
    await authorizeOrganization(core, caller, action, { id: organizationId, slug: '' });
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

/**
 * Authorizes reading a charge: its payer's billing readers, the sales readers of a
 * provider it pays, and the broker's managers. Anyone else gets the same 404 as for a
 * charge that does not exist, unless they see a party to it (then 403).
 */
export async function authorizeChargeRead(core: Core, caller: Caller, charge: ChargeRow): Promise<void> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  if (await mayOnSite(core, caller, 'billing.ledger.read')) return;
  const parties: [number, OrganizationAction][] = [[charge.organization_id, 'organization.billing.read']];
  for (const item of await chargeItems(core, charge.id)) parties.push([item.providerId, 'organization.sales.read']);
  let refusal: DomainError | null = null;
  for (const [organizationId, action] of parties) {
    const error = await tryAuthorize(core, caller, organizationId, action);
    if (!error) return;
    if (error.kind === 'forbidden') refusal = error;
  }
  throw refusal ?? new NotFound('charge');
}

/**
 * Authorizes moving money back on a charge's items: the caller must read the charge, and
 * hold `organization.sales.money` on every provider those items pay.
 */
export async function authorizeChargeRefund(core: Core, caller: Caller, charge: ChargeRow, providerIds: number[]): Promise<void> {
  await authorizeChargeRead(core, caller, charge);
  for (const providerId of new Set(providerIds)) {
    const error = await tryAuthorize(core, caller, providerId, 'organization.sales.money');
    if (!error) continue;
    // The caller sees the charge (its payer's manager, say): refusing is a 403, not a 404.
    throw error.kind === 'forbidden' ? error : new Forbidden('Only the provider\'s managers may refund this charge.');
  }
}

/**
 * `GET /api/billing/charges/{charge}/`: the charge, brought up to date with the processor
 * first when it is still `created` (a crash, a processor out of reach): settled from the
 * processor's record if it has one. Out of reach again, the stored state is shown.
 */
export async function getCharge(core: Core, caller: Caller, processorKey: string): Promise<ChargeRow> {
  let charge = await findCharge(core, processorKey);
  await authorizeChargeRead(core, caller, charge);
  if (charge.state === 'created' && charge.processor === core.processor.name) {
    try {
      const found = await core.processor.findCharge(charge.idempotency_key);
      if (found) charge = await settleCharge(core, charge.id, found);
    } catch (error) {
      if (!(error instanceof ProcessorUnavailable)) throw error;
    }
  }
  return charge;
}

export const CHARGE_LIST: ListSpec = {
  orderable: {
    description: 'charges.description',
    amount: 'charges.amount',
    full_name: 'payer.full_name',
    created_at: 'charges.created_at',
    // The seed's examples order by `date`.
    date: 'charges.created_at',
  },
  searchable: ['charges.description', 'charges.processor_key', 'payer.full_name', 'payer.slug'],
  dateColumn: 'charges.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'charges.id',
};

function selectCharges(core: Core) {
  return core.db.selectFrom('charges')
    .innerJoin('organizations as payer', 'payer.id', 'charges.organization_id')
    .selectAll('charges')
    .select(['payer.slug as payer_slug', 'payer.full_name as payer_full_name']);
}

/** `GET /api/billing/charges/`: every charge, for the broker's managers, with the total of the list. */
export async function listCharges(core: Core, caller: Caller, list: ListQuery): Promise<Page<ChargeListRow> & { total: number; unit: string }> {
  await authorizeSite(core, caller, 'billing.ledger.read');
  const page = await paginate(selectCharges(core), list, CHARGE_LIST);
  const totals = await filterList(selectCharges(core), list, CHARGE_LIST).clearSelect()
    .select(['charges.unit', sql<string>`sum(charges.amount)`.as('total'), sql<string>`count(*)`.as('n')])
    .where(sql<SqlBool>`charges.state in ('done', 'disputed')`)
    .groupBy('charges.unit').execute();
  totals.sort((a, b) => Number(b.n) - Number(a.n));
  return { ...page, total: Number(totals[0]?.total ?? 0), unit: totals[0]?.unit ?? DEFAULT_UNIT };
}
