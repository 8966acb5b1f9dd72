// Deployments (get.chat): creating, changing or deleting a stack or an application answers
// at once and queues a `deployment` job; the job runs the package's deployer driver
// (local, command, http), records the outcome and sends the webhook event.
//
// One row of `deployments` per operation, its state the job's truth: the job claims it
// (pending/running -> running, one more attempt), runs the driver outside every
// transaction, and finishes it in one unit of work: the row's state (only if still
// `running`), the stack or application, the webhook event, the activation mail. A job
// delivered again after its row finished (a crash between the commit and pg-boss's
// completion) finds nothing to claim: the outcome is recorded and announced once; so does a
// run while another holds the row (`running` since less than a run may take). A crash mid-run
// leaves the row `running`: pg-boss hands the job out again once it expires, the row is
// claimed again and the driver runs with the same deployment_id (a retry to the operator).
import { sql } from 'kysely';
import type { Core } from '../context.js';
import type { DeploymentOperation } from '../../db/schema.js';
import { queueWebhookEvent, type WebhookEvent } from '../notify/webhooks.js';
import { cleanHeaders, postJson } from './outbound-post.js';
import { openApplicationSettings } from './settings.js';
import { localDeployer } from './drivers/local.js';
import { commandDeployer } from './drivers/command.js';
import { httpDeployer } from './drivers/http.js';
import { DeployFailure, type DeployRequest, type DeployResult, type Deployer, type DeployerKind } from './drivers/types.js';
import {
  applicationEventData, objectOf, stackEventData, type ApplicationRow, type StackRow,
} from './views.js';

/** Tries of one deployment: the first and pg-boss's retries (QUEUES.deployment.retryLimit is this minus one). */
export const DEPLOYMENT_MAX_ATTEMPTS = 9;

export type DeploymentTarget = { kind: 'stack'; id: number } | { kind: 'application'; id: number };

/**
 * Records a deployment of `target` and queues its job, in the caller's unit of work: a
 * change that rolls back deploys nothing. The target must already be locked (is_locked,
 * user_status REQUESTED) by the caller, in the same unit.
 */
export async function requestDeployment(
  core: Core, target: DeploymentTarget, operation: DeploymentOperation, requestedBy: number | null, detail?: Record<string, unknown>,
): Promise<number> {
  return core.transact(async (tx) => {
    const row = await tx.insertInto('deployments').values({
      target: target.kind, target_id: target.id, operation, requested_by: requestedBy,
      created_at: core.now(), ...(detail ? { detail: JSON.stringify(detail) } : {}),
    }).returning('id').executeTakeFirstOrThrow();
    await core.jobs.enqueue('deployment', { deploymentId: row.id });
    return row.id;
  });
}

// ---- the job ----

function deployerOf(core: Core, kind: DeployerKind): Deployer {
  switch (kind) {
    case 'local': return localDeployer;
    case 'command': return commandDeployer;
    case 'http': return httpDeployer(core);
  }
}

interface Loaded {
  request: DeployRequest;
  deployer: DeployerKind;
  deployerConfig: Record<string, unknown>;
  organizationId: number;
  settings: Record<string, unknown>;
}

async function load(core: Core, deployment: { id: number; target: 'stack' | 'application'; target_id: number; operation: DeploymentOperation; attempts: number }): Promise<Loaded | null> {
  let application: ApplicationRow | undefined;
  let stackId = deployment.target_id;
  if (deployment.target === 'application') {
    application = await core.db.selectFrom('applications').selectAll().where('id', '=', deployment.target_id).executeTakeFirst();
    if (!application) return null;
    stackId = application.stack_id;
  }
  const stack = await core.db.selectFrom('stacks').selectAll().where('id', '=', stackId).executeTakeFirst();
  if (!stack) return null;
  const pkg = application
    ? await core.db.selectFrom('packages').selectAll().where('id', '=', application.package_id).executeTakeFirst()
    : undefined;
  if (application && !pkg) return null;
  const settings = application ? openApplicationSettings(core, objectOf(application.settings) ?? {}) : {};
  return {
    request: {
      deployment_id: deployment.id,
      attempt: deployment.attempts,
      operation: deployment.operation,
      target: deployment.target,
      stack: { id: stack.id, uuid: stack.uuid, name: stack.name, subdomain: stack.subdomain, organization_id: stack.organization_id },
      application: application && pkg ? {
        id: application.id, uuid: application.uuid, domain: application.domain,
        package: { id: pkg.id, uuid: pkg.uuid, type: pkg.type, name: pkg.name },
        settings,
      } : null,
    },
    // A stack has no package: its deployment is bookkeeping (its namespace), done locally.
    deployer: pkg?.deployer ?? 'local',
    deployerConfig: objectOf(pkg?.deployer_config) ?? {},
    organizationId: stack.organization_id,
    settings,
  };
}

/** The job: runs one deployment row; throws to have pg-boss retry it with backoff. */
export async function runDeployment(core: Core, deploymentId: number): Promise<void> {
  const now = core.now();
  // A run may take the driver's timeout plus the configurator's: a row `running` for longer
  // was left by a run that died (a crash); a younger one belongs to a run under way.
  const leaseMs = core.config.deployTimeoutMs + core.config.webhookTimeoutMs + 60_000;
  const claimed = await core.db.updateTable('deployments')
    .set({ state: 'running', attempts: sql<number>`attempts + 1`, started_at: now })
    .where('id', '=', deploymentId)
    .where((eb) => eb.or([
      eb('state', '=', 'pending'),
      eb.and([eb('state', '=', 'running'), eb('started_at', '<', new Date(now.getTime() - leaseMs))]),
    ]))
    .returningAll().executeTakeFirst();
  // Finished already (a job delivered twice does nothing the second time), or under way elsewhere.
  if (!claimed) return;

  const loaded = await load(core, claimed);
  if (!loaded) {
    await finish(core, claimed, { failure: new DeployFailure('What this deployment is about no longer exists.', false, 'deployer.gone') });
    return;
  }
  let result: DeployResult;
  try {
    result = await deployerOf(core, loaded.deployer)(loaded.request, {
      deployDomain: core.config.deployDomain, timeoutMs: core.config.deployTimeoutMs, config: loaded.deployerConfig,
    });
    if (claimed.target === 'application' && claimed.operation === 'deployment') {
      await sendConfiguratorToken(core, loaded.settings, result);
    }
  } catch (error) {
    const failure = error instanceof DeployFailure
      ? error
      : new DeployFailure(`The deployer failed: ${(error as Error).message ?? String(error)}`, true, 'deployer.failed');
    if (failure.retry && claimed.attempts < DEPLOYMENT_MAX_ATTEMPTS) {
      await recordFailedTry(core, claimed, failure);
      throw failure;
    }
    await finish(core, claimed, { failure });
    return;
  }
  await finish(core, claimed, { result });
}

function errorOf(failure: DeployFailure, attempts: number): Record<string, unknown> {
  return { code: failure.reason, message: failure.message.slice(0, 1000), attempts };
}

/** A try failed and another will come: the error shows on the row, which stays locked and REQUESTED. */
async function recordFailedTry(core: Core, deployment: { id: number; target: 'stack' | 'application'; target_id: number; attempts: number }, failure: DeployFailure): Promise<void> {
  const error = JSON.stringify({ ...errorOf(failure, deployment.attempts), retrying: true });
  await core.transact(async (tx) => {
    // Back to pending: the retry claims it at once.
    await tx.updateTable('deployments').set({ error, state: 'pending' }).where('id', '=', deployment.id).where('state', '=', 'running').execute();
    const table = deployment.target === 'stack' ? 'stacks' : 'applications';
    await tx.updateTable(table).set({ error, status: 'FAILED' }).where('id', '=', deployment.target_id).execute();
  });
}

/**
 * The configurator flow: after the inbox is created, the configurator user's token is POSTed
 * as `{"token": ...}` to configurator_webhook_url with configurator_webhook_headers. Part of the
 * try: a receiver that fails has the deployment retried (at least once delivery).
 */
async function sendConfiguratorToken(core: Core, settings: Record<string, unknown>, result: DeployResult): Promise<void> {
  const url = settings.configurator_webhook_url;
  if (typeof settings.configurator_user !== 'string' || typeof url !== 'string' || !url) return;
  const token = result.configurator_token;
  if (!token) throw new DeployFailure('The deployer gave no configurator token, and configurator_user is set.', false, 'deployer.bad_answer');
  let answer;
  try {
    answer = await postJson(core, 'settings.configurator_webhook_url', url, { token }, cleanHeaders(settings.configurator_webhook_headers), core.config.webhookTimeoutMs);
  } catch (error) {
    throw new DeployFailure(`The configurator webhook could not be reached: ${(error as Error).message}`, true, 'configurator.unavailable');
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new DeployFailure(`The configurator webhook answered ${answer.status}.`, true, 'configurator.unavailable');
  }
}

type Outcome = { result: DeployResult; failure?: undefined } | { failure: DeployFailure; result?: undefined };

async function finish(
  core: Core,
  deployment: { id: number; target: 'stack' | 'application'; target_id: number; operation: DeploymentOperation; attempts: number; requested_by: number | null; detail: unknown },
  outcome: Outcome,
): Promise<void> {
  const now = core.now();
  const failed = outcome.failure !== undefined;
  const error = outcome.failure ? JSON.stringify(errorOf(outcome.failure, deployment.attempts)) : null;
  await core.transact(async (tx) => {
    const done = await tx.updateTable('deployments')
      .set({ state: failed ? 'failed' : 'succeeded', finished_at: now, error })
      .where('id', '=', deployment.id).where('state', '=', 'running')
      .returning('id').executeTakeFirst();
    if (!done) return; // another run finished it first
    const destroyed = !failed && deployment.operation === 'destruction';
    const common = {
      modified_at: now,
      is_locked: false,
      error,
      status: failed ? 'FAILED' : destroyed ? 'DELETED' : 'READY',
      user_status: failed ? 'FAILED' : destroyed ? 'DELETED' : 'READY',
      ...(destroyed ? { deleted_at: now, is_deployed: false } : failed ? {} : { is_deployed: true }),
    };
    const event = `${deployment.target}.${deployment.operation}.${failed ? 'failed' : 'succeeded'}` as WebhookEvent;
    if (deployment.target === 'stack') {
      const stack = await tx.updateTable('stacks').set({
        ...common,
        ...(outcome.result && !destroyed ? { platform_meta: JSON.stringify(outcome.result.platform_meta ?? null) } : {}),
      }).where('id', '=', deployment.target_id).returningAll().executeTakeFirst();
      if (!stack) return;
      await queueWebhookEvent(core, stack.organization_id, event, stackEventData(stack));
      const detail = objectOf(deployment.detail);
      if (!failed && detail?.redeploy_applications === true) await redeployApplications(core, stack, deployment.requested_by);
      const following = Array.isArray(detail?.deploy_applications) ? detail.deploy_applications.filter((id): id is number => Number.isSafeInteger(id)) : [];
      if (following.length) await followStack(core, stack, following, failed, deployment.requested_by);
      return;
    }
    const application = await tx.updateTable('applications').set({
      ...common,
      ...(outcome.result && !destroyed ? {
        domain: outcome.result.domain ?? null,
        platform_meta: JSON.stringify(outcome.result.platform_meta ?? null),
      } : {}),
    }).where('id', '=', deployment.target_id).returningAll().executeTakeFirst();
    if (!application) return;
    const stack = await tx.selectFrom('stacks').select('organization_id').where('id', '=', application.stack_id).executeTakeFirstOrThrow();
    if (destroyed) {
      await tx.updateTable('package_routings').set({ deleted_at: now, modified_at: now })
        .where('application_id', '=', application.id).where('deleted_at', 'is', null).execute();
    }
    await queueWebhookEvent(core, stack.organization_id, event, applicationEventData(application));
    if (!failed && deployment.operation === 'deployment') await mailActivation(core, application, outcome.result!);
  });
}

/** A stack's subdomain changed: each of its applications is redeployed (its domain changes). */
async function redeployApplications(core: Core, stack: StackRow, requestedBy: number | null): Promise<void> {
  const now = core.now();
  const applications = await core.db.updateTable('applications')
    .set({ is_locked: true, user_status: 'REQUESTED', status: 'REQUESTED', modified_at: now })
    .where('stack_id', '=', stack.id).where('deleted_at', 'is', null)
    .returning('id').execute();
  for (const { id } of applications) await requestDeployment(core, { kind: 'application', id }, 'modification', requestedBy);
}

/**
 * Applications created with their stack (the instant creation) wait for it: deployed once
 * it is READY; failed with it otherwise, each with its own failure event.
 */
async function followStack(core: Core, stack: StackRow, applicationIds: number[], stackFailed: boolean, requestedBy: number | null): Promise<void> {
  if (!stackFailed) {
    for (const id of applicationIds) await requestDeployment(core, { kind: 'application', id }, 'deployment', requestedBy);
    return;
  }
  const error = JSON.stringify(errorOf(new DeployFailure('Its stack could not be deployed.', false, 'stack.failed'), 0));
  const applications = await core.db.updateTable('applications')
    .set({ is_locked: false, user_status: 'FAILED', status: 'FAILED', error, modified_at: core.now() })
    .where('id', 'in', applicationIds).where('deleted_at', 'is', null).returningAll().execute();
  for (const application of applications) {
    await queueWebhookEvent(core, stack.organization_id, 'application.deployment.failed', applicationEventData(application));
  }
}

/** The owner at admin_email learns the inbox is ready, with its activation link. */
async function mailActivation(core: Core, application: ApplicationRow, result: DeployResult): Promise<void> {
  const settings = openApplicationSettings(core, objectOf(application.settings) ?? {});
  const to = settings.admin_email;
  if (typeof to !== 'string' || !to) return;
  const pkg = await core.db.selectFrom('packages').select('name').where('id', '=', application.package_id).executeTakeFirst();
  const domain = application.domain ?? result.domain ?? '';
  await core.mailer.enqueue(core.db, {
    to,
    template: 'application_activation',
    context: {
      package: pkg?.name ?? 'application',
      domain,
      link: result.activation_url ?? (domain ? `https://${domain}/` : ''),
      site: core.config.brokerName,
    },
  });
}
