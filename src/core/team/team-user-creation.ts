// Accountcentral's "Create user associated with customer": a customer's manager (or whoever
// sits above it) makes an account the customer owns (`home_organization_id`), with an
// accepted member role on it, its roles in the platform's applications, and an activation
// mail in which its owner chooses the password (no password is ever set or answered here).
//
// Duplicates: a taken username is refused (usernames are public, as registration says). A
// taken e-mail address is refused only when its account is one the caller may already see
// (a user of a customer they manage); any other address gets the same answer as a new one
// and its owner the mail registration sends for a taken address, so the answer never tells
// whether someone else's customer has an account with it.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Conflict, Invalid, isUniqueViolation } from '../errors.js';
import { authorizeOrganization, mayOnUser } from '../access/policy.js';
import { checkSendLimit } from '../notify/send-limits.js';
import { isEmailAddress } from '../notify/addresses.js';
import { checkUsername } from '../identity/registration.js';
import { sendActivationLink } from '../identity/activation.js';
import { sendPasswordResetLink } from '../identity/recovery.js';
import { preferenceOptions } from '../identity/preferences.js';
import { findUserByEmail, findUserBySlug, normalizeEmail } from '../identity/users.js';
import { recordOrganizationEvent } from '../organizations/events.js';
import { assertSeatAvailable } from '../organizations/quotas.js';
import { findOrganization, requireUser } from '../organizations/profiles.js';
import { lockOrganization } from '../memberships/role-views.js';
import { DEFAULT_ROLE_SLUG } from '../memberships/accesses.js';
import { checkApplicationRoles, writeApplicationRoles } from './capabilities.js';

export interface CustomerUserInput {
  username: string;
  name: string;
  surname: string;
  email: string;
  language: string;
  sex: 'M' | 'F';
  /** A role per application (`send`, `hub`, `cplan`, `flow`); null or absent: none. */
  roles: Readonly<Record<string, string | null | undefined>>;
}

const USERNAME_TAKEN = 'A user with that username already exists.';

/** Creates the account; answers the address the activation mail went to. */
export async function createCustomerUser(core: Core, caller: Caller, ref: Ref, input: CustomerUserInput): Promise<{ email: string }> {
  const actor = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.members.manage', organization);
  const username = input.username.trim();
  checkUsername(username);
  const name = input.name.trim();
  const surname = input.surname.trim();
  const errors: Record<string, string[]> = {};
  if (!name) errors.name = ['This field may not be blank.'];
  if (!surname) errors.surname = ['This field may not be blank.'];
  const email = normalizeEmail(input.email);
  if (!isEmailAddress(email)) errors.email = ['Enter a valid email address.'];
  if (!preferenceOptions().languages.some((l) => l.value === input.language)) {
    errors.language = [`"${input.language}" is not a language of the platform: one of ${preferenceOptions().languages.map((l) => l.value).join(', ')}.`];
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  checkApplicationRoles(core, input.roles);
  if (await findUserBySlug(core.db, username)) throw new Invalid('username', USERNAME_TAKEN, 'username.taken');
  // Every creation mails the address (the activation link, or its owner a notice): limited per address, known or not.
  await checkSendLimit(core, core.db, caller, 'registration', `email:${email}`);

  const existing = await findUserByEmail(core.db, email);
  if (existing) {
    if (await mayOnUser(core, caller, 'user.read', existing)) {
      throw new Conflict('A user with this e-mail address already exists.', 'email.taken', { email: ['A user with this e-mail address already exists.'] });
    }
    await core.transact((tx) => (existing.password_hash && existing.email_verified_at
      ? sendPasswordResetLink(core, tx, existing, { ip: actor.ip, userAgent: actor.userAgent }, 'registration_existing')
      : sendActivationLink(core, tx, existing)));
    return { email };
  }

  const now = core.now();
  try {
    await core.transact(async (tx) => {
      await lockOrganization(tx, organization.id);
      const user = await tx.insertInto('users').values({
        slug: username,
        email,
        full_name: `${name} ${surname}`,
        first_name: name,
        last_name: surname,
        sex: input.sex,
        home_organization_id: organization.id,
        user_type: 'interactive',
        created_at: now,
        updated_at: now,
      }).returning(['id', 'slug', 'email', 'full_name']).executeTakeFirstOrThrow();
      await assertSeatAvailable(tx, organization.id, user.id);
      const description = await tx.selectFrom('role_descriptions').select('id')
        .where('organization_id', 'is', null).where('slug', '=', DEFAULT_ROLE_SLUG).executeTakeFirstOrThrow();
      // Accepted at once: the customer made the account for its own team. Marked as given
      // without the person's consent, so it opens nothing of their data to anyone else
      // (the customer's managers administer the account as its home organization).
      await tx.insertInto('roles').values({
        organization_id: organization.id, user_id: user.id, role_description_id: description.id,
        created_by: actor.userId, created_at: now, accepted_at: now, granted_without_consent: true,
      }).execute();
      await tx.insertInto('user_preferences').values({ user_id: user.id, language: input.language, updated_at: now }).execute();
      await writeApplicationRoles(core, user.id, input.roles, actor.userId);
      await recordOrganizationEvent(tx, {
        organizationId: organization.id, type: 'team_user.created', actorId: actor.userId, now, detail: { user: username },
      });
      await sendActivationLink(core, tx, user);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_slug_key')) throw new Invalid('username', USERNAME_TAKEN, 'username.taken');
    if (isUniqueViolation(error, 'users_email_key')) {
      // Taken a moment ago by someone else: answered like every taken address the caller cannot see.
      return { email };
    }
    throw error;
  }
  return { email };
}
