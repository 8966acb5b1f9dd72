// What the broker's team knows about a person: activities (calls, follow-ups) recorded
// on a contact, and the contact-us messages anyone can send to the broker.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid, Unauthenticated } from '../errors.js';
import { authorizeSite } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import type { ActivityView } from './accounts.js';
import { getUser } from './users.js';

export const ACTIVITY_LIST_SPEC: ListSpec = {
  orderable: { created_at: 'activities.created_at', text: 'activities.text' },
  searchable: ['activities.text'],
  dateColumn: 'activities.created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: '-activities.id',
};

async function contactFor(core: Core, caller: Caller, ref: Ref) {
  if (caller.kind !== 'user') throw new Unauthenticated();
  await authorizeSite(core, caller, 'users.list');
  const user = await getUser(core.db, ref);
  return user;
}

export async function listActivities(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Page<ActivityView>> {
  const user = await contactFor(core, caller, ref);
  return paginate(
    core.db.selectFrom('activities')
      .leftJoin('users as author', 'author.id', 'activities.created_by')
      .leftJoin('organizations', 'organizations.id', 'activities.organization_id')
      .select(['activities.created_at', 'author.slug as created_by', 'activities.text', 'organizations.slug as account'])
      .where('activities.user_id', '=', user.id),
    list,
    ACTIVITY_LIST_SPEC,
  );
}

export async function recordActivity(
  core: Core,
  caller: Caller,
  ref: Ref,
  input: { text: string; account?: string | null },
): Promise<ActivityView> {
  const user = await contactFor(core, caller, ref);
  const author = caller.kind === 'user' ? caller : null;
  let organization: { id: number; slug: string } | undefined;
  if (input.account) {
    organization = await core.db.selectFrom('organizations').select(['id', 'slug'])
      .where((eb) => eb(eb.fn('lower', ['slug']), '=', input.account!.toLowerCase()))
      .executeTakeFirst();
    if (!organization) throw new Invalid('account', `No organization "${input.account}".`);
  }
  const now = core.now();
  await core.db.insertInto('activities').values({
    user_id: user.id,
    created_by: author?.userId ?? null,
    text: input.text,
    organization_id: organization?.id ?? null,
    created_at: now,
  }).execute();
  return { created_at: now, created_by: author?.username ?? null, text: input.text, account: organization?.slug ?? null };
}

/** The addresses contact-us messages go to: the broker's managers, else MAIL_FROM's. */
async function brokerRecipients(core: Core): Promise<string[]> {
  const rows = await core.db.selectFrom('roles')
    .innerJoin('organizations', 'organizations.id', 'roles.organization_id')
    .innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .innerJoin('users', 'users.id', 'roles.user_id')
    .select('users.email')
    .where('organizations.is_broker', '=', true)
    .where('role_descriptions.slug', '=', 'manager')
    .where('roles.grant_key_hash', 'is', null)
    .where('roles.request_key', 'is', null)
    .where('users.deleted_at', 'is', null)
    .where('users.email', 'is not', null)
    .orderBy('users.id')
    .execute();
  const emails = [...new Set(rows.map((r) => r.email!))];
  if (emails.length) return emails;
  const from = core.config.mailFrom;
  return [/<([^>]+)>/.exec(from)?.[1] ?? from.trim()];
}

/** Forwards a contact-us message to the broker; the sender is named so they can be answered. */
export async function sendContactRequest(
  core: Core,
  caller: Caller,
  input: { full_name: string; email: string; message?: string | null },
): Promise<void> {
  const recipients = await brokerRecipients(core);
  const context = {
    full_name: input.full_name.replace(/[\r\n]+/g, ' ').trim(),
    email: input.email.trim(),
    message: input.message ?? '',
    username: caller.kind === 'user' ? caller.username : '(not logged in)',
    site: core.config.brokerName,
    received_at: core.now().toISOString(),
  };
  await core.transact(async (tx) => {
    for (const to of recipients) await core.mailer.enqueue(tx, { to, template: 'contact_requested', context });
  });
}
