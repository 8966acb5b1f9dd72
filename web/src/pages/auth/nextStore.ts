// Where to go after an activation that a sign-up started: the mailed link cannot carry the
// sign-up page's `?next=` (an invitation, a cart), so this browser remembers it for a day.
import { safeNext } from '../../lib/session';

const KEY = 'portal.afterActivation';
const DAY_MS = 24 * 60 * 60 * 1000;

export function rememberNext(next: string | null): void {
  try {
    if (next && safeNext(next, '') !== '') localStorage.setItem(KEY, JSON.stringify({ next, at: Date.now() }));
    else localStorage.removeItem(KEY);
  } catch {
    // Storage may be off (private mode): the person lands on their account page instead.
  }
}

/** The remembered path (once: it is forgotten as it is read), or null. */
export function takeRememberedNext(): string | null {
  try {
    const raw = localStorage.getItem(KEY);
    localStorage.removeItem(KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && 'next' in parsed && 'at' in parsed
      && typeof parsed.next === 'string' && typeof parsed.at === 'number' && Date.now() - parsed.at < DAY_MS) {
      return parsed.next;
    }
  } catch {
    // Unreadable: nothing remembered.
  }
  return null;
}
