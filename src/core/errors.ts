// Errors the core throws. A core error says what went wrong in the domain's terms: a
// stable machine `code` (`organization.suspended`, `role.last_manager`), a message for a
// person, and the fields at fault. It carries no HTTP status: each surface maps the
// error's kind (and, where it needs to, its code) to its own status and envelope.

/** The broad situation; surfaces map it to a status when no code needs its own. */
export type ErrorKind =
  | 'invalid'            // the input is wrong: fix the named fields
  | 'refused'            // well formed, but cannot be honoured in this state
  | 'unauthenticated'    // who is asking is unknown or their credential is not valid
  | 'forbidden'          // who is asking may not do this
  | 'not_found'          // what is named does not exist (or is not visible to them)
  | 'conflict'           // it clashes with what exists (a duplicate, a concurrent change)
  | 'too_many_attempts'  // slow down: retry after `retryAfter` seconds
  | 'unavailable';       // the service is too busy for this now: retry after `retryAfter` seconds

export type FieldErrors = Record<string, string[]>;

/**
 * Every code the core answers, with the kinds it comes with. A constructor accepts only a
 * code listed here for its kind, so a new situation needs a row here and one in
 * docs/errors.md (test/service/error-codes.test.ts checks the two lists are the same).
 * A code names a situation, not a place: the same situation has the same code wherever it
 * arises. A few come with two kinds, where the same situation is met with or without a
 * credential (a suspended account's token is 401, its login 403).
 */
export const ERROR_CODES = {
  // Generic
  'field.invalid': ['invalid'],
  'list.order_unknown': ['invalid'],
  'list.filter_unknown': ['invalid'],
  'request.refused': ['refused'],
  'auth.required': ['unauthenticated'],
  'access.denied': ['forbidden'],
  'request.conflict': ['conflict'],
  'rate.limited': ['too_many_attempts'],
  'server.busy': ['unavailable'],
  // Credentials and sessions
  'token.invalid': ['unauthenticated', 'refused'],
  'token.expired': ['unauthenticated', 'refused'],
  'token.password_changed': ['unauthenticated', 'refused'],
  'token.other_user': ['forbidden'],
  'session.ended': ['unauthenticated', 'refused'],
  'session.not_found': ['not_found'],
  'api_key.invalid': ['unauthenticated', 'refused'],
  'login.invalid_credentials': ['refused'],
  'login.locked': ['too_many_attempts'],
  'login.code_required': ['invalid'],
  'login.code_sent': ['invalid'],
  'code.invalid': ['invalid'],
  'code.not_sent': ['refused'],
  'code.too_many_failures': ['too_many_attempts'],
  'code.resend_too_soon': ['too_many_attempts'],
  'otp.not_pending': ['invalid'],
  'otp.not_enabled': ['refused'],
  'password.incorrect': ['invalid'],
  'password.required': ['invalid'],
  'password.too_weak': ['invalid'],
  'password.mismatch': ['invalid'],
  'password.second_factor': ['refused'],
  'link.invalid': ['not_found'],
  'send.limited': ['too_many_attempts'],
  // Users
  'user.not_found': ['not_found', 'unauthenticated', 'forbidden', 'refused'],
  'user.suspended': ['unauthenticated', 'forbidden', 'refused'],
  'user.disabled': ['unauthenticated', 'forbidden', 'refused'],
  'user.not_activated': ['refused'],
  'user.already_activated': ['refused'],
  'user.already_active': ['conflict'],
  'user.already_suspended': ['conflict'],
  'user.suspend_self': ['refused'],
  'reason.required': ['refused'],
  'username.taken': ['invalid'],
  'username.reserved': ['invalid'],
  'email.taken': ['invalid', 'conflict'],
  'email.missing': ['invalid'],
  'phone.missing': ['invalid'],
  'phone.needed_for_login': ['invalid'],
  // Organizations
  'organization.not_found': ['not_found'],
  'organization.suspended': ['forbidden'],
  'organization.closed': ['forbidden'],
  'organization.not_active': ['conflict'],
  'organization.not_suspended': ['conflict'],
  'organization.already_closed': ['conflict'],
  'organization.broker': ['refused'],
  'organization.personal': ['refused'],
  'organization.personal_exists': ['invalid'],
  'partner.suspended': ['forbidden'],
  'slug.taken': ['invalid'],
  'slug.reserved': ['invalid'],
  'quota.seats_exceeded': ['forbidden'],
  'quota.customers_exceeded': ['forbidden'],
  // Memberships: roles, invitations, requests, domains
  'role.not_found': ['not_found'],
  'role.exists': ['conflict'],
  'role.last_manager': ['conflict'],
  'role_description.exists': ['conflict'],
  'role_description.in_use': ['conflict'],
  'role_description.reserved': ['invalid'],
  'role_description.global': ['forbidden'],
  'invitation.not_pending': ['refused'],
  'request.not_found': ['not_found'],
  'request.exists': ['refused'],
  'request.limited': ['too_many_attempts'],
  'block.not_found': ['not_found'],
  'domain.not_found': ['not_found'],
  'domain.taken': ['conflict'],
  'domain.free_mail': ['invalid'],
  // Billing: processors, charges, cards on file
  'charge.not_found': ['not_found'],
  'charge.nothing_due': ['refused'],
  'charge.in_progress': ['conflict'],
  'card.declined': ['refused'],
  'card.not_found': ['not_found'],
  'processor.unavailable': ['refused'],
  'webhook.invalid_signature': ['refused'],
  'webhook.not_configured': ['not_found'],
  // Billing: coupons and the cart
  'coupon.not_found': ['not_found'],
  'coupon.code_taken': ['invalid'],
  'coupon.not_applicable': ['refused'],
  'coupon.code_reserved': ['invalid'],
  'coupon.claim_single_seat': ['refused', 'invalid'],
  'cart.too_large': ['refused'],
  'cart.changed': ['conflict'],
  // Billing: refunds and the ledger's statements
  'charge.not_refundable': ['refused'],
  'refund.exceeds_line': ['invalid'],
  'refund.insufficient_funds': ['refused'],
  // Billing: plans and subscriptions
  'organization.not_provider': ['refused'],
  'plan.not_found': ['not_found'],
  'plan.title_taken': ['invalid'],
  'plan.in_use': ['forbidden', 'invalid'],
  'plan.inactive': ['invalid'],
  'plan.priced': ['invalid'],
  'subscription.not_found': ['not_found'],
  'subscription.extend_refused': ['invalid'],
  'subscription.ended': ['refused'],
  // Billing: idempotency keys, checkout
  'idempotency.key_reused': ['conflict'],
  'idempotency.in_progress': ['conflict'],
  'checkout.option_required': ['invalid'],
  'checkout.mixed_units': ['refused'],
  'receipt.not_paid': ['refused'],
  // get.chat: quotas
  'quota.organizations_exceeded': ['forbidden'],
  'quota.stacks_exceeded': ['forbidden'],
  'quota.applications_exceeded': ['forbidden'],
  // Deployments: packages, stacks, applications
  'package.not_found': ['not_found'],
  'package.type_taken': ['conflict'],
  'package.in_use': ['refused'],
  'package.defined_in_file': ['refused'],
  'setting.unknown': ['invalid'],
  'setting.not_allowed': ['forbidden'],
  'setting.out_of_range': ['invalid'],
  'stack.not_found': ['not_found'],
  'stack.locked': ['conflict'],
  'stack.subdomain_taken': ['conflict'],
  'stack.not_empty': ['refused'],
  'application.not_found': ['not_found'],
  'application.locked': ['conflict'],
  'routing.not_found': ['not_found'],
  // Webhooks and OAuth2
  'url.not_allowed': ['invalid'],
  'delivery.not_found': ['not_found'],
  'webhook.no_url': ['conflict'],
  'oauth_client.not_found': ['not_found'],
  'id_token.not_related': ['forbidden'],
  // The authorization server's OAuth 2.0 errors (`oauth.<error>`), beside its own `error` field.
  'oauth.invalid_request': ['invalid'],
  'oauth.invalid_client': ['unauthenticated'],
  'oauth.invalid_grant': ['invalid'],
  'oauth.unauthorized_client': ['forbidden'],
  'oauth.unsupported_grant_type': ['invalid'],
  'oauth.invalid_scope': ['invalid'],
  'oauth.invalid_redirect_uri': ['invalid'],
  'oauth.invalid_client_metadata': ['invalid'],
  'oauth.invalid_token': ['unauthenticated'],
  // Themes and test mails
  'theme.archive_invalid': ['invalid'],
  'theme.too_large': ['invalid'],
  'theme.path_unsafe': ['invalid'],
  'theme.file_not_allowed': ['invalid'],
  'theme.template_invalid': ['invalid'],
  'template.not_found': ['not_found'],
  // Accountcentral: the caller's own data (service, user, options)
  'password.reused': ['invalid'],

  // Accountcentral: team administration and capabilities
  'user.administer_self': ['refused'],
  'phone.not_verified': ['invalid'],

  // Accountcentral: customers and provisioning jobs
  'customer.inactive_refused': ['refused'],
  'capability.not_found': ['not_found'],
  'provisioning_job.not_found': ['not_found'],
  'provisioning.not_prepared': ['refused'],
  'provisioning.in_progress': ['conflict'],

  // Accountcentral: DKIM keys, FBLs and message signing
  'dkim.not_found': ['not_found'],
  'dkim.exists': ['conflict'],
  'dkim.key_mismatch': ['invalid'],
  'dkim.inactive': ['refused'],
  'dkim.no_signing_key': ['refused'],
  'dkim.key_unreadable': ['conflict'],
  'fbl.not_found': ['not_found'],
  'fbl.exists': ['conflict'],

  // Accountcentral: notifications, news and application status
  'platform_application.not_found': ['not_found'],
  'news.feed_not_configured': ['refused'],

  // EmbedThis: accounts
  'account.email_ambiguous': ['conflict'],
  'account.not_empty': ['conflict'],

  // Billing: renewals (lane renewals)

  // Billing: metrics and balance sheets (lane metrics)
  'balance_line.not_found': ['not_found'],

  // Legal agreements and the ledger's export (lane legal)
  'agreement.not_found': ['not_found'],
  'legal.terms_unsigned': ['forbidden'],

} as const satisfies Record<string, readonly ErrorKind[]>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes that may come with kind K. */
export type CodeOf<K extends ErrorKind> = { [C in ErrorCode]: K extends (typeof ERROR_CODES)[C][number] ? C : never }[ErrorCode];

/** Whether `code` is listed with `kind`: for passing an error on under another kind. */
export function isCodeOf<K extends ErrorKind>(code: ErrorCode, kind: K): code is CodeOf<K> {
  return (ERROR_CODES[code] as readonly ErrorKind[]).includes(kind);
}

/** What NotFound can name by itself: `<thing>.not_found` is a code. */
export type NotFoundThing = { [C in CodeOf<'not_found'>]: C extends `${infer W}.not_found` ? W : never }[CodeOf<'not_found'>];

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Stable across releases; clients and tests branch on it, never on the message. */
  readonly code: ErrorCode;
  /** The fields at fault, each with its messages; empty when no field is. */
  readonly fields: FieldErrors;

  constructor(code: ErrorCode, message: string, fields: FieldErrors = {}) {
    super(message);
    this.code = code;
    this.fields = fields;
  }
}

/** One or more fields are invalid. */
export class Invalid extends DomainError {
  readonly kind = 'invalid';
  constructor(field: string | FieldErrors, message?: string, code: CodeOf<'invalid'> = 'field.invalid') {
    const fields = typeof field === 'string' ? { [field]: [message ?? 'This field is invalid.'] } : field;
    super(code, Object.entries(fields).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; '), fields);
  }
}

/** A request that is well formed but cannot be honoured, with a plain reason. */
export class BadRequest extends DomainError {
  readonly kind = 'refused';
  constructor(message: string, code: CodeOf<'refused'> = 'request.refused', fields: FieldErrors = {}) {
    super(code, message, fields);
  }
}

export class Unauthenticated extends DomainError {
  readonly kind = 'unauthenticated';
  constructor(message = 'Authentication credentials were not provided.', code: CodeOf<'unauthenticated'> = 'auth.required') {
    super(code, message);
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  constructor(message = 'You do not have permission to perform this action.', code: CodeOf<'forbidden'> = 'access.denied') {
    super(code, message);
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not_found';
  /** `what` names the kind of thing (`organization`, `user`); the code is `<what>.not_found`. */
  constructor(what: NotFoundThing, message?: string);
  constructor(what: string, message: string | undefined, code: CodeOf<'not_found'>);
  constructor(readonly what: string, message?: string, code?: CodeOf<'not_found'>) {
    super(code ?? (`${what}.not_found` as CodeOf<'not_found'>), message ?? `No ${what} matches the given query.`);
  }
}

export class Conflict extends DomainError {
  readonly kind = 'conflict';
  constructor(message: string, code: CodeOf<'conflict'> = 'request.conflict', fields: FieldErrors = {}) {
    super(code, message, fields);
  }
}

/** Too many attempts; retryAfter in seconds. */
export class TooManyAttempts extends DomainError {
  readonly kind = 'too_many_attempts';
  constructor(message: string, readonly retryAfter: number, code: CodeOf<'too_many_attempts'> = 'rate.limited') {
    super(code, message);
  }
}

/** The service cannot take this on now (its password hashing is saturated, say); retryAfter in seconds. */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
  constructor(message: string, readonly retryAfter: number, code: CodeOf<'unavailable'> = 'server.busy') {
    super(code, message);
  }
}

/** The seconds a client should wait before trying again, for the errors that say (429, 503). */
export function retryAfterOf(error: DomainError): number | null {
  return error instanceof TooManyAttempts || error instanceof Unavailable ? error.retryAfter : null;
}

export const CODE_INVALID = 'The one-time code is invalid or has expired.';

/** The one answer to a typed one-time code (login, authenticator setup, phone) that is wrong, used or expired. */
export function codeInvalid(): Invalid {
  return new Invalid('code', CODE_INVALID, 'code.invalid');
}

export const LINK_INVALID = 'This link is invalid, was already used, or has expired.';

/**
 * The one answer to a one-time link (activation, reset, e-mail change and its undo,
 * invitation, join request) that is unknown, used or expired: the same kind, code and
 * message on every route, so no route tells these cases apart or answers differently.
 */
export function linkInvalid(): NotFound {
  return new NotFound('link', LINK_INVALID, 'link.invalid');
}

/**
 * The database could not take the query now, as the Unavailable to answer (503 server.busy),
 * or null for anything else. No connection came free within DATABASE_POOL_WAIT_MS, or a new
 * one could not be opened in that time (pg-pool's two timeouts, which carry no code); the
 * server refused a connection (too_many_connections, cannot_connect_now); or a statement was
 * cancelled for running past DATABASE_STATEMENT_TIMEOUT_MS (query_canceled) or waiting on a
 * lock (lock_not_available). The words promise nothing about what the request did before.
 */
export function unavailableFromDatabase(error: unknown): Unavailable | null {
  if (!(error instanceof Error)) return null;
  const { code } = error as { code?: string };
  const busy = code === '57014' || code === '55P03' || code === '53300' || code === '57P03'
    || (!code && (error.message === 'timeout exceeded when trying to connect' || error.message === 'Connection terminated due to connection timeout'));
  return busy ? new Unavailable('The database could not answer in time. Try again shortly.', 1) : null;
}

/** Postgres' unique_violation, from either driver. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && (!constraint || e.constraint === constraint);
}
