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
  | 'too_many_attempts'; // slow down: retry after `retryAfter` seconds

export type FieldErrors = Record<string, string[]>;

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Stable across releases; clients and tests branch on it, never on the message. */
  readonly code: string;
  /** The fields at fault, each with its messages; empty when no field is. */
  readonly fields: FieldErrors;

  constructor(code: string, message: string, fields: FieldErrors = {}) {
    super(message);
    this.code = code;
    this.fields = fields;
  }
}

/** One or more fields are invalid. */
export class Invalid extends DomainError {
  readonly kind = 'invalid';
  constructor(field: string | FieldErrors, message?: string, code = 'field.invalid') {
    const fields = typeof field === 'string' ? { [field]: [message ?? 'This field is invalid.'] } : field;
    super(code, Object.entries(fields).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; '), fields);
  }
}

/** A request that is well formed but cannot be honoured, with a plain reason. */
export class BadRequest extends DomainError {
  readonly kind = 'refused';
  constructor(message: string, code = 'request.refused', fields: FieldErrors = {}) {
    super(code, message, fields);
  }
}

export class Unauthenticated extends DomainError {
  readonly kind = 'unauthenticated';
  constructor(message = 'Authentication credentials were not provided.', code = 'auth.required') {
    super(code, message);
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  constructor(message = 'You do not have permission to perform this action.', code = 'access.denied') {
    super(code, message);
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not_found';
  /** `what` names the kind of thing (`organization`, `user`); the code is `<what>.not_found`. */
  constructor(readonly what: string, message?: string, code = `${what.replace(/\s+/g, '_')}.not_found`) {
    super(code, message ?? `No ${what} matches the given query.`);
  }
}

export class Conflict extends DomainError {
  readonly kind = 'conflict';
  constructor(message: string, code = 'conflict', fields: FieldErrors = {}) {
    super(code, message, fields);
  }
}

/** Too many attempts; retryAfter in seconds. */
export class TooManyAttempts extends DomainError {
  readonly kind = 'too_many_attempts';
  constructor(message: string, readonly retryAfter: number, code = 'rate.limited') {
    super(code, message);
  }
}

/** Postgres' unique_violation, from either driver. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && (!constraint || e.constraint === constraint);
}
