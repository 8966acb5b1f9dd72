// The account pages' routes, children of the page frame (components/Shell.tsx): /me and
// /me/<section>, all for a logged-in person.
import type { RouteObject } from 'react-router';
import { RequireLogin } from '../../lib/session';
import { AccountLayout } from './AccountLayout';
import { ProfilePage } from './ProfilePage';
import { ContactPage } from './ContactPage';
import { PasswordPage } from './PasswordPage';
import { ApiKeysPage } from './ApiKeysPage';
import { SshKeysPage } from './SshKeysPage';
import { NotificationsPage } from './NotificationsPage';
import { PreferencesPage } from './PreferencesPage';
import { EventsPage } from './EventsPage';
import { SessionsPage } from './SessionsPage';
import { OrgsPage } from './OrgsPage';
import { TodosPage } from './TodosPage';

export const accountRoutes: RouteObject[] = [
  {
    path: 'me',
    element: <RequireLogin><AccountLayout /></RequireLogin>,
    children: [
      { index: true, element: <ProfilePage /> },
      { path: 'contact', element: <ContactPage /> },
      { path: 'password', element: <PasswordPage /> },
      // Loaded when first opened, with its QR code library.
      { path: 'security', lazy: async () => ({ Component: (await import('./SecurityPage')).SecurityPage }) },
      { path: 'api-keys', element: <ApiKeysPage /> },
      { path: 'ssh-keys', element: <SshKeysPage /> },
      { path: 'notifications', element: <NotificationsPage /> },
      { path: 'preferences', element: <PreferencesPage /> },
      { path: 'events', element: <EventsPage /> },
      { path: 'sessions', element: <SessionsPage /> },
      { path: 'orgs', element: <OrgsPage /> },
      { path: 'todos', element: <TodosPage /> },
    ],
  },
];
