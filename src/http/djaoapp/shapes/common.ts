// Small conversions every presenter uses.

/** An absent value is null in every answer, never "" (the database keeps some as ''). */
export function orNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/** Times are sent as ISO 8601 UTC. */
export function iso(value: Date | string): string {
  // Rows already carry Dates: no copy needed to print one.
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : iso(value);
}
