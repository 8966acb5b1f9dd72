// Which e-mail notifications a user chose to receive. Security notices (password changed,
// API key created) are always sent and are not in this list.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid, Unauthenticated } from '../errors.js';
import { loadTarget } from './accounts.js';

/** Every notification a user may opt in to or out of, by the names DjaoApp uses. */
export const NOTIFICATION_NAMES = [
  'user_registered_notice',
  'user_activated_notice',
  'contact_requested_notice',
  'role_request_created_notice',
  'role_grant_created_notice',
  'role_grant_accepted_notice',
  'subscription_grant_created_notice',
  'subscription_grant_accepted_notice',
  'subscription_request_created_notice',
  'subscription_request_accepted_notice',
  'order_executed_notice',
  'charge_updated_notice',
  'card_updated_notice',
  'card_expires_soon_notice',
  'expires_soon_notice',
  'renewal_charge_failed_notice',
  'period_sales_report_created_notice',
  'processor_setup_error_notice',
] as const;
export type NotificationName = (typeof NOTIFICATION_NAMES)[number];

/** What each notification is about, in words a person choosing them reads. */
const NOTIFICATION_LABELS: Record<NotificationName, string> = {
  user_registered_notice: 'Someone signed up',
  user_activated_notice: 'Someone activated their account',
  contact_requested_notice: 'Someone asked to be contacted',
  role_request_created_notice: 'Someone asks to join an organization I manage',
  role_grant_created_notice: 'I am invited to an organization',
  role_grant_accepted_notice: 'Someone accepted an invitation to an organization I manage',
  subscription_grant_created_notice: 'A provider offers a subscription to an organization I manage',
  subscription_grant_accepted_notice: 'A subscription we offered was accepted',
  subscription_request_created_notice: 'An organization asks to subscribe to one of our plans',
  subscription_request_accepted_notice: 'A provider accepted our subscription request',
  order_executed_notice: 'An order was paid',
  charge_updated_notice: 'A charge succeeded, failed or was refunded',
  card_updated_notice: 'A payment card was changed',
  card_expires_soon_notice: 'A payment card expires soon',
  expires_soon_notice: 'A subscription expires soon',
  renewal_charge_failed_notice: 'A renewal could not be charged',
  period_sales_report_created_notice: 'The sales report of a period is ready',
  processor_setup_error_notice: 'The payment processor is not set up right',
};

/** Every notification a user may choose, with its label; for any signed-in user. */
export function listNotificationOptions(caller: Caller): Array<{ value: NotificationName; label: string }> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return NOTIFICATION_NAMES.map((value) => ({ value, label: NOTIFICATION_LABELS[value] }));
}

const KNOWN = new Set<string>(NOTIFICATION_NAMES);

function stored(value: unknown): string[] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list)) return [...NOTIFICATION_NAMES];
  return list.filter((n): n is string => typeof n === 'string' && KNOWN.has(n));
}

export async function getNotifications(core: Core, caller: Caller, ref: Ref): Promise<string[]> {
  const user = await loadTarget(core, caller, ref, 'user.read');
  return user.notifications === null ? [...NOTIFICATION_NAMES] : stored(user.notifications);
}

/** Replaces the user's choice; the list is kept in the order of NOTIFICATION_NAMES. */
export async function setNotifications(core: Core, caller: Caller, ref: Ref, names: string[]): Promise<string[]> {
  const user = await loadTarget(core, caller, ref, 'user.update');
  const unknown = [...new Set(names.filter((n) => !KNOWN.has(n)))];
  if (unknown.length) {
    throw new Invalid('notifications', `Unknown notification ${unknown.map((n) => `"${n}"`).join(', ')}. Known: ${NOTIFICATION_NAMES.join(', ')}.`);
  }
  const chosen = NOTIFICATION_NAMES.filter((n) => names.includes(n));
  await core.db.updateTable('users').set({ notifications: JSON.stringify(chosen), updated_at: core.now() })
    .where('id', '=', user.id).execute();
  return chosen;
}

/** Whether the user wants `name`; other modules ask before mailing an optional notice. */
export function wantsNotification(user: { notifications: unknown }, name: NotificationName): boolean {
  return user.notifications === null || stored(user.notifications).includes(name);
}
