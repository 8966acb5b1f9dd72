// What a page needs before it draws anything: whose session this is (if any) and the
// broker it is served for (name and logo at the top of every page). Answered to anyone:
// an anonymous caller learns only the broker's public name and picture.
import type { Caller, Core } from '../context.js';
import { isBrokerManager } from '../access/policy.js';
import { findUserBySlug } from '../identity/users.js';

export interface SiteSession {
  broker: { slug: string; full_name: string; picture: string | null };
  user: { username: string; full_name: string; email: string | null; picture: string | null; is_broker_manager: boolean } | null;
}

export async function describeSession(core: Core, caller: Caller): Promise<SiteSession> {
  const broker = await core.db.selectFrom('organizations').select(['slug', 'full_name', 'picture'])
    .where('slug', '=', core.config.brokerSlug).executeTakeFirst();
  const site = { slug: core.config.brokerSlug, full_name: broker?.full_name || core.config.brokerName, picture: broker?.picture ?? null };
  if (caller.kind !== 'user') return { broker: site, user: null };
  const user = await findUserBySlug(core.db, caller.username);
  if (!user) return { broker: site, user: null };
  return {
    broker: site,
    user: {
      username: user.slug,
      full_name: user.full_name,
      email: user.email,
      picture: user.picture,
      is_broker_manager: await isBrokerManager(core, caller.userId),
    },
  };
}
