// What a deployer driver is given and answers. A driver deploys one stack or application
// (create, change or destroy it) somewhere: the local driver only assigns a domain, the
// command driver runs the operator's program (Helm, Terraform, a script), the http driver
// calls the operator's provisioning service. Every try of a deployment sends the same
// `deployment_id`, so the operator can recognize a retry.
import type { DeploymentOperation } from '../../../db/schema.js';

export interface DeployRequest {
  deployment_id: number;
  /** Which try this is, from 1: a retry after a crash or a failure carries the same deployment_id. */
  attempt: number;
  operation: DeploymentOperation;
  target: 'stack' | 'application';
  stack: { id: number; uuid: string; name: string; subdomain: string; organization_id: number };
  application: {
    id: number; uuid: string; domain: string | null;
    package: { id: number; uuid: string; type: string; name: string };
    /** The validated settings (with their defaults filled in). */
    settings: Record<string, unknown>;
  } | null;
}

export interface DeployResult {
  /** Where the application answers (applications only); the local driver's is `{subdomain}.{DEPLOY_DOMAIN}`. */
  domain?: string | null;
  platform_meta?: Record<string, unknown> | null;
  /** The configurator user's token, POSTed to configurator_webhook_url as `{"token": ...}`. */
  configurator_token?: string | null;
  /** The link the activation mail carries (default: `https://{domain}/`). */
  activation_url?: string | null;
}

/**
 * A failed try. `retry` says whether trying again may help (a timeout, an unreachable
 * service, a crash of the command): the job is retried with backoff; otherwise (the
 * operator's deployer refused) the deployment fails at once.
 */
export class DeployFailure extends Error {
  /** `reason`: a stable dotted name shown in the stack's or application's `error.code` (`deployer.timeout`...). */
  constructor(message: string, readonly retry: boolean, readonly reason: string) {
    super(message);
  }
}

export type DeployerKind = 'local' | 'command' | 'http';

export interface DeployContext {
  deployDomain: string;
  timeoutMs: number;
  /** The package's deployer_config (command, url, headers...). */
  config: Record<string, unknown>;
}

export type Deployer = (request: DeployRequest, context: DeployContext) => Promise<DeployResult>;

/** A driver's answer, read from JSON the operator's program or service produced. */
export function readResult(value: unknown, source: string): DeployResult & { status: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DeployFailure(`${source} did not answer a JSON object.`, true, 'deployer.bad_answer');
  }
  const answer = value as Record<string, unknown>;
  const status = typeof answer.status === 'string' ? answer.status.toUpperCase() : 'READY';
  const text = (name: string) => {
    const v = answer[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.length > 2000) throw new DeployFailure(`${source}: "${name}" must be a string.`, false, 'deployer.bad_answer');
    return v;
  };
  const meta = answer.platform_meta;
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    throw new DeployFailure(`${source}: "platform_meta" must be an object.`, false, 'deployer.bad_answer');
  }
  if (status === 'FAILED') {
    throw new DeployFailure(text('error') ?? `${source} reported a failure.`, false, 'deployer.refused');
  }
  if (status === 'PENDING') {
    // Still under way on the operator's side: asked again later with the same deployment_id.
    throw new DeployFailure(`${source} is still deploying.`, true, 'deployer.pending');
  }
  if (status !== 'READY') throw new DeployFailure(`${source}: unknown status "${status}".`, false, 'deployer.bad_answer');
  const domain = text('domain');
  if (domain !== null && !/^[a-z0-9.-]{1,253}$/i.test(domain)) throw new DeployFailure(`${source}: "domain" is not a domain name.`, false, 'deployer.bad_answer');
  return {
    status,
    domain,
    platform_meta: (meta as Record<string, unknown> | undefined) ?? null,
    configurator_token: text('configurator_token'),
    activation_url: text('activation_url'),
  };
}
