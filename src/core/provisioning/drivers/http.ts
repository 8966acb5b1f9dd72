// The http deployer: POSTs the deployment as JSON to the operator's provisioning URL
// (deployer_config.url, with deployer_config.headers) and follows its answer: a 2xx with
// `{"status": "READY", ...}` finishes the deployment, `{"status": "PENDING"}` asks to be
// called again later (the job is retried with backoff, same deployment_id), `{"status":
// "FAILED", "error": ...}` or a 4xx fails it at once; a 5xx, a timeout or no connection is
// a failed try, retried. The URL goes through the SSRF check like every outgoing call.
import type { Core } from '../../context.js';
import { DomainError } from '../../errors.js';
import { cleanHeaders, postJson } from '../outbound-post.js';
import { DeployFailure, readResult, type Deployer } from './types.js';

export function httpDeployer(core: Pick<Core, 'config'>): Deployer {
  return async (request, context) => {
    const url = context.config.url;
    if (typeof url !== 'string' || !url) {
      throw new DeployFailure('The package\'s deployer_config.url is missing.', false, 'deployer.misconfigured');
    }
    let answer;
    try {
      answer = await postJson(core, 'deployer_config.url', url, request, cleanHeaders(context.config.headers), context.timeoutMs);
    } catch (error) {
      if (error instanceof DomainError) throw new DeployFailure(`The provisioning URL is not allowed: ${error.message}`, false, 'deployer.misconfigured');
      throw new DeployFailure(`The provisioning service could not be reached: ${(error as Error).message}`, true, 'deployer.unavailable');
    }
    const { status, text } = answer;
    let body: unknown;
    try { body = text.trim() ? JSON.parse(text) : undefined; } catch { body = undefined; }
    if (status >= 200 && status < 300) return readResult(body, 'The provisioning service');
    const said = body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
      ? `: ${((body as { error: string }).error).slice(0, 500)}` : '.';
    const retry = status >= 500 || status === 408 || status === 429;
    throw new DeployFailure(`The provisioning service answered ${status}${said}`, retry, retry ? 'deployer.unavailable' : 'deployer.refused');
  };
}
