// Which organizations and users a caller may see, as SQL fragments the lists filter by.
// They come from the one relation model (src/core/access/relations.ts), so the profile
// list, the auto-completion search and the per-user list can never disagree with the
// decisions on single organizations and users.
export { ACCEPTED, customerIds, isAmong, organizationIdsAbove, visibleOrganizationIds, visibleUserIds } from '../access/relations.js';
