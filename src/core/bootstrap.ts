// Start-up work that makes a fresh database usable: the broker organization that runs
// the site, and the administrator named in the settings (each only if absent).
import type { Core } from './context.js';
import { hashPassword } from './identity/passwords.js';
import { Conflict } from './errors.js';

export async function ensureBroker(core: Core): Promise<number> {
  const existing = await core.db.selectFrom('organizations').select(['id', 'slug'])
    .where('is_broker', '=', true).executeTakeFirst();
  if (existing) return existing.id;
  const row = await core.db.insertInto('organizations')
    .values({ slug: core.config.brokerSlug, full_name: core.config.brokerName, is_broker: true, is_provider: true })
    .onConflict((oc) => oc.column('is_broker').where('is_broker', '=', true).doNothing())
    .returning('id').executeTakeFirst();
  if (row) return row.id;
  const again = await core.db.selectFrom('organizations').select('id').where('is_broker', '=', true).executeTakeFirstOrThrow();
  return again.id;
}

/** Creates an active user who manages the broker, unless that username already exists. */
export async function ensureAdmin(
  core: Core,
  admin: { username: string; email: string; password: string },
): Promise<{ created: boolean; userId: number }> {
  const brokerId = await ensureBroker(core);
  const existing = await core.db.selectFrom('users').select('id')
    .where((eb) => eb(eb.fn('lower', ['slug']), '=', admin.username.toLowerCase())).executeTakeFirst();
  if (existing) return { created: false, userId: existing.id };
  const clash = await core.db.selectFrom('users').select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', admin.email.toLowerCase())).executeTakeFirst();
  if (clash) throw new Conflict(`Another user already has the e-mail ${admin.email}.`, 'email.taken');
  const passwordHash = await hashPassword(admin.password);
  const now = core.now();
  return core.transact(async (tx) => {
    const user = await tx.insertInto('users').values({
      slug: admin.username, email: admin.email, full_name: admin.username,
      password_hash: passwordHash, password_changed_at: now, email_verified_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    const manager = await tx.selectFrom('role_descriptions').select('id')
      .where('organization_id', 'is', null).where('slug', '=', 'manager').executeTakeFirstOrThrow();
    await tx.insertInto('roles').values({
      organization_id: brokerId, user_id: user.id, role_description_id: manager.id, accepted_at: now,
    }).execute();
    return { created: true, userId: user.id };
  });
}
