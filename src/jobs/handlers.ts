// What each kind of job does. The queue (queue.ts) stores and schedules; these act, with
// the whole core at hand.
import type { Core } from '../core/context.js';
import { sendRecoveryLink } from '../core/identity/recovery.js';
import { completeRegistration } from '../core/identity/registration.js';
import type { JobHandlers } from './queue.js';

export function jobHandlers(core: Core): JobHandlers {
  return {
    'password-recovery': (payload) => sendRecoveryLink(core, payload),
    'registration': (payload) => completeRegistration(core, payload),
  };
}
