// Errors the core throws. Each HTTP surface turns them into its own error shape in one
// error handler, so a rule never needs to know which API asked.

export abstract class DomainError extends Error {
  abstract readonly status: number;
}

/** One or more fields are invalid: `{field: [messages]}` on the native API. */
export class Invalid extends DomainError {
  readonly status = 400;
  readonly fields: Record<string, string[]>;
  constructor(field: string | Record<string, string[]>, message?: string) {
    const fields = typeof field === 'string' ? { [field]: [message ?? 'This field is invalid.'] } : field;
    super(Object.entries(fields).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; '));
    this.fields = fields;
  }
}

/** A request that is well formed but cannot be honoured, with a plain reason. */
export class BadRequest extends DomainError {
  readonly status = 400;
}

export class Unauthenticated extends DomainError {
  readonly status = 401;
  constructor(message = 'Authentication credentials were not provided.') {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly status = 403;
  constructor(message = 'You do not have permission to perform this action.') {
    super(message);
  }
}

export class NotFound extends DomainError {
  readonly status = 404;
  constructor(readonly what: string, message?: string) {
    super(message ?? `No ${what} matches the given query.`);
  }
}

export class Conflict extends DomainError {
  readonly status = 409;
}

/** Too many attempts; retryAfter in seconds. */
export class TooManyAttempts extends DomainError {
  readonly status = 429;
  constructor(message: string, readonly retryAfter: number) {
    super(message);
  }
}

/** Postgres' unique_violation, from either driver. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && (!constraint || e.constraint === constraint);
}
