// The account area's pages, one script loaded when the first of them opens (routes.tsx).
// The security page is not here: its QR code library loads only with it.
export { AccountLayout } from './AccountLayout';
export { ProfilePage } from './ProfilePage';
export { ContactPage } from './ContactPage';
export { PasswordPage } from './PasswordPage';
export { ApiKeysPage } from './ApiKeysPage';
export { SshKeysPage } from './SshKeysPage';
export { NotificationsPage } from './NotificationsPage';
export { PreferencesPage } from './PreferencesPage';
export { EventsPage } from './EventsPage';
export { SessionsPage } from './SessionsPage';
export { OrgsPage } from './OrgsPage';
export { TodosPage } from './TodosPage';
