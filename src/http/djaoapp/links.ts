// The links port (src/core/links.ts) for the native API: mails point at its routes, as
// DjaoApp's do. Every path a mail carries is written here, beside the routes that answer it.
import type { Links } from '../../core/links.js';

export function djaoappLinks(baseUrl: string): Links {
  const at = (path: string) => `${baseUrl}${path}`;
  const slug = encodeURIComponent;
  return {
    site: () => baseUrl,
    activation: (key) => at(`/api/auth/activate/${key}/`),
    passwordReset: (uid, key) => at(`/api/auth/reset/${uid}/${key}/`),
    recover: () => at('/api/auth/recover/'),
    register: () => at('/api/auth/register/'),
    emailConfirm: (key) => at(`/api/auth/email/${key}/`),
    emailUndo: (key) => at(`/api/auth/email/${key}/undo/`),
    invitation: (userSlug, key) => at(`/api/users/${slug(userSlug)}/accessibles/accept/${key}/`),
    roleRequest: (organizationSlug, key) => at(`/api/profile/${slug(organizationSlug)}/roles/accept/${key}/`),
    subscriptionGrant: (organizationSlug, key) => at(`/api/profile/${slug(organizationSlug)}/subscriptions/accept/${key}/`),
    subscriptionRequest: (providerSlug, key) => at(`/api/profile/${slug(providerSlug)}/subscribers/accept/${key}/`),
    organization: (organizationSlug) => at(`/app/${slug(organizationSlug)}/`),
  };
}
