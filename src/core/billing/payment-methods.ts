// What the processor keeps for an organization: the card on file of a subscriber and the
// payout (deposit) account of a provider. We keep the processor's references and what may
// be shown (last 4 digits, expiry); the card itself stays at the processor. Every call to
// the processor is made outside a unit of work, after the caller was authorized.
import type { Caller, Core } from '../context.js';
import { authorizeOrganization } from '../access/policy.js';
import { findOrganization } from '../organizations/profiles.js';
import type { Ref } from '../refs.js';
import { BadRequest, Invalid, NotFound } from '../errors.js';
import { balances } from './ledger.js';
import { recordCardOnFile } from './charges.js';
import { CardDeclinedError, ProcessorUnavailable, type CardOnFile } from './processors/processor.js';

export interface CardView {
  last4: string;
  /** MM/YYYY */
  expDate: string;
  name: string | null;
}

export interface CardUpdate {
  token: string;
  full_name?: string | null;
  email?: string | null;
}

/** The processor could not answer: said plainly, nothing changed on our side. */
export function processorUnavailable(): BadRequest {
  return new BadRequest('The payment processor could not be reached; nothing was changed. Try again in a moment.', 'processor.unavailable');
}

async function reachProcessor<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ProcessorUnavailable) throw processorUnavailable();
    throw error;
  }
}

function view(card: CardOnFile): CardView {
  return { last4: card.last4, expDate: card.expDate, name: card.name };
}

/** The card on file, as the processor knows it now. */
export async function getCard(core: Core, caller: Caller, ref: Ref): Promise<CardView> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.billing.read', organization);
  const method = await core.db.selectFrom('payment_methods').selectAll()
    .where('organization_id', '=', organization.id).where('processor', '=', core.processor.name).executeTakeFirst();
  if (!method) throw new NotFound('card', 'This organization has no card on file.');
  const card = await reachProcessor(() => core.processor.retrieveCard(method.customer_key));
  if (!card) throw new NotFound('card', 'This organization has no card on file.');
  return view(card);
}

/**
 * Replaces the card on file with the one a processor token stands for (creating the
 * processor's customer the first time). A declined card is a 400 naming `token`, and the
 * card on file stays.
 */
export async function updateCard(core: Core, caller: Caller, ref: Ref, input: CardUpdate): Promise<CardView> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.billing.manage', organization);
  const method = await core.db.selectFrom('payment_methods').select('customer_key')
    .where('organization_id', '=', organization.id).where('processor', '=', core.processor.name).executeTakeFirst();
  const customer = {
    customerKey: method?.customer_key ?? null,
    email: input.email || organization.email,
    name: input.full_name || organization.full_name || organization.slug,
  };
  let saved: { customerKey: string; card: CardOnFile };
  try {
    saved = await reachProcessor(() => core.processor.saveCard(customer, input.token));
  } catch (error) {
    if (error instanceof CardDeclinedError) {
      if (error.declined.code === 'invalid_token') throw new Invalid('token', error.declined.message);
      throw new BadRequest(error.declined.message, 'card.declined', { token: [error.declined.message] });
    }
    throw error;
  }
  await core.transact(() => recordCardOnFile(core, organization.id, saved.customerKey, saved.card));
  return view(saved.card);
}

/** Removes the card on file, at the processor and here. */
export async function deleteCard(core: Core, caller: Caller, ref: Ref): Promise<void> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.billing.manage', organization);
  const method = await core.db.selectFrom('payment_methods').select(['customer_key', 'processor'])
    .where('organization_id', '=', organization.id).executeTakeFirst();
  if (!method) throw new NotFound('card', 'This organization has no card on file.');
  if (method.processor === core.processor.name) await reachProcessor(() => core.processor.deleteCard(method.customer_key));
  await core.transact((tx) => tx.deleteFrom('payment_methods').where('organization_id', '=', organization.id).execute());
}

export interface BankView {
  bankName: string;
  last4: string;
  /** What the provider's Funds hold: available to transfer to its deposit account. */
  balanceAmount: number;
  balanceUnit: string;
}

/**
 * The provider's payout account as the processor shows it ("N/A" when it has none), and
 * the funds it may be paid: the balance of its Funds account in the ledger.
 */
export async function getBank(core: Core, caller: Caller, ref: Ref): Promise<BankView> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.sales.read', organization);
  const account = await core.db.selectFrom('payout_accounts').selectAll()
    .where('organization_id', '=', organization.id).where('processor', '=', core.processor.name).executeTakeFirst();
  const bank = account
    ? await reachProcessor(() => core.processor.retrieveBank(account.account_key))
    : { bankName: 'N/A', last4: 'N/A' };
  const funds = await balances(core, { organizationId: organization.id, account: 'Funds' });
  // One unit is shown: the one holding funds (the first, by name, when several do).
  const held = [...funds.entries()].filter(([, amount]) => amount !== 0).sort(([a], [b]) => a.localeCompare(b));
  const [unit, amount] = held[0] ?? ['usd', 0];
  return { bankName: bank.bankName, last4: bank.last4, balanceAmount: amount, balanceUnit: unit };
}
