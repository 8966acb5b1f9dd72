// The links port (src/core/links.ts) for the web portal: mails point at its pages, which
// read the key from their own address and call the API with it. The service uses these
// unless told otherwise (the API tests give the native API's links to follow them).
import type { Links } from '../../core/links.js';

/** Every page a mail links to, as a route template: the portal serves each (src/http/portal/index.ts). */
export const KEYED_PAGES = [
  '/activate/:key',
  '/reset/:uid/:key',
  '/email/confirm/:key',
  '/email/undo/:key',
  '/invitations/:user/:key',
  '/orgs/:organization/requests/:key',
  '/orgs/:organization/subscriptions/accept/:key',
  '/orgs/:organization/subscribers/accept/:key',
] as const;

export function portalLinks(baseUrl: string): Links {
  const at = (path: string) => `${baseUrl}${path}`;
  const slug = encodeURIComponent;
  return {
    site: () => at('/'),
    activation: (key) => at(`/activate/${key}`),
    passwordReset: (uid, key) => at(`/reset/${uid}/${key}`),
    recover: () => at('/recover'),
    register: () => at('/register'),
    emailConfirm: (key) => at(`/email/confirm/${key}`),
    emailUndo: (key) => at(`/email/undo/${key}`),
    invitation: (userSlug, key) => at(`/invitations/${slug(userSlug)}/${key}`),
    roleRequest: (organizationSlug, key) => at(`/orgs/${slug(organizationSlug)}/requests/${key}`),
    subscriptionGrant: (organizationSlug, key) => at(`/orgs/${slug(organizationSlug)}/subscriptions/accept/${key}`),
    subscriptionRequest: (providerSlug, key) => at(`/orgs/${slug(providerSlug)}/subscribers/accept/${key}`),
    organization: (organizationSlug) => at(`/orgs/${slug(organizationSlug)}`),
  };
}
