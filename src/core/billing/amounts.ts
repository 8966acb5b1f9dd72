// Amounts as people read them ("$1121.20", "(€20.00)", "1000.00 jpy"), the way DjaoApp
// writes them in statements, charges and receipts. Money stays integer minor units; only
// the text is made here.

const PREFIXES: Record<string, string> = { usd: '$', cad: '$', eur: '\u20ac' };

/**
 * `amount` minor units of `unit` as text: a symbol for the currencies that have one, else
 * the unit after the number; `negative` (or a negative amount) puts it in parentheses, the
 * way a statement shows a debit.
 */
export function readableAmount(amount: number, unit: string, negative = false): string {
  const lower = unit.toLowerCase();
  const prefix = PREFIXES[lower] ?? '';
  const suffix = prefix === '' || lower === 'cad' ? ` ${lower}` : '';
  const magnitude = Math.abs(amount);
  const text = String(magnitude).padStart(3, '0');
  // No thousands separator: the seed writes "$1121.20".
  const whole = text.slice(0, -2);
  const result = `${prefix}${whole}.${text.slice(-2)}${suffix}`;
  return negative || amount < 0 ? `(${result})` : result;
}

/**
 * Parses an amount given in whole currency units ("10.00", 10, 10.5) into minor units,
 * without going through floating-point arithmetic. Null when it is not a plain decimal
 * with at most two decimals.
 */
export function parseCurrencyAmount(value: string | number): number | null {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

/** Minor units as whole currency units with two decimals ("10.00"), as the offline import echoes them. */
export function decimalAmount(amount: number): string {
  const text = String(Math.abs(amount)).padStart(3, '0');
  return `${amount < 0 ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`;
}
