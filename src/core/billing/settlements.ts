// Money that moves without a card: a balance due written off by the broker, paid offline
// (a check, a wire), and the offline payments a provider imports. Each books its rows in
// one unit of work, the subscriber's row locked first so two at once cannot settle the same
// balance twice. The rows are djaodjin-saas's (billing-reference.md; docs/billing.md).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import { authorizeOrganization } from '../access/policy.js';
import { Invalid } from '../errors.js';
import { findOrganization, requireUser } from '../organizations/profiles.js';
import type { Ref } from '../refs.js';
import { balance, book, move, type LedgerRow } from './ledger.js';
import { balancesDue } from './statements.js';

/** An offline payment's own event: the check (or wire) it was. */
function checkEventId(): string {
  return `check_${randomBytes(8).toString('hex')}`;
}

/** Holds the subscriber's row until the unit ends: settlements of one organization run one at a time. */
async function lockOrganization(core: Core, organizationId: number): Promise<void> {
  await sql`select id from organizations where id = ${organizationId} for update`.execute(core.db);
}

export interface OfflinePayment {
  subscriberId: number;
  providerId: number;
  /** The event paid: `sub_N/`. */
  eventId: string;
  amount: number;
  unit: string;
  descr: string;
  createdAt: Date;
}

/**
 * Books a payment received outside the processor, inside the caller's unit. It pays what
 * is due on the event first; whatever exceeds that is a sale made offline, booked as an
 * order and paid at once (what djaodjin-saas books for every offline payment):
 *   P:Receivable -> S:Payable    the part beyond the balance due, if any (the order)
 *   S:Liability  -> P:Funds      amount, `check_...` (the payment)
 *   S:Payable    -> S:Liability  amount (keeps the subscriber's accounts balanced)
 *   P:Backlog    -> P:Receivable amount (what clears the balance due)
 *   P:Funds      -> P:Offline    amount, `check_...` (marks the funds as received offline)
 */
export async function bookOfflinePayment(core: Core, payment: OfflinePayment): Promise<number[]> {
  const { subscriberId, providerId, eventId, amount, unit, descr, createdAt } = payment;
  const due = (await balancesDue(core, subscriberId)).find((row) => row.eventId === eventId && row.unit === unit)?.amount ?? 0;
  const payable = await balance(core, { organizationId: subscriberId, account: 'Payable', eventId, unit });
  const covered = Math.max(0, Math.min(due, payable, amount));
  const check = checkEventId();
  const subscriber = { organizationId: subscriberId };
  const provider = { organizationId: providerId };
  const rows: LedgerRow[] = [];
  if (amount > covered) {
    rows.push(move(amount - covered, unit, { ...provider, account: 'Receivable' }, { ...subscriber, account: 'Payable' }, descr, eventId, createdAt));
  }
  rows.push(
    move(amount, unit, { ...subscriber, account: 'Liability' }, { ...provider, account: 'Funds' }, descr, check, createdAt),
    move(amount, unit, { ...subscriber, account: 'Payable' }, { ...subscriber, account: 'Liability' }, 'Keep a balanced ledger', eventId, createdAt),
    move(amount, unit, { ...provider, account: 'Backlog' }, { ...provider, account: 'Receivable' }, descr, eventId, createdAt),
    move(amount, unit, { ...provider, account: 'Funds' }, { ...provider, account: 'Offline' }, `${descr} - Keep a balanced ledger`, check, createdAt),
  );
  return book(core, rows);
}

/**
 * `DELETE /api/billing/{organization}/balance/`: the broker's managers settle every
 * balance due of an organization. By default it is written off as lost:
 *   S:Payable    -> S:Liability  what is still payable on the event
 *   S:Liability  -> P:Writeoff   the balance due
 *   P:Receivable -> S:Canceled   the balance due (so it no longer counts as due)
 * With `paid`, it was received offline instead and is booked as an offline payment.
 */
export async function settleBalanceDue(core: Core, caller: Caller, ref: Ref, options: { paid: boolean }): Promise<void> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.billing.write_off', organization);
  await core.transact(async () => {
    await lockOrganization(core, organization.id);
    const now = core.now();
    for (const due of await balancesDue(core, organization.id)) {
      if (due.amount <= 0) continue;
      if (options.paid) {
        await bookOfflinePayment(core, {
          subscriberId: organization.id, providerId: due.providerId, eventId: due.eventId, amount: due.amount, unit: due.unit,
          descr: `Off-line payment of the balance due (${user.username})`, createdAt: now,
        });
        continue;
      }
      const payable = await balance(core, { organizationId: organization.id, account: 'Payable', eventId: due.eventId, unit: due.unit });
      const subscriber = { organizationId: organization.id };
      const provider = { organizationId: due.providerId };
      const rows: LedgerRow[] = [];
      if (payable > 0) {
        rows.push(move(payable, due.unit, { ...subscriber, account: 'Payable' }, { ...subscriber, account: 'Liability' }, 'Keep a balanced ledger', due.eventId, now));
      }
      rows.push(
        move(due.amount, due.unit, { ...subscriber, account: 'Liability' }, { ...provider, account: 'Writeoff' },
          `Write off liability for ${due.eventId} (${user.username})`, due.eventId, now),
        move(due.amount, due.unit, { ...provider, account: 'Receivable' }, { ...subscriber, account: 'Canceled' },
          `Write off receivable for ${due.eventId} (${user.username})`, due.eventId, now),
      );
      await book(core, rows);
    }
  });
}

export interface OfflineImport {
  /** `subscriber:plan` (djaodjin-saas) or `subscriber-plan` (the seed's example). */
  subscription: string;
  createdAt: Date;
  /** Minor units of the plan's unit. */
  amount: number;
  descr?: string | null;
}

interface ActiveSubscription {
  id: number;
  organization_id: number;
  unit: string;
}

/**
 * The provider's active subscription named `subscription`. The seed joins subscriber and
 * plan with a hyphen, which slugs also contain: every split is tried, and a name that
 * matches more than one subscription is refused rather than guessed.
 */
async function findActiveSubscription(core: Core, providerId: number, name: string, now: Date): Promise<ActiveSubscription> {
  const candidates: [string, string][] = [];
  const colon = name.indexOf(':');
  if (colon > 0) candidates.push([name.slice(0, colon), name.slice(colon + 1)]);
  for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) candidates.push([name.slice(0, i), name.slice(i + 1)]);
  const found = new Map<number, ActiveSubscription>();
  for (const [subscriber, plan] of candidates) {
    if (!subscriber || !plan) continue;
    const rows = await core.db.selectFrom('subscriptions as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .innerJoin('organizations as o', 'o.id', 's.organization_id')
      .select(['s.id', 's.organization_id', 'p.unit'])
      .where('p.organization_id', '=', providerId)
      .where(sql`lower(p.slug)`, '=', plan.toLowerCase())
      .where(sql`lower(o.slug)`, '=', subscriber.toLowerCase())
      .where('s.created_at', '<=', now).where('s.ends_at', '>', now)
      .where('s.grant_key', 'is', null).where('s.request_key', 'is', null)
      .execute();
    for (const row of rows) found.set(row.id, row);
  }
  if (found.size > 1) throw new Invalid('subscription', 'This name matches several subscriptions: write it subscriber:plan.');
  const subscription = [...found.values()][0];
  if (!subscription) {
    throw new Invalid('subscription', 'Invalid combination of subscriber and plan, or the subscription is no longer active.');
  }
  return subscription;
}

/**
 * `POST /api/billing/{organization}/transfers/import/`: a provider records a payment it
 * received outside the processor for one of its active subscriptions, so its statements
 * and metrics count it. Booked as an offline payment (see bookOfflinePayment).
 */
export async function importOfflinePayment(core: Core, caller: Caller, ref: Ref, input: OfflineImport): Promise<{ subscription: string; createdAt: Date; amount: number; unit: string; descr: string }> {
  const user = requireUser(caller);
  const provider = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.sales.money', provider);
  const now = core.now();
  if (input.createdAt.getTime() > now.getTime()) throw new Invalid('created_at', 'A payment received in the future cannot be imported.');
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new Invalid('amount', 'Must be more than zero.');
  const subscription = await findActiveSubscription(core, provider.id, input.subscription, now);
  const descr = `${input.descr?.trim() || 'Off-line payment'} (${user.username})`;
  await core.transact(async () => {
    await lockOrganization(core, subscription.organization_id);
    await bookOfflinePayment(core, {
      subscriberId: subscription.organization_id, providerId: provider.id, eventId: `sub_${subscription.id}/`,
      amount: input.amount, unit: subscription.unit, descr, createdAt: input.createdAt,
    });
  });
  return { subscription: input.subscription, createdAt: input.createdAt, amount: input.amount, unit: subscription.unit, descr: input.descr ?? descr };
}
