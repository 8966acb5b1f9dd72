// DjaoApp names rows by slug in its paths, and every role of a user by `*`; the core takes
// references (`{id}` or `{slug}`), so this surface says which it means.
import { ALL_ROLES, type RolesRef } from '../../core/memberships/role-views.js';

/** A role path parameter: `*` for every role the user holds, else a description's slug. */
export function rolesRef(param: string): RolesRef {
  return param === '*' ? ALL_ROLES : { slug: param };
}
