// The account pages' routes, children of the page frame (components/Shell.tsx): /me and
// /me/<section>, all for a logged-in person.
import type { RouteObject } from 'react-router';
import { areaPages } from '../../lib/lazy';

const { page, loggedIn } = areaPages(() => import('./pages'));

export const accountRoutes: RouteObject[] = [
  {
    path: 'me',
    ...loggedIn('AccountLayout'),
    children: [
      { index: true, ...page('ProfilePage') },
      { path: 'contact', ...page('ContactPage') },
      { path: 'password', ...page('PasswordPage') },
      // Loaded when first opened, with its QR code library.
      { path: 'security', lazy: async () => ({ Component: (await import('./SecurityPage')).SecurityPage }) },
      { path: 'api-keys', ...page('ApiKeysPage') },
      { path: 'ssh-keys', ...page('SshKeysPage') },
      { path: 'notifications', ...page('NotificationsPage') },
      { path: 'preferences', ...page('PreferencesPage') },
      { path: 'events', ...page('EventsPage') },
      { path: 'sessions', ...page('SessionsPage') },
      { path: 'orgs', ...page('OrgsPage') },
      { path: 'todos', ...page('TodosPage') },
    ],
  },
];
