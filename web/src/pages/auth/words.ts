// Refusals of the sign-in routes in words a person can act on. The API's messages are
// already sentences; throttling ones only say a number of seconds, so they get a duration
// and what to do meanwhile.
import { ApiError } from '../../lib/api';

/** "about 3 minutes" from the seconds a throttled answer names, or null. */
export function waitOf(error: ApiError): string | null {
  const seconds = Number(/(\d+) seconds/.exec(error.message)?.[1]);
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  if (seconds < 90) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} minutes`;
  return `about ${Math.round(minutes / 60)} hours`;
}

/** A title and a sentence for refusals that deserve more than the API's one line; null for the others. */
export function explain(error: ApiError): { title: string; text: string } | null {
  const wait = waitOf(error);
  switch (error.code) {
    case 'login.locked':
      return {
        title: 'Logging in is paused',
        text: `There were too many failed attempts for this account or from this network. For your safety, logging in is paused${wait ? ` for ${wait}` : ' for a while'}. `
          + 'Wait and try again, or reset your password: that lifts the pause at once.',
      };
    case 'rate.limited':
      return {
        title: 'Too many requests',
        text: `This browser sent too many requests in a short time. Wait${wait ? ` ${wait}` : ' a moment'}, then try again.`,
      };
    case 'send.limited':
      return {
        title: 'Too many messages sent',
        text: `We sent several messages of this kind recently, so we are holding off. Check your inbox (and spam folder) for the last one, or try again${wait ? ` in ${wait}` : ' later'}.`,
      };
    case 'user.suspended':
    case 'user.disabled':
      return { title: 'This account cannot log in', text: error.message };
    case 'user.not_activated':
      return { title: 'Activate your account first', text: error.message };
    case 'phone.missing':
    case 'email.missing':
      return { title: 'Your second factor cannot reach you', text: error.field('code') ?? error.message };
    case 'link.invalid':
      return {
        title: 'This link does not work',
        text: 'This link is invalid, was already used, or has expired. Links in our messages work once and for a limited time.',
      };
    default:
      return null;
  }
}
