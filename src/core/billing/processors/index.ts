// Chooses the processor the settings name, and keeps the processor's organization: the
// ledger books the processor's side of each charge (its funds, its fee) to it.
import type { Config } from '../../../config.js';
import type { Db } from '../../../db/database.js';
import type { Core } from '../../context.js';
import { uniqueSlug } from '../../organizations/slugs.js';
import type { PaymentProcessor } from './processor.js';
import { TestProcessor } from './test.js';

export async function makeProcessor(config: Config, db: Db, now: () => Date): Promise<PaymentProcessor> {
  if (config.processor === 'stripe' && config.stripe) {
    // Loaded only when chosen: the stripe package is a large share of the code a start loads.
    const { StripeProcessor } = await import('./stripe.js');
    return new StripeProcessor(config.stripe);
  }
  return new TestProcessor(db, now, config.processorFault);
}

const NAMES: Record<string, string> = { stripe: 'Stripe', test: 'Test processor' };

/**
 * The processor's organization, made at start when absent (one per installation: a change
 * of PROCESSOR keeps it, as the ledger rows already booked to it stay).
 */
export async function ensureProcessorOrganization(core: Core): Promise<number> {
  const existing = await core.db.selectFrom('organizations').select('id').where('is_processor', '=', true).executeTakeFirst();
  if (existing) return existing.id;
  const slug = await uniqueSlug(core.db, core.processor.name === 'stripe' ? 'stripe' : 'processor');
  const row = await core.db.insertInto('organizations')
    .values({ slug, full_name: NAMES[core.processor.name] ?? core.processor.name, is_processor: true })
    .onConflict((oc) => oc.column('is_processor').where('is_processor', '=', true).doNothing())
    .returning('id').executeTakeFirst();
  if (row) return row.id;
  const again = await core.db.selectFrom('organizations').select('id').where('is_processor', '=', true).executeTakeFirstOrThrow();
  return again.id;
}

/** The processor's organization id (it exists from start on). */
export async function processorOrganizationId(core: Core): Promise<number> {
  const row = await core.db.selectFrom('organizations').select('id').where('is_processor', '=', true).executeTakeFirst();
  return row ? row.id : ensureProcessorOrganization(core);
}

/** The broker's organization id. */
export async function brokerOrganizationId(core: Core): Promise<number> {
  const row = await core.db.selectFrom('organizations').select('id').where('is_broker', '=', true).executeTakeFirstOrThrow();
  return row.id;
}
