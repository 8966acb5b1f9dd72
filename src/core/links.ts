// The links port: every URL a mail (or a text) points at comes from here, so the core
// never knows a surface's paths. The native API's implementation (src/http/djaoapp/links.ts)
// points at today's /api/... routes; a web portal will give page URLs instead. Keys are
// passed as they were issued (already URL-safe); slugs are encoded by the implementation.
export interface Links {
  /** The service's home, named in notices ("sign in at ..."). */
  site(): string;
  /** Where a registration is activated (and its password chosen). */
  activation(key: string): string;
  /** Where a new password is set; `uid` is the encoded user id that comes with the key. */
  passwordReset(uid: string, key: string): string;
  /** Where to ask for a reset link (named in notices of changes the owner did not make). */
  recover(): string;
  /** Where to register (named in invitations to someone without an account). */
  register(): string;
  /** Where a new e-mail address is confirmed. */
  emailConfirm(key: string): string;
  /** Where the former address undoes a change of address. */
  emailUndo(key: string): string;
  /** Where a user accepts an invitation to a role (while logged in). */
  invitation(userSlug: string, key: string): string;
  /** Where an organization's managers accept a request to join it. */
  roleRequest(organizationSlug: string, key: string): string;
  /** Where a subscriber's managers accept a subscription a provider granted them. */
  subscriptionGrant(organizationSlug: string, key: string): string;
  /** Where a provider's managers accept a subscription a subscriber asked for. */
  subscriptionRequest(providerSlug: string, key: string): string;
  /** An organization's own page. */
  organization(slug: string): string;
}
