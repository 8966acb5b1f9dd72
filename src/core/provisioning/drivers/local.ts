// The default deployer: nothing runs anywhere; a stack gets its namespace and an
// application the domain `{stack subdomain}.{DEPLOY_DOMAIN}`, and both are READY at once.
// It makes the whole API usable (and testable) without an operator's infrastructure.
import { randomToken } from '../../identity/secrets.js';
import type { Deployer } from './types.js';

export const localDeployer: Deployer = async (request, context) => {
  if (request.target === 'stack') {
    return {
      platform_meta: request.operation === 'destruction' ? null : {
        id: request.stack.id, name: request.stack.name, namespace: `stack-${request.stack.id}`,
      },
    };
  }
  if (request.operation === 'destruction') return { domain: request.application?.domain ?? null };
  const domain = `${request.stack.subdomain}.${context.deployDomain}`;
  return {
    domain,
    platform_meta: { id: request.application!.id, domain, version: 'local' },
    configurator_token: randomToken(24),
    activation_url: `https://${domain}/`,
  };
};
