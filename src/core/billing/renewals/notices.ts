// Step 5 of the renewals: the expiration notices, sent `EXPIRE_NOTICE_DAYS` before a
// subscription ends (reference, section 3). For subscriptions ending in [at + n days,
// at + n + 1 days[:
// - auto-renewing: the subscriber hears once (one mail for all its subscriptions) that its
//   card expires before the renewal (`card_expires_soon`) or that it has none on file
//   (`payment_method_absent`); a valid card says nothing;
// - not renewing, on a one-time plan: `subscription_upgrade` (time to choose another plan);
// - not renewing, on a repeat plan: `expires_soon`.
// Each notice is recorded per subscription and end (renewal_notices) in the unit of work
// that writes its mail: a second run, for the same moment or a few hours later, sends none.
import { sql } from 'kysely';
import type { Core } from '../../context.js';
import { apart, type RenewalFailure } from './failures.js';
import type { Db } from '../../../db/database.js';
import type { RenewalNoticeKind } from '../../../db/schema.js';
import { mailDate, mailOrganization } from './mail.js';

/** How many days before its end a subscription's notice goes (djaodjin's EXPIRE_NOTICE_DAYS). */
export const EXPIRE_NOTICE_DAYS = [15];
const DAY_MS = 86_400_000;

interface Ending {
  id: number;
  organization_id: number;
  ends_at: Date;
  auto_renew: boolean;
  renewal_type: string;
  plan_title: string;
  provider_name: string;
}

export type NoticeReport = Record<'card_expires_soon' | 'payment_method_absent' | 'subscription_upgrade' | 'expires_soon', number>;

/** Whether a card that expires at the end of `expDate` (MM/YYYY) is gone by `at` (djaodjin: from the 1st of that month). */
export function cardExpiredBy(expDate: string, at: Date): boolean {
  const match = /^(\d{1,2})\/(\d{4})$/.exec(expDate.trim());
  if (!match) return false;
  return at.getTime() >= Date.UTC(Number(match[2]), Number(match[1]) - 1, 1);
}

/** Records the notice for each subscription; true when one of them was not sent before. */
async function firstTime(tx: Db, kind: RenewalNoticeKind, subscriptions: Ending[], at: Date): Promise<boolean> {
  const inserted = await tx.insertInto('renewal_notices').values(subscriptions.map((sub) => ({
    kind, subject_key: `sub_${sub.id}/${sub.ends_at.toISOString()}`, organization_id: sub.organization_id, sent_at: at,
  }))).onConflict((oc) => oc.columns(['kind', 'subject_key']).doNothing()).returning('kind').execute();
  return inserted.length > 0;
}

export async function sendExpirationNotices(core: Core, at: Date, failures: RenewalFailure[] = []): Promise<NoticeReport> {
  const report: NoticeReport = { card_expires_soon: 0, payment_method_absent: 0, subscription_upgrade: 0, expires_soon: 0 };
  for (const days of EXPIRE_NOTICE_DAYS) {
    const lower = new Date(at.getTime() + days * DAY_MS);
    const upper = new Date(at.getTime() + (days + 1) * DAY_MS);
    const rows = await sql<Ending>`
      select s.id, s.organization_id, s.ends_at, s.auto_renew, p.renewal_type, p.title as plan_title,
             coalesce(nullif(provider.full_name, ''), provider.slug) as provider_name
        from subscriptions s
        join plans p on p.id = s.plan_id
        join organizations provider on provider.id = p.organization_id
       where s.grant_key is null and s.request_key is null and s.created_at <= ${at}
         and s.ends_at >= ${lower} and s.ends_at < ${upper}
       order by s.organization_id, s.ends_at, s.id`.execute(core.db);
    const endings = rows.rows.map((row) => ({ ...row, ends_at: new Date(row.ends_at) }));
    const byOrganization = new Map<number, Ending[]>();
    for (const ending of endings) {
      if (!byOrganization.has(ending.organization_id)) byOrganization.set(ending.organization_id, []);
      byOrganization.get(ending.organization_id)!.push(ending);
    }
    for (const [organizationId, subscriptions] of byOrganization) {
      await apart(failures, 'notice', `organization ${organizationId}`, () => core.transact(async (tx) => {
        const org = await tx.selectFrom('organizations').select(['slug', 'full_name']).where('id', '=', organizationId).executeTakeFirstOrThrow();
        const common = { organization: org.full_name || org.slug, nb_days: days, link: core.links.organization(org.slug) };
        const renewing = subscriptions.filter((sub) => sub.auto_renew && sub.renewal_type === 'auto-renew');
        if (renewing.length) {
          const card = await tx.selectFrom('payment_methods').select(['last4', 'exp_date'])
            .where('organization_id', '=', organizationId).where('processor', '=', core.processor.name).executeTakeFirst();
          const kind = !card ? 'payment_method_absent' : card.exp_date && cardExpiredBy(card.exp_date, lower) ? 'card_expires_soon' : null;
          if (kind && await firstTime(tx, kind, renewing, at)) {
            await mailOrganization(core, tx, organizationId, kind, {
              ...common,
              plans: renewing.map((sub) => `${sub.plan_title} (${sub.provider_name})`).join(', '),
              ends_at: mailDate(renewing[0]!.ends_at),
              card: card ? `card ending in ${card.last4 ?? '????'}` : '',
              exp_date: card?.exp_date ?? '',
            });
            report[kind] += 1;
          }
        }
        for (const sub of subscriptions.filter((s) => !s.auto_renew)) {
          const kind = sub.renewal_type === 'one-time' ? 'subscription_upgrade' : sub.renewal_type === 'repeat' ? 'expires_soon' : null;
          if (!kind || !(await firstTime(tx, kind, [sub], at))) continue;
          await mailOrganization(core, tx, organizationId, kind, {
            ...common, plan: sub.plan_title, provider: sub.provider_name, ends_at: mailDate(sub.ends_at),
          });
          report[kind] += 1;
        }
      }));
    }
  }
  return report;
}
