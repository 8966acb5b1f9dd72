// Who hears of an organization's renewals: its billing address when it has one, else each
// of its managers. The mail is recorded in the caller's unit of work (the outbox): it goes
// if and only if what it tells commits.
import type { Core } from '../../context.js';
import type { Db } from '../../../db/database.js';
import type { TemplateContext } from '../../notify/templates.js';
import { managersOf } from '../subscriptions.js';

export interface Recipient {
  email: string;
  /** How the mail greets them. */
  name: string;
}

export async function recipientsOf(tx: Db, organizationId: number): Promise<Recipient[]> {
  const org = await tx.selectFrom('organizations').select(['slug', 'full_name', 'email']).where('id', '=', organizationId).executeTakeFirst();
  if (!org) return [];
  if (org.email) return [{ email: org.email, name: org.full_name || org.slug }];
  const managers = await managersOf(tx, organizationId);
  return managers.map((m) => ({ email: m.email!, name: m.full_name || m.slug }));
}

/** Mails `template` to the organization's recipients, each greeted by name (`full_name`). */
export async function mailOrganization(core: Core, tx: Db, organizationId: number, template: string, context: TemplateContext): Promise<number> {
  const recipients = await recipientsOf(tx, organizationId);
  for (const recipient of recipients) {
    await core.mailer.enqueue(tx, { to: recipient.email, template, context: { ...context, full_name: recipient.name, site: core.config.brokerName } });
  }
  return recipients.length;
}

/** A date as mails write it: 2026-12-01. */
export function mailDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
