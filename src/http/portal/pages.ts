// The portal's page addresses. The same HTML shell answers each (the pages draw themselves
// in the browser), so a page that is not listed here is a 404, as it should be, and the
// API's own 404 answers stay the API's. Keyed pages (a one-time key in the path) are listed
// in ./links.ts, as route templates, so the request log redacts the key.
//
// `/me` is the person's own account (`/account` is get.chat's API), `/orgs/{slug}` an
// organization, `/console` the broker's administration.
export const PAGE_PATHS = [
  '/',
  '/login',
  '/login/*',
  '/logout',
  '/register',
  '/recover',
  '/me',
  '/me/*',
  '/orgs',
  '/orgs/*',
  '/console',
  '/console/*',
  '/pricing',
  '/cart',
  '/checkout',
  '/legal',
  '/legal/*',
] as const;
