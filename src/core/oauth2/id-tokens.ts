// G9: a partner vouches for one of its customers' users into one application: an ID token
// (10 minutes) the application verifies against the authorization server's JWKS, as the
// fact of that user's authentication. Issued only when the three are related: the caller
// may issue ID tokens on the organization (its partner), the user holds an accepted role
// there, and the application is on one of its stacks. Issuing it records the user's access
// to the package's application for that customer.
import type { Caller, Core } from '../context.js';
import { authorizeOrganization } from '../access/policy.js';
import { Forbidden, NotFound } from '../errors.js';
import { randomToken } from '../identity/secrets.js';
import { signJwt, signingJwk } from './keys.js';
import { recordApplicationAccess } from '../identity/application-accesses.js';

/** The seed: "ID Token (valid for 10 minutes)". */
export const APPLICATION_ID_TOKEN_SECONDS = 600;

export interface ApplicationIdTokenRequest {
  organizationId: number;
  userId: number;
  applicationId: number;
  /** The authorization server's issuer (the surface knows its URL), so one JWKS verifies both kinds of ID token. */
  issuer: string;
}

export async function issueApplicationIdToken(core: Core, caller: Caller, request: ApplicationIdTokenRequest): Promise<{ id_token: string }> {
  const org = await core.db.selectFrom('organizations').select(['id', 'slug']).where('id', '=', request.organizationId).executeTakeFirst();
  if (!org) throw new NotFound('organization');
  await authorizeOrganization(core, caller, 'organization.id_tokens.issue', org);

  // An unknown user and a user of another organization answer alike: ids are not probed.
  const user = await core.db.selectFrom('users').innerJoin('roles as r', 'r.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.email_verified_at'])
    .where('users.id', '=', request.userId).where('r.organization_id', '=', org.id)
    .where('r.grant_key_hash', 'is', null).where('r.request_key', 'is', null).where('users.deleted_at', 'is', null).where('users.status', '=', 'active')
    .executeTakeFirst();
  if (!user) throw new Forbidden('The user has no access to this organization.', 'id_token.not_related');

  const application = await core.db.selectFrom('applications').innerJoin('stacks', 'stacks.id', 'applications.stack_id')
    .innerJoin('packages', 'packages.id', 'applications.package_id')
    .select(['applications.id', 'applications.uuid', 'stacks.id as stack_id', 'packages.type as package_type'])
    .where('applications.id', '=', request.applicationId).where('stacks.organization_id', '=', org.id)
    .where('applications.deleted_at', 'is', null).where('stacks.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!application) throw new NotFound('application', 'No application of this organization has this id.', 'application.not_found');

  const now = Math.floor(core.now().getTime() / 1000);
  const claims = {
    iss: request.issuer,
    sub: String(user.id),
    aud: application.uuid,
    iat: now,
    auth_time: now,
    exp: now + APPLICATION_ID_TOKEN_SECONDS,
    jti: randomToken(16),
    email: user.email ?? undefined,
    email_verified: user.email_verified_at !== null,
    organization_id: org.id,
    application_id: application.id,
    stack_id: application.stack_id,
    // Who vouched (RFC 8693's actor): the partner, not the user, authenticated.
    act: caller.kind === 'user' ? { sub: String(caller.userId) } : undefined,
  };
  const idToken = signJwt(signingJwk(core.config.secretKeys[0]!), claims);
  // The user's access to the package's application, for this customer (Accountcentral's access reports).
  await recordApplicationAccess(core.db, { userId: user.id, application: application.package_type, organizationId: org.id }, core.now());
  return { id_token: idToken };
}

