// Deployments (get.chat): creating, changing or deleting a stack or an application answers
// at once and queues a `deployment` job; the job runs the package's deployer driver
// (local, command, http), records the outcome and sends the webhook event.
// FOUNDATION STUB: the deployments lane replaces the body; the signature is the contract.
import type { Core } from '../context.js';

/** The job: runs one deployment row; throws to have pg-boss retry it with backoff. */
export async function runDeployment(core: Core, deploymentId: number): Promise<void> {
  void core; void deploymentId;
}
