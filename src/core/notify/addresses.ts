// What this service accepts as an e-mail address and as a name that may go into a mail's
// header. One definition, used by every field that takes one (through the validator's
// `email` and `single-line` formats) and by the mailer before it records a mail.

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A plain addr-spec, `local@domain.tld`, in ASCII: no display name, no angle brackets, no
 * quoted local part, no comments, no IP literal, no control or space characters; at most
 * 64 characters before the @ and 254 in all. A value like `x<attacker@evil.test>` is
 * refused, where a mail library would read it as a name and an address to send to.
 * Internationalized domains are accepted in their ASCII (punycode) form.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  if (!LOCAL_PART.test(value.slice(0, at))) return false;
  const labels = value.slice(at + 1).split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return false;
  // The top-level domain is never all digits (that would be an IP address).
  return !/^\d+$/.test(labels[labels.length - 1]);
}

/**
 * Characters a name that may appear in a mail's subject must not hold: control characters
 * (C0 with CR, LF and TAB, DEL, C1), the Unicode line and paragraph separators, and the
 * bidirectional overrides that can make a subject read differently from what it says.
 */
const NOT_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** True for a name that can go into a header as is. */
export function isSingleLine(value: string): boolean {
  return !NOT_SINGLE_LINE.test(value);
}

/** Folds any value onto one header-safe line (for values that were never checked). */
export function oneLine(value: string): string {
  return value.replace(new RegExp(NOT_SINGLE_LINE.source, 'g'), ' ').replace(/ {2,}/g, ' ').trim();
}
